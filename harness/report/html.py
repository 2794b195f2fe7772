"""The per-submission HTML report, rendered with Jinja2 (autoescaped: student text is data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..sandbox.noise import split_noise
from .answers import answer_html
from .benchmarks import benchmark_results, ratio_chart_svg
from .plots import figure_svg

_ENV = Environment(loader=PackageLoader("harness.report", "templates"), autoescape=select_autoescape(["html", "j2"]))


def feedback_html(text: str) -> Markup:
    """A check's feedback: prose as paragraphs in the page's font; indented lines (where the code
    raised, tensors, a hint's detail) as code; hints and notes set apart."""
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append(f"<pre>{escape(chr(10).join(block))}</pre>")
            block.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("hint: "):
            flush()
            out.append(f'<p class="hint"><b>Hint:</b> {escape(stripped[6:])}</p>')
        elif line.startswith("note: "):
            flush()
            out.append(f'<p class="note">{escape(line[6:])}</p>')
        elif line.startswith("probably because "):
            flush()
            out.append(f'<p class="cause">{escape(sentence(line))}</p>')
        elif line.startswith((" ", "\t")):
            block.append(line)
        elif stripped:
            flush()
            out.append(f"<p>{escape(line)}</p>")
    flush()
    return Markup("".join(out))


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def lost_points(summary: Any) -> list[Any]:
    """The results that cost the student points, in the rubric's order: the report's summary box."""
    return [r for r in summary.results if not r.spec.manual and r.counted and r.points_lost > 1e-9]


def first_line(r: Any) -> str:
    """What a failed check found, in one line (its first failed finding; the row holds the rest)."""
    for f in r.findings:
        if not f.passed and f.message:
            return f.message.strip().split("\n", 1)[0]
    return r.status


def figures_of(summary: Any) -> dict[str, list[Markup]]:
    """Check id -> its figures as inline SVG (drawn here from the numbers the check recorded)."""
    out: dict[str, list[Markup]] = {}
    for r in summary.results:
        drawn = []
        for i, figure in enumerate(r.figures):
            try:
                drawn.append(figure_svg(figure, f"{r.spec.id}-{i}"))
            except Exception:  # a figure that cannot be drawn is left out; the report still renders
                continue
        if any(drawn):
            out[r.spec.id] = [Markup(svg) for svg in drawn if svg]  # our own SVG: labels escaped by matplotlib
    return out


def render_html(grading: Any) -> str:
    summary = grading.summary()
    lost = lost_points(summary)
    output = grading._worker.output() if grading._worker is not None else ""
    return _ENV.get_template("report.html.j2").render(
        rubric=grading.rubric,
        submission=grading.submission,
        summary=summary,
        lost=lost,
        lost_ids={r.spec.id for r in lost},
        problems=[line for _, line in grading.problems()],
        parts=summary.part_scores(),
        environment=grading.environment(),
        figures=figures_of(summary),
        benchmarks=benchmark_results(summary),
        ratio_chart=Markup(ratio_chart_svg(summary)),  # our own SVG (case names are rubric data, escaped by matplotlib)
        output=split_noise(output)[0].strip(),  # bounded by the worker; the sandbox's own lines are in the environment
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    )


def write_html(grading: Any, path: Path) -> None:
    path.write_text(render_html(grading), encoding="utf-8")


_ENV.filters.update(sentence=sentence, feedback=feedback_html, answer=answer_html, first_line=first_line)
