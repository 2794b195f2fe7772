"""Written answers: shown for a person to grade, worth no automatic points, merged when scored."""

from __future__ import annotations

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import EXAMPLE, grade


def _test(graded, check_id: str) -> dict:
    return next(t for t in graded.report["tests"] if t["number"] == check_id)


def test_answers_are_shown_and_worth_no_automatic_points(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, EXAMPLE, "-k", "answers")
    q1 = _test(graded, "answers.part1_q1")
    assert (q1["score"], q1["max_score"]) == (0, 0)
    assert "Jacobian" in q1["output"] and "awaiting a grader" in q1["output"]
    absent = _test(graded, "answers.part6_q1")  # not in the 2022 skeleton: nobody waits for it
    assert "not part of this submission's skeleton year" in absent["output"]
    assert "awaiting" not in absent["output"]
    assert graded.score == 0
    html = graded.html.read_text()
    assert "Written answers (graded by a person)" in html and "Jacobian" in html
    graded.result.stdout.fnmatch_lines(["*awaiting a grader: 15 written answers (45 points*"])


def test_manual_scores_are_merged(pytester: pytest.Pytester) -> None:
    scores = pytester.path / "manual.toml"
    scores.write_text(
        '[scores."answers.part1_q1"]\nscore = 2.5\ncomment = "B is incomplete"\n'
        '[scores."answers.part2_q2"]\nscore = 3\n'
    )
    graded = grade(pytester, EXAMPLE, "-k", "answers", f"--manual-scores={scores}")
    q1 = _test(graded, "answers.part1_q1")
    assert (q1["score"], q1["max_score"]) == (2.5, 3)
    assert "grader: B is incomplete" in q1["output"]
    assert graded.score == 5.5
    graded.result.stdout.fnmatch_lines(["*hw2: 5.5/6.0*"])


@pytest.mark.parametrize(
    "content, message",
    [
        ('[scores."answers.part1_q1"]\nscore = 7\n', "*needs a score between 0 and 3*"),
        ('[scores."part1.linear"]\nscore = 1\n', "*'part1.linear' is not a manual entry*"),
        ("not toml [", "*cannot read manual scores*"),
    ],
)
def test_bad_manual_scores_file_is_a_usage_error(pytester: pytest.Pytester, content: str, message: str) -> None:
    scores = pytester.path / "manual.toml"
    scores.write_text(content)
    result = pytester.runpytest(f"--submission={EXAMPLE}", f"--manual-scores={scores}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
