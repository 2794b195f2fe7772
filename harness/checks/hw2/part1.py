"""HW2 Part 1 (backpropagation): the notebook's layer tests, judged against the reference."""

from __future__ import annotations

import numpy as np
import torch

from ...compare import as_f64, mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding
from .layer_judge import (
    BACKWARD_NOT_RUN,
    LayerVerdict,
    build_reference,
    bwd,
    check_param_shapes,
    fwd,
    judge_layer,
    load_student_params,
    mode,
    reference_pass,
    run,
    with_init,
)

N, IN_FEATURES, NUM_CLASSES = 100, 200, 10
DROPOUT_P = 0.6


def _merged(findings: list[Finding]) -> Finding:
    """One component judged on several shapes: passed when all passed, the failures' messages."""
    failed = [f for f in findings if not f.passed]
    return Finding(findings[0].component, not failed, "\n".join(f.message for f in failed if f.message))


def _merged_verdict(verdicts: list[LayerVerdict]) -> LayerVerdict:
    """One layer judged on several shapes. Its backward counts over the shapes where it could run: a
    forward that crashes on one shape (a class count hard-coded to the notebook's) is the forward's
    failure, not the backward's too; where it ran nowhere, it fails."""
    ran = [v.backward for v in verdicts if v.backward.message != BACKWARD_NOT_RUN]
    return LayerVerdict(
        _merged([v.forward for v in verdicts]),
        _merged(ran or [v.backward for v in verdicts]),
        transposed=any(v.transposed for v in verdicts),
    )


def _judged_on_shapes(
    ctx: CheckContext, cases: list[tuple[dict, str, tuple, tuple]], **hints: str
) -> list[LayerVerdict]:
    """The notebook's case first, then judge-chosen ones (another batch size, other feature sizes, a
    batch of 1): code that is right only for the notebook's shapes (a hard-coded ``view(100, -1)``)
    fails. ``cases``: (spec, label, input shape, output shape); streams differ per case."""
    verdicts = []
    for k, (spec, label, in_shape, out_shape) in enumerate(cases):
        x = ctx.randn(*in_shape, stream=1 + 100 * k)
        dout = ctx.randn(*out_shape, stream=2 + 100 * k)
        v = judge_layer(ctx, spec, label, x, dout, **hints)
        ctx.notes.extend(v.notes)
        verdicts.append(v)
    return verdicts


def _on_shapes(ctx: CheckContext, cases: list[tuple[dict, str, tuple, tuple]], **hints: str) -> list[Finding]:
    v = _merged_verdict(_judged_on_shapes(ctx, cases, **hints))
    return [v.forward, v.backward]


def _activation(ctx: CheckContext, spec: dict, label: str, shape: tuple[int, ...], hint: str) -> list[Finding]:
    other = (7, 13) if len(shape) == 2 else (1, 5, 3)
    return _on_shapes(
        ctx, [(spec, label, shape, shape), (spec, f"{label} on shape {other}", other, other)], hint_backward=hint
    )


@check("part1.leaky_relu")
def leaky_relu(ctx: CheckContext) -> list[Finding]:
    return _activation(
        ctx,
        {"cls": "LeakyReLU", "kwargs": {"alpha": 0.1}},
        "LeakyReLU(alpha=0.1)",
        (N, IN_FEATURES),
        "the slope is alpha (not 0) where x < 0",
    )


@check("part1.relu")
def relu(ctx: CheckContext) -> list[Finding]:
    return _activation(ctx, {"cls": "ReLU"}, "ReLU", (N, IN_FEATURES), "the gradient passes only where x > 0")


@check("part1.sigmoid")
def sigmoid(ctx: CheckContext) -> list[Finding]:
    return _activation(
        ctx,
        {"cls": "Sigmoid"},
        "Sigmoid (3D input)",
        (N, 40, 30),
        "d sigmoid(x)/dx = s(x)(1 - s(x)), computed from the OUTPUT s(x)",
    )


@check("part1.tanh")
def tanh(ctx: CheckContext) -> list[Finding]:
    return _activation(ctx, {"cls": "TanH"}, "TanH (3D input)", (N, 40, 30), "d tanh(x)/dx = 1 - tanh(x)^2")


