"""Small helpers shared by the W1D5 checks."""

from __future__ import annotations

from ..base import CheckAbort, Finding


def finding(component: str, problems: list[str | None], hint: str = "") -> Finding:
    problems = [p for p in problems if p]
    message = "\n".join(problems) + (f"\n  hint: {hint}" if problems and hint else "")
    return Finding(component, not problems, message)


def aborted(components: list[str], exc: CheckAbort) -> list[Finding]:
    return [Finding(c, False, str(exc)) for c in components]
