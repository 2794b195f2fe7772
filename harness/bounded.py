"""Text that came from student code, made safe to show: control characters escaped, sizes bounded.

The worker caps what it sends, but student code can replace the worker's own helpers, so the
judge caps again on its side (``clean`` on every reply, ``cut`` on every message, note and output
it keeps). Escaping happens once, where the text enters the judge: an escape sequence in an
exception message cannot clear the staff's screen, set a window title or write their clipboard
(OSC 52), and a carriage return cannot overwrite a line. Newlines and tabs are kept.
"""

from __future__ import annotations

import re
from typing import Any

MAX_STRING = 64 * 1024  # one string of a reply (a written answer fits)
MAX_MESSAGE = 2000  # one message or note shown for a check

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides (they reorder
# what a reader sees)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", text)


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its head and "[... N characters cut]"."""
    if len(text) <= limit:
        return text
    return text[:limit] + f" [... {len(text) - limit} characters cut]"


def clean(value: Any, limit: int = MAX_STRING) -> Any:
    """A reply's plain data with every string (keys too) escaped and cut; arrays and numbers as they are."""
    if isinstance(value, str):
        return printable(cut(value, limit))
    if isinstance(value, dict):
        return {clean(k, 200): clean(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v, limit) for v in value]
    return value
