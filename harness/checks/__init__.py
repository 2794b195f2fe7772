"""Judge-side checks: one function per rubric entry, registered under the entry's id.

A check asks the worker (through ``CheckContext.call``) for the student's outputs on inputs it
chose, computes the expected values from the reference in this process, and returns one
``Finding`` per scored component (``forward``, ``backward``, ...). It never runs student code.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .base import CheckAbort, CheckContext, Finding

CheckFunction = Callable[[CheckContext], "list[Finding]"]
# One registry per assignment: the checks package (``harness.checks.hw2``) -> rubric id -> function,
# so an id of one assignment can never be served by another's function.
CHECKS: dict[str, dict[str, CheckFunction]] = {}


def checks_package(module: str) -> str:
    """The assignment's checks package a module belongs to (``harness.checks.hw2.part1`` ->
    ``harness.checks.hw2``); a module outside ``checks`` is its own package."""
    names = module.split(".")
    if "checks" in names[:-1]:
        return ".".join(names[: names.index("checks") + 2])
    return module


def check(check_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``fn`` as the implementation of rubric entry ``check_id`` of its assignment.

    ``check_id`` may be a glob (``"written.*"``): one function then serves every matching entry
    (it reads ``ctx.check_id``), so such entries are added by editing the rubric alone.
    """

    def register(fn: CheckFunction) -> CheckFunction:
        own = CHECKS.setdefault(checks_package(fn.__module__), {})
        old = own.get(check_id)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"two checks registered as {check_id!r}: {old.__qualname__} and {fn.__qualname__}")
        own[check_id] = fn
        return fn

    return register


def load_checks(module: str) -> dict[str, CheckFunction]:
    """The checks of the assignment whose package is ``module``: every module of the package is
    imported (importing registers), so a new part's module needs no list to be added to."""
    package = importlib.import_module(module)
    for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
        importlib.import_module(f"{module}.{info.name}")
    return dict(CHECKS.get(module, {}))


def declared_checks(module: str) -> list[str]:
    """The ids (or globs) that the modules of package ``module`` register with a literal
    ``@check("...")``, read from their source without importing them: the batch controller grades
    nothing, so it validates the rubric this way instead of loading torch and every check."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return []
    folder = Path(spec.origin).parent
    return [
        cid
        for path in sorted(folder.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for cid in decorated_check_ids(node)
    ]


def decorated_check_ids(node: ast.AST) -> list[str]:
    """The literal ids of the ``@check("...")`` decorators on ``node`` (none unless it is a function)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    return [
        str(dec.args[0].value)
        for dec in node.decorator_list
        if isinstance(dec, ast.Call)
        and getattr(dec.func, "id", getattr(dec.func, "attr", None)) == "check"
        and dec.args
        and isinstance(dec.args[0], ast.Constant)
        and isinstance(dec.args[0].value, str)
    ]


def unmatched(check_ids: Iterable[str], registered: Iterable[str]) -> list[str]:
    """The ids that no registration (an exact id or a glob) serves."""
    registered = list(registered)
    return [c for c in check_ids if not any(fnmatch.fnmatchcase(c, r) for r in registered)]


def find_check(functions: dict[str, CheckFunction], check_id: str) -> CheckFunction | None:
    """The function registered for ``check_id``: an exact registration first, else a matching glob."""
    if check_id in functions:
        return functions[check_id]
    for pattern, fn in functions.items():
        if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(check_id, pattern):
            return fn
    return None


__all__ = [
    "CHECKS",
    "CheckAbort",
    "CheckContext",
    "Finding",
    "check",
    "checks_package",
    "declared_checks",
    "decorated_check_ids",
    "find_check",
    "load_checks",
    "unmatched",
]
