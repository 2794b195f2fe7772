"""Probes for CS236781 HW2 Part 2: the student's optimizers, trainer and training runs.

The trainer probes keep the student's trainer apart from the student's layers, so that a Part 1
bug does not cost Part 2 points twice:

- ``LayerTrainer`` drives small correct objects defined here (``ProbeLinear``,
  ``ProbeCrossEntropy``, ``ProbeSGD``) whose every value the judge can replay;
- ``Trainer.fit`` runs on a subclass whose ``train_epoch``/``test_epoch`` return the epoch
  results the judge scripted, so fit's bookkeeping (lists, early stopping, checkpoints) is judged
  on known numbers.

The training probes run the notebook's cells on the student's own layers, optimizers and trainer,
and measure accuracy and loss with code of this module (never with the student's bookkeeping).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..boundary.shipped import image_dataset, loader
from .server import ProbeError, import_student, probe

NUM_CLASSES = 10
IN_FEATURES = 3 * 32 * 32


def _tensor(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.array(value))


def _student_attr(module: str, name: str) -> Any:
    value = getattr(import_student(module), name, None)
    if value is None:
        raise ProbeError(f"{module} has no {name}")
    return value


# -- optimizers -------------------------------------------------------------------------------


@probe("hw2.part2.optimizer")
def optimizer_steps(cls: str, kwargs: dict, params: list, grads: list) -> dict:
    """Build ``hw2.optimizers.<cls>`` over (param, grad) pairs, as layers' ``params()`` give them;
    before each step, write that step's gradients (sent by the judge) INTO the same grad tensors.
    Returns the parameters after every step, then what ``zero_grad()`` left."""
    ps = [_tensor(p) for p in params]
    dps = [torch.zeros_like(p) for p in ps]
    optimizer = _student_attr("hw2.optimizers", cls)([(p, dp) for p, dp in zip(ps, dps)], **kwargs)
    after_steps = []
    for step_grads in grads:
        for dp, g in zip(dps, step_grads):
            dp.copy_(_tensor(g))
        optimizer.step()
        after_steps.append([p.clone() for p in ps])
    before_zero = [p.clone() for p in ps]
    for dp in dps:
        dp.fill_(1.0)
    optimizer.zero_grad()
    return {
        "steps": after_steps,
        "zero_grad_left": [float(dp.abs().max()) for dp in dps],
        "zero_grad_moved_params": any(not torch.equal(a, b) for a, b in zip(before_zero, ps)),
    }


# -- a small, correct model for the trainer to drive -------------------------------------------


class ProbeLinear:
    """A linear classifier with the ``Layer`` API whose gradients are torch's autograd (accumulated
    into ``dw``/``db``, as the skeleton's API says): no hand-written backward a student could copy.
    It flattens its input itself, so a trainer that leaves images 4D still works."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor):
        self.w, self.b = w, b
        self.dw, self.db = torch.zeros_like(w), torch.zeros_like(b)
        self.training = True
        self.modes: list[bool] = []  # the mode of every forward call
        self._graph: tuple[torch.Tensor, ...] = ()

    def __call__(self, x: torch.Tensor, **kw: Any) -> torch.Tensor:
        return self.forward(x, **kw)

    def forward(self, x: torch.Tensor, **kw: Any) -> torch.Tensor:
        self.modes.append(self.training)
        leaves = [t.detach().clone().requires_grad_(True) for t in (x.reshape(x.shape[0], -1), self.w, self.b)]
        with torch.enable_grad():  # a trainer may call it under no_grad
            out = F.linear(*leaves)
        self._graph = (out, *leaves)
        return out.detach()

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        out, *leaves = self._graph
        dx, dw, db = torch.autograd.grad(out, leaves, dout)
        self.dw += dw
        self.db += db
        return dx

    def params(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(self.w, self.dw), (self.b, self.db)]

    def train(self, training_mode: bool = True) -> None:
        self.training = training_mode


