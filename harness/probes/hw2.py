"""Probes for CS236781 HW2: call the student's ``hw2`` package on inputs sent by the judge.

A layer is described by a plain ``spec`` so the judge can build the same thing from the
reference: ``{"cls": "Linear", "args": [200, 1000], "kwargs": {}}``, or
``{"cls": "Sequential", "layers": [spec, ...]}``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from .server import ProbeError, current_seed, describe_exception, import_student, probe, submission_dir


def _layers_module():
    return import_student("hw2.layers")


def build(layers: Any, spec: dict) -> Any:
    cls_name = spec["cls"]
    cls = getattr(layers, cls_name, None)
    if cls is None:
        raise ProbeError(f"hw2.layers has no class {cls_name}")
    if cls_name == "Sequential":
        return cls(*[build(layers, s) for s in spec["layers"]])
    return cls(*spec.get("args", []), **spec.get("kwargs", {}))


def build_init(layers: Any, spec: dict) -> tuple[Any, list[bool]]:
    """``build``, then the judge's parameter values (``spec["init"]``, in params() order) copied in
    place: what the layer computes is then judged on known parameters, whatever its initialisation.

    The judge's weights are (Dout, Din), as the notebooks write W; a Linear that keeps its weight as
    (Din, Dout) and computes x @ w gets the transpose (the second value: which params were copied
    transposed), so that the same function is judged in either layout."""
    layer = build(layers, spec)
    init = spec.get("init")
    if init is None:
        return layer, []
    params = _params(layer)
    if len(params) != len(init):
        raise ProbeError(f"params() has {len(params)} entries, expected {len(init)}")
    flipped = []
    square_flipped = _LinearLayout(layers)
    with torch.no_grad():
        for i, ((p, _), value) in enumerate(zip(params, init)):
            value = torch.from_numpy(np.asarray(value))
            flip = _stored_transposed(p, value, square_flipped)
            if flip:
                value = value.t()
            if p.numel() != value.numel():
                raise ProbeError(f"param#{i + 1:02d} has shape {tuple(p.shape)}, expected {tuple(value.shape)}")
            p.copy_(value.reshape(p.shape).to(p.dtype))
            flipped.append(flip)
    return layer, flipped


class _LinearLayout:
    """Whether the student's Linear keeps its weight as (in_features, out_features): asked once, of
    a Linear(3, 2), when a square weight (Linear(500, 500)) cannot tell by its shape."""

    def __init__(self, layers: Any):
        self._layers = layers
        self._answer: bool | None = None

    def __call__(self) -> bool:
        if self._answer is None:
            self._answer = False
            try:
                params = _params(self._layers.Linear(3, 2))
                self._answer = bool(params) and tuple(params[0][0].shape) == (3, 2)
            except Exception:
                pass
        return self._answer


def _stored_transposed(p: torch.Tensor, value: torch.Tensor, square_flipped: _LinearLayout) -> bool:
    if p.dim() != 2 or value.dim() != 2:
        return False
    if tuple(p.shape) == tuple(value.shape):
        return p.shape[0] == p.shape[1] and square_flipped()
    return tuple(p.shape) == tuple(value.shape[::-1])


def _judge_layout(t: torch.Tensor, flip: bool) -> torch.Tensor:
    """A parameter (or its gradient) as the judge sent it: a view, so writes reach the student's."""
    return t.t() if flip and t.dim() == 2 else t


def _params_as_sent(layer: Any, flipped: list[bool]) -> list[list[torch.Tensor]]:
    flips = flipped + [False] * len(_params(layer))  # params() may have grown since build_init
    return [[_judge_layout(p, flip), _judge_layout(g, flip)] for (p, g), flip in zip(_params(layer), flips)]


def _tensor(value: Any) -> torch.Tensor | None:
    if value is None:
        return None
    return torch.from_numpy(np.asarray(value))


