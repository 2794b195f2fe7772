"""Write small datasets in MNIST's real on-disk formats: torchvision's raw IDX files, the Edinburgh lab's .npz."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)


def write_mnist_raw(root: Path, n_train: int = 30, n_test: int = 10, gz: bool = False, seed: int = 0):
    """``root/MNIST/raw/*-ubyte`` as ``datasets.MNIST(root, download=True)`` leaves them; returns the arrays."""
    rng = np.random.default_rng(seed)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images, gz)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels, gz)
        out[split] = (images, labels)
    return out


def write_mnist_npz(root: Path, sizes: dict[str, int] | None = None, seed: int = 0):
    """``root/mnist-{train,valid,test}.npz`` with ``inputs`` float32 (N, 784) in [0, 1] and ``targets`` (N,)."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (sizes or {"train": 20, "valid": 6, "test": 5}).items():
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        targets = rng.integers(0, 10, size=n)
        np.savez(
            root / f"mnist-{split}.npz", inputs=(images.reshape(n, 784) / 255.0).astype(np.float32), targets=targets
        )
        out[split] = (images, targets)
    return out
