"""Write a small dataset in CIFAR-10's real on-disk format (``cifar-10-batches-py``)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_cifar10(root: Path, per_batch: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Five train batches and a test batch of random images; returns the train images (NHWC) and labels."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    images, labels = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3 * 32 * 32), dtype=np.uint8)  # rows: R plane, G, B
        batch_labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        with (folder / name).open("wb") as fh:
            pickle.dump(
                {
                    "batch_label": name,
                    "data": data,
                    "labels": batch_labels,
                    "filenames": [f"{name}_{i}.png" for i in range(per_batch)],
                },
                fh,
                protocol=2,
            )
        if name != "test_batch":
            images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels += batch_labels
    with (folder / "batches.meta").open("wb") as fh:
        pickle.dump({"label_names": LABEL_NAMES, "num_cases_per_batch": per_batch, "num_vis": 3072}, fh, protocol=2)
    return np.concatenate(images), np.asarray(labels)
