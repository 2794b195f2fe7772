"""Find the graded code inside what was handed in, detect its skeleton year, stage a copy.

An assignment's ``Contract`` (its rubric's ``[assignment.submission]``) says what is graded:
a package folder (hw2's ``hw2/``, the Edinburgh lab's ``mlp/``), a single module handed in as a
``.py`` file or a notebook (the tutorials), or both (the lab's notebook beside its package).
Only that is graded: the course's own ``cs236781/``, ``tests/``, ``results/``,
``.ipynb_checkpoints/`` and caches are left behind. The judge reads the student's files as text
here (for detection, and to keep a notebook's definitions); it never imports or executes them.
"""

from __future__ import annotations

import functools
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from .files import Walk, copy_tree

SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git", "results", "node_modules"}
MAX_DEPTH = 4


class SubmissionError(Exception):
    """What was handed in cannot be graded; the message says what was expected."""


MODULE_SUFFIXES = (".py", ".ipynb")
MAX_MODULE_BYTES = 64 * 1024**2  # a notebook with its outputs can be large; larger files are not read


@dataclass(frozen=True)
class Contract:
    """What an assignment's submission holds (``[assignment.submission]`` of its rubric)."""

    package: str | None = None  # a folder of .py files graded as a package ("hw2", "mlp")
    module: str | None = None  # the name a single .py / .ipynb file is graded as ("tutorial4")
    defines: tuple[str, ...] = ()  # top-level names that recognise that file
    module_optional: bool = False  # a package assignment whose module (the lab's notebook) may be absent

    def describe(self) -> str:
        what = []
        if self.package:
            what.append(f"a '{self.package}' package (a folder '{self.package}/' with .py files)")
        if self.module and not self.module_optional:
            what.append(f"a .py or .ipynb file defining {', '.join(self.defines)}")
        return " and ".join(what)


@dataclass(frozen=True)
class Submission:
    source: Path  # the path given on the command line
    root: Path  # the folder that holds the package (or the module file)
    package: str | None
    version: str  # skeleton version, e.g. "v2022S" or "v2023+" ("" where an assignment has none)
    module: str | None = None  # the name the module file is graded as
    module_file: Path | None = None  # the .py / .ipynb found for it
    match: float = 1.0  # how well it fits the contract (share of ``defines`` found): picks the assignment

    @property
    def name(self) -> str:
        return self.source.name or str(self.source)

    @property
    def graded(self) -> str:
        """What is graded, for headers: "package 'hw2'", "tutorial4.ipynb"."""
        parts = [f"package '{self.package}'"] if self.package else []
        if self.module_file is not None:
            parts.append(self.module_file.name)
        return " + ".join(parts) or "nothing"


def locate(path: Path, contract: Contract | str) -> Submission:
    """The submission at ``path`` for ``contract`` (a bare name is a package contract, as hw2's)."""
    if isinstance(contract, str):
        contract = Contract(package=contract)
    if not path.exists():
        raise SubmissionError(f"--submission={path}: no such file or directory (expected {contract.describe()})")
    if contract.package is None:
        return _locate_module(path, contract, required=True)
    package = contract.package
    if not path.is_dir():
        raise SubmissionError(f"--submission={path}: is a file; expected a folder holding a '{package}' package")
    candidates = _find_packages(path.resolve(), package)
    if not candidates:
        raise SubmissionError(
            f"--submission={path}: no '{package}' package found (a folder '{package}/' with .py files)"
        )
    root = min(candidates, key=lambda p: (len(p.parts), str(p)))
    version = detect_version(root / package) if package == "hw2" else ""
    sub = Submission(source=path, root=root, package=package, version=version)
    if contract.module:
        found = _locate_module(path, contract, required=not contract.module_optional, skip=root / package)
        if found.module_file is not None:
            sub = replace(sub, module=contract.module, module_file=found.module_file)
    return sub


def _locate_module(path: Path, contract: Contract, required: bool, skip: Path | None = None) -> Submission:
    """The .py / .ipynb file (``path`` itself, or under it) that defines most of ``contract.defines``."""
    from .notebook import defined_names

    files = [path] if path.is_file() else _module_files(path.resolve(), skip)
    best: tuple[float, int, str] | None = None
    chosen: Path | None = None
    for file in files:
        if file.suffix not in MODULE_SUFFIXES or file.stat().st_size > MAX_MODULE_BYTES:
            continue
        names = defined_names(file)
        share = len(names & set(contract.defines)) / max(1, len(contract.defines))
        key = (-share, len(file.parts), str(file))
        if share > 0 and (best is None or key < best):
            best, chosen = key, file
    if chosen is None:
        if required:
            kind = (
                "is not a .py or .ipynb file"
                if path.is_file() and path.suffix not in MODULE_SUFFIXES
                else f"no .py or .ipynb file defining any of {', '.join(contract.defines)}"
            )
            raise SubmissionError(f"--submission={path}: {kind} (expected {contract.describe()})")
        return Submission(source=path, root=path if path.is_dir() else path.parent, package=None, version="", match=0.0)
    return Submission(
        source=path,
        root=chosen.parent,
        package=None,
        version="",
        module=contract.module,
        module_file=chosen,
        match=-best[0] if best is not None else 0.0,
    )


