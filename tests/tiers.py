"""The test suite's two tiers, decided at collection (root conftest.py), never by hand.

A test is **slow** when it grades a whole submission or a class: it asks for a fixture that does
(``pytester``, the built kits, materialised cases, the red-team process lock), or its code reaches,
through the helpers of its own test package, a call that does (``grade``, ``run_batch``, a
``SubmissionGrader``, a student repository's workflow, a pytest run). Everything else is the fast
tier: ``pytest -m "not slow"``. Each tier has its per-test timeout (pytest-timeout, when installed).
"""

from __future__ import annotations

import types
from typing import Any

WHOLE_GRADING_FIXTURES = frozenset({"pytester", "kit", "other_kits", "cases", "marked_processes_alone"})
WHOLE_GRADING_CALLS = frozenset(
    {
        "grade",
        "run_batch",
        "SubmissionGrader",
        "student_repo",
        "grade_command",
        "runpytest",
        "runpytest_subprocess",
        "build_class",
        "graded_class",
    }
)
# string constants that start a grading run in a subprocess (pytest --submission(s)=..., the
# Gradescope bundle's run_autograder)
WHOLE_GRADING_ARGS = ("--submission", "run_autograder")
TIMEOUT_S = {"fast": 120, "slow": 1200}  # per test: a fast one past 2 minutes is a slow one


def _names(code: types.CodeType) -> set[str]:
    """The global and attribute names ``code`` uses, and a marker for a grading run's arguments."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
        elif isinstance(const, str) and const.startswith(WHOLE_GRADING_ARGS):
            names.add("grade")
    return names


def reaches_whole_grading(fn: Any, depth: int = 4, seen: set[int] | None = None) -> bool:
    """Whether ``fn`` calls a whole-grading entry point, directly or through helpers of the suite."""
    code = getattr(fn, "__code__", None)
    if code is None or depth < 0:
        return False
    seen = set() if seen is None else seen
    if id(code) in seen:
        return False
    seen.add(id(code))
    names = _names(code)
    if names & WHOLE_GRADING_CALLS:
        return True
    module_globals = getattr(fn, "__globals__", {})
    for name in names:
        helper = module_globals.get(name)
        if callable(helper) and getattr(helper, "__module__", "").startswith("tests."):
            target = helper.__init__ if isinstance(helper, type) else helper
            if reaches_whole_grading(target, depth - 1, seen):
                return True
    return False


def is_slow(item: Any) -> bool:
    if WHOLE_GRADING_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return reaches_whole_grading(getattr(item, "function", None))
