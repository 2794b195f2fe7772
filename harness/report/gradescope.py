"""Gradescope's autograder ``results.json``: score, execution_time, tests[], visibility."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

STATUS = {"passed": "passed", "partial": "failed", "failed": "failed", "error": "failed", "manual": "passed"}


def _status(r: Any) -> str:
    if r.status in ("indicative", "optional", "noted"):  # not deducted; say how it went
        return STATUS.get(r.indicative_outcome, "failed")
    return STATUS[r.status]


def _output(r: Any) -> str:
    text = r.feedback() or "passed"
    answer = r.attachments.get("answer")
    if answer:
        text += "\n\nYour answer:\n" + answer
    return text


def headline(grading: Any, summary: Any) -> str:
    """The score line, with the offering graded (and why) where the assignment has several."""
    text = f"{grading.rubric.title}: {summary.total:g}/{summary.max_total:g}"
    if summary.bonus:
        text += f" (including {summary.bonus:g} bonus points)"
    for _, line in grading.problems():
        text += f"\nProblem: {line}"
    if grading.rubric.offering is not None:
        text += f"\nGraded as {grading.rubric.offering.describe()}."
    return text


def results_json(grading: Any) -> dict:
    summary = grading.summary()
    tests = []
    for r in summary.results:
        tests.append(
            {
                "name": f"{r.spec.id}: {r.spec.title}" + (f" ({r.spec.kind})" if r.spec.kind != "base" else ""),
                "number": r.spec.id,
                "score": round(r.score, 4),
                "max_score": r.max_score,
                "status": _status(r),
                "output": _output(r),
                "visibility": r.spec.visibility,
                # a bonus earns points over its max_score of 0 (extra credit); an optional entry is worth nothing
                "tags": [r.spec.part] + ([r.spec.kind] if r.spec.kind != "base" else []),
            }
        )
    return {
        "score": round(summary.total, 4),
        "execution_time": round(time.time() - grading.started, 2),
        "output": headline(grading, summary),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "leaderboard": [],
    }


def write_results_json(grading: Any, path: Path) -> None:
    path.write_text(json.dumps(results_json(grading), indent=2), encoding="utf-8")