LINEAR_HINT = "dx = dout @ W, dW = dout^T @ x, db = dout summed over the batch"


@check("part1.linear")
def linear(ctx: CheckContext) -> list[Finding]:
    out_features = 1000
    cases = [
        (
            {"cls": "Linear", "args": [IN_FEATURES, out_features]},
            f"Linear({IN_FEATURES}, {out_features})",
            (N, IN_FEATURES),
            (N, out_features),
        ),
        ({"cls": "Linear", "args": [13, 7]}, "Linear(13, 7) on a batch of 1", (1, 13), (1, 7)),
    ]
    verdicts = _judged_on_shapes(
        ctx,
        cases,
        hint_forward="z = x @ W^T + b, compared with torch.nn.Linear holding your own w and b",
        hint_backward=LINEAR_HINT,
    )
    v = _merged_verdict(verdicts)
    return [_weight_layout(ctx, v.forward) if v.transposed else v.forward, v.backward]


def _weight_layout(ctx: CheckContext, forward: Finding) -> Finding:
    """A w kept as (in_features, out_features) with z = x @ w computes the notebook's function (with
    W = w^T); the other checks judge it as such. Whether the layout itself costs the forward's
    points is the offering's notebook: most hand w to torch.nn.Linear (a (out_features,
    in_features) weight), which fails on it; 2019's and spring 2020's test shapes and gradients only
    (``w_layout_tested = false``: a note)."""
    what = (
        f"Linear keeps w as (in_features, out_features), e.g. {(IN_FEATURES, 1000)} for Linear({IN_FEATURES}, "
        f"1000), and computes x @ w: the function is right, but the notebook writes W as "
        "(out_features, in_features)"
    )
    if not ctx.params.get("w_layout_tested", True):
        ctx.notes.append(f"{what}; its tests never look at w's layout, so no points are taken for it")
        return forward
    problem = f"{what} and checks the forward pass by giving your w to torch.nn.Linear, which fails on this layout"
    return Finding("forward", False, "\n".join(m for m in (problem, forward.message) if m))


LINEAR_INIT_WSTD = 0.05
LINEAR_INIT_SHAPE = (IN_FEATURES, 1000)


@check("part1.linear_init")
def linear_init(ctx: CheckContext) -> list[Finding]:
    """The skeleton's TODO: "Initialize the weights to zero-mean gaussian noise with a standard
    deviation of `wstd`. Init bias to zero." Judged on the layer as the student's own __init__ left it."""
    fan_in, fan_out = LINEAR_INIT_SHAPE
    label = f"Linear({fan_in}, {fan_out}, wstd={LINEAR_INIT_WSTD})"
    r = run(ctx, {"cls": "Linear", "args": [fan_in, fan_out], "kwargs": {"wstd": LINEAR_INIT_WSTD}}, [], label)
    if r.error or r.params is None:
        return [Finding("all", False, r.error or f"{label} failed")]
    values = check_param_shapes(ctx, {"cls": "Linear", "args": [fan_in, fan_out]}, r.params, label)
    w, b = (np.asarray(v, dtype=np.float64) for v in values)
    problems = []
    if np.abs(b).max() > 0:
        problems.append(f"{label}: the bias starts at values up to {np.abs(b).max():.3g}, expected zeros")
    # 200,000 draws: the sample std is within 0.2% of wstd and the mean within 4e-4 of 0
    if abs(w.std() - LINEAR_INIT_WSTD) > 0.05 * LINEAR_INIT_WSTD or abs(w.mean()) > 0.05 * LINEAR_INIT_WSTD:
        problems.append(
            f"{label}: the weights start with mean {w.mean():.3g} and standard deviation {w.std():.3g}, "
            f"expected zero-mean gaussian noise with standard deviation wstd={LINEAR_INIT_WSTD}"
        )
    hint = "w = torch.randn(out_features, in_features) * wstd, b = torch.zeros(out_features)"
    return [Finding("all", not problems, "\n".join(problems) + (f"\n  hint: {hint}" if problems else ""))]


