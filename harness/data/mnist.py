"""MNIST from disk (torchvision's raw IDX files, or the Edinburgh lab's .npz files), else a stand-in.

Read in the judge and sent to the worker as arrays, like CIFAR-10 (harness/data/images.py).

- torchvision: ``DIR/MNIST/raw/{train-images-idx3-ubyte,train-labels-idx1-ubyte,t10k-...}``,
  each possibly ``.gz`` (what ``datasets.MNIST(root=DIR, download=True)`` leaves on disk).
- Edinburgh mlpractical: ``DIR/mnist-{train,valid,test}.npz`` with ``inputs`` (N, 784) floats in
  [0, 1] and ``targets`` (N,) ints (what ``MLP_DATA_DIR`` holds); train + valid form the train split.
- Stand-in: scikit-learn's 1,797 handwritten digits (8x8, 17 grey levels), each upscaled to a
  20x20 box centred in 28x28 like MNIST's own digits; 1,297 train / 500 test.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .images import DataError

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
NPZ_SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class MnistData:
    """Images as uint8 (N, 28, 28) like ``torchvision.datasets.MNIST.data``; labels int64 (N,)."""

    name: str
    source: str  # one line for the report
    real: bool  # MNIST itself (thresholds of the tutorials are stated for it)
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def arrays(self, split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The first ``n`` images of ``split`` and their labels (what the worker is sent)."""
        images, labels = (
            (self.train_images, self.train_labels) if split == "train" else (self.test_images, self.test_labels)
        )
        if n is not None:
            images, labels = images[:n], labels[:n]
        return np.ascontiguousarray(images), np.ascontiguousarray(labels)

    def tensors(self, split: str, n: int | None = None):
        """As ``transforms.ToTensor()`` gives them: float32 (n, 1, 28, 28) in [0, 1], and int64 labels."""
        import torch

        images, labels = self.arrays(split, n)
        return torch.from_numpy(images).float().div_(255.0).unsqueeze(1).contiguous(), torch.from_numpy(labels)


def has_mnist(folder: Path) -> bool:
    return (folder / "MNIST" / "raw").is_dir() or (folder / "mnist-train.npz").is_file()


def load_mnist(data_dir: Path | None) -> MnistData:
    """MNIST under ``data_dir`` when present (never downloaded), else the stand-in."""
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
        if (folder / "MNIST" / "raw").is_dir():
            return _torchvision(folder / "MNIST" / "raw")
        if (folder / "mnist-train.npz").is_file():
            return _edinburgh(folder)
    return digits_stand_in(data_dir)


def _open(path: Path):
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return gzip.open(candidate, "rb") if candidate.suffix == ".gz" else candidate.open("rb")
    raise DataError(f"{path}: missing (MNIST in torchvision's raw format; .gz accepted)")


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (the format MNIST ships in): magic, dimension sizes, then uint8 data."""
    with _open(path) as fh:
        header = fh.read(4)
        if len(header) != 4 or header[:2] != b"\0\0" or header[2] != 0x08:
            raise DataError(f"{path}: not an IDX file of unsigned bytes")
        ndim = header[3]
        shape = struct.unpack(f">{ndim}I", fh.read(4 * ndim))
        data = np.frombuffer(fh.read(), dtype=np.uint8).copy()  # writable, as torch.from_numpy wants
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: holds {data.size} bytes, its header says {shape}")
    return data.reshape(shape)


def _torchvision(raw: Path) -> MnistData:
    split = {}
    for name, (images, labels) in IDX_FILES.items():
        x, y = read_idx(raw / images), read_idx(raw / labels)
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
            raise DataError(f"{raw}: {name} images {x.shape} and labels {y.shape} are not MNIST's shapes")
        split[name] = (np.ascontiguousarray(x), y.astype(np.int64))
    return MnistData(
        "MNIST",
        f"MNIST from {raw} ({len(split['train'][0])} train / {len(split['test'][0])} test images)",
        True,
        *split["train"],
        *split["test"],
    )


def _edinburgh(folder: Path) -> MnistData:
    parts = {}
    for name in NPZ_SPLITS:
        path = folder / f"mnist-{name}.npz"
        if not path.is_file():
            continue
        try:
            with np.load(path, allow_pickle=False) as npz:
                inputs, targets = np.asarray(npz["inputs"]), np.asarray(npz["targets"])
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"{path}: not the lab's MNIST format (inputs, targets): {exc}") from None
        if inputs.ndim != 2 or inputs.shape[1] != 784 or targets.shape != (len(inputs),):
            raise DataError(f"{path}: inputs {inputs.shape} / targets {targets.shape} are not (N, 784) / (N,)")
        scale = 255.0 if inputs.dtype.kind == "f" and inputs.max(initial=0) <= 1.0 else 1.0
        images = np.clip(np.rint(inputs * scale), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
        parts[name] = (images, targets.astype(np.int64))
    train = [parts[n] for n in ("train", "valid") if n in parts]
    test = parts.get("test", parts.get("valid"))
    if test is None:
        test = (train[0][0][-500:], train[0][1][-500:])
    return MnistData(
        "MNIST",
        f"MNIST from the lab's files in {folder} ({', '.join(parts)})",
        True,
        np.concatenate([t[0] for t in train]),
        np.concatenate([t[1] for t in train]),
        *test,
    )


def digits_stand_in(data_dir: Path | None = None) -> MnistData:
    from sklearn.datasets import load_digits

    digits = load_digits()
    grey = digits.images / 16.0  # (1797, 8, 8) in [0, 1]
    # 8x8 -> 20x20 by bilinear interpolation (smooth strokes, like MNIST's anti-aliased digits)
    coords = (np.arange(20) + 0.5) * 8 / 20 - 0.5
    lo = np.clip(np.floor(coords).astype(int), 0, 7)
    hi = np.clip(lo + 1, 0, 7)
    frac = np.clip(coords - lo, 0.0, 1.0)
    rows = grey[:, lo, :] * (1 - frac)[None, :, None] + grey[:, hi, :] * frac[None, :, None]
    box = rows[:, :, lo] * (1 - frac)[None, None, :] + rows[:, :, hi] * frac[None, None, :]
    images = np.zeros((len(grey), 28, 28), dtype=np.uint8)
    images[:, 4:24, 4:24] = np.clip(np.rint(box * 255.0), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(321).permutation(len(images))
    images, labels = images[order], labels[order]
    where = f"under {data_dir}" if data_dir else "(no --data-dir)"
    return MnistData(
        "digits stand-in",
        f"stand-in: scikit-learn's digits as 28x28 MNIST-like images (1297 train / 500 test); MNIST not found {where} "
        "(grade with --data-dir=DIR holding MNIST/raw or mnist-*.npz)",
        False,
        images[:1297],
        labels[:1297],
        images[1297:],
        labels[1297:],
    )
