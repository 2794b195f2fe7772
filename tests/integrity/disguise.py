"""What a student does to hide a copy: rename every local name, reorder the definitions, drop the
comments and reformat (``ast.unparse``). The similarity section must see through all of it."""

from __future__ import annotations

import ast
import builtins
import hashlib
from pathlib import Path

KEEP = set(dir(builtins)) | {"self", "cls", "torch", "nn", "np", "F", "super"}


class _Renamer(ast.NodeTransformer):
    def __init__(self, salt: str):
        self.salt = salt

    def _new(self, name: str) -> str:
        return "v" + hashlib.sha256((self.salt + name).encode()).hexdigest()[:6]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        local = {a.arg for a in node.args.args + node.args.kwonlyargs} - KEEP
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - KEEP
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id in local:
                n.id = self._new(n.id)
            elif isinstance(n, ast.arg) and n.arg in local and n is not node:
                n.arg = self._new(n.arg)
        return node


def _reordered(body: list[ast.stmt]) -> list[ast.stmt]:
    """Definitions in reverse order, everything else where it was (imports stay on top)."""
    defs = [s for s in body if isinstance(s, (ast.FunctionDef, ast.ClassDef))]
    spots = iter(reversed(defs))
    return [next(spots) if isinstance(s, (ast.FunctionDef, ast.ClassDef)) else s for s in body]


def disguise(text: str, salt: str) -> str:
    tree = _Renamer(salt).visit(ast.parse(text))
    tree.body = _reordered(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            node.body = _reordered(node.body)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def disguise_folder(folder: Path, salt: str) -> Path:
    for path in sorted(folder.rglob("*.py")):
        if path.parent.name == "hw2" and path.name != "__init__.py":
            path.write_text(disguise(path.read_text(), salt))
    return folder
