"""The gradebook CSV: one row per student, total, per part, per check (Canvas/Moodle import).

Columns: ``student_id, student_name, email, submission, status, total, max_total``, then one
column per part (``part1``...), one per check (``part1.linear``...), and ``note`` (why a
submission was not graded, or which checks timed out or crashed). A submission that was not
graded has empty score cells, never a 0 that could pass for a grade; so has a part or check that is
out of the total (a written answer no grader has scored yet).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from .store import GradeRecord

FIXED = ["student_id", "student_name", "email", "submission", "status", "total", "max_total"]


def columns(info: dict[str, Any]) -> list[str]:
    return FIXED + list(info["parts"]) + [c["id"] for c in info["checks"]] + ["note"]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def note(record: GradeRecord) -> str:
    if record.status != "graded":
        return record.reason.splitlines()[0] if record.reason else record.status
    return "; ".join(f"{check}: {kind}" for check, kind, _ in record.problems)


def write_gradebook(path: Path, info: dict[str, Any], records: list[GradeRecord]) -> Path:
    graded = lambda r: r.status == "graded"  # noqa: E731
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns(info))
        writer.writeheader()
        for r in sorted(records, key=lambda r: (r.student_id, r.key)):
            row = {
                "student_id": r.student_id,
                "student_name": r.student_name,
                "email": r.email,
                "submission": r.key,
                "status": r.status,
                "total": _number(r.total) if graded(r) else "",
                "max_total": _number(r.max_total) if graded(r) else "",
                "note": note(r),
            }
            # a part or check out of the total (a written answer awaiting a grader) stays empty, not 0
            for part in info["parts"]:
                got = r.parts.get(part)
                row[part] = _number(got[0]) if graded(r) and got is not None and got[1] > 0 else ""
            for check in info["checks"]:
                got = r.checks.get(check["id"])
                row[check["id"]] = _number(got[0]) if graded(r) and got is not None and got[1] > 0 else ""
            writer.writerow(row)
    return path
