"""Grading with CIFAR-10 on disk (--data-dir) and with the answer key itself as the submission."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.cifar_files import write_cifar10

from .helpers import REPO, grade

OWN_HP = ("-k", "part2.overfit_hp or part4.overfit_hp")


def test_with_cifar10_on_disk_the_students_own_hyperparameters_are_scored(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    write_cifar10(tmp_path / "data", per_batch=60)
    graded = grade(pytester, REPO / "submissions" / "example", *OWN_HP, f"--data-dir={tmp_path / 'data'}")
    for t in graded.report["tests"]:
        assert t["max_score"] > 0 and "indicative" not in t["output"], t  # scored normally on CIFAR-10
    assert "CIFAR-10 from" in graded.html.read_text()


def test_data_dir_without_a_dataset_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = pytester.runpytest(f"--submission={REPO / 'submissions' / 'example'}", f"--data-dir={tmp_path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no dataset there (expected cifar-10-batches-py, MNIST/raw or mnist-train.npz*"])


def test_the_answer_key_passes_every_threshold_on_the_stand_in(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, REPO / "reference")
    assert graded.failing() == set(), [t["output"] for t in graded.report["tests"] if t["score"] < t["max_score"]]
