"""Record the expected values of a rubric's visible checks, and prove they do not depend on the student.

Each kit check is graded twice in ``record`` mode: on the answer key's own package and on a second,
independently written correct submission. A check belongs in a kit only if it used the answer key
through ``ctx.expect`` alone, asked for exactly the same expected values both times (so nothing a
student's code sends back feeds them), and gave full marks both times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..expected import ExpectedValues
from ..grading import GradingOptions, SubmissionGrader, locate_submission
from ..rubric import CheckSpec, Rubric


class KitError(Exception):
    """The rubric's visible checks cannot all be judged from stored values."""


def kit_checks(rubric: Rubric) -> list[CheckSpec]:
    """The checks a kit holds: visible, graded automatically, not opt-in (benchmarks), not kept out
    (``kit = false``: the values it needs would answer a scored question)."""
    return [
        c
        for c in rubric.checks
        if c.visibility == "visible" and not c.manual and c.part not in rubric.opt_in_parts and c.kit
    ]


@dataclass
class Recording:
    expected: ExpectedValues
    touched: set[str]
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> (points, max)


def record(submission: Path, rubric: Rubric, options: GradingOptions | None = None) -> Recording:
    """Grade the kit checks of ``submission`` in record mode."""
    expected = ExpectedValues("record")
    grader = SubmissionGrader(
        locate_submission(submission, rubric.name), rubric, options or GradingOptions(), expected=expected
    )
    recording = Recording(expected, set())
    try:
        for spec in kit_checks(rubric):
            result = grader.run_check(spec)
            recording.scores[spec.id] = (result.score, result.max_score)
            expected.keys_used.setdefault(spec.id, [])
        recording.touched = set(grader.reference_touched)
        return recording
    finally:
        grader.close()


def verified_store(rubric: Rubric, answer_key: Path, second: Path) -> ExpectedValues:
    """The expected values of the kit checks, after proving each check fit for a kit (else KitError)."""
    first, other = record(answer_key, rubric), record(second, rubric)
    problems = []
    for spec in kit_checks(rubric):
        why = []
        if spec.id in first.touched or spec.id in other.touched:
            why.append("it uses the answer key outside ctx.expect()")
        elif first.expected.keys_used.get(spec.id) != other.expected.keys_used.get(spec.id):
            why.append("its expected values depend on what the submission's code sends back")
        for name, rec in (("the answer key", first), (str(second), other)):
            points, full = rec.scores[spec.id]
            if points < full:
                why.append(f"{name} gets {points:g}/{full:g} on it")
        if why:
            problems.append(f"{spec.id}: " + "; ".join(why))
    if problems:
        raise KitError(
            "these visible checks cannot go in a student kit (make them kit-ready or mark them "
            'visibility = "hidden"):\n  ' + "\n  ".join(problems)
        )
    store = ExpectedValues("replay", {sid: vals for sid, vals in first.expected.store.items()})
    return store
