"""``run_gradient_descent``: the update, zero_grad, weight decay, batches, shuffle, the returned
model, and the tutorial's own training run.

Update-by-update comparisons use a training set of exactly one batch (64 images, batch_size=64):
each epoch is then one update on the same images whatever order the shuffle draws, so the
student's parameters after every update are compared with the answer key's (float64) without
depending on how the random stream is consumed. Known mistakes are replayed here (without the
answer key) to name them: a learning rate or weight decay not used, gradients accumulated
without ``zero_grad``, a summed loss, cross-entropy on softmax probabilities.

The batching run identifies every image it is trained on (ids in two blank corner pixels).
Either reading of the incomplete last batch is accepted: skipped, as the tutorial does, or used.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...boundary.shipped import encode_ids
from ...compare import mismatch
from .. import check, figures
from ..base import CheckAbort, CheckContext, Finding, finding
from ..borderline import Run, borderline_margin, decide
from .common import linear_init, pairs64, reference_datasets, split

FULL_BATCH = 64  # training images of the update-by-update runs = their batch size
VAL_IMAGES = 50
DELTA_RTOL = 1e-3  # parameter changes vs the reference's, relative to their RMS (float32 vs float64)
TRAIN_TIMEOUT = 60.0

SGD_STEP = {"batch_size": FULL_BATCH, "learning_rate": 0.05, "weight_decay": 0, "num_epochs": 1}
ZERO_GRAD = {"batch_size": FULL_BATCH, "learning_rate": 0.01, "weight_decay": 0, "num_epochs": 3}
WEIGHT_DECAY = {"batch_size": FULL_BATCH, "learning_rate": 0.01, "weight_decay": 0.2, "num_epochs": 1}
WD_INIT_SCALE = 4.0  # larger initial weights make the decay term a large share of the update

BATCH_IMAGES, BATCH_VAL = 150, 50
BATCHING = {"batch_size": 40, "learning_rate": 0.01, "weight_decay": 0, "num_epochs": 2}
VAL_ID_OFFSET = 1000

TUTORIAL_RUN = {"batch_size": 64, "learning_rate": 0.01, "weight_decay": 0, "num_epochs": 10}
THRESHOLD_REAL, THRESHOLD_STAND_IN = 0.75, 0.70  # reference: ~0.85 on the stand-in (0.82-0.88 over seeds)
CURVE_POINTS = 2  # the accuracy of each set recorded at least this often during the run


def _kw(kwargs: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


# == update by update ============================================================================


def _full_batch_data(ctx: CheckContext) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    (x, y), _, _ = split(ctx)
    return (
        x[:FULL_BATCH],
        y[:FULL_BATCH],
        x[FULL_BATCH : FULL_BATCH + VAL_IMAGES],
        y[FULL_BATCH : FULL_BATCH + VAL_IMAGES],
    )


def replay(
    weight: torch.Tensor,
    bias: torch.Tensor,
    images: np.ndarray,
    labels: np.ndarray,
    learning_rate: float,
    weight_decay: float,
    num_epochs: int,
    zero_grad: bool = True,
    loss: str = "mean",
    decay_bias: bool = True,
    **_: Any,
) -> list[list[torch.Tensor]]:
    """Full-batch SGD in float64, as ``optim.SGD`` does it (or with a named mistake): the
    parameters after each update."""
    x = torch.from_numpy(images.reshape(len(images), -1)).double() / 255.0
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    w = weight.double().clone().requires_grad_(True)
    b = bias.double().clone().requires_grad_(True)
    after = []
    for _epoch in range(num_epochs):
        z = x @ w.T + b
        if loss == "softmax":
            value = F.cross_entropy(torch.softmax(z, dim=1), y)
        else:
            value = F.cross_entropy(z, y, reduction="sum" if loss == "sum" else "mean")
        value.backward()
        with torch.no_grad():
            w -= learning_rate * (w.grad + weight_decay * w)
            b -= learning_rate * (b.grad + (weight_decay * b if decay_bias else 0))
        if zero_grad:
            w.grad.zero_()
            b.grad.zero_()
        after.append([w.detach().clone(), b.detach().clone()])
    return after


def reference_updates(
    ctx: CheckContext, weight: torch.Tensor, bias: torch.Tensor, data: tuple, kwargs: dict
) -> list[list[torch.Tensor]]:
    """The answer key's parameters after 1, 2, ... num_epochs full-batch epochs (float64)."""
    x, y, vx, vy = data

    def compute() -> list:
        ref = ctx.reference.tutorial4
        out = []
        for epochs in range(1, kwargs["num_epochs"] + 1):
            model = nn.Linear(784, 10).double()
            with torch.no_grad():
                model.weight.copy_(weight.double())
                model.bias.copy_(bias.double())
            with reference_datasets(ref, pairs64(x, y), pairs64(vx, vy)) as key:
                key.run_gradient_descent(model, **{**kwargs, "num_epochs": epochs}, plot=False)
            out.append([model.weight.detach().clone(), model.bias.detach().clone()])
        return out

    return ctx.expect("updates", compute, {"weight": weight, "bias": bias, "images": x, "labels": y, "kwargs": kwargs})


