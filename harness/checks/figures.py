"""Figures a check records for the report: plain numbers, drawn judge-side (harness/report/plots.py).

A check never hands on an image made by student code: it records the numbers it judged (the
accuracy after each epoch of a training it ran, the classes the student's trained model gives on a
grid of the judge's choosing, the threshold the student picked) and the report draws them. Values
that came from student code are bounded here, whatever they are: non-numbers become gaps, lists are
cut, labels are printable and short.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..bounded import cut, printable

MAX_POINTS = 1000  # values per series (an epoch per value: far more than any training here)
MAX_SERIES = 8  # series per panel
MAX_PANELS = 3  # panels per figure
MAX_FIGURES = 4  # figures per check
MAX_GRID = 120  # cells per side of a decision-region grid
MAX_LABEL = 80
MAX_TITLE = 200


def _label(text: Any, limit: int = MAX_LABEL) -> str:
    """Short, printable, and plain text to matplotlib (a ``$`` would start its math mode)."""
    return printable(cut(str(text), limit)).replace("$", r"\$")


def _number(value: Any) -> float:
    """A finite float, or NaN (a gap in the line) for anything else a reply may hold."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def numbers(values: Iterable[Any] | None) -> list[float]:
    out: list[float] = []
    for value in values or ():
        if len(out) == MAX_POINTS:
            break
        out.append(_number(value))
    return out


@dataclass
class Series:
    """One line: ``y`` per epoch (x = 1, 2, ...) unless ``x`` is given. A reference's run is drawn dashed."""

    label: str
    y: list[float]
    x: list[float] | None = None
    reference: bool = False

    def __post_init__(self) -> None:
        self.label = _label(self.label)
        self.y = numbers(list(self.y))
        self.x = numbers(list(self.x))[: len(self.y)] if self.x is not None else None
        if self.x is not None:
            self.y = self.y[: len(self.x)]


@dataclass
class Marker:
    """A point worth pointing at (the threshold the student chose, the best point)."""

    x: float
    y: float
    label: str

    def __post_init__(self) -> None:
        self.x, self.y, self.label = _number(self.x), _number(self.y), _label(self.label)


@dataclass
class Panel:
    """One set of axes: lines, marked points, and horizontal lines (a threshold the check asks for)."""

    ylabel: str
    series: list[Series]
    xlabel: str = "epoch"
    markers: list[Marker] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)
    square: bool = False  # both axes 0..1 with the diagonal (an ROC curve)
    percent: bool = False  # a percentage: the y axis spans 0..100

    def __post_init__(self) -> None:
        self.ylabel, self.xlabel = _label(self.ylabel), _label(self.xlabel)
        self.series = list(self.series)[:MAX_SERIES]
        self.markers = list(self.markers)[:MAX_SERIES]
        self.hlines = [(_number(y), _label(text)) for y, text in list(self.hlines)[:MAX_SERIES]]


@dataclass
class Plot:
    """A figure of one to three panels side by side."""

    title: str
    panels: list[Panel]

    def __post_init__(self) -> None:
        self.title = _label(self.title, MAX_TITLE)
        self.panels = list(self.panels)[:MAX_PANELS]


@dataclass
class Regions:
    """The classes a model gives over a grid (rows: y from ``extent[2]`` to ``extent[3]``), with the
    samples drawn on top in their true classes."""

    title: str
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    classes: list[list[int]]
    points: list[tuple[float, float]]
    labels: list[int]

    def __post_init__(self) -> None:
        self.title = _label(self.title, MAX_TITLE)
        self.extent = tuple(_number(v) for v in self.extent)  # type: ignore[assignment]
        rows = [list(row)[:MAX_GRID] for row in list(self.classes)[:MAX_GRID]]
        width = min((len(r) for r in rows), default=0)
        self.classes = [[_class(v) for v in row[:width]] for row in rows]
        self.points = [(_number(p[0]), _number(p[1])) for p in list(self.points)[:MAX_POINTS]]
        self.labels = [_class(v) for v in list(self.labels)[: len(self.points)]]


def _class(value: Any) -> int:
    number = _number(value)
    return int(number) if not math.isnan(number) and 0 <= number < 100 else -1


Figure = Plot | Regions


def curves(
    title: str,
    panels: Sequence[tuple[str, Sequence[tuple[str, Any]]] | tuple[str, Sequence[tuple[str, Any]], str]],
    targets: dict[str, list[tuple[float, str]]] | None = None,
) -> Plot:
    """The usual "after each epoch" figure: per panel (y label, [(line label, values)...][, x label]),
    panels with no values left out; ``targets`` adds a panel's thresholds (by its y label) as
    horizontal lines. A line whose label starts with "reference" is dashed grey."""
    out = []
    for ylabel, lines, *xlabel in panels:
        if any(values is not None and len(values) for _, values in lines):
            series = [
                Series(label, [] if values is None else values, reference=label.startswith("reference"))
                for label, values in lines
            ]
            out.append(Panel(ylabel, series, *xlabel, hlines=(targets or {}).get(ylabel, []), percent="%" in ylabel))
    return Plot(title, out)
