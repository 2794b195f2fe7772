"""Judge a hw2 ``Layer``: run it in the worker, replay it in the reference, compare.

The judge chooses the parameter values (``with_init``: copied into the student's layer in place,
so random initialisation never matters); the reference is built from the same ``spec``, loaded
with the parameter values the student's layer reports, and differentiated with torch autograd in
float64 (``ctx.expect``: a student kit has these values stored). The student's backward is
compared with that, and with central finite differences of the student's own forward (float64)
on sampled coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ...compare import as_f64, fd_mismatch, mismatch
from ..base import CheckAbort, CheckContext, Finding, describe_student_error

BACKWARD_NOT_RUN = "not run: forward failed"
FD_BUDGET = 24  # finite-difference coordinates per layer, spread over its input and parameters
FD_MAX_PER_TENSOR = 6


def fwd(x: torch.Tensor, y: torch.Tensor | None = None) -> dict:
    return {"op": "forward", "x": x, "y": y}


def bwd(dout: torch.Tensor) -> dict:
    return {"op": "backward", "dout": dout}


def mode(train: bool) -> dict:
    return {"op": "train", "mode": train}


@dataclass
class Run:
    """What the worker sent back for one replay of calls."""

    calls: list[dict]
    params: list[tuple[np.ndarray, np.ndarray]] | None
    error: str | None
    failed_call: int | None
    # the params the worker copied the judge's values into transposed (a Linear keeping its weight
    # as (Din, Dout)); it reports them back in the judge's (Dout, Din) layout
    transposed: bool = False

    def output(self, i: int) -> Any:
        return self.calls[i] if i < len(self.calls) else None


def run(ctx: CheckContext, spec: dict, calls: list[dict], label: str, record_dropout: bool = False) -> Run:
    reply = ctx.call("hw2.layer", doing=f"running {label}", spec=spec, calls=calls, record_dropout=record_dropout)
    if not isinstance(reply, dict) or not isinstance(reply.get("calls"), list):
        raise CheckAbort("the worker's reply was not a layer run")
    error = None
    if isinstance(reply.get("error"), dict):
        i = reply.get("failed_call") or 0
        what = calls[i]["op"] if isinstance(i, int) and i < len(calls) else "params"
        error = describe_student_error(reply["error"], f"{label}.{what}()")
    params = reply.get("params")
    if params is not None:
        if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(t, np.ndarray) for t in p) for p in params):
            raise CheckAbort(f"{label}.params() did not give (tensor, gradient) pairs")
        params = [(p[0], p[1]) for p in params]
    flags = reply.get("transposed")
    transposed = isinstance(flags, list) and any(f is True for f in flags)
    return Run(reply["calls"], params, error, reply.get("failed_call"), transposed)


def build_reference(ctx: CheckContext, spec: dict) -> Any:
    layers = ctx.reference.layers
    if spec["cls"] == "Sequential":
        return layers.Sequential(*[build_reference(ctx, s) for s in spec["layers"]])
    return getattr(layers, spec["cls"])(*spec.get("args", []), **spec.get("kwargs", {}))


def param_shapes(ctx: CheckContext, spec: dict) -> list[tuple[int, ...]]:
    shapes = ctx.expect(
        "param_shapes", lambda: [list(p.shape) for p, _ in build_reference(ctx, spec).params()], {"spec": spec}
    )
    return [tuple(int(n) for n in shape) for shape in shapes]


def with_init(ctx: CheckContext, spec: dict, stream: int = 77) -> dict:
    """``spec`` plus seeded parameter values for the student's layer (``init``, in params() order)."""
    shapes = param_shapes(ctx, spec)
    if not shapes:
        return spec
    return {**spec, "init": [ctx.randn(*shape, stream=stream + i, scale=0.1) for i, shape in enumerate(shapes)]}


def check_param_shapes(
    ctx: CheckContext, spec: dict, student: list[tuple[np.ndarray, np.ndarray]], label: str
) -> list[np.ndarray]:
    """The student's parameter values in the reference's shapes, after checking that params() matches
    the reference's in number and size (else a named CheckAbort)."""
    shapes = param_shapes(ctx, {k: v for k, v in spec.items() if k != "init"})
    if len(student) != len(shapes):
        raise CheckAbort(f"{label}.params() has {len(student)} entries, expected {len(shapes)}")
    for i, ((value, _), shape) in enumerate(zip(student, shapes)):
        if value.size != int(np.prod(shape)):
            raise CheckAbort(f"{label}: param#{i + 1:02d} has shape {tuple(value.shape)}, expected {shape}")
    return [value.reshape(shape) for (value, _), shape in zip(student, shapes)]


