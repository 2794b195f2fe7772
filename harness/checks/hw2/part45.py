"""Checks of CS236781 HW2 Parts 4 and 5: CNNs, ResNets and the experiment runner.

Networks are judged as the notebook judges them, with one change: the course's expected tensors
no longer reproduce under the grader's torch (those built with dropout differ: its random stream
changed), so the reference is built and run here under the same seed as the student's net (the
grading seed, so that no stored tensor can be replayed). "architecture" compares the printed
layers (type, arguments, parameter shapes) with the reference's, "output" the seeded outputs
with the notebook's atol of 1e-3. When the outputs differ, the initial weights of each layer
tell apart a different creation order (the seeded random stream parts ways at that layer) from a
forward pass that computes something else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import numpy as np
import torch

from ...boundary.model_table import layer_table
from ...compare import FLOOR, as_f64, mismatch
from .. import check, figures
from ..base import CheckAbort, CheckContext, Finding, describe_student_error
from ..borderline import Run, borderline_margin, decide
from .part3 import note_own_model, optimizer_text
from .policy import num_epochs_note

ATOL = 1e-3  # the notebook's torch.allclose(test_out, expected_out, atol=1e-3)
TRAINING_TIMEOUT = 30.0  # seconds for one training run in the worker (Part 4's overfit: ~2-5 s)
NET_TIMEOUT = 20.0  # seconds to build and run one network (the largest, a ResNet: < 1 s)

# The notebook's test parameters (Part 4, cells In[3], In[7]-In[9]).
CNN_TEST_PARAMS = [
    dict(
        in_size=(3, 100, 100),
        out_classes=10,
        channels=[32] * 4,
        pool_every=2,
        hidden_dims=[100] * 2,
        conv_params=dict(kernel_size=3, stride=1, padding=1),
        activation_type="relu",
        activation_params=dict(),
        pooling_type="max",
        pooling_params=dict(kernel_size=2),
    ),
    dict(
        in_size=(3, 100, 100),
        out_classes=10,
        channels=[32] * 4,
        pool_every=2,
        hidden_dims=[100] * 2,
        conv_params=dict(kernel_size=5, stride=2, padding=3),
        activation_type="lrelu",
        activation_params=dict(negative_slope=0.05),
        pooling_type="avg",
        pooling_params=dict(kernel_size=3),
    ),
    dict(
        in_size=(3, 100, 100),
        out_classes=3,
        channels=[16] * 5,
        pool_every=3,
        hidden_dims=[100] * 1,
        conv_params=dict(kernel_size=2, stride=2, padding=2),
        activation_type="lrelu",
        activation_params=dict(negative_slope=0.1),
        pooling_type="max",
        pooling_params=dict(kernel_size=2),
    ),
]
RESIDUAL_BLOCK_PARAMS = dict(in_channels=3, channels=[6, 4] * 2, kernel_sizes=[3, 5] * 2, batchnorm=True, dropout=0.2)
BOTTLENECK_PARAMS = dict(
    in_out_channels=256,
    inner_channels=[64, 32, 64],
    inner_kernel_sizes=[3, 5, 3],
    batchnorm=False,
    dropout=0.1,
    activation_type="lrelu",
)
RESNET_TEST_PARAMS = [
    dict(
        in_size=(3, 100, 100),
        out_classes=10,
        channels=[32, 64] * 3,
        pool_every=4,
        hidden_dims=[100] * 2,
        activation_type="lrelu",
        activation_params=dict(negative_slope=0.01),
        pooling_type="avg",
        pooling_params=dict(kernel_size=2),
        batchnorm=True,
        dropout=0.1,
        bottleneck=False,
    ),
    dict(
        in_size=(3, 100, 100),
        out_classes=5,
        channels=[64, 16, 64] * 4,
        pool_every=3,
        hidden_dims=[64] * 1,
        activation_type="tanh",
        pooling_type="max",
        pooling_params=dict(kernel_size=2),
        batchnorm=True,
        dropout=0.1,
        bottleneck=True,
    ),
]
IMAGE_SHAPE = (1, 3, 100, 100)


# -- networks: the student's and the reference under the same seed ----------------------------


@dataclass
class NetVerdict:
    architecture: str | None  # what differs from the reference's layers, None when nothing
    output: str | None
    output_shape: tuple[int, ...] | None = None


NO_OP_LAYERS = {"Identity", "Flatten", "Unflatten"}  # reshapes at most: the output check judges them
# a container with no layers in it is a leaf of layer_table: an empty nn.Sequential() is a common
# identity shortcut, printed as "Sequential()" where the notebook prints Sequential(Identity())
EMPTY_CONTAINERS = {"Sequential", "ModuleList", "ModuleDict"}


def _counted(row: dict) -> bool:
    """Layers that change nothing are left out: Identity, Flatten, an empty container, and
    Dropout with p=0."""
    no_op_dropout = row["type"].startswith("Dropout") and row["args"].split(",")[0] in ("p=0", "p=0.0")
    empty = row["type"] in EMPTY_CONTAINERS and not row["shapes"]
    return row["type"] not in NO_OP_LAYERS and not empty and not no_op_dropout


def _signature(row: dict) -> tuple:
    return row["type"], row["args"], tuple(tuple(s) for s in row["shapes"])


def _shown(row: dict) -> str:
    if row["args"] or not row["shapes"]:
        return f"{row['type']}({row['args']})"
    return f"{row['type']} with parameters of shapes {row['shapes']}"


def _aligned(got: list[dict], want: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """(student layer, reference layer) pairs where they differ: (g, None) is one layer too many,
    (None, w) a missing one. Within a changed stretch, layers of the same type are paired."""
    pairs: list[tuple[dict | None, dict | None]] = []
    by_signature = SequenceMatcher(None, [_signature(r) for r in got], [_signature(r) for r in want], autojunk=False)
    for tag, i1, i2, j1, j2 in by_signature.get_opcodes():
        if tag == "equal":
            continue
        g, w = got[i1:i2], want[j1:j2]
        by_type = SequenceMatcher(None, [r["type"] for r in g], [r["type"] for r in w], autojunk=False)
        for sub, a1, a2, b1, b2 in by_type.get_opcodes():
            if sub == "equal":
                pairs += list(zip(g[a1:a2], w[b1:b2]))
            else:
                pairs += [(r, None) for r in g[a1:a2]] + [(None, r) for r in w[b1:b2]]
    return pairs


def _difference_lines(pairs: list[tuple[dict | None, dict | None]], limit: int = 4) -> list[str]:
    lines = []
    for g, w in pairs:
        if g and w:
            lines.append(f"{g['name']}: {_shown(g)}, expected {_shown(w)}")
        elif g:
            lines.append(f"{g['name']}: {_shown(g)} is one layer too many")
        else:
            lines.append(f"missing {_shown(w)} (the reference's {w['name']})")
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more differences"]
    return lines


def _layer_hint(pairs: list[tuple[dict | None, dict | None]]) -> str | None:
    """A hint for the common mistakes, recognised by the kind of differences."""
    unpaired = [r for g, w in pairs if not (g and w) for r in (g, w) if r]
    changed = [(g, w) for g, w in pairs if g and w]
    if any("Pool" in r["type"] for r in unpaired):
        return (
            "a pooling layer follows every pool_every (P) convolutions; the last N mod P convolutions "
            "have none after them"
        )
    if unpaired:
        return None
    if all(g["type"] == "Linear" and g["args"].split(",")[1:] == w["args"].split(",")[1:] for g, w in changed):
        return (
            "compute the first Linear's in_features from in_size (e.g. run the feature extractor on a dummy "
            "input of that size); do not hard-code it"
        )
    if all(
        g["type"] == "Conv2d" and g["args"].replace(", bias=False", "") == w["args"].replace(", bias=False", "")
        for g, w in changed
    ):
        return "the convolutions of the main path have a bias; the 1x1 convolution of the shortcut has none"
    return None


def _is_bias(shape: list[int]) -> bool:
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


def _linear_row(name: str, weight: tuple[list[int], float], bias: tuple[list[int], float]) -> dict | None:
    """The nn.Linear that a raw weight (out, in) or (in, out) and bias (out,) or (1, out) stand for."""
    (w_shape, w_sum), (b_shape, b_sum) = weight, bias
    out = int(np.prod(b_shape))
    if len(w_shape) != 2 or out not in w_shape:
        return None
    d_in = w_shape[1] if w_shape[0] == out else w_shape[0]
    return {
        "name": name,
        "type": "Linear",
        "args": f"in_features={d_in}, out_features={out}, bias=True",
        "shapes": [[out, d_in], [out]],
        "sums": [w_sum, b_sum],
    }


def _as_linears(rows: list[dict]) -> list[dict]:
    """The student's rows with raw parameters (the skeleton's MLP may "create W, b tensors per layer
    and wrap them with nn.Parameter") shown as the nn.Linear layers they stand for, each followed by
    the next activation of the same module, as x -> Linear -> activation does. Unchanged when the
    parameters do not pair up as weights and biases."""
    raw = [r for r in rows if r.get("raw")]
    if not raw:
        return rows
    # the module that holds them: a ParameterList's parent, or the module with parameters of its own
    scopes = {
        r["name"] if any(o["name"].startswith(r["name"] + ".") for o in rows) else r["name"].rpartition(".")[0]
        for r in raw
    }
    if len(scopes) != 1:
        return rows
    scope = scopes.pop()
    inside = [i for i, r in enumerate(rows) if r["name"] == scope or r["name"].startswith(scope + ".") or not scope]
    params = [(s, v) for r in raw for s, v in zip(r["shapes"], r["sums"])]
    weights = [p for p in params if not _is_bias(p[0])]
    biases = [p for p in params if _is_bias(p[0])]
    activations = [rows[i] for i in inside if not rows[i].get("raw")]
    if len(weights) != len(biases) or any(r["shapes"] for r in activations):
        return rows
    linears = [_linear_row(f"{scope}[W{k}]", w, b) for k, (w, b) in enumerate(zip(weights, biases))]
    linear_rows = [lin for lin in linears if lin is not None]
    if len(linear_rows) != len(linears):
        return rows
    rebuilt = [r for k, lin in enumerate(linear_rows) for r in [lin, *activations[k : k + 1]]]
    rebuilt += activations[len(linear_rows) :]
    return rows[: inside[0]] + rebuilt + [r for i, r in enumerate(rows) if i > inside[0] and i not in inside]


def _architecture(label: str, got: list[dict], order: list[int] | None, want: list[dict]) -> tuple[str | None, list]:
    """(what differs, the student's layers lined up with the reference's). The layers match when
    the printed (registration) order or the order in which forward calls them equals the
    reference's: either way the network is the same."""
    printed = [r for r in _as_linears(got) if _counted(r)]
    called = [got[i] for i in order or [] if 0 <= i < len(got) and _counted(got[i])]
    reference = [r for r in want if _counted(r)]
    for candidate in (printed, called):
        if [_signature(r) for r in candidate] == [_signature(r) for r in reference]:
            return None, candidate
    pairs = _aligned(printed, reference)
    text = (
        f"{label}: the layers differ from the reference's ({len(printed)} layers, expected "
        f"{len(reference)}):\n" + "\n".join(f"  - {line}" for line in _difference_lines(pairs))
    )
    hint = _layer_hint(pairs)
    return text + (f"\n  hint: {hint}" if hint else ""), []


