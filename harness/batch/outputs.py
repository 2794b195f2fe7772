"""The class-level outputs of a batch, built from the results store: class report and gradebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .classreport import write_class_report
from .discover import Entry
from .gradebook import write_gradebook
from .similar import SimilarityRequest, class_similarity
from .store import GradeRecord

CLASS_REPORT = "class_report.html"
GRADEBOOK = "gradebook.csv"


def not_graded(entry: Entry, why: str) -> GradeRecord:
    return GradeRecord(entry.key, "", "", entry.student_id, entry.student_name, entry.email, "not graded", why)


def class_records(entries: list[Entry], records: dict[str, GradeRecord], crashed: dict[str, str]) -> list[GradeRecord]:
    """One record per entry of this run: its stored result, or why there is none."""
    out = []
    for entry in entries:
        record = records.get(entry.key)
        if record is None:
            why = crashed.get(entry.key.replace("::", "_"))
            record = not_graded(
                entry,
                f"grading stopped (its process died, or the harness failed): {why}"
                if why
                else "not graded: the run ended before its turn (run again to grade what is missing)",
            )
        out.append(record)
    return out


def write_class_outputs(
    out: Path,
    info: dict[str, Any],
    entries: list[Entry],
    records: dict[str, GradeRecord],
    crashed: dict[str, str],
    notes: list[str],
    shard: tuple[int, int] = (1, 1),
    similarity: SimilarityRequest | None = None,
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = class_records(entries, records, crashed)
    scope = f"shard {shard[0]} of {shard[1]}" if shard[1] > 1 else ""
    similar = None
    if similarity is not None and shard[1] > 1:
        notes = notes + ["similarity: compared across the whole class by python -m harness.batch.merge"]
    elif similarity is not None:
        similar, similarity_notes = class_similarity(out, rows, similarity)
        notes = notes + similarity_notes
    return {
        "class report": write_class_report(out / CLASS_REPORT, info, rows, notes, scope, similar),
        "gradebook": write_gradebook(out / GRADEBOOK, info, rows),
    }
