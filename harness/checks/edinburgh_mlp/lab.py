"""The notebook's own code: exercise 3 (TanhLayer, ReluLayer: the notebook's test arrays, random
inputs against the reference, finite differences) and the PyTorch section's MultipleLayerModel.

TanhLayer/ReluLayer are taken from the notebook when it defines them, else from ``mlp.layers``;
the PyTorch model only from the notebook (a missing notebook is named in the feedback).
"""

from __future__ import annotations

import numpy as np
import torch

from ...compare import mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding, describe_student_error, finding
from .common import f64
from .framework import judge_bprop, judge_fprop, reference_cases, run_layer

# The notebook's test cells (exercise 3), as printed there.
TEST_INPUTS = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]])
TEST_GRADS_WRT_OUTPUTS = np.array([[5.0, 10.0, -10.0], [-5.0, 0.0, 10.0]])
NOTEBOOK_EXPECTED = {
    "TanhLayer": (
        np.array([[0.09966799, -0.19737532, 0.29131261], [-0.37994896, 0.46211716, -0.53704957]]),
        np.array([[4.95033145, 9.61042983, -9.15136962], [-4.27819393, 0.0, 7.11577763]]),
    ),
    "ReluLayer": (np.array([[0.1, 0.0, 0.3], [0.0, 0.5, 0.0]]), np.array([[5.0, 0.0, -10.0], [-0.0, 0.0, 0.0]])),
}


def _notebook_test(cls: str, case: dict) -> tuple[list, list]:
    """The notebook's own test: shape, then np.allclose(expected, got), for fprop and bprop."""
    outputs, grads = NOTEBOOK_EXPECTED[cls]
    fprop: list[str | None] = []
    bprop: list[str | None] = []
    for problems, key, want, what in ((fprop, "y", outputs, f"{cls}.fprop"), (bprop, "dx", grads, f"{cls}.bprop")):
        got = case.get(key)
        if got is None:
            continue  # the step failed: reported by the caller
        got = np.asarray(got)
        if got.shape != want.shape:
            problems.append(f"the notebook's test: {what} returned shape {got.shape}, expected {want.shape}")
        elif not np.allclose(want, got):
            i = np.unravel_index(int(np.argmax(np.abs(got - want))), want.shape)
            problems.append(
                f"the notebook's test: {what}(test_inputs{', ...' if key == 'dx' else ''}) differs from "
                f"the notebook's expected values: at [{i[0]}, {i[1]}] expected {want[i]:.8g}, got {got[i]:.8g}"
            )
    return fprop, bprop


def _activation(ctx: CheckContext, cls: str, fprop_hint: str, bprop_hint: str) -> list[Finding]:
    x = f64(ctx, 6, 8, stream=1, scale=1.5)
    if cls == "ReluLayer":  # away from the kink at 0, where finite differences are not defined
        x = x + np.sign(x) * 0.1
    dout = f64(ctx, 6, 8, stream=2)
    cases = [{"x": TEST_INPUTS, "dout": TEST_GRADS_WRT_OUTPUTS}, {"x": x, "dout": dout, "fd": True}]
    spec = {"cls": cls}
    reply = run_layer(ctx, spec, cases, cls)
    nb_case, case = reply["cases"]
    nb_want, want = reference_cases(ctx, spec, cases)
    nb_fprop, nb_bprop = _notebook_test(cls, nb_case)
    fprop = judge_fprop(nb_case, nb_want, cls, "fprop on the notebook's test_inputs") if not nb_fprop else nb_fprop
    bprop = judge_bprop(nb_case, nb_want, cls, TEST_INPUTS.shape) if not nb_bprop else nb_bprop
    fprop += judge_fprop(case, want, cls, "fprop outputs on random inputs")
    bprop += judge_bprop(case, want, cls, x.shape)
    fprop, bprop = list(dict.fromkeys(p for p in fprop if p)), list(dict.fromkeys(p for p in bprop if p))
    return [finding("fprop", fprop, fprop_hint), finding("bprop", bprop, bprop_hint)]


@check("exercise3.tanh_layer")
def tanh_layer(ctx: CheckContext) -> list[Finding]:
    return _activation(
        ctx,
        "TanhLayer",
        "y = tanh(x) (np.tanh)",
        "dE/dx = dE/dy * (1 - y**2), with y the layer's OUTPUTS (not its inputs)",
    )


@check("exercise3.relu_layer")
def relu_layer(ctx: CheckContext) -> list[Finding]:
    return _activation(
        ctx,
        "ReluLayer",
        "y = max(0, x) elementwise (np.maximum(inputs, 0))",
        "dE/dx = dE/dy where x > 0 and 0 where x < 0",
    )


# == the PyTorch model ================================================================================

