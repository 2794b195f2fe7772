"""Where things are in a checkout of this project (one place, imported by anything, importing nothing)."""

from __future__ import annotations

from pathlib import Path

HARNESS = Path(__file__).resolve().parent
CHECKOUT = HARNESS.parent  # in an installed kit: the folder holding the harness package
RUBRICS = CHECKOUT / "rubrics"
REFERENCE = CHECKOUT / "reference"
SUBMISSIONS = CHECKOUT / "submissions"
