"""Find the graded package inside what was handed in, detect its skeleton year, stage a copy.

Only the package is graded: the course's own ``cs236781/``, notebooks, ``tests/``, ``results/``,
``.ipynb_checkpoints/`` and caches are left behind. The judge reads the student's files as text
here (for detection); it never imports or executes them.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git", "results", "node_modules"}
MAX_DEPTH = 4


class SubmissionError(Exception):
    """What was handed in cannot be graded; the message says what was expected."""


@dataclass(frozen=True)
class Submission:
    source: Path  # the path given on the command line
    root: Path  # the folder that holds the package
    package: str
    version: str  # skeleton version, e.g. "v2022S" or "v2023+"

    @property
    def name(self) -> str:
        return self.source.name or str(self.source)


def locate(path: Path, package: str) -> Submission:
    """The submission rooted at ``path``: the folder holding ``<package>/`` (searched a few levels down)."""
    if not path.exists():
        raise SubmissionError(f"--submission={path}: no such file or directory (expected a folder holding a '{package}' package)")
    if not path.is_dir():
        raise SubmissionError(f"--submission={path}: is a file; expected a folder holding a '{package}' package")
    candidates = _find_packages(path.resolve(), package)
    if not candidates:
        raise SubmissionError(f"--submission={path}: no '{package}' package found (a folder '{package}/' with .py files)")
    root = min(candidates, key=lambda p: (len(p.parts), str(p)))
    return Submission(source=path, root=root, package=package, version=detect_version(root / package))


def _find_packages(top: Path, package: str) -> list[Path]:
    if top.name == package and any(top.glob("*.py")):
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
                if child.name == package and any(child.glob("*.py")):
                    found.append(folder)
                else:
                    nxt.append(child)
        if found:
            return found
        frontier = nxt
    return found


def detect_version(package_dir: Path) -> str:
    """CS236781 HW2 skeletons: 2022 spring has cnn.YourCNN; 2023-2025 do not."""
    cnn = package_dir / "cnn.py"
    try:
        text = cnn.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    return "v2022S" if "class YourCNN" in text else "v2023+"


def stage(sub: Submission, scratch: Path, max_file_bytes: int | None = None) -> Path:
    """Copy the package alone into ``scratch/submission`` (the worker's working directory).

    Files larger than ``max_file_bytes`` (when given) are left behind without being read.
    """
    dest = scratch / "submission"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        sub.root / sub.package,
        dest / sub.package,
        ignore=functools.partial(_ignore, max_file_bytes=max_file_bytes),
    )
    return dest


def _ignore(folder: str, names: list[str], max_file_bytes: int | None = None) -> set[str]:
    """Skip caches, checkpoints, every symbolic link (a link could point anywhere), oversized files."""
    base = Path(folder)
    skipped = {n for n in names if n in SKIP_DIRS or n.endswith(".pyc") or (base / n).is_symlink()}
    if max_file_bytes is not None:
        skipped |= {n for n in names if (base / n).is_file() and (base / n).stat().st_size > max_file_bytes}
    return skipped
