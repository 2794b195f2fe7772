"""Tutorial 6, the models: parameter counts (vs the answer key's), print_num_parameters' output,
MLP and CNN forward passes with parameters the judge chose, and where the batch norm sits.

Batch-norm placement is observed at run time, whatever form the student's ReLU takes
(``torch.relu``, ``F.relu``, ``nn.ReLU``): forward pre-hooks record what each BatchNorm layer and
the output layer receive. After a ReLU a tensor has no negative entry; straight out of a Linear
or a convolution with random weights, on real images, it has many.
"""

from __future__ import annotations

import re

import torch

from ...compare import mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding, aborted, finding
from .common import CALL_TIMEOUT, arrays, describe_error, tut6

# (class, args) whose parameter counts are compared with the answer key's, per component
COUNT_CASES = {
    "mlp": [("MLP", [30]), ("MLP", [50]), ("MLP", [200])],
    "cnn": [("CNN", [])],
    "batchnorm": [("MLPBN", [30]), ("MLPBNBeforeReLu", [30]), ("CNNBN", [])],
}
ARCHITECTURE = {
    "MLP": "Linear(784, h) -> ReLU -> Linear(h, 10)",
    "CNN": "Conv2d(1, 4, 3, padding=1), Conv2d(4, 8, 3, padding=1), Linear(8 * 7 * 7, 10)",
    "MLPBN": "the MLP plus BatchNorm1d(h)",
    "MLPBNBeforeReLu": "the MLP plus BatchNorm1d(h)",
    "CNNBN": "the CNN plus BatchNorm2d(4) and BatchNorm2d(8)",
}


def _label(name: str, args: list) -> str:
    return f"{name}({', '.join(map(str, args))})"


@check("models.param_counts")
def param_counts(ctx: CheckContext) -> list[Finding]:
    cases = [case for group in COUNT_CASES.values() for case in group]
    reply = ctx.call(
        "csc321_tut6.param_counts",
        doing="building each model and counting its parameters",
        timeout=CALL_TIMEOUT,
        cases=cases,
    )
    want = ctx.expect(
        "counts",
        lambda: [sum(p.numel() for p in getattr(tut6(ctx), n)(*a).parameters()) for n, a in cases],
        {"cases": cases},
    )
    got = dict(zip(map(str, cases), reply))
    expected = dict(zip(map(str, cases), (int(w) for w in want)))
    findings = []
    for component, group in COUNT_CASES.items():
        problems = []
        for name, args in group:
            result, count, label = got[str((name, args))], expected[str((name, args))], _label(name, args)
            if result.get("missing"):
                problems.append(f"your notebook defines no {name}")
            elif "error" in result:
                problems.append(f"{label} could not be built: {describe_error(result['error'])}")
            elif result["count"] != count:
                problems.append(
                    f"{label} has {result['count']} parameters (shapes {result['shapes']}), expected "
                    f"{count}: {ARCHITECTURE[name]}"
                )
            # the tutorial stores self.num_hidden but never reads it: a model without the attribute
            # (e.g. an nn.Sequential of the layers) is not wrong; a wrong value still is
            elif name == "MLP" and result["num_hidden"] not in (args[0], "None"):
                problems.append(f"{label}.num_hidden is {result['num_hidden']}, expected {args[0]}")
        findings.append(finding(component, problems, "compare each layer's sizes with the tutorial's"))
    return findings


# print_num_parameters is judged on models of the judge's (so a model bug does not count twice):
# each case is (Linear layers as (in, out), the name passed, or None for the default "model")
PRINT_CASES = [([(7, 3), (3, 2)], "MLP(200)"), ([(5, 4)], None), ([(12, 6), (6, 6), (6, 1)], "the CNN")]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _count(text: str) -> int | None:
    """The last whole number of ``text`` (thousands separators allowed): the count printed."""
    numbers = re.findall(r"\d[\d,_]*", text)
    return int(re.sub(r"[,_]", "", numbers[-1])) if numbers else None


def _same_content(got: str, expected: str, name: str) -> bool:
    """The tutorial's cell is a print of the name and the count; another wording of that line
    (``f"Number of parameters in {name}: {n}"``, a thousands separator) says the same: accepted
    when the name is there and the last number printed is the right count."""
    return name in got and _count(got.replace(name, " ")) == _count(expected.replace(name, " ")) is not None