FORWARD_HINTS = {
    "CNN": "features = feature_extractor(x), flattened per sample, then the MLP",
    "ResNet": "features = feature_extractor(x), flattened per sample, then the MLP",
    "ResidualBlock": "relu(main_path(x) + shortcut_path(x))",
    "ResidualBottleneckBlock": "relu(main_path(x) + shortcut_path(x))",
}


def _why_outputs_differ(cls: str, lined_up: list[dict], reference: list[dict]) -> str:
    if not lined_up:
        return "the layers differ (see the architecture)"
    for mine, theirs in zip(lined_up, [r for r in reference if _counted(r)]):
        if not all(math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6) for a, b in zip(mine["sums"], theirs["sums"])):
            return (
                f"the layers are the same, but the initial weights differ from {mine['name']} on: under "
                "torch.manual_seed they depend on the ORDER in which layers are created; create them in the "
                "order the notebook prints them (feature extractor before the MLP, a block's main path before "
                "its shortcut) and create no layer you do not use"
            )
    return (
        "the layers and their initial weights are the reference's, so the forward pass computes something "
        f"else: {FORWARD_HINTS[cls]}, each layer used once, in order"
    )


def _reference_run(
    ctx: CheckContext, cls: str, kwargs: dict, input_shape: tuple[int, ...]
) -> tuple[list, torch.Tensor]:
    def compute() -> dict:
        net_cls = getattr(ctx.reference.cnn, cls)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(ctx.seed)
            net = net_cls(**kwargs)
            layers = layer_table(net)
            torch.manual_seed(ctx.seed)
            out = net(torch.ones(*input_shape)).detach()
        return {"layers": layers, "out": out}

    found = ctx.expect("network", compute, {"cls": cls, "kwargs": kwargs, "seed": ctx.seed, "shape": input_shape})
    return found["layers"], found["out"]


