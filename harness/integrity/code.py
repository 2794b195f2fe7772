"""A student's code as text, for the integrity signals: read judge-side, never executed.

The batch writes one snapshot per graded entry beside its report (``code.json``): the .py files of
the assignment's package and its module file (a notebook's code cells joined). The class report's
similarity section is built from these, so a merged class (SLURM shards) and a class whose
results were reused need no second pass over the submissions. Everything is bounded: a file over
``MAX_FILE_CHARS`` is cut, and a snapshot holds at most ``MAX_FILES`` files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..notebook import NotebookError, cells_of
from ..submission import MAX_DEPTH, Submission, files_below

SNAPSHOT = "code.json"
MAX_FILE_CHARS = 200_000
MAX_FILES = 64
FORMAT = 1


def code_of(submission: Submission) -> dict[str, str]:
    """Relative path -> text of what the student wrote for this assignment (package and module)."""
    files: dict[str, str] = {}
    if submission.package:
        top = submission.root / submission.package
        for path in files_below(top, (".py",), MAX_DEPTH):
            files[path.relative_to(submission.root).as_posix()] = _read(path)
    if submission.module_file is not None:
        try:
            cells = cells_of(submission.module_file)
        except (NotebookError, OSError):
            cells = []
        files[submission.module_file.name] = "\n\n".join(cells)[:MAX_FILE_CHARS]
    return dict(list(files.items())[:MAX_FILES])


def folder_code(top: Path) -> dict[str, str]:
    """Every .py file below ``top`` (a skeleton, a support package), relative to ``top``."""
    return {p.relative_to(top).as_posix(): _read(p) for p in files_below(top, (".py",), MAX_DEPTH)[:MAX_FILES]}


def _read(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return f.read(MAX_FILE_CHARS)
    except OSError:
        return ""


def write_snapshot(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": FORMAT, "files": files}), encoding="utf-8")


def read_snapshot(path: Path) -> dict[str, str] | None:
    """The files of a snapshot, or None where there is none (or it is not one this code wrote)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    files = {str(name)[:300]: text[:MAX_FILE_CHARS] for name, text in data["files"].items() if isinstance(text, str)}
    return dict(list(files.items())[:MAX_FILES])