@check("part1.linear_second_backward")
def linear_second_backward(ctx: CheckContext) -> list[Finding]:
    """The notebook's second pass: forward twice more, backward again; grads must accumulate."""
    out_features = 1000
    label = f"Linear({IN_FEATURES}, {out_features})"
    x1, x2 = ctx.randn(N, IN_FEATURES, stream=1), ctx.randn(N, IN_FEATURES, stream=3)
    d1, d2 = ctx.randn(N, out_features, stream=2), ctx.randn(N, out_features, stream=4)
    spec = with_init(ctx, {"cls": "Linear", "args": [IN_FEATURES, out_features]})
    r = run(ctx, spec, [fwd(x1), bwd(d1), fwd(x2), fwd(x2), bwd(d2)], label)
    if r.error or r.params is None:
        return [Finding("all", False, r.error or f"{label} failed")]
    values = check_param_shapes(ctx, spec, r.params, label)

    def compute() -> dict:
        ref = build_reference(ctx, spec)
        leaves = load_student_params(ref, r.params, label)
        reference_pass(ref, leaves, x1, None, d1)
        second = reference_pass(
            ref, leaves, x2, None, d2
        )  # autograd accumulates into .grad, as the notebook's check does
        return {"dx": second.dx, "grads": [p.grad for p in leaves]}

    want_all = ctx.expect("two_backward", compute, {"spec": spec, "x": [x1, x2], "dout": [d1, d2], "params": values})
    problems = [mismatch("second dx", r.calls[4]["dx"], want_all["dx"])]
    for i, ((_value, grad), want) in enumerate(zip(r.params, want_all["grads"])):
        got = grad.reshape(tuple(want.shape)) if grad.size == want.numel() else grad
        problems.append(mismatch(f"param#{i + 1:02d} gradient after two backward calls", got, want))
    problems = [p for p in problems if p]
    hint = (
        "dw and db must ACCUMULATE (+=) over backward calls, as the skeleton says; "
        "the optimizer's zero_grad() is what resets them"
    )
    return [Finding("all", not problems, "\n".join(problems) + (f"\n  hint: {hint}" if problems else ""))]


CROSS_ENTROPY_SHAPES = ((N, NUM_CLASSES), (7, 3))  # the notebook's shape, then another


def _cross_entropy(ctx: CheckContext, scale: float, shapes: tuple[tuple[int, int], ...]) -> LayerVerdict:
    verdicts = []
    for k, (n, classes) in enumerate(shapes):
        scores = ctx.randn(n, classes, stream=1 + 100 * k, scale=scale)
        labels = ctx.randint(classes, (n,), stream=2 + 100 * k)
        label = "CrossEntropyLoss" + (f" on {n} samples of {classes} classes" if k else "")
        verdicts.append(
            judge_layer(
                ctx,
                {"cls": "CrossEntropyLoss"},
                label,
                scores,
                torch.tensor(1.0),
                y=labels,
                hint_forward="loss = mean over samples of (-x_y + log sum_k exp(x_k)); subtract the row max first",
                hint_backward="dx = (softmax(x) - onehot(y)) / N, times dout",
            )
        )
        ctx.notes.extend(verdicts[-1].notes)
    return _merged_verdict(verdicts)


@check("part1.cross_entropy")
def cross_entropy(ctx: CheckContext) -> list[Finding]:
    v = _cross_entropy(ctx, 1.0, CROSS_ENTROPY_SHAPES)
    return [v.forward, v.backward]


@check("part1.cross_entropy_large_scores")
def cross_entropy_large_scores(ctx: CheckContext) -> list[Finding]:
    # the notebook's shape only: another shape is part1.cross_entropy's to judge (a class count
    # hard-coded to 10 would otherwise be charged here too)
    v = _cross_entropy(ctx, 1000.0, CROSS_ENTROPY_SHAPES[:1])
    ok = v.forward.passed and v.backward.passed
    msg = "\n".join(m for m in (v.forward.message, v.backward.message) if m)
    if not ok:
        first, _, rest = msg.partition("\n")
        msg = f"{first} (class scores of magnitude ~1000)" + (f"\n{rest}" if rest else "")
    return [Finding("all", ok, msg)]


