"""Probes for CSC321 Tutorial 6 (optimization and CNNs on MNIST): the student's ``tutorial6``
module (the notebook's definitions) run on inputs the judge sends.

``get_accuracy`` reads the module globals ``mnist_train`` / ``mnist_val``, as in the notebook: each
probe that needs them injects small lists of (image (1, 28, 28), label) pairs built from the
judge's arrays. ``train`` computes both accuracies every iteration, so those lists stay small.

Where a function is judged on its own, it drives a small model of this module (``ProbeNet``, a
linear classifier whose parameters the judge chose) that records what it sees: the mode it ran
in, the images of each batch (tagged in two corner pixels: which set, which index). Accuracies
used for verdicts are measured here, never taken from the student's bookkeeping.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from ..boundary.shipped import mnist_pairs
from .server import ProbeError, describe_exception, import_student, probe, submission_dir

MODULE = "tutorial6"
MODELS = ("MLP", "CNN", "MLPBN", "MLPBNBeforeReLu", "CNNBN")
SET_MARKS = {"data": 1.0, "train": 0.5, "val": 0.25}  # pixel [0, 0, 1] of a tagged image
INDEX_SCALE = 1000.0  # pixel [0, 0, 0] of a tagged image is index / INDEX_SCALE


def _student() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # train() plots; nothing may try to open a window
    return import_student(MODULE)


def _attr(name: str) -> Any:
    value = getattr(_student(), name, None)
    if value is None:
        raise ProbeError(f"your notebook defines no {name}")
    return value


def _tensor(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.array(value))


def _pairs(arrays: list | None) -> list:
    return [] if arrays is None else mnist_pairs(np.asarray(arrays[0]), np.asarray(arrays[1]))


def _tagged(arrays: list, mark: str) -> list:
    """The pairs with their set and index written into the first two pixels (0 in MNIST's corners)."""
    pairs = _pairs(arrays)
    for i, (img, _) in enumerate(pairs):
        img[0, 0, 0] = i / INDEX_SCALE
        img[0, 0, 1] = SET_MARKS[mark]
    return pairs


def _error(exc: BaseException) -> dict:
    info = describe_exception(exc, submission_dir())
    return {"type": info["type"], "message": info["message"], "where": info["where"]}


# -- a model the judge knows ------------------------------------------------------------------


class ProbeNet(nn.Module):
    """scores = x.flatten() @ w.T + b, recording every forward call (mode, batch size, tags)."""

    def __init__(self, w: Any, b: Any):
        super().__init__()
        self.linear = nn.Linear(28 * 28, 10)
        with torch.no_grad():
            self.linear.weight.copy_(_tensor(w))
            self.linear.bias.copy_(_tensor(b))
        self.calls: list[dict] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        marks = flat[:, 1].detach()
        entry: dict[str, Any] = {
            "training": bool(self.training),
            "size": int(x.shape[0]),
            "mark": float(marks.mean()) if len(marks) else 0.0,
        }
        if len(marks) and bool((marks == SET_MARKS["data"]).all()):
            entry["indices"] = [int(round(float(v) * INDEX_SCALE)) for v in flat[:, 0].detach()]
        self.calls.append(entry)
        return self.linear(flat)


def _params(model: nn.Module) -> dict:
    return {"w": model.linear.weight.detach().clone(), "b": model.linear.bias.detach().clone()}


def _accuracy(model: nn.Module, pairs: list) -> float:
    """The share of ``pairs`` whose highest score is the label, in eval mode (this probe's own count)."""
    if not pairs:
        return float("nan")
    was = model.training
    model.eval()
    with torch.no_grad():
        x = torch.stack([img for img, _ in pairs])
        y = torch.tensor([label for _, label in pairs])
        correct = int((model(x).argmax(dim=1) == y).sum())
    model.train(was)
    return correct / len(pairs)


# -- running train() ---------------------------------------------------------------------------


@contextlib.contextmanager
def _recording_optimizers(mod: Any, log: list):
    """torch.optim.SGD / Adam (and those names in the student's module) replaced by subclasses that
    record how train() built them; restored afterwards."""
    originals = {name: getattr(torch.optim, name) for name in ("SGD", "Adam")}
    patched = {}
    for name, cls in originals.items():

        def make(cls: type = cls, name: str = name) -> type:
            class Recorded(cls):
                def __init__(self, params: Any, *args: Any, **kwargs: Any):
                    log.append(
                        {
                            "cls": name,
                            "args": [_plain(a) for a in args],
                            "kwargs": {k: _plain(v) for k, v in kwargs.items()},
                        }
                    )
                    super().__init__(params, *args, **kwargs)

            Recorded.__name__ = Recorded.__qualname__ = name
            return Recorded

        patched[name] = make()
    saved_module = {name: getattr(mod, name) for name in originals if getattr(mod, name, None) is originals[name]}
    try:
        for name, cls in patched.items():
            setattr(torch.optim, name, cls)
        for name in saved_module:
            setattr(mod, name, patched[name])
        yield
    finally:
        for name, cls in originals.items():
            setattr(torch.optim, name, cls)
        for name, cls in saved_module.items():
            setattr(mod, name, cls)


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    return repr(value)[:80]


def _run_train(
    mod: Any, model: nn.Module, data: list, kwargs: dict, acc_train: list, acc_val: list, optimizers: list | None = None
) -> str:
    """train(model, data, **kwargs) with the accuracy sets injected; returns what it printed."""
    import matplotlib.pyplot as plt

    train = getattr(mod, "train", None)
    if train is None:
        raise ProbeError("your notebook defines no train")
    mod.mnist_train, mod.mnist_val = acc_train, acc_val
    out = io.StringIO()
    recorder = _recording_optimizers(mod, optimizers) if optimizers is not None else contextlib.nullcontext()
    try:
        with recorder, warnings.catch_warnings(), contextlib.redirect_stdout(out):
            warnings.simplefilter("ignore")
            train(model, data, **kwargs)
    finally:
        plt.close("all")
    return out.getvalue()[-4000:]


@probe("csc321_tut6.optimizer_steps")
def optimizer_steps(w: Any, b: Any, data: list, acc: list, kwargs: dict) -> dict:
    """train() on ProbeNet: the parameters after it, how it built its optimizer, what it printed."""
    mod = _student()
    model = ProbeNet(w, b)
    optimizers: list = []
    printed = _run_train(mod, model, _pairs(data), kwargs, _pairs(acc), _pairs(acc), optimizers)
    size = kwargs.get("batch_size", 64)
    steps = sum(1 for c in model.calls if c["training"] and c["size"] == size)  # the accuracy sets are smaller
    return {**_params(model), "optimizers": optimizers, "printed": printed, "steps": steps}


@probe("csc321_tut6.loop")
def loop(w: Any, b: Any, data: list, acc_train: list, acc_val: list, kwargs: dict) -> dict:
    """train() on ProbeNet with tagged images: each training batch's indices and mode, the number
    of get_accuracy calls, what train() printed and the final model's accuracies (measured here)."""
    mod = _student()
    model = ProbeNet(w, b)
    train_pairs, val_pairs = _tagged(acc_train, "train"), _tagged(acc_val, "val")
    recorded: dict[str, list] = {"train": [], "val": []}
    original = getattr(mod, "get_accuracy", None)
    if original is not None:
        mod.get_accuracy = _recording(original, recorded)
    try:
        printed = _run_train(mod, model, _tagged(data, "data"), kwargs, train_pairs, val_pairs)
    finally:
        if original is not None:
            mod.get_accuracy = original
    batches = [{"training": c["training"], "indices": c["indices"]} for c in model.calls if "indices" in c]
    return {
        "batches": batches,
        "printed": printed,
        "accuracy_calls": {which: len(values) for which, values in recorded.items()},
        "final_train": _accuracy(model, train_pairs),
        "final_val": _accuracy(model, val_pairs),
    }


@probe("csc321_tut6.learn")
def learn(runs: list, data: list, acc_train: list, acc_val: list, holdout: list) -> list[dict]:
    """Each run: the student's model (optionally zero-initialised, as the tutorial's last cell),
    trained with the student's train(); its accuracy on ``holdout`` measured here."""
    mod = _student()
    data_pairs, train_pairs, val_pairs, held = _pairs(data), _pairs(acc_train), _pairs(acc_val), _pairs(holdout)
    results = []
    original = getattr(mod, "get_accuracy", None)
    for run in runs:
        torch.manual_seed(int(run["seed"]))
        model = _attr(run["model"])(*run["args"])
        if run.get("zero"):
            for p in model.parameters():
                nn.init.zeros_(p)
        curves: dict[str, list] = {"train": [], "val": []}
        if original is not None:
            mod.get_accuracy = _recording(original, curves)
        try:
            printed = _run_train(mod, model, data_pairs, run["kwargs"], train_pairs, val_pairs)
        finally:
            if original is not None:
                mod.get_accuracy = original
        results.append({"holdout": _accuracy(model, held), "printed": printed[-600:], "curves": curves})
    return results


def _recording(get_accuracy: Any, curves: dict[str, list]) -> Any:
    """The student's get_accuracy, each call noted under "train" or "val" with what it returned (a
    number, or None: only a figure reads the values; the training-loop check counts the calls)."""

    def recording(model: Any, *args: Any, **kw: Any) -> Any:
        value = get_accuracy(model, *args, **kw)
        which = kw.get("train", args[0] if args else False)
        try:
            number: float | None = float(value)
        except Exception:
            number = None
        curves["train" if which else "val"].append(number)
        return value

    return recording


# -- models ------------------------------------------------------------------------------------


@probe("csc321_tut6.param_counts")
def param_counts(cases: list) -> list[dict]:
    """For each (class name, args): the number of parameters, their shapes, num_hidden; or the error."""
    mod = _student()
    out: list[dict[str, Any]] = []
    for name, args in cases:
        cls = getattr(mod, name, None)
        if cls is None:
            out.append({"missing": True})
            continue
        try:
            model = cls(*args)
            params = list(model.parameters())
        except Exception as exc:
            out.append({"error": _error(exc)})
            continue
        hidden = getattr(model, "num_hidden", None)
        out.append(
            {
                "count": int(sum(p.numel() for p in params)),
                "shapes": [list(p.shape) for p in params],
                "num_hidden": hidden if isinstance(hidden, int) else repr(hidden)[:40],
            }
        )
    return out


@probe("csc321_tut6.print_num_parameters")
def print_num_parameters(cases: list) -> list[str]:
    """What print_num_parameters printed for ProbeNet-like models the judge describes:
    each case is (list of (in, out) Linear sizes, name or None for the default)."""
    fn = _attr("print_num_parameters")
    printed = []
    for sizes, name in cases:
        model = nn.Sequential(*[nn.Linear(i, o) for i, o in sizes])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            fn(model) if name is None else fn(model, name)
        printed.append(out.getvalue())
    return printed


def _load_by_shape(model: nn.Module, params: list) -> str | None:
    """Copy the judge's tensors into the model's parameters, each to the parameter of its shape."""
    mine = list(model.parameters())
    pool = [_tensor(p) for p in params]
    if len(mine) != len(pool):
        return (
            f"it has {len(mine)} parameter tensors {[tuple(p.shape) for p in mine]}, the tutorial's has "
            f"{len(pool)} {[tuple(p.shape) for p in pool]}"
        )
    used = [False] * len(pool)
    with torch.no_grad():
        for p in mine:
            k = next((k for k, t in enumerate(pool) if not used[k] and tuple(t.shape) == tuple(p.shape)), None)
            if k is None:
                return (
                    f"its parameter of shape {tuple(p.shape)} has no counterpart in the tutorial's "
                    f"{[tuple(t.shape) for t in pool]}"
                )
            used[k] = True
            p.copy_(pool[k])
    return None


@probe("csc321_tut6.forward")
def forward(model: str, args: list, params: list, inputs: list) -> dict:
    """The student's model with the judge's parameters (matched by shape), in eval mode, on each batch."""
    net = _attr(model)(*args)
    problem = _load_by_shape(net, params)
    if problem:
        return {"load_problem": problem}
    net.eval()
    with torch.no_grad():
        return {"outputs": [net(_tensor(x)) for x in inputs]}


@probe("csc321_tut6.bn_trace")
def bn_trace(model: str, args: list, images: Any) -> dict:
    """Forward hooks in a training-mode forward: what each batch-norm layer and the output layer
    (the last nn.Linear with 10 outputs) receive. Works whatever form the ReLU takes."""
    net = _attr(model)(*args)
    net.train()
    seen: list[dict] = []
    handles = []
    for name, module in net.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            kind = "bn"
        elif isinstance(module, nn.Linear) and module.out_features == 10:
            kind = "output"
        else:
            continue

        def hook(mod: nn.Module, inputs: tuple, name: str = name, kind: str = kind) -> None:
            x = inputs[0].detach() if inputs and isinstance(inputs[0], torch.Tensor) else None
            if x is not None:
                seen.append(
                    {
                        "name": name,
                        "kind": kind,
                        "type": type(mod).__name__,
                        "shape": list(x.shape),
                        "min": float(x.min()),
                        "negative_share": float((x < 0).float().mean()),
                    }
                )

        handles.append(module.register_forward_pre_hook(hook))
    try:
        net(torch.from_numpy(np.asarray(images)).float().div(255.0).unsqueeze(1))
    finally:
        for h in handles:
            h.remove()
    return {
        "calls": seen,
        "bn_modules": [type(m).__name__ for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)],
    }