@check("models.print_num_parameters")
def print_num_parameters(ctx: CheckContext) -> list[Finding]:
    printed = ctx.call(
        "csc321_tut6.print_num_parameters",
        doing="calling print_num_parameters",
        timeout=CALL_TIMEOUT,
        cases=PRINT_CASES,
    )

    def compute() -> list[str]:
        import contextlib
        import io

        out = []
        for sizes, name in PRINT_CASES:
            model = torch.nn.Sequential(*[torch.nn.Linear(i, o) for i, o in sizes])
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                tut6(ctx).print_num_parameters(model) if name is None else tut6(ctx).print_num_parameters(model, name)
            out.append(buffer.getvalue())
        return out

    want = ctx.expect("printed", compute, {"cases": PRINT_CASES})
    problems = []
    for (sizes, name), got, expected in zip(PRINT_CASES, printed, want):
        call = "print_num_parameters(model)" if name is None else f"print_num_parameters(model, {name!r})"
        layers = " + ".join(f"Linear({i}, {o})" for i, o in sizes)
        if _normalised(got) != _normalised(expected) and not _same_content(got, expected, name or "model"):
            problems.append(f"{call} on a model of {layers} printed {got.strip()!r}, expected {expected.strip()!r}")
    return [
        finding(
            "all",
            problems,
            'print("Number of parameters in %s" % name, <sum of p.numel()>); the name defaults to "model"',
        )
    ]


# -- forward passes with the judge's parameters -------------------------------------------------

FORWARD_CASES = {
    "MLP": ([50], [(50, 784), (50,), (10, 50), (10,)]),
    "CNN": ([], [(4, 1, 3, 3), (4,), (8, 4, 3, 3), (8,), (10, 8 * 7 * 7), (10,)]),
}
BATCH_SIZES = (1, 7)
FORWARD_HINTS = {
    "MLP": "flatten to (N, 784), layer1, ReLU, layer2; return the 10 scores (no softmax)",
    "CNN": (
        "pool(relu(conv1(x))) -> pool(relu(conv2(x))) -> flatten to (N, 8 * 7 * 7) -> fc: two 2x2 "
        "max-pools bring 28x28 down to 7x7"
    ),
}


def _forward(ctx: CheckContext, name: str) -> list[Finding]:
    args, shapes = FORWARD_CASES[name]
    params = []
    for k, shape in enumerate(shapes):
        fan_in = shapes[k - (k % 2)][1] * (9 if len(shapes[k - (k % 2)]) == 4 else 1)  # the weight's fan-in
        params.append(ctx.randn(*shape, stream=k, scale=fan_in**-0.5))
    images = arrays(ctx, "test", 0, sum(BATCH_SIZES))[0]
    x = torch.from_numpy(images).float().div(255.0).unsqueeze(1)
    inputs, start = [], 0
    for n in BATCH_SIZES:
        inputs.append(x[start : start + n])
        start += n
    label = _label(name, args)
    reply = ctx.call(
        "csc321_tut6.forward",
        doing=f"{label} forward on batches of {BATCH_SIZES} images",
        timeout=CALL_TIMEOUT,
        model=name,
        args=args,
        params=params,
        inputs=inputs,
    )
    if "load_problem" in reply:
        return [
            finding(
                "all",
                [f"the judge's parameters cannot be loaded into your {label}: {reply['load_problem']}"],
                FORWARD_HINTS[name],
            )
        ]

    def compute() -> list[torch.Tensor]:
        model = getattr(tut6(ctx), name)(*args)
        with torch.no_grad():
            for p, value in zip(model.parameters(), params):
                p.copy_(value)
            model.eval()
            return [model(batch) for batch in inputs]

    want = ctx.expect("outputs", compute, {"model": name, "params": params, "inputs": inputs})
    problems = []
    for n, got, expected in zip(BATCH_SIZES, reply["outputs"], want):
        shape = tuple(getattr(got, "shape", ()))
        if shape != (n, 10):
            extra = (
                (
                    f" ({shape[0] // n}x as many rows as images: the flattened features are {shape[0] // n}x "
                    "too many per image)"
                )
                if len(shape) == 2 and shape[0] > n and shape[0] % n == 0
                else ""
            )
            problems.append(
                f"{label} on a batch of shape ({n}, 1, 28, 28) returned shape {shape}, expected ({n}, 10){extra}"
            )
            break
        problem = mismatch(f"{label} scores for a batch of {n} images (with the judge's parameters)", got, expected)
        if problem:
            problems.append(problem)
            break
    return [finding("all", problems, FORWARD_HINTS[name])]