class ProbeCrossEntropy:
    """Mean cross-entropy over the batch with the ``CrossEntropyLoss`` layer's API; its gradient is
    torch's autograd."""

    def __init__(self) -> None:
        self._graph: tuple[torch.Tensor, torch.Tensor] | None = None

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None, **kw: Any) -> torch.Tensor:
        return self.forward(x, y, **kw)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, **kw: Any) -> torch.Tensor:
        y = kw.get("y") if y is None else y
        scores = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            loss = F.cross_entropy(scores, y)
        self._graph = (loss, scores)
        return loss.detach()

    def backward(self, dout: Any = 1.0) -> torch.Tensor:
        loss, scores = self._graph
        (dx,) = torch.autograd.grad(loss, scores, torch.as_tensor(dout, dtype=loss.dtype).reshape(loss.shape))
        return dx

    def train(self, training_mode: bool = True) -> None:
        pass


class ProbeSGD:
    """Plain SGD with the ``Optimizer`` API, stepped by ``torch.optim.SGD`` (each ``dp`` handed to it
    as the parameter's ``.grad``): no hand-written update a student could copy."""

    def __init__(self, params: list, learn_rate: float):
        self.params, self.learn_rate = params, learn_rate
        self._sgd = torch.optim.SGD([pair[0] for pair in params], lr=learn_rate)

    def zero_grad(self) -> None:
        for pair in self.params:
            pair[1].zero_()

    def step(self) -> None:
        for param, grad in self.params:
            param.grad = grad
        self._sgd.step()


def _batch_result(result: Any, where: str) -> dict:
    try:
        return {"loss": float(result.loss), "num_correct": int(result.num_correct)}
    except (AttributeError, TypeError, ValueError, RuntimeError):
        raise ProbeError(
            f"{where} returned {type(result).__name__}, expected a BatchResult(loss, num_correct) of a float and an int"
        ) from None


def _layer_trainer(w: Any, b: Any, lr: float) -> tuple[Any, ProbeLinear]:
    model = ProbeLinear(_tensor(w), _tensor(b))
    trainer = _student_attr("hw2.training", "LayerTrainer")(model, ProbeCrossEntropy(), ProbeSGD(model.params(), lr))
    return trainer, model


@probe("hw2.part2.layer_trainer_batches")
def layer_trainer_batches(w: Any, b: Any, lr: float, train_batches: list, test_batch: list) -> dict:
    """``LayerTrainer.train_batch`` on each of ``train_batches`` in turn, then ``test_batch``;
    the BatchResults and the model's parameters after every call."""
    trainer, model = _layer_trainer(w, b, lr)
    train = []
    for x, y in train_batches:
        result = _batch_result(trainer.train_batch((_tensor(x), _tensor(y))), "train_batch")
        train.append({**result, "w": model.w.clone(), "b": model.b.clone()})
    x, y = test_batch
    test = _batch_result(trainer.test_batch((_tensor(x), _tensor(y))), "test_batch")
    return {"train": train, "test": {**test, "w": model.w.clone(), "b": model.b.clone()}}


def _recorded(method: Callable[[Any], Any], log: list, name: str) -> Callable[[Any], Any]:
    """``method`` with each batch's size and BatchResult appended to ``log``."""

    @functools.wraps(method)
    def run(batch: Any) -> Any:
        result = method(batch)
        log.append({**_batch_result(result, name), "size": int(batch[0].shape[0])})
        return result

    return run


def _epoch_result(result: Any, where: str) -> dict:
    try:
        losses = [float(v) for v in result.losses]
        accuracy = float(result.accuracy)
    except (AttributeError, TypeError, ValueError, RuntimeError):
        raise ProbeError(
            f"{where} returned {type(result).__name__}, expected an EpochResult(losses, accuracy) "
            "with a list of floats and a float"
        ) from None
    return {"losses": losses, "accuracy": accuracy}


