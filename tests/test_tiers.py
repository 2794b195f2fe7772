"""The tier of a test is decided from what it uses (tests/tiers.py)."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from tests.tiers import is_slow


def grade(*args):  # stands for tests.grading.helpers.grade
    return args


def _helper_that_grades():
    return grade("sub")


def _unit_helper(x):
    return x + 1


def test_whole_gradings_are_slow_and_unit_tests_are_not() -> None:
    def uses_pytester(pytester): ...

    def grades_through_a_helper():
        _helper_that_grades()

    def runs_pytest_on_a_submission(tmp_path):
        subprocess.run([sys.executable, "-m", "pytest", f"--submission={tmp_path}"])

    def unit():
        assert _unit_helper(1) == 2

    def item(fn, fixtures=()):
        return SimpleNamespace(function=fn, fixturenames=list(fixtures))

    assert is_slow(item(uses_pytester, ["pytester", "tmp_path"]))
    assert is_slow(item(grades_through_a_helper))
    assert is_slow(item(runs_pytest_on_a_submission, ["tmp_path"]))
    assert not is_slow(item(unit, ["tmp_path"]))
