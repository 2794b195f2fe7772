"""Preflight: import each graded module of a submission once, before any check, under its own limit.

A module that raises at import (a SyntaxError, a NameError at top level) or never finishes importing
(an endless loop, a training run, a long sleep at module level) is found here, once, and becomes
one line at the top of the reports ("hw2/layers.py:41: SyntaxError: invalid syntax"). From then on
the worker refuses to import it (``probes.server.REFUSED``, also handed to every later worker), so
each check that needs it fails at once with a pointer, and checks of the other modules still run:
a broken ``cnn.py`` costs Part 4, not Part 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import is_regular_file
from .sandbox import StudentError, WorkerFailure

# faulthandler's dump of a stuck import, written by the worker just before the judge kills it
_DUMP_START = "Timeout ("
_FRAME = re.compile(r'File "(?P<file>[^"]*)", line (?P<line>\d+) in (?P<function>\S+)')


@dataclass(frozen=True)
class ImportProblem:
    module: str
    line: str  # what the reports say: "hw2/layers.py:41: SyntaxError: invalid syntax"
    kind: str  # "raised" | "timeout" | "crashed" | "budget"

    @property
    def pointer(self) -> str:
        """What each check that needs the module says of it: where, not the whole line again (the
        skeleton's own NotImplementedError is named, it is the usual cause)."""
        at = self.line.split(": ", 1)[0] if re.match(r"^[\w./-]+:\d+: ", self.line) else ""
        if "not implemented yet" in self.line:
            return f"not implemented yet, {at}" if at else "not implemented yet"
        return f"{at}; see the top of the report" if at else "see the top of the report"


def summary_lines(problems: dict[str, ImportProblem]) -> list[str]:
    """One line per cause (a broken module imported by others is one cause), naming what it blocks."""
    by_cause: dict[str, list[str]] = {}
    for problem in problems.values():
        if problem.kind != "budget":
            by_cause.setdefault(problem.line, []).append(problem.module)
    return [
        f"{line} (not imported, so the checks that need it were not run: {', '.join(modules)})"
        for line, modules in by_cause.items()
    ]


def modules_to_import(rubric: Any, staged: Path) -> list[str]:
    """The modules the rubric's checks grade (their ``locate`` files) that the staged copy holds,
    the package itself first: ``["hw2", "hw2.layers", "hw2.training", ...]``."""
    modules: list[str] = []
    package = rubric.submission.package
    if package and is_regular_file(staged / package / "__init__.py"):
        modules.append(package)
    for spec in rubric.checks:
        file = spec.locate.split(":", 1)[0]
        if not file.endswith(".py") or not is_regular_file(staged / file):
            continue
        module = file[: -len(".py")].replace("/", ".")
        if module not in modules:
            modules.append(module)
    return modules


def preflight(worker: Any, modules: list[str], limit: float, staged: Path) -> dict[str, ImportProblem]:
    """Import ``modules`` one at a time in ``worker``; the broken ones, each with its line.
    A module below a broken one is not tried (the worker refuses it: it would fail the same way)."""
    problems: dict[str, ImportProblem] = {}
    for module in modules:
        if any(module == m or module.startswith(m + ".") for m in problems):
            continue
        try:
            _import(worker, module, limit)
            continue
        except StudentError as exc:
            if exc.info.get("refused_module"):  # it imports a module found broken earlier
                continue
            problem = ImportProblem(module, _raised_line(module, exc.info), "raised")
        except WorkerFailure as exc:
            if exc.kind == "startup":  # the worker itself did not start: not this module's doing; the checks retry
                break
            if exc.kind == "budget":
                problems[module] = ImportProblem(module, f"importing {module}: {exc}", "budget")
                break
            problem = _stopped(module, exc, worker.output(), staged, limit)
        problems[module] = problem
        worker.refuse(module, problem.line)
    return problems


def _import(worker: Any, module: str, limit: float) -> None:
    """One import; an import that killed the worker is tried once more in a fresh one: a crash that does not
    repeat (a signal from the machine, two OpenMP runtimes racing at load) is not the student's to pay for."""
    for attempt in (1, 2):
        try:
            worker.call("preflight_import", timeout=limit, module=module, dump_after=max(0.5, limit - 3))
            return
        except WorkerFailure as exc:
            if exc.kind != "crashed" or attempt == 2:
                raise


def _raised_line(module: str, info: dict) -> str:
    kind, message = info.get("type", "Error"), (info.get("message") or "").strip().splitlines()
    text = f"{kind}: {message[0][:200]}" if message else kind
    if kind == "NotImplementedError" and not message:  # a skeleton's top-level TODO (2022's YourCNN body)
        text = "not implemented yet: the skeleton's NotImplementedError is still raised when the module is imported"
    where = info.get("where") or ""
    if where and info.get("in_student_code"):
        if kind in ("SyntaxError", "IndentationError", "TabError"):  # where: "file:line: the line's code"
            at, _, code = where.partition(": ")
            return f"{at}: {text}" + (f": {code.strip()[:120]}" if code.strip() else "")
        return f"{where.split(' in ', 1)[0]}: {text}"
    return f"importing {module}: {text}"


def _stopped(module: str, exc: WorkerFailure, output: str, staged: Path, limit: float) -> ImportProblem:
    if exc.kind != "timeout":
        return ImportProblem(module, f"importing {module} stopped the worker: {exc}", "crashed")
    text = f"importing {module} did not finish within {limit:g} s"
    stuck = stuck_at(output, staged)
    return ImportProblem(module, f"{stuck}: {text} (it was still running this line)" if stuck else text, "timeout")


def stuck_at(output: str, staged: Path) -> str | None:
    """``hw2/layers.py:5``: the innermost line of the submission in the worker's last stack dump."""
    start = output.rfind(_DUMP_START)
    if start < 0:
        return None
    for match in _FRAME.finditer(output[start : start + 20000]):  # most recent call first
        rel = _relative(match["file"], staged)
        if rel is not None:
            return f"{rel}:{match['line']}"
    return None


def _relative(file: str, staged: Path) -> str | None:
    marker = f"/{staged.name}/"  # the copy's folder; inside a sandbox it may sit at another path
    if marker not in file:
        return None
    rel = file.rsplit(marker, 1)[1]
    return rel if rel and ".." not in rel.split("/") else None