@probe("hw2.part2.layer_trainer_epoch")
def layer_trainer_epoch(w: Any, b: Any, lr: float, x: Any, y: Any, batch_size: int, phase: str, kwargs: dict) -> dict:
    """One ``train_epoch``/``test_epoch`` of ``LayerTrainer`` over a loader of (x, y), with the
    BatchResults of the student's own batch methods recorded for the judge to add up."""
    trainer, model = _layer_trainer(w, b, lr)
    log: list[dict] = []
    for name in ("train_batch", "test_batch"):
        setattr(trainer, name, _recorded(getattr(trainer, name), log, name))
    dl = loader(torch.utils.data.TensorDataset(_tensor(x), _tensor(y)), batch_size)
    epoch = trainer.train_epoch if phase == "train" else trainer.test_epoch
    result = _epoch_result(epoch(dl, verbose=False, **kwargs), f"{phase}_epoch")
    return {**result, "batches": log, "modes": model.modes}


# -- fit on scripted epochs ---------------------------------------------------------------------


class ScriptedModel(torch.nn.Module):
    """What the scripted trainer trains: it only remembers the epoch it is in (a buffer, so a
    checkpoint of the module or of its state_dict tells when it was saved)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("epoch", torch.tensor(0))


def _init_trainer(base: type, trainer: Any, model: Any) -> None:
    """``base.__init__(trainer, model)`` as the skeleton calls it; a student who added a parameter to
    Trainer.__init__ (and calls it consistently in their own code) gets None for each one it
    requires, and the model is where the skeleton keeps it (``self.model``) unless their own
    __init__ kept it elsewhere."""
    import inspect

    try:
        base.__init__(trainer, model)
    except TypeError:
        params = list(inspect.signature(base.__init__).parameters.values())[2:]
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        extra = [None for p in params if p.kind in kinds and p.default is inspect.Parameter.empty]
        base.__init__(trainer, model, *extra)
    if not any(value is model for key, value in vars(trainer).items() if key != "scripted_model"):
        trainer.model = model


# What the grader's stand-in batches return (they stand in for the student's own train_batch/test_batch,
# which a student's fit may rely on): the skeleton's floats and ints; losses as 0-d tensors (a train_batch
# returning ``loss`` unconverted, and a fit calling ``.item()`` on their mean); and counts as 0-d tensors
# too, so that accuracies are tensors (2019's skeleton never asked for an int count, and real fits call
# ``.item()`` on the accuracy).
PLAIN, TENSOR_LOSSES, TENSOR_COUNTS = 0, 1, 2


def _scripted_trainer(script: dict, tensors: int = PLAIN) -> Any:
    """A subclass of the student's ``Trainer`` whose epochs return the judge's scripted
    EpochResults and log how ``fit`` called them. Losses and accuracies are floats (the skeleton's
    annotation), or 0-d tensors as ``tensors`` says (``plain_then_tensors``)."""

    def tensor(v: float) -> Any:
        return torch.tensor(float(v), dtype=torch.float64)

    as_loss = tensor if tensors >= TENSOR_LOSSES else float
    as_accuracy = tensor if tensors >= TENSOR_COUNTS else float
    from cs236781.train_results import BatchResult, EpochResult

    base = _student_attr("hw2.training", "Trainer")

    class ScriptedTrainer(base):
        def __init__(self) -> None:
            self.scripted_model = ScriptedModel()
            _init_trainer(base, self, self.scripted_model)
            self.calls: list[dict] = []

        def _epoch(self, phase: str, kw: dict) -> Any:
            index = sum(c["phase"] == phase for c in self.calls)
            self.calls.append({"phase": phase, "max_batches": kw.get("max_batches")})
            if index >= len(script[phase]["accuracy"]):
                return EpochResult(losses=[as_loss(0.0)], accuracy=as_accuracy(0.0))
            return EpochResult(
                losses=[as_loss(v) for v in script[phase]["losses"][index]],
                accuracy=as_accuracy(script[phase]["accuracy"][index]),
            )

        def train_epoch(self, dl_train: Any, **kw: Any) -> Any:
            self.scripted_model.epoch.fill_(sum(c["phase"] == "train" for c in self.calls) + 1)
            return self._epoch("train", kw)

        def test_epoch(self, dl_test: Any, **kw: Any) -> Any:
            return self._epoch("test", kw)

        def train_batch(self, batch: Any) -> Any:
            return BatchResult(0.0, 0)

        def test_batch(self, batch: Any) -> Any:
            return BatchResult(0.0, 0)

    return ScriptedTrainer()


FIT_FIELDS = ("num_epochs", "train_loss", "train_acc", "test_loss", "test_acc")


def _fit_result(result: Any) -> dict:
    fields, problems = {}, {}
    for name in FIT_FIELDS:
        if not hasattr(result, name):
            problems[name] = "missing"
            continue
        value = getattr(result, name)
        try:
            fields[name] = int(value) if name == "num_epochs" else [float(v) for v in value]
        except (TypeError, ValueError, RuntimeError):
            problems[name] = f"a {type(value).__name__}, not {'an int' if name == 'num_epochs' else 'a list of floats'}"
    return {"type": type(result).__name__, "fields": fields, "problems": problems}


@probe("hw2.part2.fit")
def fit(script: dict, num_epochs: int, kwargs: dict, checkpoint: bool = False) -> dict:
    """``Trainer.fit`` over scripted epochs. With ``checkpoint``, ``checkpoints=`` names a file
    in a fresh folder and the epoch each file written there holds is reported."""
    return plain_then_tensors(lambda tensors: _scripted_fit(script, num_epochs, kwargs, checkpoint, tensors))


def plain_then_tensors(run: Callable[[int], dict]) -> dict:
    """``run(tensors)`` with the grader's stand-in values as the skeleton annotates them, and when the
    student's code fails on those, as 0-d tensors (losses, then counts too) before failing it with the
    first error."""
    try:
        return run(PLAIN)
    except Exception as first:
        for tensors in (TENSOR_LOSSES, TENSOR_COUNTS):
            try:
                return run(tensors)
            except Exception:
                pass
        raise first from None


def _scripted_fit(script: dict, num_epochs: int, kwargs: dict, checkpoint: bool, tensors: int) -> dict:
    trainer = _scripted_trainer(script, tensors)
    dl = loader(torch.utils.data.TensorDataset(torch.zeros(4, 1), torch.zeros(4, dtype=torch.long)), 2)
    folder = tempfile.mkdtemp(prefix="fit-checkpoints-") if checkpoint else None
    try:
        if folder:
            kwargs = {**kwargs, "checkpoints": os.path.join(folder, "best_model")}
        result = trainer.fit(dl, dl, num_epochs, **kwargs)
        files = _checkpoint_epochs(folder) if folder else None
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    return {"result": _fit_result(result), "calls": trainer.calls, "files": files}


def _checkpoint_epochs(folder: str) -> list[dict]:
    found: list[dict[str, Any]] = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(root, name)
            try:
                saved = torch.load(path, weights_only=False)
            except Exception as exc:
                found.append({"name": os.path.relpath(path, folder), "epoch": None, "error": str(exc)[:200]})
                continue
            found.append({"name": os.path.relpath(path, folder), "epoch": _saved_epoch(saved), "error": None})
    return found


def _saved_epoch(saved: Any, depth: int = 0) -> int | None:
    """The ``epoch`` buffer of a saved ScriptedModel, of its state_dict, or of a dict holding one."""
    if isinstance(saved, ScriptedModel):
        return int(saved.epoch)
    if isinstance(saved, dict) and depth < 3:
        if isinstance(saved.get("epoch"), torch.Tensor):
            return int(saved["epoch"])
        for value in saved.values():
            epoch = _saved_epoch(value, depth + 1)
            if epoch is not None:
                return epoch
    return None


# -- the notebook's training runs ---------------------------------------------------------------


@probe("hw2.part2.hp")
def hyperparameters(name: str) -> dict:
    """``hw2.answers.<name>()``, its values as plain data."""
    fn = getattr(import_student("hw2.answers"), name, None)
    if fn is None:
        return {"present": False}
    value = fn()
    if not isinstance(value, dict):
        raise ProbeError(f"hw2.answers.{name}() returned {type(value).__name__}, expected a dict")
    plain = {}
    for key, v in value.items():
        # numbers.Real: numpy scalars too (np.float32(1e-3) is no Python float)
        is_number = isinstance(v, numbers.Real) and not isinstance(v, bool)
        plain[str(key)] = float(v) if is_number else f"{type(v).__name__}: {str(v)[:100]}"
    return {"present": True, "value": plain}


def _evaluate(model: Any, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Accuracy (%) and mean cross-entropy of the student's model in eval mode, measured here."""
    model.train(False)
    try:
        with torch.no_grad():
            scores = model(x.reshape(x.shape[0], -1))
    finally:
        model.train(True)
    if not isinstance(scores, torch.Tensor) or tuple(scores.shape) != (x.shape[0], NUM_CLASSES):
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ProbeError(
            f"the MLP's forward gave {shape}, expected class scores of shape ({x.shape[0]}, {NUM_CLASSES})"
        )
    loss = float(F.cross_entropy(scores.double(), y))
    accuracy = 100.0 * float((scores.argmax(dim=1) == y).double().mean())
    return accuracy, loss


