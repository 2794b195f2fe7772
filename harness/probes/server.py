"""The worker's request loop: read a request frame, run one probe, write one reply frame.

Every failure of student code (an exception, ``sys.exit``, a wrong return type) becomes a
structured error reply naming the student's own frame. Anything the student does to this
process (patching torch, printing, exiting) can only change what this process replies; the
judge validates every reply and computes expected values itself.
"""

from __future__ import annotations

import faulthandler
import importlib
import linecache
import os
import platform
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from ..boundary.wire import PeerClosed, read_frame, write_frame
from . import adapter, compat, shortcuts

PROBES: dict[str, Callable[..., Any]] = {}
PARENT = __name__.split(".")[0]  # "harness" in the judge's process, boot.py's own name in a worker
_STATE: dict[str, Any] = {"submission": os.getcwd(), "seed": 0}


def submission_dir() -> str:
    return _STATE["submission"]


def current_seed() -> int:
    """The seed of the request being served (probes that must re-seed mid-way use it)."""
    return _STATE["seed"]


MAX_MESSAGE = 2000


def probe(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function the judge may call by ``name``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        PROBES[name] = fn
        return fn

    return register


class ProbeError(Exception):
    """A problem the probe found in the student's API (wrong type, wrong shape, missing name)."""


class ModuleRefused(ImportError):
    """A module of the submission the preflight found broken (it raised or never finished importing):
    refused at once instead of imported again, so each check that needs it fails in no time."""

    def __init__(self, module: str, reason: str):
        super().__init__(f"{module} does not import: {reason}")
        self.module, self.reason = module, reason


class _RefuseBroken:
    """A ``sys.meta_path`` finder that refuses the broken modules (and what is below a broken package)."""

    def __init__(self) -> None:
        self.broken: dict[str, str] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        for module, reason in self.broken.items():
            if fullname == module or fullname.startswith(module + "."):
                raise ModuleRefused(module, reason)
        return None


REFUSED = _RefuseBroken()


def serve(cfg: dict) -> None:
    import torch

    torch.set_num_threads(int(cfg.get("threads", 1)))
    submission = _STATE["submission"] = os.path.realpath(cfg["submission"])
    for module in cfg.get("probe_modules", []):  # named as in the rubric: "probes.hw2", under our parent
        importlib.import_module(f"{PARENT}.{module}")
    adapter.configure(cfg.get("adapter"))
    REFUSED.broken.update({str(k): str(v) for k, v in (cfg.get("broken_modules") or {}).items()})
    sys.meta_path.insert(0, REFUSED)
    req_fd, rep_fd = cfg["request_fd"], cfg["reply_fd"]
    write_frame(
        rep_fd,
        {
            "ok": True,
            "result": {
                "python": platform.python_version(),
                "torch": torch.__version__,
                "numpy": np.__version__,
                "cpu capability": str(torch.backends.cpu.get_cpu_capability()),  # the ATen kernels in use
                "pid": os.getpid(),
            },
        },
    )
    while True:
        try:
            request = read_frame(req_fd)
        except PeerClosed:
            return
        if request.get("op") == "exit":
            return
        reply = _handle(request, submission)
        reply["id"] = request.get("id")  # the judge pairs each reply with its request
        write_frame(rep_fd, reply)


def _handle(request: dict, submission: str) -> dict:
    name = request.get("probe")
    fn = PROBES.get(name)
    if fn is None:
        return {"ok": False, "error": {"type": "UnknownProbe", "message": f"no probe named {name!r}"}}
    _STATE["seed"] = int(request.get("seed", 0))
    _reset_global_state(_STATE["seed"])
    watch = shortcuts.watching(request.get("watch"), submission)  # the check's forbidden APIs, if any
    try:
        with watch:
            result = fn(**request.get("kwargs", {}))
        reply = {"ok": True, "result": to_plain(result), "compat": compat.applied()}
    except BaseException as exc:  # SystemExit/KeyboardInterrupt from student code too
        reply = {"ok": False, "error": describe_exception(exc, submission), "compat": compat.applied()}
    if getattr(watch, "seen", None):
        reply["shortcuts"] = watch.seen
    return reply


def _reset_global_state(seed: int) -> None:
    """Undo what an earlier probe (or the student) did to process-wide state, then seed."""
    import torch

    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def to_plain(value: Any) -> Any:
    """Tensors become numpy arrays; containers are walked; other values pass through."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


# harness/notebook.py writes these into a module it made from a notebook or script
GENERATED_HEADER = "# Generated by the grader from the definitions in "
CELL_MARKER = re.compile(r"^# --- cell (\d+), line (\d+)$")


def student_location(filename: str, lineno: int, submission: str) -> str:
    """``hw2/layers.py:12``, or for a staged notebook the student's own cell and line:
    ``tutorial4.ipynb, code cell 5, line 3`` (the staged module keeps their code line for line)."""
    rel = os.path.relpath(os.path.realpath(filename), submission)
    return location_in(linecache.getlines(filename), rel, lineno)


def location_in(lines: list[str], rel: str, lineno: int) -> str:
    """``student_location`` for a module's text (``rel``: its path in the submission)."""
    if not lines or not lines[0].startswith(GENERATED_HEADER) or lineno > len(lines):
        return f"{rel}:{lineno}"
    source = lines[0][len(GENERATED_HEADER) :].split(";", 1)[0]
    for index in range(lineno - 2, 0, -1):
        m = CELL_MARKER.match(lines[index].rstrip("\n"))
        if m:
            line = int(m.group(2)) + (lineno - index - 2)
            return f"{source}, code cell {m.group(1)}, line {line}" if source.endswith(".ipynb") else f"{source}:{line}"
    return f"{rel}:{lineno}"


def describe_exception(exc: BaseException, submission: str) -> dict:
    """Type, message and the student's own frames of an exception (never the harness's)."""
    frames = traceback.extract_tb(exc.__traceback__)
    student = [f for f in frames if os.path.realpath(f.filename).startswith(submission + os.sep)]
    where = None
    if student:
        last = student[-1]
        where = f"{student_location(last.filename, last.lineno, submission)} in {last.name}" + (
            f": {last.line.strip()}" if last.line else ""
        )
    if isinstance(exc, SyntaxError) and exc.filename:
        rel = os.path.relpath(os.path.realpath(exc.filename), submission)
        where = f"{rel}:{exc.lineno}: {(exc.text or '').strip()}"
    lines = []
    for f in student[-6:]:
        loc = student_location(f.filename, f.lineno, submission)
        lines.append(f"  {loc}, in {f.name}\n    {(f.line or '').strip()}")
    message = str(exc)
    return {
        "type": type(exc).__name__,
        "message": message[:MAX_MESSAGE],
        "where": where,
        "student_traceback": "\n".join(lines),
        "in_student_code": bool(student) or isinstance(exc, SyntaxError),
        "probe_error": isinstance(exc, ProbeError),
        **(
            {"refused_module": exc.module, "reason": exc.reason[:MAX_MESSAGE]} if isinstance(exc, ModuleRefused) else {}
        ),
    }


def import_student(module: str) -> Any:
    """Import a module of the submission, applying the compatibility shims it needs first. An
    older offering's module is found under its own name and seen with the probes' names
    (``adapter.py``)."""
    source = adapter.source_of(module)
    compat.prepare_for(source)
    return adapter.view(module, importlib.import_module(source))


@probe("preflight_import")
def preflight_import(module: str, dump_after: float = 0.0) -> dict:
    """Import one module of the submission before any check. One that raises is refused from then on
    (``REFUSED``); for one that never finishes, the stack is dumped to stderr ``dump_after`` seconds
    in, so the judge, which then kills this worker, can name the line the import was stuck on."""
    if dump_after > 0:
        faulthandler.dump_traceback_later(dump_after, exit=False)
    started = time.perf_counter()
    try:
        import_student(module)
    except BaseException as exc:
        if not isinstance(exc, ModuleRefused):
            REFUSED.broken[module] = f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]
        raise
    finally:
        faulthandler.cancel_dump_traceback_later()
    return {"seconds": time.perf_counter() - started}


@probe("inspect_package")
def inspect_package(package: str, modules: list) -> dict:
    """Which modules import, and which public names each defines (for version detection)."""
    report = {}
    for name in modules:
        full = f"{package}.{name}"
        try:
            mod = import_student(full)
            report[name] = {"ok": True, "names": sorted(n for n in vars(mod) if not n.startswith("_"))}
        except BaseException as exc:
            report[name] = {"ok": False, "error": describe_exception(exc, _STATE["submission"])}
    return report
