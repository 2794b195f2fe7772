"""Real students' patterns (``submissions/patterns/``): each gets exactly the score its expected.toml states,
under the offering it must be recognised as; unsupported offerings get one sentence and no grade."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401
from harness.dev.cases import expectation, materialise as build
from harness.paths import SUBMISSIONS

from .helpers import grade

PATTERNS = SUBMISSIONS / "patterns"

FOLDERS = sorted(p.parent for p in PATTERNS.glob("*/expected.toml"))
GRADED = [f for f in FOLDERS if "refused" not in expectation(f)]
REFUSED = [f for f in FOLDERS if "refused" in expectation(f)]


@pytest.mark.parametrize("folder", GRADED, ids=[p.name for p in GRADED])
def test_pattern_gets_its_expected_score(pytester: pytest.Pytester, tmp_path: Path, folder: Path) -> None:
    assert_expected_grade(pytester, tmp_path, folder)


def assert_expected_grade(pytester: pytest.Pytester, tmp_path: Path, folder: Path) -> None:
    """The case's exact grade (its failing checks, points lost) under the offering it must be recognised as."""
    expected = expectation(folder)
    graded = grade(pytester, build(folder, tmp_path / folder.name), *expected.get("args", []))
    assert graded.failing() == set(expected["failing"]), [
        t for t in graded.report["tests"] if t["score"] < t["max_score"]
    ]
    full = sum(t["max_score"] for t in graded.report["tests"])
    assert full - graded.score == pytest.approx(expected["points_lost"])
    for check_id in expected.get("noted", []):
        test = next(t for t in graded.report["tests"] if t["number"] == check_id)
        assert test["status"] == "failed" and test["score"] >= test["max_score"], test
    for check_id, words in expected.get("says", {}).items():  # a passing check's note, for instance
        assert words in graded.output(check_id), graded.output(check_id)
    if "offering" in expected:
        graded.result.stdout.fnmatch_lines(["offering: *", "graded as *"])
        assert (
            f"--offering={expected['offering']}" in graded.report["output"]
            or _offering_title(expected["offering"]) in graded.report["output"]
        ), graded.report["output"]


def _offering_title(name: str) -> str:
    from harness.offerings import load_offerings, named
    from harness.rubric import rubric_path

    return named(load_offerings(rubric_path("hw2")), name).title


@pytest.mark.parametrize("folder", REFUSED, ids=[p.name for p in REFUSED])
def test_unsupported_offering_gets_one_sentence_and_no_grade(
    pytester: pytest.Pytester, tmp_path: Path, folder: Path
) -> None:
    sub = build(folder, tmp_path / folder.name)
    result = pytester.runpytest(f"--submission={sub}", f"--report={pytester.path / 'out' / 'report.html'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert expectation(folder)["refused"] in err, err
    assert "Traceback" not in err and "ModuleNotFoundError" not in err
    assert not (pytester.path / "out" / "results.json").exists()


def test_every_edit_still_fits_the_example(tmp_path: Path) -> None:
    """An edit whose text left the example fails here, naming the fixture and the edit."""
    for folder in FOLDERS:
        build(folder, tmp_path / folder.name)