def _build_run(run: dict) -> tuple[Any, Any, Any, Any]:
    """The notebook's LayerTrainer for one run, and the model, loss and optimizer it drives."""
    layers = import_student("hw2.layers")
    optimizers = import_student("hw2.optimizers")
    training = import_student("hw2.training")
    torch.manual_seed(int(run["seed"]))
    mlp_kwargs = {"wstd": run["wstd"]}
    if run.get("dropout"):
        mlp_kwargs["dropout"] = run["dropout"]
    model = layers.MLP(IN_FEATURES, NUM_CLASSES, list(run["hidden"]), **mlp_kwargs)
    optimizer_cls = getattr(optimizers, run["optimizer"], None)
    if optimizer_cls is None:
        raise ProbeError(f"hw2.optimizers has no {run['optimizer']}")
    optimizer = optimizer_cls(model.params(), learn_rate=run["lr"], reg=run["reg"])
    loss_fn = layers.CrossEntropyLoss()
    return training.LayerTrainer(model, loss_fn, optimizer), model, loss_fn, optimizer


def _plain_epoch(model: Any, loss_fn: Any, optimizer: Any, dl: Any, max_batches: int) -> None:
    """One training epoch by the notebook's recipe without the student's LayerTrainer (forward, loss,
    zero_grad, backward, step per batch): the optimizers judged apart from a trainer that failed."""
    model.train(True)
    for k, (x, y) in enumerate(dl):
        if k >= max_batches:
            break
        loss_fn(model(x.reshape(x.shape[0], -1)), y)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()


