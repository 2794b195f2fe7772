"""Gradescope's autograder ``results.json``: score, execution_time, tests[], visibility."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

STATUS = {"passed": "passed", "partial": "failed", "failed": "failed", "error": "failed"}

# A parenthesis naming a command-line option is for the course staff ("(grade with --data-dir=DIR ...)",
# "(--manual-scores)", "(override with --offering=NAME)"): students see what to fix, not how to run us.
_STAFF_HINT = re.compile(r"\s*\([^()]*--[a-z][\w-]*[^()]*\)")


def for_students(text: str) -> str:
    return _STAFF_HINT.sub("", text)


def _status(r: Any) -> str | None:
    """Gradescope's status; None (left out) for a written answer no person has graded yet: pending."""
    if r.status == "manual":
        return None if not r.counted else "passed"
    if r.status in ("indicative", "optional", "noted"):  # not deducted; say how it went
        return STATUS.get(r.indicative_outcome, "failed")
    return STATUS[r.status]


def _fenced(text: str) -> str:
    """``text`` as a markdown code block, its layout kept; the fence outlasts any backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _output(r: Any) -> str:
    """One test's text, in markdown: what was found (as a code block), then the written answer as written."""
    text = for_students(r.feedback()).strip()
    parts = [_fenced(text)] if text else ["passed"]
    answer = r.attachments.get("answer")
    if answer:
        parts.append("**Your answer:**\n\n" + answer)
    return "\n\n".join(parts)


def headline(grading: Any, summary: Any) -> list[str]:
    """The score line, the run's problems, and the offering graded (and why) where there are several."""
    text = f"{grading.rubric.title}: {summary.total:g}/{summary.max_total:g}"
    if summary.bonus:
        text += f" (including {summary.bonus:g} bonus points)"
    lines = [text] + [f"Problem: {line}" for _, line in grading.problems()]
    if grading.rubric.offering is not None:
        lines.append(f"Graded as {grading.rubric.offering.describe()}.")
    return lines


def results_json(grading: Any) -> dict:
    summary = grading.summary()
    tests = []
    for r in summary.results:
        test = {
            "name": f"{r.spec.id}: {r.spec.title}" + (f" ({r.spec.kind})" if r.spec.kind != "base" else ""),
            "number": r.spec.id,
            "score": round(r.score, 4),
            "max_score": r.max_score,
            "output": _output(r),
            "visibility": r.spec.visibility,
            # a bonus earns points over its max_score of 0 (extra credit); an optional entry is worth nothing
            "tags": [r.spec.part] + ([r.spec.kind] if r.spec.kind != "base" else []),
        }
        status = _status(r)
        if status is not None:
            test["status"] = status
        tests.append(test)
    lines = headline(grading, summary)
    return {
        "score": round(summary.total, 4),
        "execution_time": round(time.time() - grading.started, 2),
        "output": "\n\n".join(for_students(line) for line in lines),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "leaderboard": [],
        "extra_data": {"staff": lines},  # stored by Gradescope, never shown to students: the full lines
    }


def write_results_json(grading: Any, path: Path) -> None:
    path.write_text(json.dumps(results_json(grading), indent=2), encoding="utf-8")
