"""The course's skeleton handed in unchanged: 0 automatic points, one clear line per check."""

from __future__ import annotations

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import SUBMISSIONS, grade, unfence


def test_unmodified_skeleton_gets_zero_with_one_clear_line_per_check(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, SUBMISSIONS / "skeleton")
    assert graded.score == 0
    scored = [t for t in graded.report["tests"] if t["max_score"] > 0]
    assert scored, "no scored checks ran"
    for t in scored:
        first = unfence(t["output"]).splitlines()[0]
        assert "not implemented yet" in first, f"{t['number']}: {first}"