def _module_files(top: Path, skip: Path | None) -> list[Path]:
    return files_below(top, MODULE_SUFFIXES, MAX_DEPTH, skip)


def files_below(top: Path, suffixes: tuple[str, ...], depth: int, skip: Path | None = None) -> list[Path]:
    """Regular files (no links, FIFOs or devices) ending in ``suffixes``, ``depth`` folder levels
    below ``top`` at most, past hidden folders, caches and ``skip`` (harness/files.py's bounded walk)."""

    def pruned(path: Path, info: os.stat_result) -> bool:
        return path.name.startswith(".") or path.name in SKIP_DIRS or path == skip or stat.S_ISLNK(info.st_mode)

    return sorted(
        (
            path
            for path, info in Walk(top, max_depth=depth, prune=pruned)
            if stat.S_ISREG(info.st_mode) and path.suffix in suffixes
        ),
        key=lambda p: (len(p.parts), str(p)),
    )


def _find_packages(top: Path, package: str) -> list[Path]:
    # the package folder itself; but the course hands out hw2/ holding the hw2/ package beside its own
    # scripts (main.py): a folder of that name with the package inside is the submission's root
    if top.name == package and any(top.glob("*.py")) and not _holds_package(top, package):
        return [top.parent]
    found = []
    frontier = [top]
    for _ in range(MAX_DEPTH):
        nxt = []
        for folder in frontier:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            for child in children:
                if child.name in SKIP_DIRS or child.name.startswith("."):
                    continue
                if child.name == package and any(child.glob("*.py")) and not _holds_package(child, package):
                    found.append(folder)
                else:
                    nxt.append(child)
        if found:
            return found
        frontier = nxt
    return found


def _holds_package(folder: Path, package: str) -> bool:
    inner = folder / package
    return inner.is_dir() and not inner.is_symlink() and any(inner.glob("*.py"))


def detect_version(package_dir: Path) -> str:
    """CS236781 HW2 skeletons: 2022 spring has cnn.YourCNN; 2023-2025 do not."""
    cnn = package_dir / "cnn.py"
    try:
        if not stat.S_ISREG(cnn.lstat().st_mode) or cnn.stat().st_size > MAX_MODULE_BYTES:
            return "unknown"  # a FIFO or device would block the judge: never read
        text = cnn.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    return "v2022S" if "class YourCNN" in text else "v2023+"


@dataclass(frozen=True)
class Staged:
    """The worker's copy of a submission, and what was left out of it that the report names."""

    path: Path
    left_out: tuple[str, ...] = ()


def stage(sub: Submission, scratch: Path, max_file_bytes: int | None = None) -> Staged:
    """Copy the package, and the module's definitions as ``<module>.py``, into ``scratch/submission``
    (the worker's working directory).

    Only folders and regular files are copied (harness/files.py: links, named pipes and devices are
    left out and named), within a depth and count bound. Files larger than ``max_file_bytes`` (when
    given) are left behind without being read. A module file (notebook or script) is staged as its
    definitions only (harness/notebook.py): its top-level training runs, downloads and plots never run.
    """
    dest = scratch / "submission"
    dest.mkdir(parents=True, exist_ok=True)
    left: list[str] = []
    if sub.package:
        skip = functools.partial(_skipped, max_file_bytes=max_file_bytes)
        left = copy_tree(sub.root / sub.package, dest / sub.package, skip)
    if sub.module and sub.module_file is not None:
        from .notebook import converted

        (dest / f"{sub.module}.py").write_text(converted(sub.module_file).source, encoding="utf-8")
    return Staged(dest, tuple(left))


def _skipped(path: Path, info: os.stat_result, max_file_bytes: int | None = None) -> bool:
    """Caches, checkpoints and compiled files, and files over ``max_file_bytes``: left out silently."""
    if path.name in SKIP_DIRS or path.name.endswith(".pyc"):
        return True
    return max_file_bytes is not None and stat.S_ISREG(info.st_mode) and info.st_size > max_file_bytes
