"""What the sandbox itself makes the worker print, told apart from what the student's code printed.

The confined worker has no font configuration and no shared-memory semaphores, so libraries the
student's code imports complain on their own (fontconfig; joblib's warning that it runs serially).
Those lines are the grader's environment, not the student's output: the report shows them to
staff in the environment table, never under "What your code printed".
"""

from __future__ import annotations

import re

NOISE = (
    re.compile(r"^Fontconfig (error|warning): "),
    re.compile(r"UserWarning: .*joblib will operate in serial mode"),
    re.compile(r"^Matplotlib is building the font cache"),
    re.compile(r"UserWarning: Matplotlib created a temporary cache directory"),
)


def split_noise(output: str) -> tuple[str, list[str]]:
    """(the output without the sandbox's own lines, those lines). A warning's source line (the
    indented line Python prints after ``file:line: Warning: ...``) goes with it."""
    kept: list[str] = []
    noise: list[str] = []
    after_warning = False
    for line in output.split("\n"):
        if after_warning and line.startswith("  "):
            noise.append(line)
        elif any(pattern.search(line) for pattern in NOISE):
            noise.append(line)
            after_warning = "Warning: " in line
            continue
        else:
            kept.append(line)
        after_warning = False
    return "\n".join(kept), noise


def as_terminal(text: str) -> str:
    """Each line as a terminal leaves it: progress bars redraw with a carriage return, and only
    their last state stays on screen (the last non-empty part after a ``\\r``)."""
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            parts = [p for p in line.split("\r") if p.strip()]
            line = parts[-1] if parts else ""
        lines.append(line)
    return "\n".join(lines)
