"""Interactive Demo 7: momentum and RMSprop train an MLP on MNIST-shaped images faster than plain
gradient descent.

The worker trains a 784-100-10 ReLU MLP (the probe's own model: only the update rule is the
student's) full-batch on the first 500 training images, from initial values the judge chose; the
judge trains the same model from the same start with the answer key's ``gradient_update`` at the
same learning rate (the baseline never depends on the student's gradient descent). The student's
rule must end clearly below the baseline (at most 0.9 of it): a correct rule ends at about a
quarter of it on the digits stand-in, a momentum whose velocity is never carried over ends
exactly at it, a wrong sign or a missing square root diverges.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .. import check, figures
from ..base import CheckAbort, CheckContext, Finding

N_IMAGES, HIDDEN, CLASSES, STEPS = 500, 100, 10, 30
GD_HYPER = {"lr": 0.01}
MOMENTUM_HYPER = {"lr": 0.01, "beta": 0.9}  # the same learning rate as gradient descent
RMSPROP_HYPER = {"lr": 1e-3, "alpha": 0.8, "epsilon": 1e-8}  # its own learning rate (per-coordinate steps)
RATIO = 0.9  # the student's final loss must be at most this fraction of gradient descent's
TRAIN_TIMEOUT = 60.0


def classifier_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The probe's objective (harness/probes/nma_w1d5.py), recomputed here."""
    w1, b1, w2, b2 = params
    logits = F.relu(x @ w1.T + b1) @ w2.T + b2
    return F.nll_loss(F.log_softmax(logits, dim=1), y)


def normalized_images(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(images)).float()
    return ((x - x.mean()) / x.std()).reshape(len(x), -1)


def initial_params(ctx: CheckContext) -> list[torch.Tensor]:
    """nn.Linear's default initialisation (uniform within 1/sqrt(fan_in)), from the grading seed."""
    g = ctx.generator(1)
    shapes = [((HIDDEN, 784), 784), ((HIDDEN,), 784), ((CLASSES, HIDDEN), HIDDEN), ((CLASSES,), HIDDEN)]
    return [(torch.rand(*s, generator=g) * 2 - 1) / math.sqrt(fan_in) for s, fan_in in shapes]


def reference_gd(ctx: CheckContext, images: np.ndarray, labels: np.ndarray, init: list[torch.Tensor]) -> dict:
    x, y = normalized_images(images), torch.from_numpy(np.asarray(labels, dtype=np.int64))
    ps = [torch.nn.Parameter(p.clone().float()) for p in init]
    update = ctx.reference.w1d5.gradient_update
    losses = []
    for _ in range(STEPS):
        loss = classifier_loss(ps, x, y)
        losses.append(float(loss.detach()))
        update(loss, ps, **GD_HYPER)
    with torch.no_grad():
        return {"initial": losses[0], "final": float(classifier_loss(ps, x, y)), "losses": losses}


def judge_training(ctx: CheckContext, rule: str, function: str, hyper: dict) -> list[Finding]:
    images, labels = ctx.mnist.arrays("train", N_IMAGES)
    init = initial_params(ctx)
    args = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    setting = (
        f"{STEPS} full-batch steps on {len(images)} {'MNIST' if ctx.mnist.real else 'MNIST-shaped stand-in'} "
        f"training images, a 784-{HIDDEN}-10 ReLU MLP from the same start"
    )
    try:
        reply = ctx.call(
            "nma_w1d5.train",
            doing=f"training with {function}({args})",
            timeout=TRAIN_TIMEOUT,
            rule=rule,
            images=images,
            labels=labels,
            init=init,
            steps=STEPS,
            hyper=hyper,
        )
    except CheckAbort as exc:
        return [Finding("all", False, str(exc))]
    base = ctx.expect(
        "gd_baseline",
        lambda: reference_gd(ctx, images, labels, init),
        {"images": images, "labels": labels, "init": init, "steps": STEPS, "hyper": GD_HYPER},
    )
    final, gd_final, start = float(reply["final"]), float(base["final"]), float(base["initial"])
    ctx.figure(
        lambda: figures.curves(
            f"{function}({args}) vs gradient descent (lr={GD_HYPER['lr']:g}), {STEPS} full-batch steps",
            [
                (
                    "training loss",
                    [(f"yours: {function}", reply.get("losses")), ("reference: gradient descent", base.get("losses"))],
                    "step",
                )
            ],
        )
    )
    summary = (
        f"{setting}: your {function}({args}) ends at loss {final:.4g}; gradient descent "
        f"(lr={GD_HYPER['lr']:g}) ends at {gd_final:.4g} (start {start:.4g})"
    )
    if math.isfinite(final) and final <= RATIO * gd_final:
        ctx.notes.append(summary)
        return [Finding("all", True)]
    if not math.isfinite(final):
        why = "the loss became NaN/inf: the steps blew up"
    elif final > start:
        why = "the loss went UP from where it started: steps in the wrong direction, or far too large"
    elif final >= gd_final * 0.999:
        why = "no faster than plain gradient descent"
    else:
        why = f"not clearly faster than gradient descent (required: at most {RATIO:g} x its final loss)"
    hint = (
        "momentum keeps the velocity from call to call (the caller's grad_vel), so steps in a consistent direction grow"
        if rule == "momentum"
        else "RMSprop divides each gradient element by the square root of its running mean square, so every "
        "coordinate moves at about lr per step"
    )
    return [Finding("all", False, f"{summary}: {why}\n  hint: {hint}")]


@check("compare.momentum_beats_gd")
def momentum_beats_gd(ctx: CheckContext) -> list[Finding]:
    return judge_training(ctx, "momentum", "momentum_update", MOMENTUM_HYPER)


@check("compare.rmsprop_beats_gd")
def rmsprop_beats_gd(ctx: CheckContext) -> list[Finding]:
    return judge_training(ctx, "rmsprop", "rmsprop_update", RMSPROP_HYPER)
