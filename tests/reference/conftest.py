"""
Fixtures of the answer-key tests (tests/reference/).

These tests run the notebook cells of CS236781 HW2 (Parts 1-5) against the answer key, the way
a student runs them against their own package: ``import hw2`` and ``import cs236781`` must give
``reference/hw2`` and ``harness/courseware/cs236781``. Both folders are therefore put at the
front of ``sys.path`` when this conftest is imported (collection time; module-level imports in
the test files need them).

No network: where the notebook loads CIFAR-10, the tests use ``torchvision.datasets.FakeData``
(3x32x32 images, 10 classes), which is enough for what those cells test (memorizing 20 or 50
images, running an experiment end to end).
"""
from __future__ import annotations

import os
import sys
import unittest
from pathlib import Path
from typing import Iterator, Tuple

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[2]
COURSEWARE = REPO / "harness" / "courseware"
REFERENCE = REPO / "reference"
COURSE_ASSETS = REPO / "tests" / "assets" / "course"

for _path in (str(REFERENCE), str(COURSEWARE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

SEED = 42


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    """
    Run these tests with one intra-op thread. The models here are tiny: on a 2-core machine
    (and with `pytest -n 2`, one worker per core) a second thread only adds synchronization,
    and on a loaded machine it is much worse (measured 3x to 15x slower with two).
    Module scope, so that module-scoped fixtures that train a model run with it too; the
    previous setting is restored after each module.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def test() -> unittest.TestCase:
    """The notebook's ``test = unittest.TestCase()``, for its assertXxx calls."""
    return unittest.TestCase()


def _fake_cifar10(size: int, seed_offset: int):
    import torchvision
    import torchvision.transforms as tvtf

    return torchvision.datasets.FakeData(
        size=size,
        image_size=(3, 32, 32),
        num_classes=10,
        transform=tvtf.ToTensor(),
        random_offset=seed_offset,
    )


@pytest.fixture(scope="session")
def ds_train():
    """Stand-in for CIFAR-10's training set (deterministic random 3x32x32 images)."""
    return _fake_cifar10(1000, seed_offset=0)


@pytest.fixture(scope="session")
def ds_test():
    """Stand-in for CIFAR-10's test set."""
    return _fake_cifar10(500, seed_offset=100_000)


def rotate_2d(X: np.ndarray, deg: float = 0) -> np.ndarray:
    """
    Rotates each 2d sample in X of shape (N, 2) by deg degrees.
    """
    a = np.deg2rad(deg)
    return X @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T


@pytest.fixture(scope="session")
def moons() -> Tuple[DataLoader, DataLoader, DataLoader]:
    """Part 3's data, generated exactly as the notebook does: (dl_train, dl_valid, dl_test)."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    np.random.seed(SEED)

    N = 10_000
    N_train = int(N * 0.8)

    # Create data from two different distributions for the training/validation
    X1, y1 = make_moons(n_samples=N_train // 2, noise=0.2)
    X1 = rotate_2d(X1, deg=10)
    X2, y2 = make_moons(n_samples=N_train // 2, noise=0.25)
    X2 = rotate_2d(X2, deg=50)

    # Test data comes from a similar but noisier distribution
    X3, y3 = make_moons(n_samples=(N - N_train), noise=0.3)
    X3 = rotate_2d(X3, deg=40)

    X, y = np.vstack([X1, X2, X3]), np.hstack([y1, y2, y3])

    # Train and validation data is from mixture distribution
    X_train, X_valid, y_train, y_valid = train_test_split(
        X[:N_train, :], y[:N_train], test_size=1 / 3, shuffle=False
    )
    # Test data is only from the second distribution
    X_test, y_test = X[N_train:, :], y[N_train:]

    batch_size = 32
    return tuple(
        DataLoader(
            dataset=TensorDataset(torch.from_numpy(X_).to(torch.float32), torch.from_numpy(y_)),
            shuffle=True,
            num_workers=0,
            batch_size=batch_size,
        )
        for X_, y_ in [(X_train, y_train), (X_valid, y_valid), (X_test, y_test)]
    )
