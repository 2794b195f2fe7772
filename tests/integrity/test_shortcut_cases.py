"""Forbidden shortcuts on whole gradings: each case under submissions/integrity/ is flagged on exactly
the checks its expected.toml names, with the line; its score is what the rubric's default (a flag,
no points) gives. The example is never flagged (tests/grading/test_submissions.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from ..grading.helpers import SUBMISSIONS, expectation, grade

CASES = sorted(p.parent for p in (SUBMISSIONS / "integrity").glob("*/expected.toml"))
SELECTION = {  # the checks of the part the shortcut is in, so that the others are seen not to be flagged
    "hw2/layers.py": "part1",
    "hw2/optimizers.py": "part2.vanilla_sgd or part2.momentum_sgd or part2.rmsprop",
}


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_a_shortcut_is_flagged_on_its_checks_with_its_line(pytester: pytest.Pytester, folder: Path, cases) -> None:
    expected = expectation(folder)
    graded = grade(pytester, cases(folder), "-k", SELECTION[expected["bug_file"]])
    flagged = {t["number"] for t in graded.report["tests"] if "shortcut: " in t.get("output", "")}
    assert flagged == set(expected["flagged"])
    for check_id, line in expected["flagged"].items():
        assert f"shortcut: {line}" in graded.output(check_id)
        assert "a flag for the course staff, no points" in graded.output(check_id)
    assert graded.failing() == set(expected["failing"])
    full = sum(t["max_score"] for t in graded.report["tests"])
    assert full - graded.score == pytest.approx(expected["points_lost"])


def test_a_penalty_the_rubric_sets_is_taken_once(pytester: pytest.Pytester, tmp_path: Path, cases) -> None:
    """``forbid_penalty`` turns the flag into a deduction: from the points the check earned, once."""
    rubric_dir = tmp_path / "rubrics"
    import shutil

    from harness.rubric import rubrics_dir

    shutil.copytree(rubrics_dir(), rubric_dir)
    part2 = rubric_dir / "hw2" / "part2.toml"
    text = part2.read_text()
    forbid = 'forbid = ["torch.optim", "torch.autograd"]\n'
    at = text.index(forbid, text.index('locate = "hw2/optimizers.py:VanillaSGD"\n')) + len(forbid)
    part2.write_text(text[:at] + "forbid_penalty = 2\n" + text[at:])
    graded = grade(
        pytester,
        cases(SUBMISSIONS / "integrity" / "torch-optim-in-sgd"),
        f"--rubric={rubric_dir / 'hw2.toml'}",
        "-k",
        "part2.vanilla_sgd",
    )
    assert graded.scores()["part2.vanilla_sgd"] == pytest.approx(1.0)  # 3 points, less the penalty
    assert "costs 2 points" in graded.output("part2.vanilla_sgd")