@probe("hw2.part2.train_mlp")
def train_mlp(train: list, test: list | None, runs: list) -> list[dict]:
    """Each run: ``torch.manual_seed(seed)``, the notebook's ``MLP`` + ``CrossEntropyLoss`` +
    optimizer + ``LayerTrainer``, then ``train_epoch(dl_train, max_batches=...)`` per epoch (or the
    plain loop, for a run with ``grader_loop``). After
    every epoch the model is measured here (eval mode) on the training images and the test images."""
    ds_train = image_dataset(*train)
    x_train, y_train = ds_train.tensors
    x_test, y_test = image_dataset(*test).tensors if test is not None else (None, None)
    results = []
    for run in runs:
        trainer, model, loss_fn, optimizer = _build_run(run)
        dl_train = loader(ds_train, int(run["batch_size"]))
        curves: dict[str, list[float]] = {"train_acc": [], "train_loss": [], "test_acc": [], "test_loss": []}
        for _ in range(int(run["epochs"])):
            if run.get("grader_loop"):
                _plain_epoch(model, loss_fn, optimizer, dl_train, int(run["max_batches"]))
            else:
                trainer.train_epoch(dl_train, verbose=False, max_batches=int(run["max_batches"]))
            _measure(curves, "train", model, x_train, y_train)
            if x_test is not None:
                _measure(curves, "test", model, x_test, y_test)
            if not math.isfinite(curves["train_loss"][-1]):
                break  # diverged: later epochs add nothing
        results.append(curves)
    return results


def _measure(curves: dict, split: str, model: Any, x: torch.Tensor, y: torch.Tensor) -> None:
    accuracy, loss = _evaluate(model, x, y)
    curves[f"{split}_acc"].append(accuracy)
    curves[f"{split}_loss"].append(loss)
