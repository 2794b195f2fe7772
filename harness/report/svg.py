"""A matplotlib figure as inline SVG: text kept as text (small), ids salted per figure (a page holds
several SVGs, whose ids share one namespace), no date (the same figure, the same bytes).

Callers lay their figure out (``fig.tight_layout()``) before ``svg_of``: a "tight" bounding box here
would draw the figure once more (a third of a report's drawing time)."""

from __future__ import annotations

import io
from typing import Any


def svg_of(fig: Any, salt: str) -> str:
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def new_figure(width: float, height: float) -> Any:
    """A figure outside pyplot (no GUI backend, nothing global)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))
