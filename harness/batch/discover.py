"""Which submissions a class folder holds, and whose they are.

A class folder (``--submissions=DIR``) holds one entry per student: a sub-folder or a ``.zip``.
Gradescope's "Export Submissions" layout is recognised by its ``submission_metadata.yml``, which
names the student(s) of each ``submission_<n>/`` folder. Discovery only lists and stats: it never
opens a zip or reads a file's contents (besides the metadata), so it is cheap enough to run in
the controller and again in every xdist worker, which must all collect the same items.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..files import kind_of
from .plan import shard_of

METADATA = "submission_metadata.yml"
IGNORED = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", METADATA}


class DiscoveryError(Exception):
    """The class folder itself cannot be used (missing, a file, a single submission)."""


@dataclass(frozen=True)
class Entry:
    """One student's hand-in: what to grade, and who it belongs to."""

    key: str  # unique in the class: the entry's name inside DIR ("alice", "bob.zip", "submission_123")
    path: Path
    kind: str  # "folder" | "zip" | "module" (a lone .py / .ipynb) | "file"
    student_id: str
    student_name: str = ""
    email: str = ""
    problem: str = ""  # known before grading: why it will not be graded

    @property
    def slug(self) -> str:
        """A file-system-safe, unique folder name for this entry's reports."""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.key).lstrip(".") or "_"
        if safe != self.key:
            safe += "-" + hashlib.sha256(self.key.encode()).hexdigest()[:8]
        return safe


@dataclass
class ClassFolder:
    root: Path
    entries: list[Entry]
    notes: list[str] = field(default_factory=list)  # class-level remarks for the report
    layout: str = "folders"  # "folders" | "gradescope"


def discover(root: Path, package: str | None, max_bytes: int, exclude: Path | None = None) -> ClassFolder:
    """Every entry of ``root`` in name order; ``exclude`` (the output folder, if inside) is left out."""
    if not root.exists():
        raise DiscoveryError(f"--submissions={root}: no such directory")
    if not root.is_dir():
        raise DiscoveryError(
            f"--submissions={root}: is a file; expected a folder of submissions (sub-folders or .zip files)"
        )
    if package and (root / package).is_dir() and any((root / package).glob("*.py")):
        raise DiscoveryError(
            f"--submissions={root}: holds a '{package}' package itself, so it is one submission: "
            f"grade it with --submission={root}, or put each student's folder or zip inside it"
        )
    notes: list[str] = []
    meta: dict[str, dict[str, str]] = {}
    layout = "folders"
    if (root / METADATA).is_file():
        layout = "gradescope"
        try:
            meta = read_gradescope_metadata(root / METADATA)
        except ValueError as exc:
            notes.append(f"{METADATA} could not be read ({exc}); students are named by their folders")
    excluded = exclude.resolve() if exclude is not None else None
    entries = []
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        if child.name.startswith(".") or child.name in IGNORED:
            continue
        if excluded is not None and child.resolve() == excluded:
            continue
        entries.append(_entry(child, meta.get(child.name) or meta.get(_stem(child)) or {}, max_bytes))
    if not entries:
        notes.append(f"no submissions found in {root} (expected one sub-folder or .zip per student)")
    return ClassFolder(root, _flag_duplicates(entries), notes, layout)


def _stem(path: Path) -> str:
    return path.name[:-4] if path.name.lower().endswith(".zip") else path.name


def _entry(path: Path, who: dict[str, str], max_bytes: int) -> Entry:
    student = dict(
        student_id=who.get("sid") or _stem(path), student_name=who.get("name", ""), email=who.get("email", "")
    )
    if path.is_symlink():
        return Entry(path.name, path, "file", problem="a symbolic link: not followed", **student)
    if path.is_dir():
        return Entry(path.name, path, "folder", **student)
    suffix = path.suffix.lower()
    kind = "zip" if suffix == ".zip" else "module" if suffix in (".py", ".ipynb") else "file"
    try:
        info = path.lstat()
    except OSError as exc:
        return Entry(path.name, path, kind, problem=f"cannot be read: {exc.strerror}", **student)
    if not stat.S_ISREG(info.st_mode):  # a named pipe or a device would block whoever opens it
        return Entry(path.name, path, "file", problem=f"{kind_of(info.st_mode)}: not read", **student)
    size = info.st_size
    if kind == "file":
        return Entry(path.name, path, kind, problem="not a folder or a .zip file", **student)
    if kind == "module":
        student["student_id"] = who.get("sid") or path.stem
    if size > max_bytes:
        return Entry(
            path.name,
            path,
            kind,
            problem=f"{_size(size)}, over the {_size(max_bytes)} limit (--max-file-mb): not read",
            **student,
        )
    return Entry(path.name, path, kind, **student)


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def _flag_duplicates(entries: list[Entry]) -> list[Entry]:
    """Two entries claiming one student id: neither is graded, since either could be the right one."""
    claims: dict[str, list[str]] = {}
    for e in entries:
        claims.setdefault(e.student_id, []).append(e.key)
    out = []
    for e in entries:
        others = [k for k in claims[e.student_id] if k != e.key]
        if others and not e.problem:
            e = replace(
                e,
                problem=f"student id '{e.student_id}' is also claimed by {', '.join(others)}: "
                "keep one of them and grade again",
            )
        out.append(e)
    return out


def read_gradescope_metadata(path: Path) -> dict[str, dict[str, str]]:
    """``submission_<n>`` -> the submitter's sid, name and email (a group: ids and names joined by '+')."""
    import yaml

    class Loader(yaml.SafeLoader):
        """Safe loading that reads Ruby-tagged values (``!ruby/object:BigDecimal``) as plain data."""

    def untagged(loader: yaml.SafeLoader, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", untagged)
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    if not isinstance(data, dict):
        raise ValueError("expected a mapping of submission folders")
    out = {}
    for folder, record in data.items():
        if not isinstance(record, dict):
            continue
        submitters = record.get(":submitters") or record.get("submitters") or []
        people = [s for s in submitters if isinstance(s, dict)] if isinstance(submitters, list) else []
        if not people:
            continue

        def field_of(name: str, people: list[dict] = people) -> str:
            return "+".join(str(p.get(f":{name}") or p.get(name) or "") for p in people).strip("+")

        out[str(folder)] = {"sid": field_of("sid"), "name": field_of("name"), "email": field_of("email")}
    return out


def shard(entries: list[Entry], index: int, count: int, plan: dict[str, int] | None = None) -> list[Entry]:
    """Shard ``index`` of ``count`` (1-based): the plan's entries for it (``plan.py``: balanced), and
    the entries the plan does not hold by a hash of their key, so adding a student moves no one else."""
    return [e for e in entries if shard_of(e.key, count, plan) == index]


def parse_shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise ValueError(f"--shard={text}: expected K/N with 1 <= K <= N, e.g. --shard=2/8")
    return int(m.group(1)), int(m.group(2))