def _train(
    ctx: CheckContext, data: tuple, weight: torch.Tensor, bias: torch.Tensor, kwargs: dict, doing: str, **options: Any
) -> dict:
    x, y, vx, vy = data
    return ctx.call(
        "csc321_tut4.train",
        doing=doing,
        timeout=TRAIN_TIMEOUT,
        train_images=x,
        train_labels=y,
        val_images=vx,
        val_labels=vy,
        weight=weight,
        bias=bias,
        kwargs=kwargs,
        **options,
    )


def _student_updates(reply: dict) -> list[list[np.ndarray]]:
    """The student's parameters after each update: as the model saw them at the next training
    batch, and after the run."""
    return [list(s) for s in reply["snapshots"][1:]] + [list(reply["final"])]


def _update_problem(label: str, got: list, want: list[torch.Tensor], init: list[torch.Tensor]) -> str | None:
    for name, g, w, p0 in zip(("weight", "bias"), got, want, init):
        g = torch.from_numpy(np.asarray(g)).double()
        problem = mismatch(f"{label}: change of the {name}", g - p0.double(), w - p0.double(), rtol=DELTA_RTOL)
        if problem:
            return problem
    return None


def _optimizer_text(reply: dict) -> str:
    seen = reply.get("optimizers") or []
    if not seen:
        return "no torch optimizer took a step"
    return "; ".join(
        f"{o['type']}(lr={o['lr']}, weight_decay={o['weight_decay']}"
        + (f", momentum={o['momentum']}" if o.get("momentum") else "")
        + ")"
        for o in seen
    )


def judge_updates(
    ctx: CheckContext,
    kwargs: dict,
    init: tuple[torch.Tensor, torch.Tensor],
    doing: str,
    mistakes: dict[str, dict],
    readings: tuple[dict, ...] = (),
    first: int = 1,
) -> list[str]:
    """Problems of the student's full-batch run against the answer key's, update by update
    (from update ``first`` on); ``mistakes`` name what a matching wrong run means."""
    data = _full_batch_data(ctx)
    weight, bias = init
    reply = _train(ctx, data, weight, bias, kwargs, doing, snapshots=True)
    label = f"run_gradient_descent(model, {_kw(kwargs)}) on {FULL_BATCH} images"
    epochs = kwargs["num_epochs"]
    if len(reply["batches"]) != epochs or any(b != FULL_BATCH for b in reply["batches"]):
        return [
            f"{label}: expected {epochs} update(s) on the whole batch of {FULL_BATCH} images (one per epoch); "
            f"the model was trained on batches of sizes {reply['batches'][:12]}"
        ]
    got = _student_updates(reply)
    want = reference_updates(ctx, weight, bias, data, kwargs)
    init_list = [weight, bias]
    accepted = [want] + [replay(weight, bias, data[0], data[1], **{**kwargs, **r}) for r in readings]

    def first_problem(run: list) -> str | None:
        for k in range(first - 1, epochs):
            problem = _update_problem(f"{label}, after update {k + 1}", got[k], run[k], init_list)
            if problem:
                return problem
        return None

    problems = [first_problem(run) for run in accepted]
    if not all(problems):
        return []
    problem = problems[0]
    if first > 1 and _update_problem("update 1", got[0], want[0], init_list):
        problem += "\n  the first update already differs from the reference's (see train.sgd_step)"
    final_w = torch.from_numpy(np.asarray(got[-1][0])).double()
    if torch.equal(final_w, weight.double()):
        return [
            f"{label}: the parameters did not change\n  hint: loss.backward(); optimizer.step() on an optimizer "
            f"built from model.parameters() (your optimizer: {_optimizer_text(reply)})"
        ]
    for meaning, override in mistakes.items():
        if not first_problem(replay(weight, bias, data[0], data[1], **{**kwargs, **override})):
            return [f"{problem}\n  your updates match a run {meaning}\n  (your optimizer: {_optimizer_text(reply)})"]
    return [f"{problem}\n  (your optimizer: {_optimizer_text(reply)})"]


