"""Judge-side checks: one function per rubric entry, registered under the entry's id.

A check asks the worker (through ``CheckContext.call``) for the student's outputs on inputs it
chose, computes the expected values from the reference in this process, and returns one
``Finding`` per scored component (``forward``, ``backward``, ...). It never runs student code.
"""

from __future__ import annotations

import importlib
from typing import Callable

from .base import CheckAbort, CheckContext, Finding

CheckFunction = Callable[[CheckContext], "list[Finding]"]
CHECKS: dict[str, CheckFunction] = {}


def check(check_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``fn`` as the implementation of rubric entry ``check_id``."""

    def register(fn: CheckFunction) -> CheckFunction:
        old = CHECKS.get(check_id)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"two checks registered as {check_id!r}: {old.__qualname__} and {fn.__qualname__}")
        CHECKS[check_id] = fn
        return fn

    return register


def load_checks(module: str) -> dict[str, CheckFunction]:
    importlib.import_module(module)
    return CHECKS


__all__ = ["CHECKS", "CheckAbort", "CheckContext", "Finding", "check", "load_checks"]
