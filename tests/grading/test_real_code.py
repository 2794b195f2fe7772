"""Patterns seen in real students' submissions (paraphrased onto copies of the example, never their
code): correct readings the notebook allows get their points; the bugs next to them still lose them."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

# helpers.py loads the image data and the answer key before pytester snapshots sys.modules
from .helpers import copy_example, grade

EXAMPLE_OPTIMIZER = ("    optimizer = torch.optim.SGD(\n"
                     "        params=model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4\n"
                     "    )\n")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def test_mlp_experiment_tuned_for_the_notebooks_ten_epochs_gets_full_marks(pytester: pytest.Pytester,
                                                                         tmp_path: Path) -> None:
    """Plain SGD (no momentum) with lr=0.1 reaches the notebook's thresholds with its n_epochs=10 but
    not after the grader's 2-epoch shortcut: the notebook leaves these hyper-parameters to the student,
    so the shortcut must not decide the grade (the check reruns the grid with 10 epochs)."""
    sub = copy_example(tmp_path / "slow-sgd")
    _edit(sub / "hw2" / "experiments.py", EXAMPLE_OPTIMIZER,
          "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n")
    graded = grade(pytester, sub, "-k", "part3.mlp_experiment")
    assert graded.failing() == set(), graded.output("part3.mlp_experiment")


def test_mlp_experiment_that_does_not_learn_in_ten_epochs_still_fails(pytester: pytest.Pytester,
                                                                      tmp_path: Path) -> None:
    """A learning rate far too small misses the thresholds with the notebook's 10 epochs too."""
    sub = copy_example(tmp_path / "no-learning")
    _edit(sub / "hw2" / "experiments.py", EXAMPLE_OPTIMIZER,
          "    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)\n")
    graded = grade(pytester, sub, "-k", "part3.mlp_experiment")
    assert graded.failing() == {"part3.mlp_experiment"}
    assert "after 10 epochs (the notebook's n_epochs; 2 epochs missed too)" in graded.output("part3.mlp_experiment")