@probe("csc321_tut6.get_accuracy")
def get_accuracy(w: Any, b: Any, acc_train: list, acc_val: list) -> dict:
    """get_accuracy on ProbeNet (left in training mode, as after a step of train()): both sets,
    the default argument, and the modes the model was in when get_accuracy ran it."""
    fn = _attr("get_accuracy")
    mod = _student()
    mod.mnist_train, mod.mnist_val = _pairs(acc_train), _pairs(acc_val)
    results, modes = {}, {}
    for label, call in (
        ("train", lambda m: fn(m, train=True)),
        ("val", lambda m: fn(m, train=False)),
        ("default", lambda m: fn(m)),
    ):
        model = ProbeNet(w, b)
        model.train()
        value = call(model)
        try:
            results[label] = float(value)
        except (TypeError, ValueError):
            raise ProbeError(f"get_accuracy returned {type(value).__name__} {str(value)[:60]}, not a number") from None
        modes[label] = sorted({c["training"] for c in model.calls})
    return {"values": results, "modes": modes}


@probe("csc321_tut6.signature")
def signature(function: str = "train") -> dict:
    """The default values of train's parameters (numbers, strings, booleans; others as their repr)."""
    import inspect

    fn = _attr(function)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError) as exc:
        return {"error": f"{function} has no readable signature ({exc})"}
    return {"defaults": {n: _plain(p.default) for n, p in params.items() if p.default is not inspect.Parameter.empty}}