SEQUENTIAL_SPEC = {
    "cls": "Sequential",
    "layers": [
        {"cls": "Linear", "args": [IN_FEATURES, 100]},
        {"cls": "Linear", "args": [100, 200]},
        {"cls": "Linear", "args": [200, 100]},
        {"cls": "ReLU"},
        {"cls": "Linear", "args": [100, 500]},
        {"cls": "LeakyReLU", "kwargs": {"alpha": 0.01}},
        {"cls": "Linear", "args": [500, 200]},
        {"cls": "ReLU"},
        {"cls": "Linear", "args": [200, 500]},
        {"cls": "LeakyReLU", "kwargs": {"alpha": 0.1}},
        {"cls": "Linear", "args": [500, 1]},
        {"cls": "Sigmoid"},
    ],
}


@check("part1.sequential")
def sequential(ctx: CheckContext) -> list[Finding]:
    x = ctx.randn(N, IN_FEATURES, stream=1)
    dout = ctx.randn(N, 1, stream=2)
    # an offering whose notebook stacked other layers names them (2019's: Linear and ReLU only)
    spec = {"cls": "Sequential", "layers": ctx.params["layers"]} if "layers" in ctx.params else SEQUENTIAL_SPEC
    v = judge_layer(
        ctx,
        spec,
        f"Sequential (the notebook's {len(spec['layers'])} layers)",
        x,
        dout,
        hint_forward="feed each layer's output to the next, passing **kw along",
        hint_backward="call backward on the layers in REVERSE order, feeding each one's dx to the previous",
    )
    ctx.notes.extend(v.notes)
    return [v.forward, v.backward]


# -- MLP -------------------------------------------------------------------------------------


def _kind(element: dict) -> str:
    text = element.get("repr", "")
    first = "".join(ch for ch in text.split("(")[0] if ch.isalpha()).lower()
    return first or element.get("class", "").lower()


def _is_kind(element: dict, kind: str) -> bool:
    return _kind(element) == kind or element.get("class", "").lower() == kind


def _architecture(
    ctx: CheckContext, spec: dict, label: str, dims: list[int], activation: str, dropout: bool
) -> list[str]:
    info = ctx.call("hw2.structure", doing=f"building {label}", spec=spec)
    elements = info.get("elements") if isinstance(info, dict) else None
    if not isinstance(elements, list):
        return [f"{label}: .sequence is missing or does not support len() and indexing"]
    expected: list[tuple[str, list]] = []
    for i in range(len(dims) - 1):
        expected.append(("linear", [[dims[i + 1], dims[i]]]))
        if i < len(dims) - 2:
            expected.append((activation, []))
            if dropout:
                expected.append(("dropout", []))
    problems = []
    if len(elements) != len(expected):
        got = ", ".join(e.get("repr", "?").splitlines()[0] for e in elements)
        problems.append(f"{label}: {len(elements)} layers, expected {len(expected)}; got [{got}]")
    for i, (el, (kind, shapes)) in enumerate(zip(elements, expected)):
        if not _is_kind(el, kind):
            problems.append(f"{label}: layer [{i}] is {el.get('repr', '?')!r}, expected {kind}")
        # a weight kept as (Din, Dout) is the same Linear: its layout is part1.linear's to judge
        elif kind == "linear" and el.get("param_shapes", [[]])[:1] not in (shapes, [shapes[0][::-1]]):
            problems.append(f"{label}: layer [{i}] has weight shape {el.get('param_shapes')[:1]}, expected {shapes}")
    if elements and not _is_kind(elements[-1], "linear"):
        problems.append(f"{label}: the last layer is {elements[-1].get('repr', '?')!r}; the MLP must end with a Linear")
    return problems


MLP_ACTIVATIONS = ("relu", "sigmoid")  # the skeleton's MLP(activation=...) choices


def _activations(ctx: CheckContext) -> tuple[str, ...]:
    """The MLP activations the offering asked for (2019's first skeleton: ReLU only, no argument)."""
    return tuple(ctx.params.get("activations", MLP_ACTIVATIONS))