def _output_problem(label: str, got: Any, want: torch.Tensor) -> str | None:
    # mismatch() measures errors against the RMS of the expected tensor: this rtol makes its
    # threshold the notebook's absolute 1e-3
    scale = max(float(as_f64(want).pow(2).mean().sqrt()), FLOOR)
    return mismatch(f"{label}: output", got, want, rtol=ATOL / scale)


def _limit(ctx: CheckContext, seconds: float) -> float:
    """``seconds``, or the session's shorter --check-timeout."""
    return min(seconds, ctx.worker.limits.call_timeout)


def judge_net(ctx: CheckContext, cls: str, kwargs: dict, label: str, input_shape: tuple[int, ...]) -> NetVerdict:
    try:
        r = ctx.call(
            "hw2.part4.seeded_forward",
            doing=f"building and running {label}",
            timeout=_limit(ctx, NET_TIMEOUT),
            cls=cls,
            kwargs=kwargs,
            input_shape=list(input_shape),
        )
    except CheckAbort as exc:
        return NetVerdict(str(exc), str(exc))
    want_layers, want_out = _reference_run(ctx, cls, kwargs, input_shape)
    architecture, lined_up = _architecture(label, r["layers"], r.get("order"), want_layers)
    if r["error"]:
        return NetVerdict(architecture, describe_student_error(r["error"], f"{label}: forward pass"))
    output = _output_problem(label, r["output"], want_out)
    if output:
        output += f"\n  {_why_outputs_differ(cls, lined_up, want_layers)}"
    elif architecture and _only_extra_activation_modules(r["layers"], want_layers):
        # e.g. ``self.out_relu = nn.ReLU()`` applied after the sum where the reference calls
        # torch.relu: a module instead of a function, used exactly there (the outputs agree)
        architecture = None
    return NetVerdict(architecture, output, tuple(np.shape(r["output"])))


