"""What a GitHub Actions run shows of a grade: a step summary in Markdown, and annotations.

Annotations (``::error file=F,line=L,title=T::message`` on standard output) point at the
student's own code: the frame where it raised, else the class or function the rubric entry
``locate``s ("hw2/layers.py:TanH.backward"), found by parsing the file's text (never importing it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..scoring import CheckResult, Summary
from ..submission import Submission

_FRAME = re.compile(r"\bat (?P<file>[\w./-]+\.py):(?P<line>\d+) in ")


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def locate(result: CheckResult, submission: Submission) -> tuple[Path, int] | None:
    """(file under the submission's root, line) of the code a failing check is about, if known."""
    match = _FRAME.search(result.feedback())
    if match:
        return submission.root / match["file"], int(match["line"])
    if not result.spec.locate:
        return None
    rel, _, name = result.spec.locate.partition(":")
    path = submission.root / rel
    line = _definition_line(path, name) if name else 1
    return (path, line) if line is not None else None


def _definition_line(path: Path, qualname: str) -> int | None:
    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return 1 if path.exists() else None
    scope: list[ast.stmt] = tree.body
    line = None
    for name in qualname.split("."):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
            ),
            None,
        )
        if node is None:
            break
        line, scope = node.lineno, node.body
    return line if line is not None else 1


def annotation_lines(summary: Summary, submission: Submission, base: Path) -> list[str]:
    """One ``::error`` (lost points) or ``::warning`` (partial credit) line per check not at full marks."""
    lines = []
    for result in summary.results:
        if result.full_marks or not result.counted:
            continue
        kind = "warning" if result.score > 0 else "error"
        title = f"{result.spec.id}: {result.score:g}/{result.max_score:g}"
        props = [f"title={_escape(title, prop=True)}"]
        where = locate(result, submission)
        if where is not None:
            path, line = where
            try:
                rel = path.resolve().relative_to(base.resolve())
            except ValueError:
                rel = None
            if rel is not None:
                props[:0] = [f"file={_escape(rel.as_posix(), prop=True)}", f"line={line}"]
        message = result.feedback() or result.spec.title
        lines.append(f"::{kind} {','.join(props)}::{_escape(message[:4000])}")
    return lines


def step_summary(summary: Summary, title: str, submission: Submission) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the total, a row per part, a row per check."""
    out = [
        f"## {title}: {summary.total:.1f}/{summary.max_total:.1f}",
        "",
        f"Graded: {submission.graded} in `{submission.root.name or '.'}`",
        "",
        "| Part | Score |",
        "| --- | ---: |",
    ]
    for part, (got, best) in summary.part_scores().items():
        out.append(f"| {summary.rubric.parts[part]} | {got:g}/{best:g} |")
    out += ["", "| Check | Points | Result |", "| --- | ---: | --- |"]
    for r in summary.results:
        first = (r.feedback().splitlines() or [""])[0].replace("|", "\\|")[:200]
        mark = "passed" if r.full_marks else ("partial" if r.score > 0 else "failed")
        out.append(
            f"| `{r.spec.id}` {r.spec.title.replace('|', '/')} | {r.score:g}/{r.max_score:g} | "
            f"{mark}{': ' + first if first and not r.full_marks else ''} |"
        )
    return "\n".join(out) + "\n"
