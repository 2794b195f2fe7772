"""CIFAR-10 from disk, or the embedded stand-in with the same shapes (N, 3, 32, 32), 10 classes."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Where the notebook downloads CIFAR-10 (``data_dir = os.path.expanduser('~/.pytorch-datasets')``).
DEFAULT_DATA_DIR = Path(os.path.expanduser("~/.pytorch-datasets"))
CIFAR_FOLDER = "cifar-10-batches-py"


class DataError(Exception):
    """--data-dir holds something that is not CIFAR-10 in torchvision's format."""


@dataclass(frozen=True)
class ImageData:
    """Train and test images as uint8 (N, 32, 32, 3), like ``torchvision.datasets.CIFAR10.data``."""

    name: str
    source: str  # one line for the report: where the images came from
    real: bool  # True only for CIFAR-10 itself: the dataset students tuned their hyper-parameters on
    train_images: np.ndarray
    train_labels: np.ndarray  # int64 (N,)
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]

    def tensors(self, split: str, n: int | None = None):
        """The first ``n`` images of ``split`` as ``ToTensor()`` would give them: float32 (n, 3, 32, 32) in [0, 1]."""
        import torch

        images, labels = self.arrays(split, n)
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0)
        return x.contiguous(), torch.from_numpy(labels)

    def arrays(self, split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The first ``n`` uint8 HWC images of ``split`` and their labels (what the worker is sent)."""
        images, labels = (
            (self.train_images, self.train_labels) if split == "train" else (self.test_images, self.test_labels)
        )
        if n is not None:
            images, labels = images[:n], labels[:n]
        return np.ascontiguousarray(images), np.ascontiguousarray(labels)


def load_images(data_dir: Path | None) -> ImageData:
    """CIFAR-10 under ``data_dir`` when present (never downloaded), else the stand-in."""
    folder = Path(data_dir or DEFAULT_DATA_DIR).expanduser()
    if (folder / CIFAR_FOLDER).is_dir():
        return _cifar10(folder)
    return _digits_stand_in(
        f"CIFAR-10 not found under {folder / CIFAR_FOLDER} (grade with --data-dir=DIR holding cifar-10-batches-py)"
    )


def load_own_images(data_dir: Path | None = None) -> ImageData:
    """The stand-in whatever ``data_dir`` holds: the images of checks whose settings are the
    grader's own (measured on exactly these images, and no answer to a question tuned on CIFAR-10)."""
    return _digits_stand_in("the grader's own images, whichever data the run was given")


TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """CIFAR-10's batches are pickles of plain dicts and numpy arrays: allow exactly that."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 carry bytes
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")


def _read_batch(path: Path) -> dict:
    with path.open("rb") as fh:
        return _ArraysOnlyUnpickler(fh, encoding="latin1").load()


def _images_and_labels(folder: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for name in names:
        batch = _read_batch(folder / name)
        data = np.asarray(batch["data"], dtype=np.uint8)
        images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))  # as torchvision stores it: NHWC
        labels.append(np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64))
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def _cifar10(folder: Path) -> ImageData:
    """The batches of torchvision's on-disk format, read without torchvision's md5 check (so a
    course's own copy, or a small file in the same format, works) and without arbitrary unpickling."""
    root = folder / CIFAR_FOLDER
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if not (root / n).is_file()]
    if missing:
        raise DataError(f"{root}: incomplete CIFAR-10 (missing {', '.join(missing)})")
    try:
        train_images, train_labels = _images_and_labels(root, TRAIN_BATCHES)
        test_images, test_labels = _images_and_labels(root, (TEST_BATCH,))
        meta = _read_batch(root / "batches.meta") if (root / "batches.meta").is_file() else {}
    except (OSError, pickle.UnpicklingError, KeyError, ValueError, EOFError) as exc:
        raise DataError(f"{root}: not readable as CIFAR-10: {exc}") from None
    classes = tuple(meta.get("label_names", [str(i) for i in range(10)]))
    return ImageData(
        name="CIFAR-10",
        source=f"CIFAR-10 from {root} ({len(train_images)} train / {len(test_images)} test images)",
        real=True,
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        classes=classes,
    )


def _digits_stand_in(why: str) -> ImageData:
    """scikit-learn's 1797 handwritten digits (8x8, 17 grey levels) as 32x32 RGB images.

    Each digit is upscaled 4x (nearest), tinted with a per-image colour so that the three
    channels differ, and shuffled once with a fixed seed; 1500 train / 297 test.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    grey = (digits.images / 16.0).astype(np.float32)  # (1797, 8, 8) in [0, 1]
    big = grey.repeat(4, axis=1).repeat(4, axis=2)  # (1797, 32, 32)
    rng = np.random.default_rng(236781)
    tint = rng.uniform(0.5, 1.0, size=(len(big), 1, 1, 3)).astype(np.float32)
    background = rng.uniform(0.0, 0.2, size=(len(big), 1, 1, 3)).astype(np.float32)
    rgb = background + (tint - background) * big[..., None]
    images = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    order = rng.permutation(len(images))
    images, labels = images[order], labels[order]
    return ImageData(
        name="digits stand-in",
        source=f"stand-in: scikit-learn's digits as 32x32 RGB (1500 train / 297 test); {why}",
        real=False,
        train_images=images[:1500],
        train_labels=labels[:1500],
        test_images=images[1500:],
        test_labels=labels[1500:],
        classes=tuple(str(d) for d in range(10)),
    )
