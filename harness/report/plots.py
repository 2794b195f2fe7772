"""Draw the figures checks recorded (harness/checks/figures.py) as inline SVG, judge-side.

Everything drawn is numbers the judge holds; student text (a label) reaches the SVG only as
matplotlib's escaped text.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from ..checks.figures import Panel, Plot, Regions
from .svg import new_figure, svg_of

STUDENT = ["#45608a", "#b3261e", "#17702f", "#a66300", "#6b3fa0", "#00838f", "#5d4037", "#c2185b"]
REFERENCE = "#888888"
REGION_COLORS = ["#dbe6f6", "#f8dcd9", "#dcefdc", "#f6ead2"]
POINT_COLORS = ["#45608a", "#b3261e", "#17702f", "#a66300"]


def figure_svg(figure: Any, salt: str) -> str:
    """The SVG of one recorded figure ('' for anything else)."""
    if isinstance(figure, Plot):
        return _plot_svg(figure, salt)
    if isinstance(figure, Regions):
        return _regions_svg(figure, salt)
    return ""


def _plot_svg(plot: Plot, salt: str) -> str:
    panels = [p for p in plot.panels if p.series or p.markers]
    if not panels:
        return ""
    fig = new_figure(3.6 * len(panels) + 0.4, 3.0)
    for ax, panel in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        _draw_panel(ax, panel)
    fig.suptitle(_wrapped(plot.title, 45 * len(panels) + 10), fontsize=10)
    fig.tight_layout()
    return svg_of(fig, salt)


def _draw_panel(ax: Any, panel: Panel) -> None:
    colors = iter(STUDENT)
    for series in panel.series:
        x = series.x if series.x is not None else list(range(1, len(series.y) + 1))
        style = {"color": REFERENCE, "linestyle": "--"} if series.reference else {"color": next(colors, "#222")}
        marker = "o" if len(series.y) <= 30 and not panel.square else None
        ax.plot(x, series.y, label=series.label, marker=marker, markersize=3, linewidth=1.6, **style)
    for y, text in panel.hlines:
        if not math.isnan(y):
            ax.axhline(y, color="#a66300", linestyle=":", linewidth=1.2, label=text)
    for i, m in enumerate(panel.markers):
        if not (math.isnan(m.x) or math.isnan(m.y)):
            ax.plot(
                [m.x],
                [m.y],
                marker="*" if i == 0 else "D",
                markersize=11 if i == 0 else 6,
                linestyle="",
                color=STUDENT[(i + 1) % len(STUDENT)],
                label=m.label,
                zorder=5,
            )
    if panel.square:
        ax.plot([0, 1], [0, 1], color="#bbb", linewidth=0.8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
    else:
        if panel.xlabel == "epoch":
            ax.xaxis.get_major_locator().set_params(integer=True)
        if panel.percent:
            ax.set_ylim(-2, 102)
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.grid(alpha=0.3)
    if panel.series or panel.markers:
        ax.legend(fontsize=7, loc="best")


def _wrapped(title: str, width: int) -> str:
    return "\n".join(textwrap.wrap(title, width)) or " "


def _regions_svg(regions: Regions, salt: str) -> str:
    if not regions.classes or any(math.isnan(v) for v in regions.extent):
        return ""
    import numpy as np
    from matplotlib.colors import ListedColormap

    fig = new_figure(4.2, 3.6)
    ax = fig.subplots()
    grid = np.ma.masked_less(np.asarray(regions.classes, dtype=float), 0)
    ax.imshow(
        grid,
        origin="lower",
        extent=regions.extent,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(REGION_COLORS),
        vmin=0,
        vmax=len(REGION_COLORS) - 1,
    )
    points = np.asarray(regions.points, dtype=float).reshape(-1, 2)
    labels = np.asarray(regions.labels)
    for c in sorted(set(regions.labels) - {-1}):
        at = points[labels == c]
        ax.scatter(
            at[:, 0],
            at[:, 1],
            s=7,
            color=POINT_COLORS[c % len(POINT_COLORS)],
            label=f"class {c}",
            edgecolors="white",
            linewidths=0.3,
        )
    ax.set_xlim(regions.extent[0], regions.extent[1])
    ax.set_ylim(regions.extent[2], regions.extent[3])
    ax.set_title(_wrapped(regions.title, 55), fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return svg_of(fig, salt)