ACTIVATION_MODULES = {"ReLU", "LeakyReLU", "ELU", "GELU", "Tanh", "Sigmoid", "SELU", "SiLU", "PReLU"}


def _only_extra_activation_modules(got: list[dict], want: list[dict]) -> bool:
    """The student's layers are the reference's plus activation modules without parameters."""
    printed = [r for r in _as_linears(got) if _counted(r)]
    pairs = _aligned(printed, [r for r in want if _counted(r)])
    return bool(pairs) and all(
        w is None and g is not None and g["type"] in ACTIVATION_MODULES and not g["shapes"] for g, w in pairs
    )


def _findings(verdicts: list[NetVerdict], fields: tuple[str, ...]) -> list[Finding]:
    findings = []
    for field in fields:
        problems = [getattr(v, field) for v in verdicts if getattr(v, field)]
        findings.append(Finding(field, not problems, "\n".join(problems)))
    return findings


def _notebook_cases(ctx: CheckContext, test_params: list[dict]) -> list[tuple[int, dict]]:
    """The configurations the offering's notebook tested (``cases``: their indices; all of them by
    default; ``test_params``: an offering's own list, where its notebook tested others), without the
    arguments its classes did not take (``without_args``: spring 2021's ResNet had no ``bottleneck``)."""
    test_params = [_own_case(p) for p in ctx.params.get("test_params", test_params)]
    cases = ctx.params.get("cases", range(len(test_params)))
    dropped = set(ctx.params.get("without_args", ()))
    return [(i, {k: v for k, v in p.items() if k not in dropped}) for i, p in enumerate(test_params) if i in cases]


def _own_case(params: dict) -> dict:
    """A configuration as the notebook wrote it: an offering file's TOML has no tuples."""
    return {k: tuple(v) if k == "in_size" else v for k, v in params.items()}


@check("part4.cnn")
def cnn(ctx: CheckContext) -> list[Finding]:
    verdicts = [
        judge_net(ctx, "CNN", p, f"CNN(**test_params[{i}])", IMAGE_SHAPE)
        for i, p in _notebook_cases(ctx, CNN_TEST_PARAMS)
    ]
    return _findings(verdicts, ("architecture", "output"))


@check("part4.residual_block")
def residual_block(ctx: CheckContext) -> list[Finding]:
    label = "ResidualBlock(in_channels=3, channels=[6, 4]*2, kernel_sizes=[3, 5]*2, batchnorm=True, dropout=0.2)"
    v = judge_net(ctx, "ResidualBlock", RESIDUAL_BLOCK_PARAMS, label, (1, 3, 32, 32))
    return _findings([v], ("architecture", "output"))


@check("part4.bottleneck_block")
def bottleneck_block(ctx: CheckContext) -> list[Finding]:
    label = "ResidualBottleneckBlock(256, inner_channels=[64, 32, 64], inner_kernel_sizes=[3, 5, 3])"
    shape = (1, 256, 32, 32)
    v = judge_net(ctx, "ResidualBottleneckBlock", BOTTLENECK_PARAMS, label, shape)
    if v.output_shape is None:
        shape_problem = v.output
    elif v.output_shape != shape:
        shape_problem = (
            f"{label}: output shape {v.output_shape}, expected the input's {shape}\n"
            "  hint: 1x1 projection to inner_channels[0], the inner convs, 1x1 projection back to "
            "in_out_channels, all preserving the spatial size"
        )
    else:
        shape_problem = None
    return _findings([v], ("architecture", "output")) + [Finding("shape", not shape_problem, shape_problem or "")]


@check("part4.resnet")
def resnet(ctx: CheckContext) -> list[Finding]:
    verdicts = [
        judge_net(ctx, "ResNet", p, f"ResNet(**test_params[{i}])", IMAGE_SHAPE)
        for i, p in _notebook_cases(ctx, RESNET_TEST_PARAMS)
    ]
    findings = _findings(verdicts, ("architecture", "output"))
    if "activation_params" not in ctx.params.get("partial", {"activation_params": 1}):
        return findings  # an offering whose ResNet took no activation arguments (spring 2020)
    # the notebook's cases use LeakyReLU's default slope only: a ResNet that does not hand
    # activation_params on to its blocks passes them, so one judge-chosen case uses another slope
    label = "ResNet(" + ", ".join(f"{k}={v!r}" for k, v in RESNET_SLOPE_PARAMS.items()) + ")"
    slope = judge_net(ctx, "ResNet", RESNET_SLOPE_PARAMS, label, RESNET_SLOPE_SHAPE)
    problems = [p for p in (slope.architecture, slope.output) if p]
    return findings + [
        Finding(
            "activation_params",
            not problems,
            "\n".join(problems)
            + ("\n  hint: hand activation_type and activation_params on to every block" if problems else ""),
        )
    ]


