"""What a batch grades with: the checks picked by ``-k`` and the digest that keys stored results.

In batch mode the pytest items are submissions, so ``-k`` cannot deselect checks the usual way.
It is read here instead and matched against each check's names exactly as pytest matches an item
of a ``--submission`` run (its id and its rubric file's name, case-insensitive substrings), so
``-k part1`` grades the same checks in both modes and gives the same scores.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark import KeywordMatcher  # pytest's own -k matcher (not public API; stable since pytest 7)
from _pytest.mark.expression import Expression

from ..grading import GradingOptions
from ..paths import CHECKOUT as REPO
from ..rubric import CheckSpec, Rubric
from ..sandbox import math_mode

# What only renders or files results (a change there cannot change a grade); all else in harness/ can.
RENDERING_ONLY = (
    "report/",
    "batch/templates/",
    "batch/classreport.py",
    "batch/gradebook.py",
    "batch/merge.py",
    "batch/progress.py",
    "batch/outputs.py",
    "kit/templates/",
)
VERSIONED = ("torch", "torchvision", "numpy")  # libraries whose numbers are the grade's numbers


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
    """Equal digests, equal grades for equal content: what a stored result is reused under. It covers
    the rubric and its offering, the options that decide a grade, every file the judge or the worker
    runs (``judge_files``), the answer key, and the versions of Python and the numeric libraries."""
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "rubric": rubric.digest,
                "checks": [c.id for c in checks],
                "seed": options.seed,
                "call_timeout": options.call_timeout,
                "budget": options.budget(rubric),
                "threads": options.threads,
                "sandbox": options.sandbox,
                "max_file_bytes": options.max_file_bytes,
                "data": str(options.data_dir) if options.data_dir else None,
                "math": math_mode.settings(),  # the kernel caps, not the CPU: capped, every x86-64 CPU gives one grade
                "versions": library_versions(),
            },
            sort_keys=True,
        ).encode()
    )
    h.update(code_digest(rubric.name).encode())
    return h.hexdigest()[:32]


def code_digest(assignment: str, repo: Path = REPO) -> str:
    """A hash of ``judge_files`` under ``repo``: names and bytes."""
    h = hashlib.sha256()
    for path in judge_files(assignment, repo):
        h.update(f"\0{path.relative_to(repo).as_posix()}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def judge_files(assignment: str, repo: Path = REPO) -> list[Path]:
    """Every file of ``harness/`` but those that only render reports, and the assignment's answer key."""
    harness = repo / "harness"
    files = [p for p in harness.rglob("*") if not p.relative_to(harness).as_posix().startswith(RENDERING_ONLY)]
    files += (repo / "reference" / assignment).rglob("*")
    files.append(repo / "reference" / "__init__.py")
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def library_versions() -> dict[str, str]:
    """Python's and the numeric libraries' versions (read from their metadata: nothing is imported)."""
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def grading_info(rubric: Rubric, checks: list[CheckSpec], options: GradingOptions, expression: str) -> dict[str, Any]:
    """What the class report needs to know about the grading, stored beside the results."""
    parts = {c.part for c in checks}
    return {
        "name": rubric.name,
        "title": rubric.title,
        "parts": {p: t for p, t in rubric.parts.items() if p in parts},
        "checks": [
            {"id": c.id, "part": c.part, "title": c.title, "points": c.points, "manual": c.manual} for c in checks
        ],
        "selection": expression,
        "seed": options.seed,
        "call_timeout": options.call_timeout,
    }