STEP_MISTAKES = {
    "with learning_rate=0.01 (the default): the learning_rate argument is not used": {"learning_rate": 0.01},
    "with learning_rate=0.005 (the tutorial's first optimizer cell): the learning_rate argument is not used": {
        "learning_rate": 0.005
    },
    "on the SUMMED cross-entropy of the batch: nn.CrossEntropyLoss() averages it": {"loss": "sum"},
    "on the cross-entropy of softmax probabilities: nn.CrossEntropyLoss takes the logits zs": {"loss": "softmax"},
}


@check("train.sgd_step")
def sgd_step(ctx: CheckContext) -> list[Finding]:
    """One update: cross-entropy of the logits, its gradient, optim.SGD with the given learning rate."""
    problems = judge_updates(
        ctx, SGD_STEP, linear_init(ctx, 1), "run_gradient_descent: one update on one batch", STEP_MISTAKES
    )
    return [
        finding(
            "all",
            problems,
            "loss = nn.CrossEntropyLoss()(model(xs.view(-1, 784)), ts); loss.backward(); "
            "optimizer.step() with optim.SGD(model.parameters(), lr=learning_rate, ...)",
        )
    ]


@check("train.zero_grad")
def zero_grad(ctx: CheckContext) -> list[Finding]:
    """Three updates: each uses only its own batch's gradient."""
    problems = judge_updates(
        ctx,
        ZERO_GRAD,
        linear_init(ctx, 1),
        "run_gradient_descent: three epochs of one batch",
        {
            "without optimizer.zero_grad(): each update adds up the gradients of all the batches so far": {
                "zero_grad": False
            }
        },
        first=2,
    )
    if not problems:
        return [Finding("all", True)]
    return [
        finding(
            "all",
            problems,
            "call optimizer.zero_grad() after optimizer.step() (or before loss.backward()): "
            "PyTorch adds each backward's gradients to the previous ones",
        )
    ]


@check("train.weight_decay")
def weight_decay(ctx: CheckContext) -> list[Finding]:
    """One update with weight decay: the parameters also shrink by learning_rate * weight_decay * p."""
    weight, bias = linear_init(ctx, 2)
    init = (weight * WD_INIT_SCALE, bias * WD_INIT_SCALE)
    problems = judge_updates(
        ctx,
        WEIGHT_DECAY,
        init,
        "run_gradient_descent with weight_decay: one update on one batch",
        {
            "with weight_decay=0: the weight_decay argument does not reach the optimizer": {"weight_decay": 0},
            "with weight_decay=0.01 (the tutorial's example value) instead of the argument": {"weight_decay": 0.01},
            "with twice the weight decay (the gradient of weight_decay/2 * ||w||^2 is weight_decay * w)": {
                "weight_decay": 2 * WEIGHT_DECAY["weight_decay"]
            },
        },
        readings=({"decay_bias": False},),
    )  # L2 on the weights only: another reading of "weight decay"
    return [finding("all", problems, "optim.SGD(model.parameters(), lr=learning_rate, weight_decay=weight_decay)")]


# == batches, shuffle, the returned model ==========================================================


def _batching_run(ctx: CheckContext, doing: str) -> tuple[dict, int]:
    (x, y), (vx, vy), _ = split(ctx)
    train_x = encode_ids(x[:BATCH_IMAGES], 0)
    val_x = encode_ids(vx[:BATCH_VAL], VAL_ID_OFFSET)
    weight, bias = linear_init(ctx, 3)
    reply = _train(
        ctx, (train_x, y[:BATCH_IMAGES], val_x, vy[:BATCH_VAL]), weight, bias, BATCHING, doing, record_ids=True
    )
    return reply, BATCH_IMAGES


