"""Section 2.2: the tutorial's MLP (Linear/ReLU stack in ``main``, log-softmax outputs)."""

from __future__ import annotations

import torch

from ...compare import as_f64, mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding, aborted, finding

# (in_dim, out_dim, hidden_dims, use_bias): the tutorial's linear model, one and two hidden
# layers, other input/output sizes (in_dim must be honoured, not 784 hard-coded), no biases
STRUCTURE_CONFIGS = [
    {"in_dim": 784, "out_dim": 10, "hidden_dims": [], "use_bias": True},
    {"in_dim": 784, "out_dim": 10, "hidden_dims": [100], "use_bias": True},
    {"in_dim": 784, "out_dim": 10, "hidden_dims": [100, 50], "use_bias": True},
    {"in_dim": 20, "out_dim": 4, "hidden_dims": [8, 6, 5], "use_bias": True},
    {"in_dim": 784, "out_dim": 10, "hidden_dims": [], "use_bias": False},
    {"in_dim": 784, "out_dim": 10, "hidden_dims": [100, 50], "use_bias": False},
]
# forward inputs: MNIST-shaped images (N, 1, 28, 28) and (N, 28, 28) are flattened by view(-1, in_dim)
FORWARD_CASES = [
    ({"in_dim": 784, "out_dim": 10, "hidden_dims": [], "use_bias": True}, (8, 1, 28, 28)),
    ({"in_dim": 784, "out_dim": 10, "hidden_dims": [100, 50], "use_bias": True}, (8, 28, 28)),
    ({"in_dim": 20, "out_dim": 4, "hidden_dims": [8, 6], "use_bias": True}, (8, 20)),
]
LOGSUMEXP_TOL = 1e-6


def label(config: dict) -> str:
    return (
        f"MLP(in_dim={config['in_dim']}, out_dim={config['out_dim']}, hidden_dims={config['hidden_dims']}, "
        f"use_bias={config['use_bias']})"
    )


def describe_reference(ctx: CheckContext, config: dict) -> dict:
    model = ctx.reference.w1d5.MLP(**config)
    layers = []
    for layer in model.main.children():
        weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
        layers.append(
            {
                "kind": type(layer).__name__,
                "weight": list(weight.shape) if isinstance(weight, torch.Tensor) else None,
                "bias": list(bias.shape) if isinstance(bias, torch.Tensor) else None,
            }
        )
    return {"layers": layers, "params": [list(p.shape) for p in model.parameters()]}


def _layer_text(layer: dict) -> str:
    if layer.get("weight") is None:
        return str(layer.get("kind"))
    out_f, in_f = (layer["weight"] + [None, None])[:2]
    return f"{layer.get('kind')}({in_f}, {out_f}{'' if layer.get('bias') is not None else ', bias=False'})"


def _sequence(layers: list) -> str:
    return "[" + ", ".join(_layer_text(layer) for layer in layers) + "]"


def _sequence_problem(config: dict, got: dict, want: dict) -> str | None:
    g, w = got.get("layers", []), want["layers"]
    same = len(g) == len(w) and all(
        str(a.get("kind", "")).lower() == b["kind"].lower() and a.get("weight") == b["weight"] for a, b in zip(g, w)
    )
    if same:
        return None
    where = "model.main" if got.get("has_main") else "the model's layers (it has no .main)"
    return f"{label(config)}: {where} is {_sequence(g)}, expected {_sequence(w)}"


def _bias_problem(config: dict, got: dict, want: dict) -> str | None:
    linears = [layer for layer in got.get("layers", []) if layer.get("weight") is not None]
    if config["use_bias"]:
        missing = [i for i, layer in enumerate(linears) if layer.get("bias") != [layer["weight"][0]]]
        if missing:
            return f"{label(config)}: Linear layer #{missing[0]} has no bias of shape ({linears[missing[0]]['weight'][0]},)"
        return None
    with_bias = [i for i, layer in enumerate(linears) if layer.get("bias") is not None]
    if with_bias:
        return (
            f"{label(config)}: Linear layer #{with_bias[0]} has a bias; use_bias=False must give every "
            "nn.Linear bias=False"
        )
    if got.get("params") != want["params"]:
        return f"{label(config)}: parameter shapes {got.get('params')}, expected {want['params']}"
    return None


