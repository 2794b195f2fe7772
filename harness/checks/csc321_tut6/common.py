"""Helpers shared by the Tutorial 6 checks: findings, data, the answer key's module."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import torch

from ..base import CheckContext

CALL_TIMEOUT = 30.0  # a probe that takes well under a second on an idle machine (a model that never returns)
TRAIN_TIMEOUT = 60.0  # a scaled-down training run


def tut6(ctx: CheckContext) -> Any:
    """The answer key's module (inside ``ctx.expect`` only)."""
    return ctx.reference.tutorial6


def pairs(images: np.ndarray, labels: np.ndarray) -> list:
    """What the notebook's ``list(datasets.MNIST(..., transform=ToTensor()))`` holds."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div(255.0).unsqueeze(1)
    return [(x[i], int(label)) for i, label in enumerate(np.asarray(labels))]


def arrays(ctx: CheckContext, split: str, start: int, stop: int) -> list:
    images, labels = ctx.mnist.arrays(split, stop)
    return [images[start:], labels[start:]]


@contextlib.contextmanager
def accuracy_sets(module: Any, train: list, val: list):
    """The answer key's ``mnist_train`` / ``mnist_val`` globals set for a computation, then restored;
    whatever the key prints is swallowed."""
    saved = module.mnist_train, module.mnist_val
    module.mnist_train, module.mnist_val = train, val
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        module.mnist_train, module.mnist_val = saved


def describe_error(error: dict) -> str:
    text = f"{error['type']}: {error['message']}"
    return text + (f"\n  at {error['where']}" if error.get("where") else "")