RESNET_SLOPE_PARAMS = dict(
    in_size=(3, 32, 32),
    out_classes=4,
    channels=[8, 8, 16],
    pool_every=2,
    hidden_dims=[20],
    activation_type="lrelu",
    activation_params=dict(negative_slope=0.3),
    pooling_type="max",
    pooling_params=dict(kernel_size=2),
)
RESNET_SLOPE_SHAPE = (2, 3, 32, 32)


@check("part4.your_cnn")
def your_cnn(ctx: CheckContext) -> list[Finding]:
    kwargs = dict(in_size=(3, 100, 100), out_classes=10, channels=[32] * 4, pool_every=2, hidden_dims=[100] * 2)
    r = ctx.call(
        "hw2.part4.your_cnn",
        doing="building YourCNN((3,100,100), 10, channels=[32]*4, pool_every=2, "
        "hidden_dims=[100]*2) and running it on a (1, 3, 100, 100) image",
        kwargs=kwargs,
        input_shape=list(IMAGE_SHAPE),
    )
    if not r["present"]:
        ctx.notes.append("hw2.cnn has no YourCNN: not part of this year's skeleton (v2023+), nothing to grade")
        return [Finding("all", True)]
    out = np.asarray(r["output"])
    if out.shape != (1, 10):
        return [Finding("all", False, f"YourCNN output has shape {out.shape}, expected (1, 10)")]
    if not np.isfinite(out).all():
        return [Finding("all", False, f"YourCNN output has non-finite values: {out.tolist()}")]
    return [Finding("all", True)]


# -- ArgMaxClassifier ---------------------------------------------------------------------------


def _student_value(entry: dict, doing: str) -> tuple[Any, str | None]:
    if entry["error"]:
        return None, describe_student_error(entry["error"], doing)
    return np.asarray(entry["value"]), None


@check("part4.argmax_classifier")
def argmax_classifier(ctx: CheckContext) -> list[Finding]:
    n, classes = 8, 10
    x = ctx.randn(n, 3, 10, 10, stream=1)
    weight, bias = ctx.randn(classes, 300, stream=2, scale=0.1), ctx.randn(classes, stream=3, scale=0.1)
    r = ctx.call(
        "hw2.part4.argmax_classifier", doing="ArgMaxClassifier around a linear model", weight=weight, bias=bias, x=x
    )
    scores = x.reshape(n, -1).double() @ weight.double().T + bias.double()
    want_proba, want_classes = torch.softmax(scores, dim=1), scores.argmax(dim=1).numpy()
    label = f"ArgMaxClassifier on {n} samples of {classes} classes"
    note_own_model(ctx, r, "ArgMaxClassifier around nn.Sequential(Flatten, Linear)")

    proba, problem = _student_value(r["proba"], f"{label}: predict_proba")
    if not problem and proba.shape == (n, classes) and not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3):
        problem = f"{label}: predict_proba rows sum to {proba.sum(axis=1).round(4).tolist()}, not 1"
    problem = problem or mismatch(f"{label}: predict_proba (softmax of the class scores)", proba, want_proba)
    findings = [Finding("predict_proba", not problem, problem or "")]

    got, problem = _student_value(r["classes"], f"{label}: classify")
    if not problem and got.shape != (n,):
        problem = (
            f"{label}: classify returned shape {got.shape}, expected ({n},): one label per sample (argmax over dim 1)"
        )
    elif not problem and not np.array_equal(got.astype(np.int64), want_classes):
        i = int(np.flatnonzero(got.astype(np.int64) != want_classes)[0])
        problem = (
            f"{label}: classify gave class {got[i]} for sample {i}, the most probable class is "
            f"{want_classes[i]} ({int((got != want_classes).sum())} of {n} samples wrong)"
        )
    if not problem and got.dtype.kind not in "iu":
        ctx.notes.append(f"classify returned dtype {got.dtype}; the skeleton asks for torch.int labels")
    findings.append(Finding("classify", not problem, problem or ""))
    return findings


# -- overfitting 50 images ----------------------------------------------------------------------

OVERFIT_IMAGES, OVERFIT_EPOCHS, OVERFIT_BATCH, OVERFIT_BATCHES, OVERFIT_TARGET = 50, 25, 2, 25, 90.0
OVERFIT_MARGIN = 10.0  # accuracy points under the target within which a run is borderline (5 of 50 images)
# "Does the code learn?" with the grader's own settings on its own images (the stand-in, whatever
# --data-dir holds). Measured with the example: >= 90% after 4-6 epochs (seeds 42-45). No answer to
# part4_optim_hp: SGD with this lr (and no momentum) stays below 50% after the 25 epochs
# (tests/grading/test_own_settings.py).
OWN_OPTIMIZER, OWN_OPTIM = "Adam", {"lr": 0.001}


