"""Probes for CSC321 Tutorial 4: the student's ``get_accuracy`` and ``run_gradient_descent``
(module ``tutorial4``, from the handed-in notebook or script).

Both functions read the datasets the tutorial keeps at module level (``mnist_train``,
``mnist_val``: lists of ``(image (1, 28, 28), label)`` pairs); the probes assign them from the
judge's arrays before every call.

- ``get_accuracy`` is called with models defined here: ``LookupModel`` returns the judge's chosen
  logits for each image (an image carries its row number in two corner pixels), so what
  ``get_accuracy`` makes of known logits is judged item by item and set by set.
- ``run_gradient_descent`` trains a ``RecordingLinear`` (an ``nn.Linear(784, 10)`` that notes the
  batches it is trained on and its parameters before each one) with the judge's initial
  parameters. While it runs, the module's ``get_accuracy`` is replaced by a correct one of this
  module, which also notes what it was called on: a ``get_accuracy`` bug then costs no training
  points, and the accuracy curves are observed without trusting the student's code.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import torch
import torch.nn as nn
from torch.optim.optimizer import register_optimizer_step_post_hook

from ..boundary.shipped import decode_ids, encode_ids, mnist_pairs, mnist_tensors
from .server import ProbeError, import_student, probe

MODULE = "tutorial4"
FEATURES, CLASSES = 784, 10


def _student() -> Any:
    mod = import_student(MODULE)
    for name in ("get_accuracy", "run_gradient_descent"):
        if not callable(getattr(mod, name, None)):
            raise ProbeError(f"{MODULE} defines no function {name}()")
    return mod


def _flat_input(x: Any, who: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ProbeError(f"{who} called the model on a {type(x).__name__}, expected a torch.Tensor")
    if x.dim() != 2 or x.shape[1] != FEATURES:
        raise ProbeError(
            f"{who} called the model on a tensor of shape {tuple(x.shape)}; nn.Linear(784, 10) "
            "needs (batch, 784): flatten the images first (xs.view(-1, 784))"
        )
    return x


def _number(value: Any, what: str) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ProbeError(
            f"{what} returned {type(value).__name__} {str(value)[:80]}, expected a number "
            "(the fraction of correct predictions)"
        )
    return float(value)


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# -- get_accuracy -------------------------------------------------------------------------------


class LookupModel(nn.Module):
    """Returns row ``id`` of the judge's logits table for an image carrying ``id``."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(logits.clone())  # a parameter, as nn.Linear's outputs need grad too

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _flat_input(x, "get_accuracy")
        ids = torch.tensor(decode_ids(x), dtype=torch.long)
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= self.table.shape[0]):
            raise ProbeError(
                "get_accuracy called the model on images that are not the data it was given (or changed their pixels)"
            )
        return self.table[ids]


@probe("csc321_tut4.accuracy_table")
def accuracy_table(logits: Any, labels: Any, sets: list) -> dict:
    """``get_accuracy`` of a ``LookupModel`` on each row alone, then on each set of row numbers."""
    mod = _student()
    table = torch.from_numpy(np.asarray(logits, dtype=np.float32))
    labels = np.asarray(labels, dtype=np.int64)
    images = encode_ids(np.zeros((len(labels), 28, 28), dtype=np.uint8), 0)
    pairs = mnist_pairs(images, labels)
    model = LookupModel(table)
    singles = [_number(mod.get_accuracy(model, [pairs[i]]), "get_accuracy") for i in range(len(pairs))]
    on_sets = [_number(mod.get_accuracy(model, [pairs[i] for i in rows]), "get_accuracy") for rows in sets]
    return {"singles": singles, "sets": on_sets}


@probe("csc321_tut4.accuracy_linear")
def accuracy_linear(weight: Any, bias: Any, images: Any, labels: Any) -> dict:
    """``get_accuracy`` of an ``nn.Linear(784, 10)`` holding the judge's parameters on images."""
    mod = _student()
    model = nn.Linear(FEATURES, CLASSES)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(np.asarray(weight, dtype=np.float32)))
        model.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)))
    before = [p.detach().clone() for p in model.parameters()]
    value = _number(mod.get_accuracy(model, mnist_pairs(images, labels)), "get_accuracy")
    moved = max(float((p.detach() - b).abs().max()) for p, b in zip(model.parameters(), before))
    return {"accuracy": value, "params_moved": moved}


# -- run_gradient_descent -----------------------------------------------------------------------


class _State:
    in_accuracy = False