def load_student_params(ref_layer: Any, student: list[tuple[np.ndarray, np.ndarray]], label: str) -> list[torch.Tensor]:
    """Put the student's parameter values into the reference layer as float64 autograd leaves."""
    ref_params = [p for p, _ in ref_layer.params()]
    if len(student) != len(ref_params):
        raise CheckAbort(f"{label}.params() has {len(student)} entries, expected {len(ref_params)}")
    leaves = []
    for i, (ref_p, (value, _)) in enumerate(zip(ref_params, student)):
        if value.size != ref_p.numel():
            raise CheckAbort(
                f"{label}: param#{i + 1:02d} has shape {tuple(value.shape)}, expected {tuple(ref_p.shape)}"
            )
        ref_p.data = as_f64(value).reshape(ref_p.shape)
        ref_p.requires_grad_(True)
        ref_p.grad = None
        leaves.append(ref_p)
    return leaves


def ref_sequence(ref_layer: Any) -> list[Any]:
    seq = getattr(ref_layer, "sequence", ref_layer)
    try:
        return [seq[i] for i in range(len(seq))]
    except TypeError:
        return [ref_layer]


def replay_dropout(ref_layer: Any, multipliers: list[np.ndarray]) -> None:
    """Make the reference's Dropout layers apply the student's recorded multipliers."""
    drops = [el for el in _flatten(ref_layer) if type(el).__name__ == "Dropout"]
    if len(drops) != len(multipliers):
        raise CheckAbort(f"the model has {len(multipliers)} Dropout layers, expected {len(drops)}")
    for el, m in zip(drops, multipliers):
        mult = as_f64(m)
        el.forward = lambda x, _m=mult, **kw: x * _m


def _flatten(layer: Any) -> list[Any]:
    out = []
    for el in ref_sequence(layer):
        if el is layer:
            out.append(el)
        else:
            out.extend(_flatten(el) if hasattr(el, "sequence") or type(el).__name__ == "Sequential" else [el])
    return out


@dataclass
class Expected:
    z: torch.Tensor
    dx: torch.Tensor | None
    grads: list[torch.Tensor | None]


def reference_pass(
    ref_layer: Any, leaves: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor | None, dout: torch.Tensor | None
) -> Expected:
    x64 = as_f64(x).requires_grad_(True)
    z = ref_layer(x64) if y is None else ref_layer(x64, y=y)
    dx, grads = None, [None] * len(leaves)
    if dout is not None:
        z.backward(as_f64(dout))
        dx = x64.grad
        grads = [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in leaves]
    return Expected(z.detach(), dx, grads)


