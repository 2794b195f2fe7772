"""Forbidden shortcuts in "implement it yourself" code: what a rubric entry's ``forbid`` names,
found in the graded class or function.

Two sources, both reported with the student's line: the source itself (read judge-side, parsed
with ``ast``, never executed: an import or a name that resolves to a forbidden module, such as
``torch.autograd.grad`` or ``F.linear`` after ``import torch.nn.functional as F``), and what the
worker saw the code call while the check ran it (harness/probes/shortcuts.py: autograd through a
tensor's ``backward()``, an optimizer's step), which no reading of the source can settle.
Re-exported names are resolved to where they are defined (``nn.Linear`` is
``torch.nn.modules.linear.Linear``), only through torch and modules the judge has loaded already.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import Any

from ..notebook import NotebookError, converted
from ..probes.server import location_in
from ..probes.shortcuts import matching_rule
from ..submission import Submission

MAX_SOURCE_CHARS = 1_000_000
MAX_FOUND = 10


@dataclass(frozen=True)
class Shortcut:
    api: str  # what was used: "torch.autograd.grad"
    where: str  # the student's line: "hw2/layers.py:123", or a notebook's cell and line
    rule: str  # the ``forbid`` entry it falls under
    seen: str  # "in the source" | "called while the check ran"

    def line(self) -> str:
        return f"{self.where}: {self.api} ({self.seen}; not allowed here: {self.rule})"


def source_of(submission: Submission, file: str) -> str | None:
    """The text of a submission's file as the student wrote it (a notebook: its definitions)."""
    if submission.module and file == f"{submission.module}.py" and submission.module_file is not None:
        if submission.module_file.suffix == ".ipynb":
            try:
                return converted(submission.module_file).source[:MAX_SOURCE_CHARS]
            except (NotebookError, OSError, UnicodeDecodeError):
                return None
        path = submission.module_file
    else:
        path = submission.root / file
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return f.read(MAX_SOURCE_CHARS)
    except OSError:
        return None


def in_source(text: str, file: str, scope: str, forbid: tuple[str, ...]) -> list[Shortcut]:
    """The forbidden names the ``scope`` (``Linear``, ``MLP.forward``, ``momentum_update``) of
    ``text`` uses, each once per line."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    node = _find(tree, scope)
    if node is None:
        return []
    aliases = _imports(tree.body)
    aliases.update(_imports(list(ast.walk(node))))
    lines = text.splitlines(keepends=True)
    found: list[Shortcut] = []
    for used, lineno in sorted(_uses(node, aliases), key=lambda u: u[1]):
        api, rule = used, matching_rule(used, list(forbid))
        if rule is None:  # a re-exported name: where it is defined
            api = _canonical(used)
            rule = matching_rule(api, list(forbid))
        if rule is None:
            continue
        shortcut = Shortcut(api, location_in(lines, file, lineno), rule, "in the source")
        if shortcut not in found and len(found) < MAX_FOUND:
            found.append(shortcut)
    return found


def _find(tree: ast.Module, scope: str) -> ast.AST | None:
    node: Any = tree
    for part in scope.split("."):
        body = getattr(node, "body", [])
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part
            ),
            None,
        )
        if node is None:
            return None
    return node


def _imports(statements: list[Any]) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from ``import`` statements."""
    names: dict[str, str] = {}
    for st in statements:
        if isinstance(st, ast.Import):
            for alias in st.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(st, ast.ImportFrom) and st.module and not st.level:
            for alias in st.names:
                names[alias.asname or alias.name] = f"{st.module}.{alias.name}"
    return names


def _uses(node: ast.AST, aliases: dict[str, str]) -> list[tuple[str, int]]:
    """Every dotted name the code mentions (outermost attribute chains) and the modules it imports."""
    out: list[tuple[str, int]] = []
    inner: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and id(n) not in inner:
            parts = []
            cur: Any = n
            while isinstance(cur, ast.Attribute):
                inner.add(id(cur.value))
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in aliases:
                out.append((".".join([aliases[cur.id], *reversed(parts)]), n.lineno))
        elif isinstance(n, ast.Name) and id(n) not in inner and n.id in aliases:
            out.append((aliases[n.id], n.lineno))
        elif isinstance(n, ast.Import):
            out.extend((a.name, n.lineno) for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
            out.extend((f"{n.module}.{a.name}", n.lineno) for a in n.names)
    return out


def _canonical(dotted: str) -> str:
    """Where a name is defined (``torch.nn.Linear`` -> ``torch.nn.modules.linear.Linear``), looked up
    in torch and the modules this process has imported (a student's text never makes the judge import
    another one)."""
    parts = dotted.split(".")
    if parts[0] == "torch":  # a dependency of the judge: where every default rule points
        import torch  # noqa: F401
    obj: Any = sys.modules.get(parts[0])
    if obj is None:
        return dotted
    for part in parts[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return dotted
    if isinstance(obj, type(sys)):
        return obj.__name__
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return dotted


def found_by_worker(seen: list[dict]) -> list[Shortcut]:
    return [Shortcut(e["api"], e["where"], e["rule"], "called while the check ran") for e in seen]


def merged(*groups: list[Shortcut]) -> list[Shortcut]:
    """One entry per line and rule (the source and the run often find the same use; the source's
    name, as the student wrote it, comes first)."""
    out: list[Shortcut] = []
    for group in groups:
        for s in group:
            if not any(o.where == s.where and o.rule == s.rule for o in out) and len(out) < MAX_FOUND:
                out.append(s)
    return out