def _overfit(
    ctx: CheckContext, images: Any, hp: dict | None, doing: str, seed: int | None = None, **optimizer: str
) -> tuple[dict, np.ndarray]:
    images, labels = images.arrays("train", OVERFIT_IMAGES)
    # an offering without a classifier module trains the CNN bare (params: classifier = "")
    classifier = ctx.params.get("classifier", "ArgMaxClassifier") or None
    run = ctx.call(
        "hw2.part4.overfit",
        doing=doing,
        seed=seed,
        timeout=_limit(ctx, TRAINING_TIMEOUT),
        images=images,
        labels=labels,
        hp=hp,
        epochs=OVERFIT_EPOCHS,
        batch_size=OVERFIT_BATCH,
        max_batches=OVERFIT_BATCHES,
        stop_at=OVERFIT_TARGET,
        classifier=classifier,
        **optimizer,
    )
    return run, labels


def _loss_trend(losses: list[float]) -> str | None:
    bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    if bad:
        return (
            f"the mean training loss is {losses[bad[0]]} in epoch {bad[0] + 1}: the model or the loss "
            "produces NaN/inf (division by zero, log of 0, exploding updates?)"
        )
    if len(losses) > 1 and losses[-1] > 0.9 * losses[0]:
        return (
            f"the training loss hardly went down ({losses[0]:.3g} in epoch 1, {losses[-1]:.3g} in epoch "
            f"{len(losses)}): are the gradients zeroed, backpropagated and applied (optimizer.step()) every batch?"
        )
    return None


def _overfit_problem(ctx: CheckContext, run: dict, labels: np.ndarray, what: str, title: str = "") -> str | None:
    """The overfitting cell's problem (None: it passed); its figure titled ``title`` (none without)."""
    predictions = np.asarray(run["predictions"])
    if predictions.ndim != 2 or predictions.shape[1] != len(labels):
        raise ValueError(f"predictions of shape {predictions.shape}")
    accuracy = (predictions == labels).mean(axis=1) * 100
    if title:
        ctx.figure(
            lambda: figures.curves(
                title,
                [
                    (
                        "training accuracy (%)",
                        [("judged by the grader", accuracy), ("your trainer's", run["reported"])],
                    ),
                    ("mean training loss", [("train", run["losses"])]),
                ],
                {"training accuracy (%)": [(OVERFIT_TARGET, f"needs >= {OVERFIT_TARGET:g}")]},
            )
        )
    if accuracy.max() >= OVERFIT_TARGET:
        return None
    lines = [
        f"{what}: after {len(accuracy)} epochs of {OVERFIT_BATCHES} batches of {OVERFIT_BATCH} images the "
        f"model classifies at best {accuracy.max():.0f}% of the {len(labels)} training images right (the "
        f"notebook asks for >= {OVERFIT_TARGET:.0f}%)"
    ]
    trend = _loss_trend([float(v) for v in run["losses"]])
    if trend:
        lines.append(f"  {trend}")
    reported = max(run["reported"], default=0.0)
    if reported >= OVERFIT_TARGET:
        lines.append(f"  your trainer reported {reported:.0f}% accuracy: check how num_correct is counted")
    return "\n".join(lines)


@check("part4.overfit")
def overfit(ctx: CheckContext) -> list[Finding]:
    """Does the student's CODE learn? The grader's own settings and images."""
    images = ctx.own_images
    settings = optimizer_text(OWN_OPTIMIZER, OWN_OPTIM)
    ctx.notes.append(
        f"trained with the grader's own settings, {settings} and CrossEntropyLoss, on its own images ({images.name})"
    )
    run, labels = _overfit(
        ctx,
        images,
        OWN_OPTIM,
        f"training your CNN with your ClassifierTrainer on 50 images, {settings}",
        optimizer=OWN_OPTIMIZER,
    )
    # offerings without a classifier module trained the CNN itself (spring 2021's TorchTrainer)
    bare = not ctx.params.get("classifier", "ArgMaxClassifier")
    what = (
        f"your CNN and trainer with {settings}"
        if bare
        else f"your CNN, ArgMaxClassifier and ClassifierTrainer with {settings}"
    )
    problem = _overfit_problem(ctx, run, labels, what, what)

    def rerun(seed: int) -> Run:
        again, _ = _overfit(
            ctx, images, OWN_OPTIM, f"the same training from seed {seed}", seed, optimizer=OWN_OPTIMIZER
        )
        return _overfit_run(again, labels)

    if problem and decide(ctx, _overfit_run(run, labels), rerun, _margin(ctx), " points"):
        problem = None
    return [Finding("all", not problem, problem or "")]