def _activation_argument(ctx: CheckContext, activation: str) -> str | None:
    """``activation`` as the MLP is called with it: None (no argument) where the offering's MLP was
    ReLUs only and took no ``activation``."""
    return None if _activations(ctx) == ("relu",) else activation


def _mlp_spec(in_features: int, hidden: list[int], activation: str | None, dropout: float = 0) -> dict:
    """The MLP's constructor call; ``activation=None``: without the argument (an MLP of ReLUs only)."""
    kwargs: dict = {"hidden_features": hidden} | ({"activation": activation} if activation else {})
    if dropout:
        kwargs["dropout"] = dropout
    return {"cls": "MLP", "args": [in_features, NUM_CLASSES], "kwargs": kwargs}


@check("part1.mlp_architecture")
def mlp_architecture(ctx: CheckContext) -> list[Finding]:
    problems = []
    asked = _activations(ctx)
    for activation in asked:
        spec = _mlp_spec(10, [100, 50, 100], _activation_argument(ctx, activation))
        problems += _architecture(
            ctx, spec, f"MLP(activation='{activation}')", [10, 100, 50, 100, NUM_CLASSES], activation, dropout=False
        )
    hint = "FC -> activation -> ... -> FC: one activation after every Linear but the last"
    # the skeleton's default hidden_features=(): one Linear, nothing else
    default = {"cls": "MLP", "args": [10, NUM_CLASSES]}
    try:
        no_hidden = _architecture(
            ctx,
            default,
            f"MLP(10, {NUM_CLASSES}) (hidden_features=(), the skeleton's default)",
            [10, NUM_CLASSES],
            "relu",
            dropout=False,
        )
    except CheckAbort as exc:
        no_hidden = [str(exc)]
    return [
        Finding("layers", not problems, "\n".join(problems) + (f"\n  hint: {hint}" if problems else "")),
        Finding(
            "default_hidden",
            not no_hidden,
            "\n".join(no_hidden)
            + (
                "\n  hint: with no hidden layers the MLP is a single Linear(in_features, num_classes)"
                if no_hidden
                else ""
            ),
        ),
    ]


@check("part1.mlp_gradients")
def mlp_gradients(ctx: CheckContext) -> list[Finding]:
    findings = []
    asked = _activations(ctx)
    for stream, activation in enumerate(MLP_ACTIVATIONS):
        if activation not in asked:
            ctx.notes.append(f"MLP(activation='{activation}') was not part of this offering's MLP: nothing to grade")
            findings.append(Finding(activation, True))
            continue
        mlp = _mlp_spec(10, [100, 50, 100], _activation_argument(ctx, activation))
        spec = {"cls": "Sequential", "layers": [mlp, {"cls": "CrossEntropyLoss"}]}
        x = ctx.randn(N, 10, stream=10 + stream)
        labels = ctx.randint(NUM_CLASSES, (N,), stream=20 + stream)
        try:
            v = judge_layer(
                ctx,
                spec,
                f"Sequential(MLP(activation='{activation}'), CrossEntropyLoss())",
                x,
                torch.tensor(1.0),
                y=labels,
            )
        except CheckAbort as exc:
            findings.append(Finding(activation, False, str(exc)))
            continue
        ctx.notes.extend(v.notes)
        ok = v.forward.passed and v.backward.passed
        findings.append(Finding(activation, ok, "\n".join(m for m in (v.forward.message, v.backward.message) if m)))
    return findings


# -- Dropout ---------------------------------------------------------------------------------


def _scale_of(mult: np.ndarray, known: np.ndarray | None = None) -> tuple[float | None, float]:
    """(the common multiplier of kept elements, the fraction dropped) of one Dropout call."""
    m = mult if known is None else mult[known]
    kept = m[m != 0]
    dropped = 1.0 - kept.size / max(m.size, 1)
    if kept.size == 0:
        return None, dropped
    s = float(np.median(kept))
    if np.max(np.abs(kept - s)) > 1e-4 * abs(s):
        return float("nan"), dropped
    return s, dropped


