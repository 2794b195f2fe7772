"""The grading run of one submission (``--submission``), as a pytest plugin object.

Plumbing only: it turns the rubric into pytest items (one per check), hands each to the
``SubmissionGrader`` (harness/grading.py) that owns the submission's worker and results, and
prints the summary and writes the reports when the session ends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest
from _pytest._code.code import TerminalRepr

from .grading import GradingOptions, SubmissionGrader, identify, offering_rubric
from .manual import ManualScoresError, load_manual_scores
from .offerings import OfferingError
from .paths import kit_info
from .rubric import CheckSpec, Rubric, RubricError, load as load_rubric, rubric_path
from .scoring import CheckResult
from .submission import SubmissionError

__all__ = ["CheckFailure", "GradingSession", "load_session_rubric"]


class CheckFailure(Exception):
    """Raised by an item whose check earned less than full marks (shown without a traceback)."""

    def __init__(self, result: CheckResult):
        super().__init__(result.spec.id)
        self.result = result


def load_session_rubric(config: pytest.Config, assignment: str) -> Rubric:
    """``--rubric`` if given, else the assignment's own rubric; a bad file is a usage error."""
    rubric_file = config.getoption("rubric")
    try:
        return load_rubric(Path(rubric_file) if rubric_file else rubric_path(assignment))
    except (RubricError, OSError) as exc:
        raise pytest.UsageError(str(exc)) from None


