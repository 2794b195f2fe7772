"""Where things are in a checkout of this project, and whether it is a student kit.

The one low-level module for locations: anything may import it, it imports nothing of the harness,
so no module has to reach up into ``kit/`` or count ``parents`` to find the checkout.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

HARNESS = Path(__file__).resolve().parent
CHECKOUT = HARNESS.parent  # in an installed kit: the folder holding the harness package
RUBRICS = CHECKOUT / "rubrics"
REFERENCE = CHECKOUT / "reference"
SUBMISSIONS = CHECKOUT / "submissions"
COURSEWARE = HARNESS / "courseware"
PROBES = HARNESS / "probes"
BOUNDARY = HARNESS / "boundary"

# The student kit (``python -m harness.kit build``) marks itself with KIT.toml and carries its own
# rubrics and recorded expected values next to it.
KIT = HARNESS / "kit"
KIT_MARKER = KIT / "KIT.toml"
KIT_RUBRICS = KIT / "rubrics"


def in_kit() -> bool:
    return KIT_MARKER.exists()


def kit_info() -> dict:
    """What KIT.toml says (empty outside a kit)."""
    return tomllib.loads(KIT_MARKER.read_text(encoding="utf-8")) if in_kit() else {}


def rubrics_dir() -> Path:
    return KIT_RUBRICS if in_kit() else RUBRICS


def expected_store_path(assignment: str) -> Path:
    """A kit's recorded expected values of ``assignment`` (the answer key's outputs, never its code)."""
    return KIT / f"expected-{assignment}.bin"