def _forward(layer: Any, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    z = layer(x) if y is None else layer(x, y=y)
    if not isinstance(z, torch.Tensor):
        raise ProbeError(f"forward returned {type(z).__name__}, expected a torch.Tensor")
    return z


def _backward(layer: Any, dout: torch.Tensor) -> torch.Tensor:
    dx = layer.backward(dout)
    if not isinstance(dx, torch.Tensor):
        raise ProbeError(f"backward returned {type(dx).__name__}, expected a torch.Tensor")
    return dx


def _params(layer: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    params = layer.params()
    if not isinstance(params, (list, tuple)):
        raise ProbeError(f"params() returned {type(params).__name__}, expected a list of (tensor, grad) tuples")
    out = []
    for i, item in enumerate(params):
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(t, torch.Tensor) for t in item)):
            raise ProbeError(f"params()[{i}] is not a (tensor, gradient tensor) pair")
        out.append((item[0], item[1]))
    return out


def _sequence(layer: Any) -> list[Any] | None:
    """The elements of a Sequential (or of an MLP's ``.sequence``), via len() and indexing."""
    seq = getattr(layer, "sequence", layer)
    try:
        return [seq[i] for i in range(len(seq))]
    except Exception:
        return None


def _is_dropout(layer: Any) -> bool:
    return type(layer).__name__ == "Dropout" or str(layer).startswith("Dropout")


class _DropoutTap:
    """Records the input and output of a Dropout layer's last forward call."""

    def __init__(self, layer: Any):
        self.x = self.z = None
        original = layer.forward

        def forward(*args: Any, **kw: Any) -> Any:
            x = args[0] if args else kw.get("x")
            # a copy taken before the call: a forward may modify its input in place
            self.x = x.detach().clone() if isinstance(x, torch.Tensor) else x
            out = original(*args, **kw)
            self.z = out
            return out

        layer.forward = forward

    def multiplier(self) -> dict:
        if not isinstance(self.x, torch.Tensor) or not isinstance(self.z, torch.Tensor):
            raise ProbeError("a Dropout layer was not called with a tensor during forward")
        x, z = self.x.detach().double(), self.z.detach().double()
        known = x != 0
        mult = torch.where(known, z / torch.where(known, x, torch.ones_like(x)), torch.zeros_like(x))
        return {"multiplier": mult, "known": known}


@probe("hw2.layer")
def run_layer(spec: dict, calls: list, train: bool | None = None, record_dropout: bool = False) -> dict:
    """Build the layer under the request's seed, replay ``calls``, return outputs and params.

    ``calls`` is a list of ``{"op": "forward", "x": ..., "y": ...}``,
    ``{"op": "backward", "dout": ...}`` and ``{"op": "train", "mode": bool}``. Dropout layers
    inside a sequence are tapped when ``record_dropout`` so the judge can replay the student's
    masks in the reference. A failure in call i is returned with the results of calls before i,
    so the judge can still score what worked (a forward that works, a backward that raises).
    """
    layer, flipped = build_init(_layers_module(), spec)
    if train is not None:
        layer.train(train)
    taps = []
    if record_dropout:
        taps = [_DropoutTap(el) for el in (_sequence(layer) or [layer]) if _is_dropout(el)]
    results: list[dict] = []
    try:
        for call in calls:
            if call["op"] == "forward":
                z = _forward(layer, _tensor(call["x"]), _tensor(call.get("y")))
                entry: dict[str, Any] = {"z": z}
                if taps:
                    entry["dropout"] = [t.multiplier() for t in taps]
                results.append(entry)
            elif call["op"] == "backward":
                results.append({"dx": _backward(layer, _tensor(call["dout"]))})
            else:
                layer.train(bool(call["mode"]))
                results.append({})
        params = _params_as_sent(layer, flipped)
    except BaseException as exc:
        try:  # the parameters still let the judge score the calls that did work
            params = _params_as_sent(layer, flipped)
        except BaseException:
            params = None
        return {
            "calls": results,
            "params": params,
            "error": describe_exception(exc, submission_dir()),
            "failed_call": len(results),
            "transposed": flipped,
        }
    return {"calls": results, "params": params, "error": None, "failed_call": None, "transposed": flipped}