def epochs_of(batches: list[int], n: int, batch_size: int) -> tuple[str, int] | None:
    """("skipped" or "kept", number of epochs) when the batch sizes follow one reading of the
    incomplete last batch; None otherwise."""
    if not batches:
        return None
    full, rest = divmod(n, batch_size)
    for reading, epoch in (("skipped", [batch_size] * full), ("kept", [batch_size] * full + ([rest] if rest else []))):
        if epoch and len(batches) % len(epoch) == 0 and batches == epoch * (len(batches) // len(epoch)):
            return reading, len(batches) // len(epoch)
    return None


@check("train.batches")
def batches(ctx: CheckContext) -> list[Finding]:
    """Batches of batch_size (the incomplete last one skipped or used), num_epochs passes."""
    try:
        reply, n = _batching_run(ctx, f"run_gradient_descent(model, {_kw(BATCHING)})")
    except CheckAbort as exc:
        return [Finding("batch_size", False, str(exc)), Finding("epochs", False, str(exc))]
    bs, epochs = BATCHING["batch_size"], BATCHING["num_epochs"]
    full, rest = divmod(n, bs)
    sizes = reply["batches"]
    label = f"run_gradient_descent(model, {_kw(BATCHING)}) on {n} images"
    expected = (
        f"per epoch, {full} batches of {bs} (the incomplete batch of {rest} skipped, as the tutorial does) "
        f"or {full} of {bs} and one of {rest}"
    )
    shown = ", ".join(map(str, sizes[:12])) + (", ..." if len(sizes) > 12 else "")
    reading = epochs_of(sizes, n, bs)
    if not sizes:
        message = f"{label}: the model was never trained (no batch reached it with gradients enabled)"
        return [Finding("batch_size", False, message), Finding("epochs", False, message)]
    if reading is None:
        size_problem = f"{label}: the model was trained on batches of sizes [{shown}]; expected {expected}"
        if all(s == 64 for s in sizes[:-1]):
            size_problem += "\n  batches of 64: the batch_size argument does not reach the DataLoader"
        seen = sum(sizes)
        epoch_problem = (
            None
            if seen in (epochs * full * bs, epochs * n)
            else (
                f"{label}: {seen} images were trained on in all; {epochs} epochs of {n} images give "
                f"{epochs * full * bs} (incomplete batches skipped) or {epochs * n}"
            )
        )
        return [
            finding("batch_size", [size_problem], "DataLoader(mnist_train, batch_size=batch_size, shuffle=True)"),
            finding("epochs", [epoch_problem], "for epoch in range(num_epochs): one pass over train_loader"),
        ]
    ran = reading[1]
    epoch_problem = (
        None
        if ran == epochs
        else (f"{label}: the model was trained for {ran} epoch(s) (batches [{shown}]), expected num_epochs={epochs}")
    )
    ctx.notes.append(f"the incomplete last batch of an epoch is {reading[0]} (either is accepted)")
    return [
        Finding("batch_size", True),
        finding("epochs", [epoch_problem], "for epoch in range(num_epochs): one pass over train_loader"),
    ]


@check("train.shuffle")
def shuffle(ctx: CheckContext) -> list[Finding]:
    """Each epoch visits the training images once each, in a new random order."""
    reply, n = _batching_run(ctx, f"run_gradient_descent(model, {_kw(BATCHING)})")
    ids = [i for batch in reply["ids"] for i in batch]
    label = f"run_gradient_descent(model, {_kw(BATCHING)}) on {n} images"
    if not ids:
        return [Finding("all", False, f"{label}: the model was never trained, so the order of the images is unknown")]
    strangers = sorted({i for i in ids if not 0 <= i < n})
    if strangers:
        where = "mnist_val" if all(VAL_ID_OFFSET <= i < VAL_ID_OFFSET + BATCH_VAL for i in strangers) else "other data"
        return [Finding("all", False, f"{label}: the model was trained on images of {where}, not mnist_train")]
    epochs: list[list[int]] = [[]]
    seen: set[int] = set()  # an epoch ends where an image comes back
    for i in ids:
        if i in seen:
            epochs.append([])
            seen = set()
        seen.add(i)
        epochs[-1].append(i)
    problems = []
    if epochs[0] == sorted(epochs[0]):
        problems.append(
            f"{label}: the first epoch visits the images in their order in mnist_train "
            f"({', '.join(map(str, epochs[0][:8]))}, ...): they are not shuffled"
        )
    elif len(epochs) > 1 and epochs[1][: len(epochs[0])] == epochs[0][: len(epochs[1])]:
        problems.append(f"{label}: every epoch visits the images in the same order: shuffle again each epoch")
    return [
        finding(
            "all", problems, "DataLoader(mnist_train, batch_size=batch_size, shuffle=True): a new order every epoch"
        )
    ]


@check("train.returns_model")
def returns_model(ctx: CheckContext) -> list[Finding]:
    reply, _ = _batching_run(ctx, f"run_gradient_descent(model, {_kw(BATCHING)})")
    kind = reply["returned"]
    if kind == "model":
        return [Finding("all", True)]
    what = "nothing (None)" if kind == "None" else f"a {kind}, not the model it was given"
    return [
        Finding(
            "all",
            False,
            f"run_gradient_descent(model, ...) returned {what}\n  hint: train the model it is "
            "given and end with return model, as the tutorial does",
        )
    ]


# == the tutorial's run ==============================================================================


LEARN_MARGIN = 0.05  # validation accuracy under the threshold within which the run is borderline


def _validation_run(val: float, threshold: float) -> Run:
    """The learning run judged (checks/borderline.py): its validation accuracy against the threshold."""
    if not np.isfinite(val):
        return Run(False, math.inf, "validation accuracy not finite")
    return Run(val >= threshold, max(0.0, threshold - val), f"validation accuracy {val:.3f}")


@check("train.learns")
def learns(ctx: CheckContext) -> list[Finding]:
    """nn.Linear(784, 10) trained as the tutorial does reaches a validation accuracy; the accuracy
    curves of mnist_train and mnist_val are recorded."""
    (x, y), (vx, vy), what = split(ctx)
    threshold = THRESHOLD_REAL if ctx.mnist.real else THRESHOLD_STAND_IN
    ctx.notes.append(
        f"data: {what}; passing validation accuracy: {threshold:.0%} after the tutorial's run "
        f"({_kw(TUTORIAL_RUN)}); validation accuracy measured by the grader on the model given"
    )
    weight, bias = linear_init(ctx, 4)
    doing = f"run_gradient_descent(nn.Linear(784, 10), {_kw(TUTORIAL_RUN)})"
    try:
        reply = _train(ctx, (x, y, vx, vy), weight, bias, TUTORIAL_RUN, doing, measure=True)
    except CheckAbort as exc:
        return [Finding("validation", False, str(exc)), Finding("curves", False, str(exc))]
    val, train_acc = reply["val_accuracy"], reply["train_accuracy"]
    ctx.notes.append(f"after training: train accuracy {train_acc:.3f}, validation accuracy {val:.3f}")
    val_problem = None

    def rerun(seed: int) -> Run:
        w, b = linear_init(ctx, 100 + seed)
        again = _train(ctx, (x, y, vx, vy), w, b, TUTORIAL_RUN, f"{doing}, from seed {seed}", seed=seed, measure=True)
        return _validation_run(again["val_accuracy"], threshold)

    first = _validation_run(val, threshold)
    if not decide(ctx, first, rerun, borderline_margin(ctx, LEARN_MARGIN)):
        val_problem = (
            f"{doing}: validation accuracy {val:.3f} (train {train_acc:.3f}), expected at least "
            f"{threshold:.2f} ({len(vy)} validation images)"
        )
    calls = reply["accuracy_calls"]
    n_train, n_val = calls.count("train"), calls.count("val")
    recorded = reply.get("curves") or {}
    ctx.figure(
        lambda: figures.curves(
            f"{doing}: accuracy each time your loop recorded it (measured by the grader)",
            [("accuracy", [("mnist_train", recorded.get("train")), ("mnist_val", recorded.get("val"))], "recording")],
            {"accuracy": [(threshold, f"validation needs >= {threshold:.2f} at the end")]},
        )
    )
    curve_problem = None
    if n_train < CURVE_POINTS or n_val < CURVE_POINTS:
        curve_problem = (
            f"{doing}: during training get_accuracy was called {n_train} time(s) on mnist_train and "
            f"{n_val} time(s) on mnist_val; the tutorial records both every 10 iterations "
            f"({len(reply['batches'])} iterations here) for the training curve"
        )
    return [
        finding(
            "validation",
            [val_problem],
            "the update (train.sgd_step) and the batches (train.batches) together should learn",
        ),
        finding(
            "curves",
            [curve_problem],
            "if n % 10 == 0: train_acc.append(get_accuracy(model, mnist_train)); "
            "val_acc.append(get_accuracy(model, mnist_val))",
        ),
    ]
