"""The per-submission HTML report, rendered with Jinja2 (autoescaped: student text is data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .benchmarks import benchmark_results, ratio_chart_svg

_ENV = Environment(loader=PackageLoader("harness.report", "templates"), autoescape=select_autoescape(["html", "j2"]))


def render_html(grading: Any) -> str:
    summary = grading.summary()
    output = grading._worker.output() if grading._worker is not None else ""
    return _ENV.get_template("report.html.j2").render(
        rubric=grading.rubric,
        submission=grading.submission,
        summary=summary,
        problems=[line for _, line in grading.problems()],
        parts=summary.part_scores(),
        environment=grading.environment(),
        benchmarks=benchmark_results(summary),
        ratio_chart=Markup(ratio_chart_svg(summary)),  # our own SVG (case names are rubric data, escaped by matplotlib)
        output=output,  # already bounded by the worker (head and tail of each worker start)
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    )


def write_html(grading: Any, path: Path) -> None:
    path.write_text(render_html(grading), encoding="utf-8")
