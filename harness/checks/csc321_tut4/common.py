"""What the Tutorial 4 checks share: the tutorial's data split, and running the answer key with the
module-level datasets its functions read."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from ...boundary.shipped import mnist_pairs
from ..base import CheckContext

# The tutorial: the first 2,500 MNIST training images, 2,000 to train and 500 to validate. The
# stand-in holds 1,297 training images: the first 1,000 train, the other 297 validate.
REAL_SPLIT = (2000, 500)
STAND_IN_SPLIT = (1000, 297)


def split(ctx: CheckContext) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], str]:
    """(train images, labels), (val images, labels), and a line for the report."""
    n_train, n_val = REAL_SPLIT if ctx.mnist.real else STAND_IN_SPLIT
    images, labels = ctx.mnist.arrays("train", n_train + n_val)
    what = (
        "the tutorial's split: the first 2,500 MNIST training images, 2,000 mnist_train / 500 mnist_val"
        if ctx.mnist.real
        else f"{ctx.mnist.name}: its 1,297 training images split 1,000 mnist_train / 297 mnist_val (the tutorial "
        "uses the first 2,500 MNIST training images, 2,000 / 500; grade with --data-dir holding MNIST for that)"
    )
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:]), what


def pairs64(images: np.ndarray, labels: np.ndarray) -> list:
    """``list(datasets.MNIST(..., transform=ToTensor()))`` in float64, for the answer key's runs."""
    return [(x.double(), t) for x, t in mnist_pairs(images, labels)]


@contextlib.contextmanager
def reference_datasets(module: Any, train: list, val: list) -> Iterator[Any]:
    """The answer key's ``mnist_train``/``mnist_val`` set for one call, its global RNG untouched."""
    saved = module.mnist_train, module.mnist_val
    module.mnist_train, module.mnist_val = train, val
    try:
        with torch.random.fork_rng(devices=[]):
            yield module
    finally:
        module.mnist_train, module.mnist_val = saved


def linear_init(ctx: CheckContext, stream: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Parameters like ``nn.Linear(784, 10)``'s default initialisation, U(-1/28, 1/28), from the grading seed."""
    g = ctx.generator(stream)
    bound = 1 / 28
    weight = (torch.rand(10, 784, generator=g) * 2 - 1) * bound
    bias = (torch.rand(10, generator=g) * 2 - 1) * bound
    return weight, bias