def _margin(ctx: CheckContext) -> float:
    return borderline_margin(ctx, OVERFIT_MARGIN)


def _overfit_run(run: dict, labels: np.ndarray) -> Run:
    """A run of the overfitting cell, judged (checks/borderline.py): its best accuracy against the target."""
    best = float((np.asarray(run["predictions"]) == labels).mean(axis=1).max() * 100)
    return Run(best >= OVERFIT_TARGET, max(0.0, OVERFIT_TARGET - best), f"best {best:.0f}%")


@check("part4.overfit_hp")
def overfit_hp(ctx: CheckContext) -> list[Finding]:
    """Do the student's own part4_optim_hp() reach the notebook's threshold (on CIFAR-10)?"""
    images = ctx.images
    if not images.real:
        ctx.indicative(f"part4_optim_hp() is tuned on CIFAR-10, and this run has {images.source}")
    doing = "training your CNN with your part4_optim_hp() on 50 images"
    run, labels = _overfit(ctx, images, None, doing)
    what = f"with your part4_optim_hp() {run['hp']}"
    problem = _overfit_problem(ctx, run, labels, what, "your CNN and ClassifierTrainer with your part4_optim_hp()")

    def rerun(seed: int) -> Run:
        return _overfit_run(_overfit(ctx, images, None, f"{doing}, from seed {seed}", seed)[0], labels)

    if problem and decide(ctx, _overfit_run(run, labels), rerun, _margin(ctx), " points"):
        problem = None
    return [Finding("all", not problem, problem or "")]


# -- Part 5: the experiment runner ----------------------------------------------------------

# The notebook's test run (Part 5, In[5]), scaled down: 2 epochs of 2 batches.
EXPERIMENT_RUN = dict(
    seed=42,
    bs_train=10,
    batches=2,
    epochs=2,
    early_stopping=5,
    filters_per_layer=[32, 64],
    layers_per_block=1,
    pool_every=1,
    hidden_dims=[100],
    model_type="resnet",
)
EXPERIMENT_FILE = "results/test_run_L1_K32-64.json"
EXPERIMENT_IMAGES = {"train": 30, "test": 8}  # more than batches * batch size: max_batches must bite
FIT_FIELDS = ("num_epochs", "train_loss", "train_acc", "test_loss", "test_acc")


def _experiment(ctx: CheckContext) -> tuple[dict, str]:
    """The test run's arguments and the file it must write, as the offering's notebook had them (2019's
    run_experiment had no model_type and wrote results/test_run.json)."""
    dropped = set(ctx.params.get("without_args", ()))
    return {k: v for k, v in EXPERIMENT_RUN.items() if k not in dropped}, ctx.params.get("file", EXPERIMENT_FILE)


def _config_problems(cfg: Any, run: dict) -> list[str]:
    if not isinstance(cfg, dict):
        return [f"'config' is a {type(cfg).__name__}, expected the dict of the run's arguments"]
    problems = []
    for key, want in [("run_name", "test_run"), *run.items()]:
        if key not in cfg:
            problems.append(f"the config has no '{key}'")
        elif cfg[key] != want:
            problems.append(f"config['{key}'] is {cfg[key]!r}, the run was called with {want!r}")
    return problems


