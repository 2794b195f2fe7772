"""Figures checks record (harness/checks/figures.py) and how the report draws them (report/plots.py)."""

from __future__ import annotations

import math

import pytest

from harness.checks.base import CheckContext
from harness.checks.figures import MAX_FIGURES, MAX_POINTS, Marker, Panel, Plot, Regions, Series, curves
from harness.report.plots import figure_svg


def test_values_from_a_reply_are_bounded_whatever_they_are():
    series = Series("loss", [1, "2", None, float("inf"), float("nan"), [3], 1e400] + [0.5] * (2 * MAX_POINTS))
    assert series.y[:2] == [1.0, 2.0]
    assert all(math.isnan(v) for v in series.y[2:7])  # gaps in the line, never an exception
    assert len(series.y) == MAX_POINTS


def test_labels_are_short_printable_and_never_matplotlib_math():
    label = Series("a$b$c\x1b[31m" + "x" * 500, [1.0]).label
    assert "\\$b\\$" in label and "\x1b" not in label and len(label) < 150


def test_regions_keep_a_rectangular_grid_of_small_class_ids():
    regions = Regions("t", (0, 1, 0, 1), [[0, 1, 7.0], [1, "x", 10**9], [0]], [(0.1, 0.2), ("a", 1)], [1, None])
    assert regions.classes == [[0], [1], [0]]  # cut to the shortest row
    assert regions.labels == [1, -1]
    assert math.isnan(regions.points[1][0])


def test_curves_leave_out_panels_with_nothing_to_draw():
    plot = curves("t", [("accuracy (%)", [("train", [50, 60])]), ("loss", [("train", None)])])
    assert [p.ylabel for p in plot.panels] == ["accuracy (%)"] and plot.panels[0].percent


def _context() -> CheckContext:
    return CheckContext(worker=None, answer_key=None, seed=0, check_id="x")  # type: ignore[arg-type]


def test_a_figure_that_cannot_be_made_is_left_out_and_never_raises():
    ctx = _context()
    ctx.figure(lambda: 1 / 0)
    ctx.figure(lambda: None)
    assert ctx.figures == []
    for _ in range(MAX_FIGURES + 2):
        ctx.figure(lambda: Plot("t", [Panel("y", [Series("s", [1.0])])]))
    assert len(ctx.figures) == MAX_FIGURES


@pytest.mark.parametrize(
    "figure",
    [
        Plot(
            "accuracy <script>alert(1)</script> & more",
            [
                Panel("accuracy (%)", [Series("yours", [10, float("nan"), 90]), Series("reference", [20, 95])]),
                Panel("tpr", [Series("ROC", [0, 1], [0, 1])], "fpr", [Marker(0.2, 0.8, "yours")], square=True),
            ],
        ),
        Regions("regions <b>x</b>", (-1, 1, -1, 1), [[0, 1], [1, 0]], [(0.0, 0.0), (0.5, -0.5)], [0, 1]),
    ],
)
def test_figures_are_drawn_as_svg_with_student_text_escaped(figure):
    svg = figure_svg(figure, "salt")
    assert svg.startswith("<svg") and "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg or "&lt;b&gt;" in svg


def test_nothing_to_draw_is_no_figure():
    assert figure_svg(Plot("t", [Panel("y", [])]), "s") == ""
    assert figure_svg(Regions("t", (0, 1, 0, 1), [], [], []), "s") == ""
    assert figure_svg("not a figure", "s") == ""
