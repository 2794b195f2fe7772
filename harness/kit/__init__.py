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


def scope_line(rubric: "object", here: float) -> str | None:
    """In a kit: "This kit checks 108 of the 122 automatic points of your grade; 14 more automatic points
    and the 60 points of written answers are graded by the course." (None elsewhere). ``here``: the
    maximum this run graded for points."""
    if not in_kit():
        return None
    import tomllib

    info = tomllib.loads(MARKER.read_text(encoding="utf-8"))
    offering = getattr(getattr(rubric, "offering", None), "offering", None)
    scope = info.get("scope", {})
    whole = scope.get(offering.name if offering is not None else "", scope.get(""))
    if not whole:
        return None
    rest = whole["automatic"] - here
    later = ([f"{rest:g} more automatic points"] if rest > 0 else []) + (
        [f"the {whole['manual']:g} points of written answers"] if whole["manual"] else [])
    text = f"This kit checks {here:g} of the {whole['automatic']:g} automatic points of your grade"
    if later:
        text += "; " + " and ".join(later) + " are graded by the course"
    return text + "."
