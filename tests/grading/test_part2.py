"""Part 2 (optimizers, trainer, training runs): readings the notebook allows pass, bad code fails
its own check with a message naming the problem, and everything else is still graded."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

# helpers.py loads the image data and the answer key before pytester snapshots sys.modules
from .helpers import copy_example, grade


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def test_readings_the_notebook_allows_get_full_marks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """eps outside the square root, one mean loss per epoch in FitResult, early stopping with '>'."""
    sub = copy_example(tmp_path / "readings")
    _edit(sub / "hw2" / "optimizers.py", "grad / torch.sqrt(r + self.eps)", "grad / (torch.sqrt(r) + self.eps)")
    training = sub / "hw2" / "training.py"
    _edit(
        training,
        "train_loss.extend(train_res.losses)",
        "train_loss.append(sum(train_res.losses) / len(train_res.losses))",
    )
    _edit(
        training, "test_loss.extend(test_res.losses)", "test_loss.append(sum(test_res.losses) / len(test_res.losses))"
    )
    _edit(training, "epochs_without_improvement >= early_stopping", "epochs_without_improvement > early_stopping")
    graded = grade(pytester, sub, "-k", "rmsprop or part2.fit or early_stopping")
    assert set(graded.scores()) == {"part2.rmsprop", "part2.fit", "part2.early_stopping"}
    assert graded.failing() == set()


def test_trainer_that_never_returns_fails_its_own_check(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hangs")
    _edit(
        sub / "hw2" / "training.py",
        "        actual_num_epochs = 0\n",
        "        actual_num_epochs = 0\n        while early_stopping:\n            pass\n",
    )
    graded = grade(pytester, sub, "-k", "part2.fit or early_stopping")
    # part2.fit (no early stopping) still graded; early stopping is optional: reported as failed, no points
    assert graded.failed() == {"part2.early_stopping"} and graded.failing() == set()
    assert "no answer within" in graded.output("part2.early_stopping")


def test_model_producing_nan_is_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "nan")
    _edit(
        sub / "hw2" / "layers.py",
        "        out = torch.mm(x, self.w.t()) + self.b\n",
        "        out = torch.mm(x, self.w.t()) + self.b * float('nan')\n",
    )
    graded = grade(
        pytester,
        sub,
        "-k",
        "part2.overfit or part2.optimizer_comparison or part2.dropout_hp or vanilla_sgd or layer_trainer_batch",
    )
    assert graded.failing() == {"part2.overfit", "part2.optimizer_comparison", "part2.dropout_hp"}
    for check_id in graded.failing():
        assert "nan loss" in graded.output(check_id), graded.output(check_id)


def test_fit_result_lists_of_the_wrong_length(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "lists")
    _edit(
        sub / "hw2" / "training.py",
        "train_acc.append(train_res.accuracy)",
        "train_acc.extend([train_res.accuracy] * len(train_res.losses))",
    )
    graded = grade(pytester, sub, "-k", "part2.fit or early_stopping")
    assert graded.failing() == {"part2.fit"}
    assert graded.scores()["part2.fit"] == 2
    assert "FitResult.train_acc has 12 entries for 4 epochs" in graded.output("part2.fit")


def test_missing_optimizers_module_fails_only_what_needs_it(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "no-optimizers")
    (sub / "hw2" / "optimizers.py").unlink()
    graded = grade(pytester, sub, "-k", "part2 and not _hp")
    needs_optimizers = {
        "part2.vanilla_sgd",
        "part2.momentum_sgd",
        "part2.rmsprop",
        "part2.overfit",
        "part2.optimizer_comparison",
    }
    assert graded.failing() == needs_optimizers
    assert "No module named 'hw2.optimizers'" in graded.output("part2.momentum_sgd")
