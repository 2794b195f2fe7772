"""The student kit: the grader without the answer key, for checks in a student's own repository.

``python -m harness.kit build --assignment hw2 --out DIR`` (``build.py``) makes it: the harness,
the rubric's visible checks and the expected values those checks need, recorded from the answer
key ahead of time. In a kit, ``harness/kit/KIT.toml`` exists and every expected value comes from
``harness/kit/expected-<assignment>.bin``.
"""

from __future__ import annotations

from pathlib import Path

KIT_DIR = Path(__file__).resolve().parent
MARKER = KIT_DIR / "KIT.toml"
KIT_RUBRICS = KIT_DIR / "rubrics"


def expected_store_path(assignment: str) -> Path:
    return KIT_DIR / f"expected-{assignment}.bin"


def in_kit() -> bool:
    return MARKER.exists()
