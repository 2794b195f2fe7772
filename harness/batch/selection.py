"""What a batch grades with: the checks picked by ``-k`` and the digest that keys stored results.

In batch mode the pytest items are submissions, so ``-k`` cannot deselect checks the usual way.
It is read here instead and matched against each check's names exactly as pytest matches an item
of a ``--submission`` run (its id and its rubric file's name, case-insensitive substrings), so
``-k part1`` grades the same checks in both modes and gives the same scores.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark import KeywordMatcher  # pytest's own -k matcher (not public API; stable since pytest 7)
from _pytest.mark.expression import Expression

from ..grading import GradingOptions
from ..rubric import CheckSpec, Rubric

HARNESS = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("checks", "probes", "sandbox")  # judge and worker code whose change can change a grade
CODE_FILES = ("scoring.py", "compare.py", "grading.py")


def select_checks(rubric: Rubric, expression: str) -> list[CheckSpec]:
    """The rubric's checks that ``expression`` (pytest -k syntax) selects; all of them when empty."""
    if not expression:
        return list(rubric.checks)
    try:
        compiled = Expression.compile(expression)
    except SyntaxError as exc:
        raise pytest.UsageError(f"Wrong expression passed to '-k': {expression}: {exc}") from None
    return [c for c in rubric.checks if compiled.evaluate(KeywordMatcher({c.id, rubric.path.name}))]


def grading_digest(rubric: Rubric, checks: list[CheckSpec], options: GradingOptions) -> str:
    """Equal digests, equal grades for equal content: what a stored result is reused under."""
    h = hashlib.sha256()
    h.update(json.dumps({
        "rubric": rubric.digest,
        "checks": [c.id for c in checks],
        "seed": options.seed,
        "call_timeout": options.call_timeout,
        "data": str(options.data_dir) if options.data_dir else None,
    }, sort_keys=True).encode())
    for path in _code_files(rubric):
        h.update(f"\0{path.relative_to(HARNESS.parent).as_posix()}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


def _code_files(rubric: Rubric) -> list[Path]:
    files = [HARNESS / name for name in CODE_FILES]
    for folder in CODE_FOLDERS:
        files += (HARNESS / folder).rglob("*.py")
    files += (HARNESS.parent / "reference" / rubric.name).rglob("*.py")
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts)


def grading_info(rubric: Rubric, checks: list[CheckSpec], options: GradingOptions, expression: str) -> dict[str, Any]:
    """What the class report needs to know about the grading, stored beside the results."""
    parts = {c.part for c in checks}
    return {
        "name": rubric.name,
        "title": rubric.title,
        "parts": {p: t for p, t in rubric.parts.items() if p in parts},
        "checks": [{"id": c.id, "part": c.part, "title": c.title, "points": c.points, "manual": c.manual}
                   for c in checks],
        "selection": expression,
        "seed": options.seed,
        "call_timeout": options.call_timeout,
    }
