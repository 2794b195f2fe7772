"""MNIST: torchvision's raw IDX files (plain and .gz), the Edinburgh lab's .npz, the stand-in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.data import DataError, has_known_dataset, load_mnist
from harness.data.mnist import digits_stand_in

from .mnist_files import write_mnist_npz, write_mnist_raw


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_mnist_is_read_from_torchvisions_raw_files(tmp_path: Path, gz: bool) -> None:
    written = write_mnist_raw(tmp_path, gz=gz)
    data = load_mnist(tmp_path)
    assert data.real and data.name == "MNIST" and has_known_dataset(tmp_path)
    np.testing.assert_array_equal(data.train_images, written["train"][0])
    np.testing.assert_array_equal(data.test_labels, written["test"][1])
    x, y = data.tensors("train", 4)
    assert x.shape == (4, 1, 28, 28) and y.dtype.is_floating_point is False
    np.testing.assert_allclose(x[0, 0].numpy(), written["train"][0][0] / 255.0, rtol=1e-6)


def test_torchvision_reads_the_same_files_the_same_way(tmp_path: Path) -> None:
    """The files the tests write are MNIST's real format: torchvision's own reader agrees."""
    from torchvision import datasets

    write_mnist_raw(tmp_path)
    ours = load_mnist(tmp_path)
    theirs = datasets.MNIST(str(tmp_path), train=True, download=False)
    np.testing.assert_array_equal(theirs.data.numpy(), ours.train_images)
    np.testing.assert_array_equal(theirs.targets.numpy(), ours.train_labels)


def test_edinburgh_npz_files(tmp_path: Path) -> None:
    written = write_mnist_npz(tmp_path)
    data = load_mnist(tmp_path)
    assert data.real and "lab's files" in data.source
    assert data.train_images.shape == (26, 28, 28)  # train + valid
    np.testing.assert_array_equal(data.train_images[:20], written["train"][0])
    np.testing.assert_array_equal(data.test_labels, written["test"][1])


def test_a_truncated_idx_file_is_named(tmp_path: Path) -> None:
    write_mnist_raw(tmp_path)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="header says"):
        load_mnist(tmp_path)


def test_stand_in_when_mnist_is_absent(tmp_path: Path) -> None:
    data = load_mnist(tmp_path)
    assert not data.real and "--data-dir" in data.source
    assert data.train_images.shape == (1297, 28, 28) and data.test_images.shape == (500, 28, 28)
    assert data.train_images.dtype == np.uint8 and set(np.unique(data.train_labels)) == set(range(10))
    # MNIST-like: a 4-pixel empty border around a 20x20 digit box, dark background, bright strokes
    assert data.train_images[:, :4].max() == 0 and data.train_images[:, :, 24:].max() == 0
    assert 20 < data.train_images.mean() < 80 and data.train_images.max() == 255
    np.testing.assert_array_equal(digits_stand_in().train_images, data.train_images)  # deterministic
