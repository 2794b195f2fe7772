"""Test cases as overlays: a case folder holds only what it changes in the submission it is based on.

A case is a folder with an ``expected.toml`` that names its ``base`` (a folder under
``submissions/``, itself a whole submission or another case). ``materialise`` writes the whole
submission: the base, then every other file of the case folder over it (replacing or adding),
then the base files the case ``remove``s, then its ``[[edit]]`` tables, in order:

- ``file`` + ``find`` + ``replace`` (``count``: how often ``find`` must occur, default 1);
- ``file`` + ``truncate_from``: drop the file from that text on;
- ``file`` + ``add``: a new file with that text;
- ``file`` + ``append_file``: the case folder's file of that name added at the end (a red-team
  attack after the homework code; the source file itself is not copied into the submission);
- ``unimplement = "hw2/x.py:Class.method"``: that function's ``YOUR CODE`` blocks back to the
  skeleton's ``raise NotImplementedError()``.

A folder without ``base`` is whole already and is copied as it is. One mechanism for every
assignment, used by the tests, the benchmarks and ``python -m harness.dev materialise CASE OUT``.
"""

from __future__ import annotations

import ast
import os
import shutil
import tomllib
from pathlib import Path

from ..paths import SUBMISSIONS

BLOCK_START, BLOCK_END = "# ====== YOUR CODE: ======", "# ========================"
NOT_COPIED = shutil.ignore_patterns("__pycache__", "expected.toml")


class CaseError(AssertionError):
    """A case no longer fits its base (the base changed), or names one that is not there."""


def expectation(folder: Path) -> dict:
    path = folder / "expected.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def base_of(folder: Path) -> Path | None:
    """The folder ``folder`` is an overlay of, or None for a whole submission."""
    base = expectation(folder).get("base")
    if base is None:
        return None
    path = (SUBMISSIONS / base).resolve()
    if not path.is_dir():
        raise CaseError(f"{folder}: base {base!r} is not a folder under {SUBMISSIONS}")
    return path


def overlay_files(folder: Path) -> list[Path]:
    """The files a case puts over its base (relative paths): all but its expected.toml and the
    sources its edits append."""
    sources = {Path(e["append_file"]) for e in expectation(folder).get("edit", []) if "append_file" in e}
    return sorted(
        rel
        for p in folder.rglob("*")
        if p.is_file()
        and p.name != "expected.toml"
        and "__pycache__" not in p.parts
        and (rel := p.relative_to(folder)) not in sources
    )


def materialise(folder: Path, dest: Path, _seen: tuple[Path, ...] = ()) -> Path:
    """``dest`` (which must not exist): the whole submission ``folder`` stands for."""
    folder = folder.resolve()
    if folder in _seen:
        raise CaseError(f"{folder}: its bases form a cycle")
    base = base_of(folder)
    if base is None:
        shutil.copytree(folder, dest, ignore=NOT_COPIED)
        return dest
    materialise(base, dest, (*_seen, folder))
    for rel in overlay_files(folder):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / rel, dest / rel)
    spec = expectation(folder)
    for rel in spec.get("remove", []):
        target = dest / rel
        if not target.exists():
            raise CaseError(f"{folder.name}: remove {rel!r}: not in its base")
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for i, edit in enumerate(spec.get("edit", [])):
        _apply(dest, edit, f"{folder.name}: edit #{i + 1}", folder)
    return dest


class CaseCache:
    """Each case materialised once under ``root`` (one per test session: per xdist worker)."""

    def __init__(self, root: Path):
        self.root = root
        self.made: dict[Path, Path] = {}

    def __call__(self, folder: Path) -> Path:
        folder = folder.resolve()
        if folder not in self.made:
            name = os.path.relpath(folder, SUBMISSIONS).replace(os.sep, "--").replace("..", "up")
            self.made[folder] = materialise(folder, self.root / name)
        return self.made[folder]


def _apply(dest: Path, edit: dict, where: str, folder: Path) -> None:
    if "unimplement" in edit:
        rel, _, name = edit["unimplement"].partition(":")
        _write(dest / rel, unimplement((dest / rel).read_text(encoding="utf-8"), name, where))
        return
    path = dest / edit["file"]
    if "add" in edit:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, edit["add"])
        return
    text = path.read_text(encoding="utf-8")
    if "append_file" in edit:
        _write(path, text + (folder / edit["append_file"]).read_text(encoding="utf-8"))
        return
    if "truncate_from" in edit:
        if edit["truncate_from"] not in text:
            raise CaseError(f"{where}: {edit['truncate_from']!r} not in {edit['file']}")
        _write(path, text[: text.index(edit["truncate_from"])])
        return
    count = int(edit.get("count", 1))
    if text.count(edit["find"]) != count:
        raise CaseError(f"{where}: found {text.count(edit['find'])} times in {edit['file']}, expected {count}")
    _write(path, text.replace(edit["find"], edit["replace"]))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def unimplement(text: str, dotted: str, where: str) -> str:
    """``dotted``'s ``YOUR CODE`` blocks replaced by ``raise NotImplementedError()``."""
    scope: list[ast.stmt] = ast.parse(text).body
    node: ast.ClassDef | ast.FunctionDef | None = None
    for part in dotted.split("."):
        node = next(
            (n for n in scope if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == part),
            None,
        )
        if node is None:
            raise CaseError(f"{where}: no {dotted}")
        scope = node.body
    assert node is not None and node.end_lineno is not None  # dotted names at least one part
    lines = text.splitlines(keepends=True)
    start, end = node.lineno - 1, node.end_lineno
    body, out, inside, found = lines[start:end], [], False, False
    for line in body:
        stripped = line.strip()
        if stripped == BLOCK_START:
            indent = line[: len(line) - len(line.lstrip())]
            out += [line, f"{indent}raise NotImplementedError()\n"]
            inside = found = True
        elif stripped == BLOCK_END and inside:
            out.append(line)
            inside = False
        elif not inside:
            out.append(line)
    if not found:
        raise CaseError(f"{where}: {dotted} has no YOUR CODE block")
    return "".join(lines[:start] + out + lines[end:])