TRAIN_SCALES = {"1/(1-p)": 1 / (1 - DROPOUT_P), "1": 1.0}
CONVENTION_HINT = (
    "either scale kept activations by 1/(1-p) in training and do nothing in eval mode, "
    "or do not scale in training and multiply by (1-p) in eval mode"
)


def _rate_tolerance(base: float, mult: np.ndarray, known: np.ndarray | None = None) -> float:
    """How far the dropped fraction may be from p: ``base``, or 4 standard deviations of a binomial
    when the draws are few. A mask shared by all samples of the batch (one draw per neuron) is a
    reading the notebook allows ("drop the activation of each neuron with probability p"), but it
    makes only one draw per feature, so its fraction scatters far more than 1000 x 100 draws do."""
    m = mult.reshape(mult.shape[0], -1) if mult.ndim > 1 else mult.reshape(1, -1)
    k = np.ones(m.shape, dtype=bool) if known is None else known.reshape(m.shape)
    draws = int(k.sum())
    kept = m != 0
    if m.shape[0] > 1 and not np.any((kept & k).any(axis=0) & (~kept & k).any(axis=0)):
        draws = int(k.any(axis=0).sum())  # every feature kept or dropped for the whole batch
    return max(base, 4.0 * float(np.sqrt(DROPOUT_P * (1 - DROPOUT_P) / max(draws, 1))))


def _train_scale_problem(s: float | None, dropped: float, tolerance: float) -> str | None:
    if s is None:
        return "every activation was dropped in train mode"
    if s != s:
        return "kept activations are not all multiplied by the same factor in train mode"
    if not any(abs(s - v) <= 1e-4 * v for v in TRAIN_SCALES.values()):
        return f"kept activations are multiplied by {s:.6g} in train mode, expected 1/(1-p) = {1 / (1 - DROPOUT_P):.6g} or 1"
    if abs(dropped - DROPOUT_P) > tolerance:
        return f"{dropped:.1%} of activations dropped in train mode with p={DROPOUT_P}"
    return None


def _eval_scale_problem(
    s_eval: float | None, s_train: float, kept: float = 1 - DROPOUT_P, tolerance: float = 0.0
) -> str | None:
    """Eval mode must give what train mode gives on average: (1-p) times train's scale. A train mode
    that keeps another fraction than 1-p (its own component's mistake: it keeps with probability p,
    say, and scales by 1/p) is judged by what it kept: an eval consistent with that is no second
    mistake."""
    want = (1 - DROPOUT_P) * s_train
    constant = s_eval is not None and s_eval == s_eval
    if constant and abs(s_eval - want) <= 1e-4 * want:
        return None
    own_rate = abs(kept - (1 - DROPOUT_P)) > tolerance
    if constant and own_rate and abs(s_eval - kept * s_train) <= tolerance * s_train:
        return None
    got = f"x * {s_eval:.6g}" if constant else "not a constant factor"
    return (
        f"eval mode gives {got}, but train mode scales kept activations by {s_train:.6g}: "
        f"expected x * {want:.6g} so that eval matches the training-time expectation"
    )


