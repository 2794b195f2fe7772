"""The command every benchmark runs the grader with: this interpreter's pytest, quiet, no cache."""

from __future__ import annotations

import sys

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