def fd_coords(ctx: CheckContext, shapes: dict[str, tuple[int, ...]], stream: int = 99) -> dict[str, list[list[int]]]:
    """Seeded coordinates: every tensor gets at least one, FD_BUDGET in all (each FD costs two forwards)."""
    g = ctx.generator(stream)
    per_tensor = max(1, min(FD_MAX_PER_TENSOR, FD_BUDGET // max(len(shapes), 1)))
    coords = {}
    for name, shape in shapes.items():
        n = int(np.prod(shape)) if shape else 1
        flat = torch.randint(0, max(n, 1), (per_tensor,), generator=g).tolist()
        coords[name] = [list(np.unravel_index(i, shape)) if shape else [] for i in flat]
    return coords


@dataclass
class LayerVerdict:
    forward: Finding
    backward: Finding
    notes: list[str] = field(default_factory=list)
    transposed: bool = False  # see Run.transposed


def judge_layer(
    ctx: CheckContext,
    spec: dict,
    label: str,
    x: torch.Tensor,
    dout: torch.Tensor,
    y: torch.Tensor | None = None,
    train: bool | None = None,
    dropout_check: Any = None,
    hint_forward: str = "",
    hint_backward: str = "",
) -> LayerVerdict:
    """One forward and one backward of a freshly built layer, judged against the reference.

    ``dropout_check(taps) -> str | None`` validates the student's recorded dropout
    multipliers before they are replayed in the reference (None: no dropout in the model).
    """
    spec = with_init(ctx, spec)
    calls = ([mode(train)] if train is not None else []) + [fwd(x, y), bwd(dout)]
    first = 1 if train is not None else 0
    r = run(ctx, spec, calls, label, record_dropout=dropout_check is not None)
    notes: list[str] = []
    fwd_out = r.output(first)
    if fwd_out is None:
        msg = r.error or f"{label}.forward() gave no output"
        return LayerVerdict(Finding("forward", False, msg), Finding("backward", False, BACKWARD_NOT_RUN))
    if r.params is None:
        # params() itself failed: the reference cannot be loaded with the student's values
        msg = r.error or f"{label}.params() failed"
        return LayerVerdict(Finding("forward", False, msg), Finding("backward", False, msg))
    values = check_param_shapes(ctx, spec, r.params, label)

    mults: list[np.ndarray] | None = None
    if dropout_check is not None:
        taps = fwd_out.get("dropout", [])
        if not all(
            isinstance(t, dict)
            and isinstance(t.get("multiplier"), np.ndarray)
            and isinstance(t.get("known"), np.ndarray)
            for t in taps
        ):
            raise CheckAbort("the worker's dropout record was malformed")
        mults = [t["multiplier"] for t in taps]
        problem = dropout_check(taps)
        if problem:
            fail = Finding("forward", False, problem)
            return LayerVerdict(fail, Finding("backward", False, problem))

    def compute() -> dict:
        ref_layer = build_reference(ctx, spec)
        if train is not None:
            ref_layer.train(train)
        leaves = load_student_params(ref_layer, r.params, label)
        if mults is not None:
            replay_dropout(ref_layer, mults)
        e = reference_pass(ref_layer, leaves, x, y, dout)
        return {"z": e.z, "dx": e.dx, "grads": e.grads}

    inputs = {"spec": spec, "x": x, "y": y, "dout": dout, "train": train, "dropout": mults, "params": values}
    found = ctx.expect("layer", compute, inputs)
    expected = Expected(found["z"], found["dx"], found["grads"])

    fwd_problem = mismatch(f"{label} output", fwd_out["z"], expected.z)
    forward = Finding("forward", fwd_problem is None, _with_hint(fwd_problem, hint_forward))

    bwd_out = r.output(first + 1)
    if bwd_out is None:
        return LayerVerdict(forward, Finding("backward", False, r.error or f"{label}.backward() gave no output"))
    problems: list[str | None] = [mismatch("input gradient (dx)", bwd_out["dx"], expected.dx)]
    for i, ((value, grad), want) in enumerate(zip(r.params, expected.grads)):
        got = grad.reshape(tuple(want.shape)) if grad.size == want.numel() else grad
        problems.append(mismatch(f"param#{i + 1:02d} gradient (shape {tuple(value.shape)})", got, want))
    problems = [p for p in problems if p]
    if not problems:  # empty: the finite differences are its problems
        problems.extend(_finite_difference_problems(ctx, spec, label, x, y, dout, train, r, notes))
    backward = Finding("backward", not problems, _with_hint("\n".join(problems) or None, hint_backward))
    return LayerVerdict(forward, backward, notes, r.transposed)


def _finite_difference_problems(ctx, spec, label, x, y, dout, train, r: Run, notes: list[str]) -> list[str]:
    shapes = {"input": tuple(x.shape)}
    for i, (value, _) in enumerate(r.params or []):
        shapes[f"param#{i + 1:02d}"] = tuple(value.shape)
    coords = fd_coords(ctx, shapes)
    try:
        fd = ctx.call(
            "hw2.layer_fd",
            doing=f"finite differences of {label}",
            spec=spec,
            x=x,
            y=y,
            dout=dout,
            coords=coords,
            train=train,
        )
    except CheckAbort as exc:
        notes.append(f"finite-difference check not run: {exc}")
        return []
    if not isinstance(fd, dict) or not isinstance(fd.get("fd"), dict) or not isinstance(fd.get("analytic"), dict):
        raise CheckAbort("the worker's finite-difference reply was malformed")
    problems = []
    for name, values in fd["fd"].items():
        if name not in coords:
            continue
        p = fd_mismatch(name, values, fd["analytic"].get(name, []), coords[name])
        if p:
            problems.append(p)
    if fd.get("dtype") != "float64":
        if problems:
            notes.append(
                "finite differences in float32 (your code does not follow float64 inputs) are only "
                "indicative: " + "; ".join(problems)
            )
        return []
    return problems


def _with_hint(problem: str | None, hint: str) -> str:
    if not problem:
        return ""
    return f"{problem}\n  hint: {hint}" if hint else problem