@check("model.mlp_structure")
def mlp_structure(ctx: CheckContext) -> list[Finding]:
    try:
        got = ctx.call("nma_w1d5.mlp_structure", doing="building MLPs", configs=STRUCTURE_CONFIGS)
    except CheckAbort as exc:
        return aborted(["layers", "bias"], exc)
    want = ctx.expect(
        "structure", lambda: [describe_reference(ctx, c) for c in STRUCTURE_CONFIGS], {"configs": STRUCTURE_CONFIGS}
    )
    layer_problems, bias_problems = [], []
    for config, g, w in zip(STRUCTURE_CONFIGS, got, want):
        if config["use_bias"]:
            layer_problems.append(_sequence_problem(config, g, w))
            if not layer_problems[-1] and g.get("params") != w["params"]:
                layer_problems.append(f"{label(config)}: parameters() shapes {g.get('params')}, expected {w['params']}")
        bias_problems.append(_bias_problem(config, g, w))
    return [
        finding(
            "layers",
            layer_problems,
            "Linear(in_dim, h1), ReLU, Linear(h1, h2), ReLU, ..., Linear(h_last, out_dim): a ReLU after every "
            "hidden Linear, none after the last; hidden_dims=[] is a single Linear(in_dim, out_dim)",
        ),
        finding("bias", bias_problems, "pass bias=use_bias to every nn.Linear"),
    ]


def _forward_inputs(ctx: CheckContext, shapes: list[list[int]], x_shape: tuple, case: int) -> tuple[list, torch.Tensor]:
    params = [ctx.randn(*s, stream=10 * case + i + 1, scale=0.1).double() for i, s in enumerate(shapes)]
    x = ctx.randn(*x_shape, stream=10 * case).double()
    return params, x


@check("model.mlp_forward")
def mlp_forward(ctx: CheckContext) -> list[Finding]:
    shapes = ctx.expect(
        "param_shapes",
        lambda: [describe_reference(ctx, c)["params"] for c, _ in FORWARD_CASES],
        {"configs": [c for c, _ in FORWARD_CASES]},
    )
    logp_problems, value_problems = [], []
    for case, ((config, x_shape), param_shapes) in enumerate(zip(FORWARD_CASES, shapes)):
        params, x = _forward_inputs(ctx, param_shapes, x_shape, case)
        name = f"{label(config)} on an input of shape {tuple(x_shape)}"
        try:
            got = ctx.call("nma_w1d5.mlp_forward", doing=f"forward of {name}", config=config, params=params, x=x)
        except CheckAbort as exc:
            logp_problems.append(str(exc))
            value_problems.append(str(exc))
            continue

        def compute(config: dict = config, params: list = params, x: torch.Tensor = x) -> torch.Tensor:
            model = ctx.reference.w1d5.MLP(**config).double()
            with torch.no_grad():
                for p, v in zip(model.parameters(), params):
                    p.copy_(v)
                return model(x)

        want = ctx.expect("forward", compute, {"config": config, "params": params, "x": x})
        out = as_f64(got["out"])
        if tuple(out.shape) != tuple(want.shape):
            problem = f"{name}: output shape {tuple(out.shape)}, expected {tuple(want.shape)} (one row per image)"
            logp_problems.append(problem)
            value_problems.append(problem)
            continue
        lse = torch.logsumexp(out, dim=1)
        worst = float((lse.abs()).max()) if lse.numel() else 0.0
        if not worst <= LOGSUMEXP_TOL:
            row = int(lse.abs().argmax())
            logp_problems.append(
                f"{name}: row {row} of the output has logsumexp {float(lse[row]):.6g}, "
                "expected 0 (the outputs must be log-probabilities)"
            )
        value_problems.append(mismatch(f"{name}: output", out, want, rtol=1e-6))
    return [
        finding("log_probs", logp_problems, "return F.log_softmax(self.main(x.view(-1, self.in_dim)), dim=1)"),
        finding(
            "values",
            value_problems,
            "flatten with x.view(-1, self.in_dim), run self.main (Linear/ReLU stack), then log_softmax over dim=1",
        ),
    ]