def _batches_per_epoch(split: str, batch_size: int) -> tuple[int, ...]:
    """The batches one epoch may run: ``batches`` of them (max_batches), or, on the test set, all
    of them (evaluating the whole test set every epoch is a choice, not a mistake)."""
    total = -(-EXPERIMENT_IMAGES[split] // batch_size)
    return (min(EXPERIMENT_RUN["batches"], total),) + ((total,) if split == "test" else ())


def _numbers(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _results_problems(ctx: CheckContext, res: Any, cfg: dict) -> list[str]:
    if not isinstance(res, dict):
        return [f"'results' is a {type(res).__name__}, expected the FitResult's fields"]
    missing = [f for f in FIT_FIELDS if f not in res]
    if missing:
        return [f"the results have no {', '.join(missing)}"]
    # the epochs that ran, from the accuracy lists (num_epochs itself is not asked for: policy.py)
    n = len(res["train_acc"]) if isinstance(res["train_acc"], list) else -1
    if not 1 <= n <= EXPERIMENT_RUN["epochs"]:
        return [
            f"train_acc holds {n if n >= 0 else 'no list of'} accuracies, expected one per epoch that ran "
            f"(1 to {EXPERIMENT_RUN['epochs']}, epochs={EXPERIMENT_RUN['epochs']})"
        ]
    note = num_epochs_note(res["num_epochs"], n)
    if note:
        ctx.notes.append(note)
    problems = []
    for field in ("train_acc", "test_acc"):
        values = res[field]
        if not _numbers(values) or len(values) != n or not all(0 <= v <= 100 for v in values):
            problems.append(f"{field} should hold one accuracy (0-100) per epoch ({n}), got {values!r}"[:300])
    bs_test = cfg.get("bs_test")
    if not (isinstance(bs_test, int) and bs_test > 0):
        bs_test = max(EXPERIMENT_RUN["bs_train"] // 4, 1)  # the skeleton's default
    loaders = (("train_loss", "train", EXPERIMENT_RUN["bs_train"]), ("test_loss", "test", bs_test))
    for field, split, batch_size in loaders:
        values, per_batch = res[field], [n * b for b in _batches_per_epoch(split, batch_size)]
        if not _numbers(values) or len(values) not in (n, *per_batch):
            problems.append(
                f"{field} should hold one loss per batch ({per_batch[0]}) or per epoch ({n}), got {values!r}"[:300]
            )
        elif not all(math.isfinite(v) for v in values):
            problems.append(f"{field} has non-finite losses: {values}")
    return problems


@check("part5.cnn_experiment")
def cnn_experiment(ctx: CheckContext) -> list[Finding]:
    train = ctx.images.arrays("train", EXPERIMENT_IMAGES["train"])
    test = ctx.images.arrays("test", EXPERIMENT_IMAGES["test"])
    run, expected_file = _experiment(ctx)
    call = "cnn_experiment('test_run', " + ", ".join(f"{k}={v!r}" for k, v in run.items()) + ")"
    r = ctx.call(
        "hw2.part5.cnn_experiment",
        doing=f"running {call}",
        timeout=_limit(ctx, TRAINING_TIMEOUT),
        train=list(train),
        test=list(test),
        run_name="test_run",
        kwargs=run,
        expected_file=expected_file,
    )
    written = ", ".join(r["written"]) or "nothing under results/"
    if r["used"] == expected_file:
        file_problem = None
    else:
        pattern = " (out_dir/run_name_L<L>_K<K1-K2-...>.json)" if expected_file == EXPERIMENT_FILE else ""
        file_problem = f"{call} should write {expected_file}{pattern}; it wrote {written}"
    contents: str | None
    if r["used"] is None:
        contents = "no result file to read" if not r["written"] else f"cannot tell which file is the run's: {written}"
    elif r["read_error"]:
        contents = f"{r['used']}: {r['read_error']}"
    elif not isinstance(r["data"], dict) or not {"config", "results"} <= set(r["data"]):
        contents = f"{r['used']} should hold {{'config': ..., 'results': ...}} as save_experiment writes it"
    else:
        problems = _config_problems(r["data"]["config"], run)
        problems += _results_problems(ctx, r["data"]["results"], r["data"]["config"] if not problems else {})
        contents = f"{r['used']}:\n" + "\n".join(f"  - {p}" for p in problems) if problems else None
    if contents and r["used"] not in (None, expected_file):
        ctx.notes.append(f"the contents were read from {r['used']}, the one file the run wrote")
    return [Finding("file", not file_problem, file_problem or ""), Finding("contents", not contents, contents or "")]


def _roundtrip_document(ctx: CheckContext) -> dict:
    losses = ctx.randn(2, 6, stream=1).abs() + 0.5
    config = {
        "run_name": "roundtrip",
        "out_dir": "./results",
        "seed": 7,
        "device": None,
        "bs_train": 50,
        "bs_test": 12,
        "batches": 3,
        "epochs": 3,
        "early_stopping": 5,
        "checkpoints": None,
        "lr": 0.001,
        "reg": 0.001,
        "filters_per_layer": [32, 64],
        "layers_per_block": 1,
        "pool_every": 1,
        "hidden_dims": [100],
        "model_type": "resnet",
        "kw": {},
    }
    results = {
        "num_epochs": 2,
        "train_loss": losses[0].tolist(),
        "train_acc": [31.5, 47.25],
        "test_loss": losses[1].tolist(),
        "test_acc": [29.0, 41.75],
    }
    return {"config": config, "results": results}


@check("part5.load_experiment")
def load_experiment(ctx: CheckContext) -> list[Finding]:
    document = _roundtrip_document(ctx)
    r = ctx.call(
        "hw2.part5.load_experiment",
        doing="loading a result file with load_experiment",
        document=document,
        file_name="roundtrip_L1_K32-64.json",
    )
    problems = []
    if r["cfg"] != document["config"]:
        problems.append(f"the config returned is {r['cfg']!r}"[:300] + ", expected the file's 'config' as written")
    if r["fit_type"] != "FitResult":
        problems.append(f"the second value is a {r['fit_type']}, expected cs236781.train_results.FitResult")
    for field, want in document["results"].items():
        if r["fit"].get(field) != want:
            problems.append(f"FitResult.{field} is {r['fit'].get(field)!r}, the file holds {want!r}"[:300])
    return [
        Finding(
            "all",
            not problems,
            "load_experiment(path) -> (config, FitResult) does not round-trip:\n"
            + "\n".join(f"  - {p}" for p in problems)
            if problems
            else "",
        )
    ]
