"""The results store of a batch: one SQLite file in the output folder (``grades.sqlite``).

Each finished submission is committed as it finishes, in one transaction, so a batch killed
with ``kill -9`` loses at most the submissions that were being graded. A row is keyed by the
entry (the student's folder or zip) and the *grading digest* (rubric, selected checks, seed,
time limit and the judge's own code); it also keeps the submission's content hash, and a row is
reused only when both hashes still match. Every process (the controller, each xdist worker)
opens its own connection; WAL mode lets readers and the one writer at a time proceed together.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS gradings (
    digest TEXT PRIMARY KEY,
    info TEXT NOT NULL,          -- JSON: rubric name/title, parts, the selected checks, options
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    key TEXT NOT NULL,           -- the entry's name in the class folder
    digest TEXT NOT NULL,        -- the grading digest (gradings.digest)
    content_hash TEXT NOT NULL,
    student_id TEXT NOT NULL,
    student_name TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,        -- graded | rejected | error
    reason TEXT NOT NULL,        -- why rejected / what went wrong
    total REAL,
    max_total REAL,
    parts TEXT NOT NULL,         -- JSON {part: [score, max]}
    checks TEXT NOT NULL,        -- JSON {check id: [score, max, status]}
    problems TEXT NOT NULL,      -- JSON [[check id, kind, first line of the message]]: time-outs, crashes
    runtime REAL NOT NULL,
    report TEXT NOT NULL,        -- the student's report.html, relative to the output folder
    graded_at REAL NOT NULL,
    PRIMARY KEY (key, digest)
);
"""

STORE_NAME = "grades.sqlite"


@dataclass
class GradeRecord:
    key: str
    digest: str
    content_hash: str
    student_id: str
    student_name: str
    email: str
    status: str
    reason: str = ""
    total: float | None = None
    max_total: float | None = None
    parts: dict[str, list[float]] = field(default_factory=dict)
    checks: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[list[str]] = field(default_factory=list)
    runtime: float = 0.0
    report: str = ""
    graded_at: float = field(default_factory=time.time)

    JSON_FIELDS = ("parts", "checks", "problems")

    def row(self) -> dict[str, Any]:
        row = asdict(self)
        for name in self.JSON_FIELDS:
            row[name] = json.dumps(row[name])
        return row

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> GradeRecord:
        data = dict(row)
        for name in cls.JSON_FIELDS:
            data[name] = json.loads(data[name])
        return cls(**data)


class ResultStore:
    def __init__(self, path: Path, timeout: float = 120.0):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses nothing committed
        self.db.executescript(SCHEMA)

    def register_grading(self, digest: str, info: dict[str, Any]) -> None:
        self.db.execute("INSERT OR IGNORE INTO gradings VALUES (?, ?, ?)", (digest, json.dumps(info), time.time()))

    def grading_info(self, digest: str) -> dict[str, Any]:
        row = self.db.execute("SELECT info FROM gradings WHERE digest = ?", (digest,)).fetchone()
        return json.loads(row["info"]) if row else {}

    def latest_digest(self) -> str | None:
        """The digest of the most recent grading that has results (what a merge reports on)."""
        row = self.db.execute(
            "SELECT g.digest FROM gradings g WHERE EXISTS (SELECT 1 FROM grades r WHERE r.digest = g.digest) "
            "ORDER BY g.created DESC LIMIT 1"
        ).fetchone()
        return row["digest"] if row else None

    def lookup(self, key: str, digest: str) -> GradeRecord | None:
        row = self.db.execute("SELECT * FROM grades WHERE key = ? AND digest = ?", (key, digest)).fetchone()
        return GradeRecord.from_row(row) if row else None

    def save(self, record: GradeRecord) -> None:
        row = record.row()
        names = ", ".join(row)
        marks = ", ".join(f":{n}" for n in row)
        self.db.execute(f"INSERT OR REPLACE INTO grades ({names}) VALUES ({marks})", row)

    def save_all(self, records: Iterable[GradeRecord]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                self.save(record)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def records(self, digest: str) -> list[GradeRecord]:
        rows = self.db.execute("SELECT * FROM grades WHERE digest = ? ORDER BY key", (digest,)).fetchall()
        return [GradeRecord.from_row(r) for r in rows]

    def close(self) -> None:
        self.db.close()
