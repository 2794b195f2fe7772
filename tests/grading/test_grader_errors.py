"""A fault of the grader itself while grading one check: that check says so, the run goes on, and
the maximum stays the rubric's (never a pytest internal error, never a smaller total)."""

from __future__ import annotations

from harness.grading import GradingOptions, SubmissionGrader, locate_submission
from harness.rubric import load, rubric_path

from .helpers import EXAMPLE


def test_a_grader_fault_fails_one_check_with_a_clear_message_and_the_run_goes_on() -> None:
    rubric = load(rubric_path("hw2"))
    specs = [rubric.check("part1.relu"), rubric.check("part1.tanh")]
    grader = SubmissionGrader(locate_submission(EXAMPLE, "hw2"), rubric, GradingOptions(call_timeout=20))

    def broken_check(ctx):
        raise RuntimeError("the judge tripped")

    grader.check_functions = {**grader.check_functions, "part1.relu": broken_check}
    try:
        summary = grader.run_checks(specs)
    finally:
        grader.close()
    relu, tanh = summary.results
    assert (
        relu.score == 0
        and relu.status == "error"
        and "grader error (RuntimeError: the judge tripped)" in relu.feedback()
    )
    assert tanh.score == 2
    assert summary.max_total == 4  # the failed check keeps its place in the maximum
    assert grader.problems() == [
        (
            "grader",
            "the grader itself failed on part1.relu: no points were awarded there "
            "in this run; grade again, or ask the course staff",
        )
    ]
    assert "RuntimeError" in grader.grader_errors["part1.relu"]