def parse_fail_under(value: str | None) -> tuple[float, bool] | None:
    """``--fail-under``: (number, is a percentage); "30" is 30 points, "60%" is 60% of the run's total."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return (float(text[:-1]), True) if text.endswith("%") else (float(text), False)
    except ValueError:
        raise pytest.UsageError(f"--fail-under={value}: expected points (30) or a percentage (60%)") from None


def fail_under_points(spec: tuple[float, bool], max_total: float) -> float:
    number, percent = spec
    return number / 100 * max_total if percent else number


class GradingSession:
    def __init__(self, config: pytest.Config, grader: SubmissionGrader, report_path: Path):
        self.config = config
        self.grader = grader
        self.submission = grader.submission
        self.rubric = grader.rubric
        self.report_path = report_path
        self._written: dict[str, Path] = {}
        self.fail_under = parse_fail_under(config.getoption("fail_under"))
        self.base = Path(config.invocation_params.dir)

    @classmethod
    def from_config(cls, config: pytest.Config) -> GradingSession:
        base = Path(config.invocation_params.dir)
        path = Path(config.getoption("submission")).expanduser()
        if not path.is_absolute():
            path = base / path
        try:
            sub, assignment = identify(path, config.getoption("assignment"))
        except SubmissionError as exc:
            raise pytest.UsageError(str(exc)) from None
        rubric = load_session_rubric(config, assignment)
        try:
            rubric = offering_rubric(rubric, sub, config.getoption("offering"))
        except OfferingError as exc:
            raise pytest.UsageError(f"--submission={path}: {exc}") from None
        options = GradingOptions.from_config(config)
        manual = config.getoption("manual_scores")
        try:
            manual_scores = load_manual_scores(base / manual, rubric) if manual else {}
        except ManualScoresError as exc:
            raise pytest.UsageError(str(exc)) from None
        report = config.getoption("report")
        report_path = Path(report) if report else base / "reports" / sub.name / "report.html"
        if not report_path.is_absolute():
            report_path = base / report_path
        return cls(config, SubmissionGrader(sub, rubric, options, manual_scores=manual_scores), report_path)

    # -- pytest hooks -------------------------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        lines = [
            f"grading: {self.submission.source} ({self.rubric.title}, {self.submission.graded} in "
            f"{self.submission.root}" + (f", skeleton {self.submission.version})" if self.submission.version else ")"),
        ]
        if self.rubric.offering is not None:
            lines.append(f"offering: {self.rubric.offering.describe()}")
        return lines

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if file_path.resolve() == self.rubric.path.resolve():
            return RubricFile.from_parent(parent, path=file_path, grading=self)
        return None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        summary = self.grader.summary()
        tr = terminalreporter
        tr.section(f"grade: {self.rubric.name} ({self.submission.name})")
        for _, line in self.grader.problems():
            tr.write_line(f"problem: {line}", red=True, bold=True)
        for part, (got, best) in summary.part_scores().items():
            if best or not any(r.spec.part == part and r.status in ("manual", "indicative") for r in summary.results):
                tr.write_line(f"{part:8s} {self.rubric.parts[part]:45s} {got:6.1f}/{best:.1f}")
        waiting = [r for r in summary.results if r.status == "manual" and "answer" in r.attachments]
        if waiting:
            tr.write_line(
                f"awaiting a grader: {len(waiting)} written answers ({sum(r.spec.points for r in waiting):g} "
                f"points, not in the total; merge scores with --manual-scores)"
            )
        for r in summary.results:
            if "ratio" in r.measurements:
                lo, hi = r.measurements["ratio_range"]
                tr.write_line(
                    f"  {r.spec.id}: {r.measurements['ratio']:.2f}x the reference's time (rounds {lo:.2f}x-{hi:.2f}x)"
                )
        shown = [r.spec.id for r in summary.results if r.status == "indicative"]
        if shown:
            tr.write_line(
                f"indicative only (stand-in data, no points either way): {', '.join(shown)}; "
                f"grade them with --data-dir=DIR holding cifar-10-batches-py"
            )
        for result in summary.results:
            if not result.full_marks:
                tr.write_line(
                    f"  lost {result.points_lost:g} on {result.spec.id}: "
                    f"{(result.feedback().splitlines() or [''])[0][:150]}"
                )
        if self.rubric.offering is not None:
            tr.write_line(f"graded as {self.rubric.offering.describe()}")
            if self.rubric.not_assigned:
                tr.write_line(f"not assigned in this offering (not graded): {', '.join(self.rubric.not_assigned)}")
        bonus = f" (including {summary.bonus:g} bonus)" if summary.bonus else ""
        tr.write_line(f"{self.rubric.name}: {summary.total:.1f}/{summary.max_total:.1f}{bonus}", bold=True)
        for check_id, trace in self.grader.grader_errors.items():  # for the staff: the judge's own fault
            tr.write_line(f"grader error in {check_id}:\n{trace}", red=True)
        for label, path in self._written.items():
            tr.write_line(f"{label}: {path}")
        kit_scope = scope_line(
            self.rubric, summary.max_total
        )  # a student kit: the visible part of the grade, and what else counts
        if kit_scope:
            tr.write_line(kit_scope)
        if self.fail_under is not None:
            threshold = fail_under_points(self.fail_under, summary.max_total)
            verdict = "passes" if summary.total >= threshold - 1e-9 else "FAILS"
            tr.write_line(f"--fail-under={threshold:g}: the score {verdict}")
        self._github(summary, tr)

    def _github(self, summary: Any, tr: Any) -> None:
        """In GitHub Actions: annotations on the student's code, and the step summary."""
        if os.environ.get("GITHUB_ACTIONS") != "true":
            return
        from .report.github import annotation_lines, step_summary

        for line in annotation_lines(summary, self.submission, self.base):
            tr.write_line(line)
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if target:
            with open(target, "a", encoding="utf-8") as f:
                f.write(step_summary(summary, self.rubric.title, self.submission))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.planned = sum(1 for item in session.items if item.get_closest_marker("skip") is None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.grader.interrupted = (len(self.grader.results), getattr(self, "planned", len(self.rubric.checks)))
        try:
            self._written = self.grader.write_reports(self.report_path)
        finally:
            self.close()
        if self.fail_under is not None and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            summary = self.grader.summary()
            passed = summary.total >= fail_under_points(self.fail_under, summary.max_total) - 1e-9
            session.exitstatus = pytest.ExitCode.OK if passed else pytest.ExitCode.TESTS_FAILED

    def close(self) -> None:
        self.grader.close(graceful=self.grader.interrupted is None)  # a stopped run does not wait on a busy worker


class RubricFile(pytest.File):
    """The rubric file, collected as the container of one item per check."""

    def __init__(self, *, grading: GradingSession, **kw: Any):
        super().__init__(**kw)
        self.grading = grading

    def collect(self):
        grader = self.grading.grader
        for spec in grader.rubric.checks:
            item = CheckItem.from_parent(self, name=spec.id, spec=spec)
            if not grader.options.runs(grader.rubric, spec):
                item.add_marker(pytest.mark.skip(reason="throughput benchmark: run with --benchmarks"))
            yield item


class CheckItem(pytest.Item):
    def __init__(self, *, spec: CheckSpec, **kw: Any):
        super().__init__(**kw)
        self.spec = spec

    def runtest(self) -> None:
        result = cast(RubricFile, self.parent).grading.grader.run_check(self.spec)
        if not result.full_marks:
            raise CheckFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CheckFailure):
            r = excinfo.value.result
            # indented: text quoted from student code never starts a line, so it cannot pass for the
            # grader's own summary lines ("hw2: 118.0/118.0", "71 passed")
            feedback = "\n".join("  " + line for line in r.feedback().splitlines())
            return f"{r.spec.title}: {r.score:g}/{r.max_score:g} points\n{feedback}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"{self.spec.id}: {self.spec.title} ({self.spec.points:g} pts)"


def scope_line(rubric: object, here: float) -> str | None:
    """In a kit: "This kit checks 108 of the 122 automatic points of your grade; 14 more automatic points
    and the 60 points of written answers are graded by the course." (None elsewhere). ``here``: the
    maximum this run graded for points."""
    info = kit_info()
    if not info:
        return None
    offering = getattr(getattr(rubric, "offering", None), "offering", None)
    scope = info.get("scope", {})
    whole = scope.get(offering.name if offering is not None else "", scope.get(""))
    if not whole:
        return None
    rest = whole["automatic"] - here
    later = ([f"{rest:g} more automatic points"] if rest > 0 else []) + (
        [f"the {whole['manual']:g} points of written answers"] if whole["manual"] else []
    )
    text = f"This kit checks {here:g} of the {whole['automatic']:g} automatic points of your grade"
    if later:
        text += "; " + " and ".join(later) + " are graded by the course"
    return text + "."
