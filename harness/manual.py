"""Scores a person gave to the rubric's ``manual`` entries (written answers), merged into a run.

The file is TOML, one table per entry id::

    [scores."<check id>"]
    score = 2.5
    comment = "Right idea; the example is missing."

An entry without a score here stays "awaiting a grader" and is out of the run's total.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .rubric import Rubric
from .scoring import CheckResult


class ManualScoresError(Exception):
    """The file is unreadable or names an entry/score the rubric does not allow."""


@dataclass(frozen=True)
class ManualScore:
    score: float
    comment: str = ""


def load_manual_scores(path: Path, rubric: Rubric) -> dict[str, ManualScore]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManualScoresError(f"{path}: cannot read manual scores: {exc}") from None
    manual = {c.id: c for c in rubric.checks if c.manual}
    scores = {}
    for check_id, entry in raw.get("scores", {}).items():
        spec = manual.get(check_id)
        if spec is None:
            raise ManualScoresError(f"{path}: '{check_id}' is not a manual entry of {rubric.path.name}")
        value = entry.get("score") if isinstance(entry, dict) else None
        if not isinstance(value, (int, float)) or not 0 <= value <= spec.points:
            raise ManualScoresError(f"{path}: '{check_id}' needs a score between 0 and {spec.points:g}")
        scores[check_id] = ManualScore(float(value), str(entry.get("comment", "")))
    return scores


def apply_manual(result: CheckResult, given: ManualScore | None) -> CheckResult:
    """A manual entry earns what the grader gave, or stays out of the total until graded."""
    if given is None:
        result.status, result.score, result.counted = "manual", 0.0, False
        if result.attachments.get("answer") is not None:  # absent questions wait for no one
            result.notes.append(f"awaiting a grader: worth {result.spec.points:g} points (--manual-scores)")
        return result
    result.score, result.counted = given.score, True
    result.status = "passed" if given.score >= result.spec.points - 1e-9 else ("partial" if given.score > 0 else "failed")
    if given.comment:
        result.notes.append(f"grader: {given.comment}")
    return result
