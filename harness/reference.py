"""Load the answer key into the JUDGE's process (never into a worker).

The reference lives in ``<repo>/reference/<assignment>/`` and is not installed as a package of
the distribution, so a submission cannot import it; the judge adds the checkout's root to its
own ``sys.path`` only. The course support package ``cs236781`` (harness/courseware) is shared
with the worker because it is course infrastructure, not answers.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from .paths import CHECKOUT, COURSEWARE, REFERENCE


class ReferenceMissing(Exception):
    pass


class ReferenceKey:
    """``key.layers`` is ``reference.<assignment>.layers``, imported on first use: Part 1 needs
    only the layers, and the CNN/experiment modules pull in torchvision and scikit-learn."""

    def __init__(self, assignment: str):
        self.assignment = assignment

    def __getattr__(self, module: str) -> ModuleType:
        if module.startswith("__"):
            raise AttributeError(module)
        return importlib.import_module(f"reference.{self.assignment}.{module}")


def load(assignment: str) -> ReferenceKey:
    """The answer key of ``assignment``, importable in this (the judge's) process only."""
    if not (REFERENCE / assignment).is_dir():
        raise ReferenceMissing(f"no answer key for {assignment!r} under {REFERENCE}")
    for path in (str(COURSEWARE), str(CHECKOUT)):
        if path not in sys.path:
            sys.path.append(path)
    importlib.import_module(f"reference.{assignment}")
    return ReferenceKey(assignment)