class RecordingLinear(nn.Linear):
    """``nn.Linear(784, 10)`` that notes each training forward: batch size, image ids, and the
    parameters it is called with (= the parameters after the previous update)."""

    def __init__(self, record_ids: bool, snapshots: bool):
        super().__init__(FEATURES, CLASSES)
        self.record_ids, self.snapshots = record_ids, snapshots
        self.forwards: list[dict] = []  # every forward with gradients enabled
        self.trained: list[dict] = []  # those whose output a backward() reached

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _flat_input(x, "run_gradient_descent")
        out = super().forward(x)
        if torch.is_grad_enabled() and not _State.in_accuracy:
            entry = {
                "size": int(x.shape[0]),
                "ids": decode_ids(x) if self.record_ids else None,
                "params": [self.weight.detach().clone(), self.bias.detach().clone()] if self.snapshots else None,
            }
            self.forwards.append(entry)
            if out.requires_grad:
                # A training batch is a forward whose output is backpropagated: a student who also
                # evaluates the model on the batch for a running accuracy (model(xs).argmax(1),
                # gradients enabled, never backpropagated) trains on one batch, not two.
                def on_backward(grad: torch.Tensor, entry: dict = entry) -> None:
                    if not any(e is entry for e in self.trained):
                        self.trained.append(entry)

                out.register_hook(on_backward)
        return out

    def _entries(self) -> list[dict]:
        # without any backward (a loop that never calls loss.backward()), every forward counts,
        # so the checks still name what the model was run on
        return self.trained or self.forwards

    @property
    def batches(self) -> list[int]:
        return [e["size"] for e in self._entries()]

    @property
    def ids(self) -> list[list[int]]:
        return [e["ids"] for e in self._entries()]

    @property
    def params_seen(self) -> list[list[torch.Tensor]]:
        return [e["params"] for e in self._entries()]


def _correct_accuracy(model: nn.Module, data: list) -> float:
    xs = torch.stack([x for x, _ in data]).reshape(len(data), -1)
    ts = torch.tensor([int(t) for _, t in data])
    with torch.no_grad():
        return float((model(xs).argmax(dim=1) == ts).float().mean())


@probe("csc321_tut4.train")
def train(
    train_images: Any,
    train_labels: Any,
    val_images: Any,
    val_labels: Any,
    weight: Any,
    bias: Any,
    kwargs: dict,
    record_ids: bool = False,
    snapshots: bool = False,
    measure: bool = False,
) -> dict:
    """``run_gradient_descent(model, **kwargs)`` on ``mnist_train``/``mnist_val`` built from the arrays."""
    mod = _student()
    train_set = mnist_pairs(train_images, train_labels)
    val_set = mnist_pairs(val_images, val_labels)
    model = RecordingLinear(record_ids, snapshots)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(np.asarray(weight, dtype=np.float32)))
        model.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)))

    calls: list[str] = []
    curves: dict[str, list[float]] = {"train": [], "val": []}  # what each recording measured (for a figure)

    def get_accuracy(model_arg: Any, data: Any) -> float:
        if data is train_set:
            calls.append("train")
        elif data is val_set:
            calls.append("val")
        else:
            calls.append(f"other({len(data) if hasattr(data, '__len__') else '?'})")
        _State.in_accuracy = True
        try:
            accuracy = _correct_accuracy(model_arg, list(data))
        finally:
            _State.in_accuracy = False
        if calls[-1] in curves:
            curves[calls[-1]].append(float(accuracy))
        return accuracy

    optimizers: list[dict] = []
    steps = [0]

    def on_step(optimizer: Any, args: Any, kw: Any) -> None:
        steps[0] += 1
        group = optimizer.param_groups[0] if optimizer.param_groups else {}
        seen = {
            "type": type(optimizer).__name__,
            "lr": group.get("lr"),
            "weight_decay": group.get("weight_decay"),
            "momentum": group.get("momentum"),
        }
        if seen not in optimizers:
            optimizers.append(seen)

    student_accuracy = mod.get_accuracy
    saved = {name: getattr(mod, name, None) for name in ("mnist_train", "mnist_val")}
    mod.mnist_train, mod.mnist_val, mod.get_accuracy = train_set, val_set, get_accuracy
    handle = register_optimizer_step_post_hook(on_step)
    try:
        returned = mod.run_gradient_descent(model, **kwargs)
    finally:
        handle.remove()
        mod.get_accuracy = student_accuracy
        for name, value in saved.items():
            setattr(mod, name, value)
        _State.in_accuracy = False
        _close_figures()

    if returned is model:
        returned_kind = "model"
    elif returned is None:
        returned_kind = "None"
    else:
        returned_kind = type(returned).__name__
    reply: dict = {
        "returned": returned_kind,
        "final": [model.weight.detach().clone(), model.bias.detach().clone()],
        "batches": model.batches,
        "steps": steps[0],
        "optimizers": optimizers,
        "accuracy_calls": calls,
        "curves": curves,
    }
    if record_ids:
        reply["ids"] = model.ids
    if snapshots:
        reply["snapshots"] = model.params_seen
    if measure:
        reply["train_accuracy"] = _correct_accuracy(model, train_set)
        reply["val_accuracy"] = _correct_accuracy(model, val_set)
    return reply


__all__ = ["decode_ids", "encode_ids", "mnist_tensors"]