@check("part1.dropout")
def dropout(ctx: CheckContext) -> list[Finding]:
    spec = {"cls": "Dropout", "kwargs": {"p": DROPOUT_P}}
    label = f"Dropout(p={DROPOUT_P})"
    x = ctx.randn(1000, 100, stream=1)
    dout = ctx.randn(1000, 100, stream=2)
    xs = x.numpy()
    findings = []

    r = run(ctx, spec, [mode(True), fwd(x), bwd(dout), fwd(x)], label)
    s_train = None
    if r.error:
        findings.append(Finding("train", False, r.error))
    else:
        m1, m2 = r.calls[1]["z"] / xs, r.calls[3]["z"] / xs
        s_train, dropped = _scale_of(m1)
        problem = _train_scale_problem(s_train, dropped, _rate_tolerance(0.01, m1))
        if not problem:
            problem = mismatch("train-mode dx", r.calls[2]["dx"], as_f64(dout) * as_f64(m1))
        if not problem and np.array_equal(m1 != 0, m2 != 0):
            problem = "two forward calls in train mode dropped exactly the same activations: the mask must be random"
        findings.append(Finding("train", not problem, f"{problem}\n  hint: {CONVENTION_HINT}" if problem else ""))

    r = run(ctx, spec, [mode(True), fwd(x), mode(False), fwd(x), fwd(x), bwd(dout)], label)
    if r.error:
        findings.append(Finding("eval", False, r.error))
        return findings
    m_train = r.calls[1]["z"] / xs
    s_train, dropped_train = _scale_of(m_train)
    e1, e2 = r.calls[3]["z"], r.calls[4]["z"]
    problem = None
    if not np.array_equal(e1, e2):
        problem = "eval mode is not deterministic: two forward calls on the same input differ"
    elif s_train is None or s_train != s_train:
        problem = "train-mode scaling could not be determined (see the train component)"
    else:
        s_eval, dropped = _scale_of(e1 / xs)
        problem = (
            f"eval mode dropped {dropped:.1%} of activations; dropout must be a no-op scaling in eval mode"
            if dropped > 0
            else _eval_scale_problem(s_eval, s_train, 1 - dropped_train, _rate_tolerance(0.01, m_train))
        )
        if not problem:
            problem = mismatch("eval-mode dx", r.calls[5]["dx"], as_f64(dout) * s_eval)
    findings.append(Finding("eval", not problem, f"{problem}\n  hint: {CONVENTION_HINT}" if problem else ""))
    return findings


@check("part1.mlp_dropout_architecture")
def mlp_dropout_architecture(ctx: CheckContext) -> list[Finding]:
    in_features = 3 * 32 * 32
    spec = _mlp_spec(in_features, [50] * 3, _activation_argument(ctx, "relu"), DROPOUT_P)
    problems = _architecture(
        ctx, spec, f"MLP(dropout={DROPOUT_P})", [in_features, 50, 50, 50, NUM_CLASSES], "relu", dropout=True
    )
    hint = "with dropout > 0 add a Dropout layer right after every activation (not after the last Linear)"
    return [Finding("all", not problems, "\n".join(problems) + (f"\n  hint: {hint}" if problems else ""))]


@check("part1.mlp_dropout_gradients")
def mlp_dropout_gradients(ctx: CheckContext) -> list[Finding]:
    in_features = 3 * 32 * 32
    spec = _mlp_spec(in_features, [50] * 3, _activation_argument(ctx, "relu"), DROPOUT_P)
    x = ctx.randn(N, in_features, stream=1)
    dout = ctx.randn(N, NUM_CLASSES, stream=2)
    label = f"MLP(dropout={DROPOUT_P})"
    findings = []
    train_scale: list[float] = []

    def check_train(taps: list[dict]) -> str | None:
        for tap in taps:
            s, dropped = _scale_of(tap["multiplier"], tap["known"])
            problem = _train_scale_problem(s, dropped, _rate_tolerance(0.1, tap["multiplier"], tap["known"]))
            if problem:
                return f"{label}: {problem}"
            train_scale.append(s)
        return None

    def check_eval(taps: list[dict]) -> str | None:
        for tap in taps:
            s_eval, dropped = _scale_of(tap["multiplier"], tap["known"])
            if dropped > 0:
                return f"{label}: eval mode dropped {dropped:.1%} of activations; dropout must not drop in eval mode"
            s_train = train_scale[0] if train_scale else None
            if s_train is None:
                if s_eval is None or not any(abs(s_eval - v) <= 1e-4 for v in (1.0, 1 - DROPOUT_P)):
                    return f"{label}: eval mode multiplies activations by {s_eval}, expected 1 or (1-p)"
                continue
            problem = _eval_scale_problem(s_eval, s_train)
            if problem:
                return f"{label}: {problem}"
        return None

    for component, train, check_mults in (("train", True, check_train), ("eval", False, check_eval)):
        try:
            v = judge_layer(ctx, spec, label, x, dout, train=train, dropout_check=check_mults)
        except CheckAbort as exc:
            findings.append(Finding(component, False, str(exc)))
            continue
        ctx.notes.extend(v.notes)
        ok = v.forward.passed and v.backward.passed
        findings.append(Finding(component, ok, "\n".join(m for m in (v.forward.message, v.backward.message) if m)))
    return findings
