"""Build a fixture described as edits of another submission (``submissions/patterns/*/expected.toml``).

Edits (``[[edit]]`` tables, applied in order):
- ``file`` + ``find`` + ``replace`` (``count``: how often ``find`` must occur, default 1);
- ``file`` + ``truncate_from``: drop the file from that text on;
- ``file`` + ``add``: a new file with that text;
- ``unimplement = "hw2/x.py:Class.method"``: that function's ``YOUR CODE`` blocks back to the
  skeleton's ``raise NotImplementedError()``.
"""

from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
PATTERNS = SUBMISSIONS / "patterns"
BLOCK_START, BLOCK_END = "# ====== YOUR CODE: ======", "# ========================"


class EditError(AssertionError):
    """An edit no longer fits its base (the base changed): the fixture must be updated."""


def expectation(folder: Path) -> dict:
    return tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))


def build(folder: Path, dest: Path) -> Path:
    """``dest``: the base submission with ``folder``'s edits applied."""
    spec = expectation(folder)
    shutil.copytree(SUBMISSIONS / spec.get("base", "example"), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "expected.toml"))
    for i, edit in enumerate(spec.get("edit", [])):
        where = f"{folder.name}: edit #{i + 1}"
        if "unimplement" in edit:
            rel, _, name = edit["unimplement"].partition(":")
            _write(dest / rel, unimplement((dest / rel).read_text(encoding="utf-8"), name, where))
            continue
        path = dest / edit["file"]
        if "add" in edit:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, edit["add"])
            continue
        text = path.read_text(encoding="utf-8")
        if "truncate_from" in edit:
            if edit["truncate_from"] not in text:
                raise EditError(f"{where}: {edit['truncate_from']!r} not in {edit['file']}")
            _write(path, text[: text.index(edit["truncate_from"])])
            continue
        count = int(edit.get("count", 1))
        if text.count(edit["find"]) != count:
            raise EditError(f"{where}: found {text.count(edit['find'])} times in {edit['file']}, expected {count}")
        _write(path, text.replace(edit["find"], edit["replace"]))
    return dest


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def unimplement(text: str, dotted: str, where: str) -> str:
    """``dotted``'s ``YOUR CODE`` blocks replaced by ``raise NotImplementedError()``."""
    node: ast.AST = ast.parse(text)
    for part in dotted.split("."):
        node = next((n for n in getattr(node, "body", [])
                     if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == part), None)
        if node is None:
            raise EditError(f"{where}: no {dotted}")
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
        raise EditError(f"{where}: {dotted} has no YOUR CODE block")
    return "".join(lines[:start] + out + lines[end:])