@probe("hw2.structure")
def structure(spec: dict) -> dict:
    """How the built layer looks: its repr and, for sequences, each element's kind and shapes."""
    layer = build(_layers_module(), spec)
    elements = _sequence(layer)
    info: dict[str, Any] = {"repr": str(layer)[:20000], "length": None, "elements": None}
    if elements is not None:
        info["length"] = len(elements)
        info["elements"] = [
            {
                "repr": str(el)[:500],
                "class": type(el).__name__,
                "param_shapes": [list(p.shape) for p, _ in _params(el)],
            }
            for el in elements
        ]
    return info


def _reseed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


@probe("hw2.layer_fd")
def finite_differences(spec: dict, x: Any, dout: Any, coords: dict, y: Any = None, train: bool | None = None) -> dict:
    """Central differences of <dout, layer(x)> on sampled coordinates, next to the student's
    own backward at the same coordinates. float64 when the student's code follows the input
    dtype; float32 (with a larger step) otherwise. The RNG is re-seeded before every forward
    so that dropout masks repeat."""
    seed = current_seed()
    try:
        return _finite_differences(spec, x, dout, coords, seed, y, train, torch.float64, 1e-6)
    except ProbeError:
        raise
    except Exception:
        return _finite_differences(spec, x, dout, coords, seed, y, train, torch.float32, 1e-2)


def _finite_differences(spec, x, dout, coords, seed, y, train, dtype, eps) -> dict:
    _reseed(seed)
    layer, flipped = build_init(_layers_module(), spec)
    if train is not None:
        layer.train(train)
    params = _params(layer)
    if dtype == torch.float64:
        for p, g in params:
            p.data = p.data.double()
            g.data = g.data.double()
    x = _tensor(x).to(dtype)
    y = _tensor(y)
    dout = _tensor(dout).to(dtype)

    _reseed(seed)
    z0 = _forward(layer, x, y)
    if z0.dtype != dtype:
        raise TypeError(f"output dtype {z0.dtype} does not follow the input dtype {dtype}")
    dx = _backward(layer, dout)
    analytic = {"input": dx}
    targets = {"input": x}
    # fetch params again: a backward may rebind self.dw instead of filling the old tensor
    # in the judge's layout (its coordinates are for the shapes run_layer reported)
    for i, (p, g) in enumerate(_params_as_sent(layer, flipped)):
        analytic[f"param#{i + 1:02d}"] = g.clone()
        targets[f"param#{i + 1:02d}"] = p

    fd: dict[str, Any] = {}
    got: dict[str, Any] = {}
    for name, indices in coords.items():
        if name not in targets:
            continue
        t = targets[name]
        fd[name], got[name] = [], []
        for idx in indices:
            idx = tuple(int(i) for i in idx)
            orig = t.data[idx].item()
            t.data[idx] = orig + eps
            _reseed(seed)
            z_plus = _forward(layer, x, y).detach().double()
            t.data[idx] = orig - eps
            _reseed(seed)
            z_minus = _forward(layer, x, y).detach().double()
            t.data[idx] = orig
            # difference first, then the dot product: unaffected elements cancel exactly
            fd[name].append(float(((z_plus - z_minus) * dout.double()).sum() / (2 * eps)))
            got[name].append(float(analytic[name][idx]))
    return {"dtype": str(dtype).replace("torch.", ""), "eps": eps, "fd": fd, "analytic": got}


@probe("hw2.answer")
def answer(name: str) -> dict:
    """A written answer (``hw2.answers.<name>``) as text, or that the module does not define it."""
    answers = import_student("hw2.answers")
    if not hasattr(answers, name):
        return {"present": False}
    value = getattr(answers, name)
    return {"present": True, "is_str": isinstance(value, str), "text": str(value)[:20000]}
