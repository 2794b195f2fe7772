"""Scores a person gave to the rubric's ``manual`` entries (written answers), merged into a run.

One submission (``--submission``): TOML, one table per entry id::

    [scores."<check id>"]
    score = 2.5
    comment = "Right idea; the example is missing."

A class (``--submissions``): the same tables under each student's id (or entry name), in TOML::

    [students."<student id>".scores."<check id>"]
    score = 2.5

or a CSV exported from a spreadsheet, with the header ``student_id,check_id,score,comment``.
An entry without a score here stays "awaiting a grader" and is out of the run's total.
"""

from __future__ import annotations

import csv
import hashlib
import json
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
    return _scores(_read_toml(path).get("scores", {}), rubric, str(path))


def load_class_manual_scores(path: Path, rubric: Rubric) -> dict[str, dict[str, ManualScore]]:
    """Batch mode's file: student id (or entry name) -> that student's scores."""
    if path.suffix.lower() == ".csv":
        return _class_scores_from_csv(path, rubric)
    students = _read_toml(path).get("students", {})
    if not isinstance(students, dict):
        raise ManualScoresError(f"{path}: 'students' must be a table of student ids")
    out = {}
    for student, table in students.items():
        scores = table.get("scores", {}) if isinstance(table, dict) else None
        if not isinstance(scores, dict):
            raise ManualScoresError(f"{path}: student '{student}' needs a 'scores' table")
        out[str(student)] = _scores(scores, rubric, f"{path}: student '{student}'")
    return out


def digest(scores: dict[str, ManualScore]) -> str:
    """A short fingerprint of one student's scores: a stored grade made with others is stale."""
    text = json.dumps({k: [v.score, v.comment] for k, v in sorted(scores.items())}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManualScoresError(f"{path}: cannot read manual scores: {exc}") from None


def _class_scores_from_csv(path: Path, rubric: Rubric) -> dict[str, dict[str, ManualScore]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # -sig: spreadsheets write a BOM
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManualScoresError(f"{path}: cannot read manual scores: {exc}") from None
    tables: dict[str, dict[str, dict]] = {}
    for n, row in enumerate(rows, start=2):
        student, check_id = (row.get("student_id") or "").strip(), (row.get("check_id") or "").strip()
        if not student or not check_id:
            raise ManualScoresError(f"{path}, line {n}: needs the columns student_id, check_id, score (and comment)")
        raw = (row.get("score") or "").strip()
        if not raw:
            continue  # a question not graded yet
        try:
            value: object = float(raw)
        except ValueError:
            value = raw
        table = tables.setdefault(student, {})
        if check_id in table:
            raise ManualScoresError(f"{path}, line {n}: a second score for '{check_id}' of student '{student}'")
        table[check_id] = {"score": value, "comment": row.get("comment") or ""}
    return {s: _scores(t, rubric, f"{path}: student '{s}'") for s, t in tables.items()}


def _scores(raw: dict, rubric: Rubric, where: str) -> dict[str, ManualScore]:
    manual = {c.id: c for c in rubric.checks if c.manual}
    scores = {}
    for check_id, entry in raw.items():
        spec = manual.get(check_id)
        if spec is None:
            raise ManualScoresError(f"{where}: '{check_id}' is not a manual entry of {rubric.path.name}")
        value = entry.get("score") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= spec.points:
            raise ManualScoresError(f"{where}: '{check_id}' needs a score between 0 and {spec.points:g}")
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
    result.status = (
        "passed" if given.score >= result.spec.points - 1e-9 else ("partial" if given.score > 0 else "failed")
    )
    if given.comment:
        result.notes.append(f"grader: {given.comment}")
    return result
