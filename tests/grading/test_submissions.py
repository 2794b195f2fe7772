"""Every submission under submissions/ gets exactly the score its expected.toml states."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401
from harness.dev.cases import overlay_files

from .helpers import EXAMPLE, SUBMISSIONS, expectation, grade

BROKEN = sorted(p.parent for p in (SUBMISSIONS / "broken").glob("*/expected.toml"))


def test_example_gets_full_marks(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, EXAMPLE)
    assert graded.failing() == set()
    assert graded.score == sum(t["max_score"] for t in graded.report["tests"])
    graded.result.assert_outcomes(passed=len(graded.report["tests"]), skipped=6)  # the opt-in benchmarks
    full = sum(t["max_score"] for t in graded.report["tests"])
    graded.result.stdout.fnmatch_lines([f"*hw2: {full:.1f}/{full:.1f}*"])
    assert not [t["number"] for t in graded.report["tests"] if "shortcut: " in t.get("output", "")]


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_submission_gets_its_expected_score(pytester: pytest.Pytester, folder: Path, cases) -> None:
    expected = expectation(folder)
    graded = grade(pytester, cases(folder))
    assert graded.failing() == set(expected["failing"]), graded.report["tests"]
    full = sum(t["max_score"] for t in graded.report["tests"])
    assert full - graded.score == pytest.approx(expected["points_lost"])
    for check_id in expected["failing"]:
        assert graded.output(check_id).strip(), f"{check_id} lost points without saying why"
    assert not [t["number"] for t in graded.report["tests"] if "shortcut: " in t.get("output", "")]
    for check_id in expected.get("noted", []):  # failed, reported as such, no points taken
        test = next(t for t in graded.report["tests"] if t["number"] == check_id)
        assert test["status"] == "failed" and test["score"] >= test["max_score"], test
        assert "not deducted" in test["output"] or "no points either way" in test["output"], test["output"]


def test_a_broken_case_changes_only_its_bug_file() -> None:
    """Each broken case is an overlay of the example: its bug as edits of the one file it is in."""
    for folder in BROKEN:
        spec = expectation(folder)
        assert overlay_files(folder) == [] and not spec.get("remove"), folder.name
        assert {e["file"] for e in spec["edit"]} == {spec["bug_file"]}, folder.name


def test_at_least_six_broken_submissions() -> None:
    assert len(BROKEN) >= 6
