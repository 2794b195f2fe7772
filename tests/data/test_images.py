"""Image data: CIFAR-10 read from its on-disk format, the stand-in when it is absent."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from harness.data import DataError, load_images

from .cifar_files import LABEL_NAMES, write_cifar10


def test_cifar10_is_read_from_torchvisions_on_disk_format(tmp_path: Path) -> None:
    images, labels = write_cifar10(tmp_path, per_batch=7)
    data = load_images(tmp_path)
    assert data.real and data.name == "CIFAR-10"
    assert data.train_images.shape == (35, 32, 32, 3) and data.test_images.shape == (7, 32, 32, 3)
    np.testing.assert_array_equal(data.train_images, images)
    np.testing.assert_array_equal(data.train_labels, labels)
    assert data.classes == tuple(LABEL_NAMES)
    x, y = data.tensors("train", 3)
    assert x.shape == (3, 3, 32, 32) and x.dtype.is_floating_point and float(x.max()) <= 1.0
    # channel-first as ToTensor gives it: pixel (0, 0) of image 0 is data[0][[0, 1024, 2048]] / 255
    np.testing.assert_allclose(x[0, :, 0, 0].numpy(), images[0, 0, 0, :] / 255.0, rtol=1e-6)


def test_the_reader_unpickles_arrays_only(tmp_path: Path) -> None:
    write_cifar10(tmp_path, per_batch=2)

    class Exploit:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    with (tmp_path / "cifar-10-batches-py" / "data_batch_3").open("wb") as fh:
        pickle.dump({"data": Exploit(), "labels": [0]}, fh)
    with pytest.raises(DataError, match="not allowed"):
        load_images(tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_incomplete_cifar10_is_named(tmp_path: Path) -> None:
    write_cifar10(tmp_path, per_batch=2)
    (tmp_path / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(DataError, match="missing test_batch"):
        load_images(tmp_path)


def test_stand_in_when_cifar10_is_absent(tmp_path: Path) -> None:
    data = load_images(tmp_path)
    assert not data.real
    assert data.train_images.shape == (1500, 32, 32, 3) and data.test_images.shape == (297, 32, 32, 3)
    assert data.train_images.dtype == np.uint8 and set(np.unique(data.train_labels)) == set(range(10))
    assert "--data-dir" in data.source
    again = load_images(tmp_path)  # deterministic: the same images every time
    np.testing.assert_array_equal(data.train_images, again.train_images)
