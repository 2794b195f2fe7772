"""Probes for Neuromatch Academy DL W1D5 Tutorial 1 (optimization): call the student's ``w1d5``
module (MLP, zero_grad, gradient_update, momentum_update, rmsprop_update) on what the judge sent.

The update rules are called as the tutorial's ``run_optimizer`` calls them:
``update(loss, params, aux_tensors, lr=..., beta=... / alpha=...)`` with ``loss`` a scalar
still attached to the graph (the rule calls ``backward`` itself) and ``params`` a list of
``nn.Parameter``. Every parameter starts with a stale gradient (as after an earlier step of a
training loop), so a rule that forgets ``zero_grad`` shows at its first call.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import types
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .server import ProbeError, import_student, probe

MODULE = "w1d5"
RULES = {"gradient": "gradient_update", "momentum": "momentum_update", "rmsprop": "rmsprop_update"}


class _Anything:
    """Stands in for any ipywidgets object: attributes and calls give more of the same, and a call
    with one function (a decorator such as ``@widgets.interact_manual``) gives the function back."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], _Anything):
            return args[0]
        return _Anything()


class _WidgetsStub(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


def _stub_missing_widgets() -> None:
    """The tutorial's interactive cells define functions decorated with ``@widgets.interact_manual``
    and with widget default arguments (``lr=widgets.FloatLogSlider(...)``). Where ipywidgets is not
    installed, the graded module's guarded import leaves ``widgets`` undefined and those definitions
    would fail the whole import: a stand-in module lets them define (they are never called)."""
    if "ipywidgets" in sys.modules:
        return
    try:
        missing = importlib.util.find_spec("ipywidgets") is None
    except (ImportError, ValueError):
        missing = True
    if missing:
        sys.modules["ipywidgets"] = _WidgetsStub("ipywidgets")


def _student() -> Any:
    _stub_missing_widgets()
    return import_student(MODULE)


def _function(name: str) -> Any:
    fn = getattr(_student(), name, None)
    if not callable(fn):
        raise ProbeError(f"{MODULE} defines no function {name}")
    return fn


def _f64(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.array(value, dtype=np.float64))


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _hyper(fn: Any, rule: str, hyper: dict) -> dict:
    """The keyword arguments to pass: ``epsilon`` only where the signature takes it (some
    versions of the tutorial have it built in as 1e-8)."""
    kwargs = dict(hyper)
    if rule == "rmsprop" and "epsilon" in kwargs and not _accepts(fn, "epsilon"):
        kwargs.pop("epsilon")
    return kwargs


def _call_rule(fn: Any, rule: str, loss: torch.Tensor, params: list, buffers: list | None, kwargs: dict) -> None:
    if rule == "gradient":
        fn(loss, params, **kwargs)
    else:
        fn(loss, params, buffers, **kwargs)


def regression_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """A small two-layer network's squared error: tanh(x W1 + b1) W2 + b2 against y."""
    w1, b1, w2, b2 = params
    out = torch.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean()


@probe("nma_w1d5.updates")
def updates(
    rule: str, params: list, buffers: list | None, x: Any, y: Any, stale: list, steps: int, hyper: dict
) -> dict:
    """``steps`` calls of the student's rule on the regression loss (float64); after each call the
    parameters and the caller's buffer list, as the caller sees them."""
    fn = _function(RULES[rule])
    kwargs = _hyper(fn, rule, hyper)
    ps = [nn.Parameter(_f64(p)) for p in params]
    for p, g in zip(ps, stale):
        p.grad = _f64(g)  # a stale gradient, as after an earlier step
    bufs = None if buffers is None else [_f64(b) for b in buffers]
    originals = list(bufs or [])
    xt, yt = _f64(x), _f64(y)
    after_params, after_buffers = [], []
    for _ in range(int(steps)):
        loss = regression_loss(ps, xt, yt)
        _call_rule(fn, rule, loss, ps, bufs, kwargs)
        after_params.append([p.detach().clone() for p in ps])
        if bufs is not None:
            for i, b in enumerate(bufs):
                if not isinstance(b, torch.Tensor):
                    raise ProbeError(
                        f"after the call, the caller's buffer list holds a {type(b).__name__} "
                        f"at index {i}, not a tensor"
                    )
            after_buffers.append([b.detach().clone() for b in bufs])
    return {
        "params": after_params,
        "buffers": after_buffers,
        "same_objects": bufs is None or all(a is b for a, b in zip(originals, bufs)),
    }


@probe("nma_w1d5.zero_grad")
def zero_grad(params: list, grads: list) -> dict:
    """``zero_grad`` on parameters whose ``grads`` entry is an array (set as ``.grad``) or None
    (no gradient yet): what each ``.grad`` holds afterwards, and whether the values moved."""
    fn = _function("zero_grad")
    ps = [nn.Parameter(_f64(p)) for p in params]
    for p, g in zip(ps, grads):
        if g is not None:
            p.grad = _f64(g)
    before = [p.detach().clone() for p in ps]
    fn(ps)
    after = []
    for p in ps:
        if p.grad is None:
            after.append({"none": True, "max_abs": 0.0})
        else:
            after.append({"none": False, "max_abs": float(p.grad.detach().abs().max()) if p.grad.numel() else 0.0})
    moved = any(not torch.equal(b, p.detach()) for b, p in zip(before, ps))
    return {"grads": after, "moved": moved}


def _build_mlp(config: dict) -> nn.Module:
    cls = getattr(_student(), "MLP", None)
    if cls is None:
        raise ProbeError(f"{MODULE} defines no class MLP")
    model = cls(
        in_dim=config["in_dim"],
        out_dim=config["out_dim"],
        hidden_dims=list(config["hidden_dims"]),
        use_bias=config["use_bias"],
    )
    if not isinstance(model, nn.Module):
        raise ProbeError(f"MLP(...) built a {type(model).__name__}, not a torch.nn.Module")
    return model


def _layers(model: nn.Module) -> tuple[list[nn.Module], bool]:
    main = getattr(model, "main", None)
    if isinstance(main, nn.Module):
        return list(main.children()) if len(list(main.children())) else [main], True
    return [m for m in model.modules() if m is not model and not list(m.children())], False


@probe("nma_w1d5.mlp_structure")
def mlp_structure(configs: list) -> list:
    """For each config: the layers of ``model.main`` (kind, weight and bias shapes) and the shapes
    of ``model.parameters()`` in order."""
    out = []
    for config in configs:
        model = _build_mlp(config)
        layers, has_main = _layers(model)
        described = []
        for layer in layers:
            weight = getattr(layer, "weight", None)
            bias = getattr(layer, "bias", None)
            described.append(
                {
                    "kind": type(layer).__name__,
                    "weight": list(weight.shape) if isinstance(weight, torch.Tensor) else None,
                    "bias": list(bias.shape) if isinstance(bias, torch.Tensor) else None,
                }
            )
        out.append({"layers": described, "has_main": has_main, "params": [list(p.shape) for p in model.parameters()]})
    return out


@probe("nma_w1d5.mlp_forward")
def mlp_forward(config: dict, params: list, x: Any) -> dict:
    """Build the MLP, copy the judge's values into its parameters (in ``parameters()`` order),
    and run forward in float64."""
    model = _build_mlp(config).double()
    ps = list(model.parameters())
    if len(ps) != len(params):
        raise ProbeError(f"MLP({config}) has {len(ps)} parameter tensors, expected {len(params)}")
    with torch.no_grad():
        for i, (p, value) in enumerate(zip(ps, params)):
            value = _f64(value)
            if tuple(p.shape) != tuple(value.shape):
                raise ProbeError(
                    f"parameter #{i} of MLP({config}) has shape {tuple(p.shape)}, expected {tuple(value.shape)}"
                )
            p.copy_(value)
    model.eval()
    out = model(_f64(x))
    if not isinstance(out, torch.Tensor):
        raise ProbeError(f"forward returned {type(out).__name__}, expected a tensor")
    return {"out": out.detach()}


def classifier_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The tutorial's objective on a one-hidden-layer MLP: nll_loss of log_softmax outputs."""
    w1, b1, w2, b2 = params
    logits = F.relu(x @ w1.T + b1) @ w2.T + b2
    return F.nll_loss(F.log_softmax(logits, dim=1), y)


def normalized_images(images: Any) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 784) standardized with the images' own mean and std, as
    the tutorial's ``load_mnist_data(change_tensors=True)`` does with the training set's."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float()
    return ((x - x.mean()) / x.std()).reshape(len(x), -1)


@probe("nma_w1d5.train")
def train(rule: str, images: Any, labels: Any, init: list, steps: int, hyper: dict) -> dict:
    """Full-batch training of a 784-100-10 ReLU MLP (the probe's own, so only the update rule is
    the student's) from the judge's initial values: the loss before each step and at the end."""
    fn = _function(RULES[rule])
    kwargs = _hyper(fn, rule, hyper)
    x = normalized_images(images)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    ps = [nn.Parameter(torch.from_numpy(np.array(v, dtype=np.float32))) for v in init]
    for p in ps:
        p.grad = torch.zeros_like(p)
    aux = [torch.zeros_like(p) for p in ps]
    losses = []
    for _ in range(int(steps)):
        loss = classifier_loss(ps, x, y)
        losses.append(float(loss.detach()))
        _call_rule(fn, rule, loss, ps, aux, kwargs)
    with torch.no_grad():
        final = float(classifier_loss(ps, x, y))
    return {"losses": losses, "final": final}
