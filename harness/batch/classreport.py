"""The class report: one self-contained HTML file (Jinja2; matplotlib plots embedded as SVG)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..integrity.similarity import Similarity
from ..report.svg import new_figure, svg_of
from .store import GradeRecord

_ENV = Environment(loader=PackageLoader("harness.batch", "templates"), autoescape=select_autoescape(["html", "j2"]))


MAX_LISTED = 300  # students listed under a check's row; the gradebook has them all


@dataclass
class Loser:
    key: str
    student: str
    score: float
    best: float
    report: str


@dataclass
class CheckStats:
    id: str
    title: str
    part: str
    points: float
    graded: int  # students the check counted for
    passed: int
    mean: float
    errors: int  # could not run: the student's code raised, timed out or crashed
    lost_by: list[Loser] = field(default_factory=list)  # the students who lost points on it (first MAX_LISTED)
    lost_count: int = 0

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


@dataclass
class Problem:
    key: str
    student: str
    kind: str
    reason: str
    report: str = ""


def check_stats(info: dict[str, Any], graded: list[GradeRecord]) -> list[CheckStats]:
    """Per check, over the graded students; the checks the class fails most come first."""
    out = []
    for c in info["checks"]:
        got = [r.checks[c["id"]] for r in graded if c["id"] in r.checks]
        counted = [g for g in got if g[1] > 0]
        losers = [
            Loser(r.key, f"{r.student_id} {r.student_name}".strip(), score, best, r.report)
            for r in graded
            if c["id"] in r.checks
            for score, best, _ in [r.checks[c["id"]][:3]]
            if best > 0 and score < best - 1e-9
        ]
        out.append(
            CheckStats(
                c["id"],
                c["title"],
                c["part"],
                c["points"],
                len(counted),
                sum(1 for score, best, _ in counted if score >= best - 1e-9),
                statistics.fmean(g[0] for g in counted) if counted else 0.0,
                sum(1 for g in got if g[2] == "error"),
                losers[:MAX_LISTED],
                len(losers),
            )
        )
    return sorted(out, key=lambda s: (s.pass_rate if s.pass_rate is not None else 2.0, s.id))


def part_means(info: dict[str, Any], graded: list[GradeRecord]) -> dict[str, tuple[float, float]]:
    out = {}
    for part in info["parts"]:
        scores = [r.parts[part] for r in graded if part in r.parts]
        if scores and max(s[1] for s in scores) > 0:  # a part out of the total has no mean to show
            out[part] = (statistics.fmean(s[0] for s in scores), max(s[1] for s in scores))
    return out


def problems(records: list[GradeRecord]) -> list[Problem]:
    """Submissions that were not graded, and graded ones where a check timed out or crashed."""
    out = []
    for r in records:
        who = f"{r.student_id} {r.student_name}".strip()
        if r.status != "graded":
            out.append(Problem(r.key, who, r.status, r.reason, r.report))
        for check, kind, message in r.problems:
            if kind == "shortcut":
                continue
            out.append(
                Problem(
                    r.key,
                    who,
                    {
                        "timeout": "timed out",
                        "crashed": "crashed",
                        "import": "does not import",
                        "budget": "time budget ran out",
                    }.get(kind, kind),
                    f"{check}: {message}",
                    r.report,
                )
            )
    return out


def shortcuts(records: list[GradeRecord]) -> list[Problem]:
    """Uses of what a check's ``forbid`` names (harness/integrity/shortcuts.py), one row each."""
    return [
        Problem(r.key, f"{r.student_id} {r.student_name}".strip(), check, message, r.report)
        for r in records
        for check, kind, message in r.problems
        if kind == "shortcut"
    ]


def prewarm() -> None:
    """Import what the plots need (~0.3 s: matplotlib and its font list). The batch controller runs
    this in a thread while the class is graded, so the report at the end does not wait for it."""
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def histogram_svg(totals: list[float], best: float) -> str:
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    bins = min(20, max(5, int(best) or 5))
    ax.hist(totals, bins=bins, range=(0, best or max(totals, default=1) or 1), color="#45608a", edgecolor="white")
    ax.set_xlabel("total score")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)  # students come whole
    ax.set_title(f"score distribution ({len(totals)} graded)")
    fig.tight_layout()
    return svg_of(fig, "histogram")


def part_means_svg(info: dict[str, Any], means: dict[str, tuple[float, float]]) -> str:
    fig = new_figure(6.4, 0.5 + 0.45 * max(1, len(means)))
    ax = fig.add_subplot()
    names = list(means)
    ax.barh(names, [means[p][1] for p in names], color="#e4e9f2")
    ax.barh(names, [means[p][0] for p in names], color="#45608a")
    ax.invert_yaxis()
    ax.set_xlabel("mean points (of the part's maximum)")
    fig.tight_layout()
    return svg_of(fig, "parts")


def render_class_report(
    info: dict[str, Any],
    records: list[GradeRecord],
    notes: list[str],
    scope: str,
    similarity: Similarity | None = None,
) -> str:
    graded = [r for r in records if r.status == "graded"]
    totals = [r.total or 0.0 for r in graded]
    best = max((r.max_total or 0.0 for r in graded), default=0.0)
    means = part_means(info, graded)
    checks = check_stats(info, graded)
    stats = {
        "students": len(records),
        "graded": len(graded),
        "mean": statistics.fmean(totals) if totals else None,
        "median": statistics.median(totals) if totals else None,
        "stdev": statistics.stdev(totals) if len(totals) > 1 else None,
        "min": min(totals, default=None),
        "max": max(totals, default=None),
        "best": best,
        "runtime": sum(r.runtime for r in records),
    }
    return _ENV.get_template("class_report.html.j2").render(
        info=info,
        records=sorted(records, key=lambda r: (r.student_id, r.key)),
        stats=stats,
        checks=[c for c in checks if c.graded],
        unscored=[c for c in checks if not c.graded],
        max_listed=MAX_LISTED,
        parts=means,
        problems=problems(records),
        shortcuts=shortcuts(records),
        notes=notes,
        scope=scope,
        histogram=histogram_svg(totals, best) if totals else "",
        part_chart=part_means_svg(info, means) if means else "",
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        similarity=similarity,
        reports={r.key: r.report for r in records if r.report and r.status == "graded"},
    )


def write_class_report(
    path: Path,
    info: dict[str, Any],
    records: list[GradeRecord],
    notes: list[str],
    scope: str = "",
    similarity: Similarity | None = None,
) -> Path:
    path.write_text(render_class_report(info, records, notes, scope, similarity), encoding="utf-8")
    return path
