"""Test cases as overlays: a case folder holds only what it changes in the submission it is based on.

A case is a folder with an ``expected.toml`` that names its ``base`` (a folder under
``submissions/``, itself a whole submission or another case). ``materialise`` writes the whole
submission: the base, then every other file of the case folder over it (replacing or adding),
then the base files the case ``remove``s, then its ``[[edit]]`` tables, in order:

- ``file`` + ``find`` + ``replace`` (``count``: how often ``find`` must occur, default 1); in a
  notebook (``.ipynb``) the text is each cell's source, so an edit reads as the code it changes;
- ``file`` + ``truncate_from``: drop the file from that text on;
- ``file`` + ``cut_from`` + ``cut_to``: drop the text from the first up to (not including) the second;
- ``file`` + ``rename_to``: the file moved there (an older offering's module name);
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
import difflib
import json
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
    if "rename_to" in edit:
        target = dest / edit["rename_to"]
        if not path.is_file() or target.exists():
            raise CaseError(f"{where}: cannot move {edit['file']} to {edit['rename_to']}")
        path.rename(target)
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
    if "cut_from" in edit:
        start = text.find(edit["cut_from"])
        end = text.find(edit["cut_to"], max(start, 0))
        if start < 0 or end < 0:
            raise CaseError(f"{where}: {edit['cut_from']!r} ... {edit['cut_to']!r} not in {edit['file']} in that order")
        _write(path, text[:start] + text[end:])
        return
    count = int(edit.get("count", 1))
    pieces = cell_sources(text) if path.suffix == ".ipynb" else [text]
    found = sum(piece.count(edit["find"]) for piece in pieces)
    if found != count:
        raise CaseError(f"{where}: found {found} times in {edit['file']}, expected {count}")
    if path.suffix == ".ipynb":
        _write(path, with_cell_sources(text, [piece.replace(edit["find"], edit["replace"]) for piece in pieces]))
    else:
        _write(path, text.replace(edit["find"], edit["replace"]))


def cell_sources(text: str) -> list[str]:
    """The source of each cell of a notebook's JSON text (code and markdown: both can be graded)."""
    return ["".join(c.get("source", "")) for c in json.loads(text).get("cells", [])]


def with_cell_sources(text: str, sources: list[str]) -> str:
    """The notebook with its cells' sources replaced (as nbformat writes a notebook)."""
    notebook = json.loads(text)
    for cell, source in zip(notebook["cells"], sources, strict=True):
        cell["source"] = source.splitlines(keepends=True) if isinstance(cell.get("source"), list) else source
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


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


def same_submission(a: Path, b: Path) -> bool:
    """Whether two files grade alike: equal bytes, or notebooks with equal cell types and sources."""
    if a.read_bytes() == b.read_bytes():
        return True
    if a.suffix != ".ipynb":
        return False
    cells = [
        [(c.get("cell_type"), "".join(c.get("source", ""))) for c in json.loads(p.read_text()).get("cells", [])]
        for p in (a, b)
    ]
    return cells[0] == cells[1]


def diff_edits(rel: str, old: list[str], new: list[str]) -> list[dict] | None:
    """``[[edit]]`` tables that turn the pieces ``old`` (a file's text, or a notebook's cell sources)
    into ``new``: each changed run of lines with just enough context to occur once. None when the
    pieces do not pair up (cells added or removed): the case then keeps the whole file."""
    if len(old) != len(new):
        return None
    edits = []
    for before, after in zip(old, new, strict=True):
        a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
        hunks: list[list[int]] = []  # changed runs, those 3 lines apart or less as one (a moved line)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            if hunks and i1 - hunks[-1][1] <= 3:
                hunks[-1][1:] = [i2, hunks[-1][2], j2]
            else:
                hunks.append([i1, i2, j1, j2])
        for i1, i2, j1, j2 in reversed(hunks):  # from the end: earlier line numbers stay valid
            lo, hi, find = i1, i2, "".join(a[i1:i2])
            while lo > 0 or hi < len(a):
                if find and sum(p.count(find) for p in old) == 1:
                    break
                lo, hi = max(0, lo - 1), min(len(a), hi + 1)
                find = "".join(a[lo:hi])
            replace = "".join(a[lo:i1] + b[j1:j2] + a[i2:hi])
            edits.append({"file": rel, "find": find, "replace": replace})
    return edits


def shrink_to_overlay(copy: Path, base: str) -> dict:
    """Turn ``copy``, a whole submission (or an overlay holding whole files), into an overlay of ``base``
    (a folder under submissions/), in place: files equal to the base's go, changed text files become ``[[edit]]`` tables (cell by
    cell in a notebook), base files it lacks become ``remove``; files it adds, and changes that
    edits cannot replay, stay as files. Checked by materialising the result: every file grades as
    the copy's did. Returns the base, removals and edits written to its expected.toml."""
    import tempfile

    import tomli_w

    if {"remove", "edit"} & set(expectation(copy)):
        raise CaseError(f"{copy}: an overlay already (its expected.toml names removals or edits)")
    with tempfile.TemporaryDirectory() as tmp:
        # a whole copy as it is; an overlay that holds whole files (``base`` only): what it stands for
        whole = Path(tmp) / "whole"
        if base_of(copy) is None:
            shutil.copytree(copy, whole)
        else:
            materialise(copy, whole)
            lines = (copy / "expected.toml").read_text(encoding="utf-8").splitlines(keepends=True)
            (whole / "expected.toml").write_text("".join(x for x in lines if not x.startswith("base =")))
        base_dir = materialise(SUBMISSIONS / base, Path(tmp) / "base")
        files = {p.relative_to(whole).as_posix() for p in whole.rglob("*") if p.is_file()} - {"expected.toml"}
        base_files = {p.relative_to(base_dir).as_posix() for p in base_dir.rglob("*") if p.is_file()}
        edits: dict[str, list[dict]] = {}
        for rel in sorted(files & base_files):
            if same_submission(whole / rel, base_dir / rel):
                continue
            try:
                old, new = (base_dir / rel).read_text(encoding="utf-8"), (whole / rel).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            pieces = (cell_sources(old), cell_sources(new)) if rel.endswith(".ipynb") else ([old], [new])
            found = diff_edits(rel, *pieces)
            if found:
                edits[rel] = found
        text = (whole / "expected.toml").read_text(encoding="utf-8") if (whole / "expected.toml").exists() else ""
        removed = sorted(base_files - files)
        kept = {rel for rel in files if rel not in base_files or not same_submission(whole / rel, base_dir / rel)}
        while True:
            spec = {"base": base, "remove": removed, "edit": [e for rel in sorted(edits) for e in edits[rel]]}
            for rel in files:
                target = copy / rel
                if rel in kept and rel not in edits:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(whole / rel, target)
                elif target.exists():
                    target.unlink()
            # the expected.toml as it was (its comments too), with the base first and the changes last
            tail = tomli_w.dumps({k: v for k, v in spec.items() if k != "base" and v}, multiline_strings=True)
            (copy / "expected.toml").write_text(f'base = "{base}"\n{text.rstrip()}\n\n{tail}', encoding="utf-8")
            made = Path(tmp) / f"made-{len(edits)}"
            try:
                materialise(copy, made)
                wrong = [rel for rel in edits if not same_submission(made / rel, whole / rel)]
            except CaseError:
                wrong = list(edits)
            shutil.rmtree(made, ignore_errors=True)
            if not wrong:
                break
            for rel in wrong:  # an edit that does not replay: the file stays whole
                del edits[rel]
        for folder in sorted((p for p in copy.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            if not any(folder.iterdir()):
                folder.rmdir()
    return spec