DIMS = (784, 10, 100)  # the notebook's input_dim, output_dim, hidden_dim
EXPECTED_LEAVES = [
    ("Flatten", None),
    ("Linear", (784, 100)),
    ("ReLU", None),
    ("Linear", (100, 100)),
    ("ReLU", None),
    ("Linear", (100, 10)),
]


def _weights(ctx: CheckContext) -> list:
    shapes = [(100, 784), (100, 100), (10, 100)]
    out = []
    for i, (o, n) in enumerate(shapes):
        scale = 1.0 / np.sqrt(n)
        w = ctx.randn(o, n, stream=10 + 2 * i, scale=scale).numpy().astype(np.float32)
        b = ctx.randn(o, stream=11 + 2 * i, scale=0.1).numpy().astype(np.float32)
        out.append([w, b])
    return out


@check("pytorch.multiple_layer_model")
def pytorch_model(ctx: CheckContext) -> list[Finding]:
    images, _ = ctx.mnist.tensors("test", 16)
    x = images.numpy()
    weights = _weights(ctx)
    reply = ctx.call(
        "edinburgh_mlp.torch_model",
        doing="building MultipleLayerModel(784, 10, 100) from the notebook",
        input_dim=DIMS[0],
        output_dim=DIMS[1],
        hidden_dim=DIMS[2],
        weights=weights,
        x=x,
    )
    if not isinstance(reply, dict) or not isinstance(reply.get("leaves"), list):
        raise CheckAbort("MultipleLayerModel: the worker's reply was not a model description")
    name = reply.get("notebook") or "the notebook"
    leaves = reply["leaves"]
    got = [
        (leaf.get("type"), (leaf.get("in"), leaf.get("out")) if leaf.get("type") == "Linear" else None)
        for leaf in leaves
    ]
    structure = []
    counts = {t: sum(1 for g, _ in got if g == t) for t in ("Flatten", "Linear", "ReLU")}
    wanted = {"Flatten": 1, "Linear": 3, "ReLU": 2}
    listing = ", ".join(leaf.get("repr", "?") for leaf in leaves)
    for t, n in wanted.items():
        if counts[t] != n:
            structure.append(
                f"{name}: MultipleLayerModel(784, 10, 100) has {counts[t]} {t} module(s), expected {n} "
                f"(its modules: {listing})"
            )
    extra = [g for g, _ in got if g not in wanted]
    if extra:
        structure.append(f"{name}: MultipleLayerModel(784, 10, 100) has other modules too: {', '.join(extra)}")
    linears = [dims for t, dims in got if t == "Linear"]
    if not structure and linears != [d for t, d in EXPECTED_LEAVES if t == "Linear"]:
        structure.append(
            f"{name}: the Linear layers map {linears} (in, out), expected [(784, 100), (100, 100), (100, 10)]"
        )

    forward = []
    shape = reply.get("output_shape")
    if isinstance(reply.get("forward_error"), dict):
        forward.append(
            describe_student_error(
                reply["forward_error"], f"{name}: MultipleLayerModel(784, 10, 100) on a batch of shape {list(x.shape)}"
            )
        )
    elif shape != [len(x), DIMS[1]]:
        forward.append(
            f"{name}: MultipleLayerModel(784, 10, 100) on a batch of shape {list(x.shape)} returned "
            f"shape {shape}, expected [{len(x)}, 10]"
        )
    if forward:
        pass
    elif reply.get("output") is None:
        forward.append(
            f"{name}: the model's Linear layers are not three of shapes (100, 784), (100, 100), (10, 100) "
            "in order, so its output could not be judged on known weights"
        )
    else:

        def compute() -> torch.Tensor:
            return ctx.reference.torch_model.forward_with(
                [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in weights], torch.from_numpy(x)
            )

        want = ctx.expect("logits", compute, {"weights": weights, "x": x})
        forward.append(
            mismatch(
                f"{name}: MultipleLayerModel output with the judge's weights in its Linear layers",
                reply["output"],
                want,
            )
        )

    want_params = int(
        ctx.expect("n_params", lambda: ctx.reference.torch_model.parameter_count(*DIMS), {"dims": list(DIMS)})
    )
    parameters = []
    if reply.get("n_params") != want_params:
        parameters.append(
            f"{name}: MultipleLayerModel(784, 10, 100) has {reply.get('n_params')} parameters, expected {want_params}"
        )
    return [
        finding(
            "structure",
            structure,
            "nn.Flatten, then nn.Sequential(Linear(input_dim, hidden_dim), ReLU, "
            "Linear(hidden_dim, hidden_dim), ReLU, Linear(hidden_dim, output_dim))",
        ),
        finding(
            "forward",
            forward,
            "forward: flatten the (N, 1, 28, 28) images, then the linear/ReLU stack; "
            "return the logits (no softmax: nn.CrossEntropyLoss applies it)",
        ),
        finding(
            "parameters", parameters, "weights and biases of three Linear layers: 784*100+100 + 100*100+100 + 100*10+10"
        ),
    ]