@check("models.mlp_forward")
def mlp_forward(ctx: CheckContext) -> list[Finding]:
    return _forward(ctx, "MLP")


@check("models.cnn_forward")
def cnn_forward(ctx: CheckContext) -> list[Finding]:
    return _forward(ctx, "CNN")


# -- batch-norm placement ------------------------------------------------------------------------

TRACE_IMAGES = 16


def _bn_calls(reply: dict) -> tuple[list[dict], list[dict]]:
    calls = reply["calls"]
    return [c for c in calls if c["kind"] == "bn"], [c for c in calls if c["kind"] == "output"]


def _share(call: dict) -> str:
    return f"{100 * call['negative_share']:.0f}% of its input entries are negative (min {call['min']:.3g})"


def _mlp_problems(reply: dict, label: str, after_relu: bool) -> list[str]:
    bns, outputs = _bn_calls(reply)
    if not bns:
        return [
            f"{label}: no batch-norm layer ran in the forward pass (modules found: "
            f"{reply['bn_modules'] or 'none'}): use nn.BatchNorm1d(num_hidden)"
        ]
    bn = bns[0]
    problems = []
    if after_relu and bn["min"] < 0:
        problems.append(
            f"{label}: the {bn['type']} ({bn['name']}) receives values before the ReLU: {_share(bn)}; "
            "MLPBN normalises AFTER it: bn(relu(layer1(x)))"
        )
    if not after_relu and bn["min"] >= 0:
        problems.append(
            f"{label}: the {bn['type']} ({bn['name']}) receives only non-negative values, i.e. it comes "
            "after the ReLU; MLPBNBeforeReLu normalises BEFORE it: relu(bn(layer1(x)))"
        )
    if outputs:
        out = outputs[-1]
        if after_relu and out["min"] >= 0:
            problems.append(
                f"{label}: the output layer ({out['name']}) receives only non-negative values: nothing "
                "should follow the batch norm (no ReLU after it)"
            )
        if not after_relu and out["min"] < 0:
            problems.append(
                f"{label}: the output layer ({out['name']}) receives negative values ({_share(out)}): "
                "the ReLU should come after the batch norm, right before layer2"
            )
    return problems


def _cnn_problems(reply: dict, label: str) -> list[str]:
    bns, _ = _bn_calls(reply)
    want = [[TRACE_IMAGES, 4, 28, 28], [TRACE_IMAGES, 8, 14, 14]]
    if len(bns) != 2:
        return [
            f"{label}: {len(bns)} batch-norm calls ran in the forward pass, expected 2 (BatchNorm2d(4) after "
            "the first convolution's ReLU, BatchNorm2d(8) after the second's)"
        ]
    problems = []
    for k, (bn, shape) in enumerate(zip(bns, want), start=1):
        if bn["shape"] != shape:
            where = " (after the pooling)" if bn["shape"][-1] * 2 == shape[-1] else ""
            problems.append(
                f"{label}: batch norm #{k} ({bn['name']}) receives shape {tuple(bn['shape'])}, expected "
                f"{tuple(shape)}{where}: normalise the ReLU's output before pooling it"
            )
        if bn["min"] < 0:
            problems.append(
                f"{label}: batch norm #{k} ({bn['name']}) receives values before the ReLU: {_share(bn)}; "
                "CNNBN normalises after it: bn(relu(conv(x)))"
            )
    return problems


@check("batchnorm.placement")
def placement(ctx: CheckContext) -> list[Finding]:
    images = arrays(ctx, "test", 0, TRACE_IMAGES)[0]
    cases = {"mlpbn": ("MLPBN", [30]), "mlpbn_before_relu": ("MLPBNBeforeReLu", [30]), "cnnbn": ("CNNBN", [])}
    findings = []
    for component, (name, args) in cases.items():
        label = _label(name, args)
        try:
            reply = ctx.call(
                "csc321_tut6.bn_trace",
                doing=f"{label} forward in training mode on {TRACE_IMAGES} images",
                timeout=CALL_TIMEOUT,
                model=name,
                args=args,
                images=images,
            )
        except CheckAbort as exc:
            findings += aborted([component], exc)
            continue
        if name == "CNNBN":
            problems = _cnn_problems(reply, label)
        else:
            problems = _mlp_problems(reply, label, after_relu=name == "MLPBN")
        findings.append(finding(component, problems))
    return findings
