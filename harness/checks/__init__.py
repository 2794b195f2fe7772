"""Judge-side checks: one function per rubric entry, registered under the entry's id.

A check asks the worker (through ``CheckContext.call``) for the student's outputs on inputs it
chose, computes the expected values from the reference in this process, and returns one
``Finding`` per scored component (``forward``, ``backward``, ...). It never runs student code.
"""

from __future__ import annotations

import fnmatch
import importlib
from typing import Callable

from .base import CheckAbort, CheckContext, Finding

CheckFunction = Callable[[CheckContext], "list[Finding]"]
CHECKS: dict[str, CheckFunction] = {}


def check(check_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``fn`` as the implementation of rubric entry ``check_id``.

    ``check_id`` may be a glob (``"written.*"``): one function then serves every matching entry
    (it reads ``ctx.check_id``), so such entries are added by editing the rubric alone.
    """

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


def find_check(functions: dict[str, CheckFunction], check_id: str) -> CheckFunction | None:
    """The function registered for ``check_id``: an exact registration first, else a matching glob."""
    if check_id in functions:
        return functions[check_id]
    for pattern, fn in functions.items():
        if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(check_id, pattern):
            return fn
    return None


__all__ = ["CHECKS", "CheckAbort", "CheckContext", "Finding", "check", "find_check", "load_checks"]
