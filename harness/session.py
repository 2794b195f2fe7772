"""The grading run of one submission, as a pytest plugin object.

It turns the rubric into pytest items (one per check), runs each check against the worker,
scores it, and writes the terminal summary and the reports when the session ends.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from . import reference as reference_loader
from .checks import CheckAbort, CheckContext, find_check, load_checks
from .rubric import CheckSpec, Rubric, RubricError, load as load_rubric, rubric_path
from .sandbox import Limits, Worker
from .manual import ManualScoresError, apply_manual, load_manual_scores
from .scoring import CheckResult, Summary, indicative, score
from .submission import Submission, SubmissionError, locate, stage

ASSIGNMENTS = ("hw2",)  # assignments with a rubric and a reference; the first whose package is found wins


class CheckFailure(Exception):
    """Raised by an item whose check earned less than full marks (shown without a traceback)."""

    def __init__(self, result: CheckResult):
        super().__init__(result.spec.id)
        self.result = result


class GradingSession:
    def __init__(self, config: pytest.Config, submission: Submission, rubric: Rubric):
        self.config = config
        self.submission = submission
        self.rubric = rubric
        self.seed = int(config.getoption("grading_seed"))
        self.limits = Limits(call_timeout=float(config.getoption("check_timeout")))
        self.threads = int(config.getoption("worker_threads"))
        report = config.getoption("report")
        base = Path(config.invocation_params.dir)
        self.report_path = Path(report) if report else base / "reports" / submission.name / "report.html"
        if not self.report_path.is_absolute():
            self.report_path = base / self.report_path
        self.results: dict[str, CheckResult] = {}
        data_dir = config.getoption("data_dir")
        if data_dir and not (base / data_dir / "cifar-10-batches-py").is_dir():
            raise pytest.UsageError(f"--data-dir={data_dir}: no cifar-10-batches-py folder there "
                                    "(CIFAR-10 in torchvision's on-disk format)")
        self.data_dir = base / data_dir if data_dir else None
        manual = config.getoption("manual_scores")
        try:
            self.manual_scores = load_manual_scores(base / manual, rubric) if manual else {}
        except ManualScoresError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.started = time.time()
        self._worker: Worker | None = None
        self._reference: Any = None
        self._images: Any = None
        self._scratch: Path | None = None
        # Start the worker first: its torch import then overlaps the judge's own (2 cores).
        self.worker.spawn()
        try:
            self.check_functions = load_checks(rubric.checks_module)
            missing = [c.id for c in rubric.checks if find_check(self.check_functions, c.id) is None]
            if missing:
                raise pytest.UsageError(f"{rubric.path}: no check function registered for {', '.join(missing)}")
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_config(cls, config: pytest.Config) -> "GradingSession":
        path = Path(config.getoption("submission")).expanduser()
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        assignment = config.getoption("assignment")
        names = ASSIGNMENTS if assignment == "auto" else (assignment,)
        if assignment != "auto" and assignment not in ASSIGNMENTS:
            raise pytest.UsageError(f"--assignment={assignment}: unknown; known: {', '.join(ASSIGNMENTS)}")
        error: SubmissionError | None = None
        for name in names:
            try:
                sub = locate(path, name)
                break
            except SubmissionError as exc:
                error = error or exc
        else:
            raise pytest.UsageError(str(error))
        rubric_file = config.getoption("rubric")
        try:
            rubric = load_rubric(Path(rubric_file) if rubric_file else rubric_path(sub.package))
        except (RubricError, OSError) as exc:
            raise pytest.UsageError(str(exc)) from None
        return cls(config, sub, rubric)

    # -- resources, made on first use ---------------------------------------------------------

    @property
    def worker(self) -> Worker:
        if self._worker is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="dl-autograder-"))
            staged = stage(self.submission, self._scratch)
            self._worker = Worker(staged, self.rubric.probe_modules, self.limits, self.threads, self._scratch)
        return self._worker

    def _load_images(self) -> Any:
        if self._images is None:
            from .data import load_images

            self._images = load_images(self.data_dir)
        return self._images

    @property
    def reference(self) -> Any:
        if self._reference is None:
            self._reference = reference_loader.load(self.rubric.name)
        return self._reference

    # -- grading ------------------------------------------------------------------------------

    def run_check(self, spec: CheckSpec) -> CheckResult:
        ctx = CheckContext(self.worker, self.reference, self.seed, spec.id, images_loader=self._load_images)
        start = time.perf_counter()
        aborted = None
        findings = []
        try:
            findings = find_check(self.check_functions, spec.id)(ctx) or []
        except CheckAbort as exc:
            aborted = str(exc)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            # the reply of the student's code had an unexpected form
            aborted = f"the output of your code could not be judged ({type(exc).__name__}: {exc})"
        points, status, complete = score(spec, findings, aborted)
        result = CheckResult(spec, status, complete, ctx.notes, time.perf_counter() - start, points)
        result.attachments = dict(ctx.attachments)
        if spec.manual:
            apply_manual(result, self.manual_scores.get(spec.id))
        elif ctx.indicative_reason and not aborted:
            indicative(result, ctx.indicative_reason)
        self.results[spec.id] = result
        return result

    def summary(self) -> Summary:
        return Summary(self.rubric, [self.results[c.id] for c in self.rubric.checks if c.id in self.results])

    def environment(self) -> dict[str, Any]:
        import torch

        env: dict[str, Any] = {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "platform": platform.platform(),
            "seed": self.seed,
            "device": "cpu",
            "worker threads": self.threads,
            "skeleton version": self.submission.version,
            "call timeout": f"{self.limits.call_timeout:g} s",
            "memory limit": f"{self.limits.memory_bytes / 1024**3:g} GiB (RLIMIT_DATA)",
        }
        if self._images is not None:
            env["image data"] = self._images.source
        if self._worker is not None:
            w = self._worker.environment
            env["network"] = w.get("network", "")
            env["worker starts"] = self._worker.starts
            env["compatibility measures"] = w.get("compat") or ["none needed"]
        return env

    # -- pytest hooks -------------------------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return [
            f"grading: {self.submission.source} ({self.rubric.title}, package '{self.submission.package}' in "
            f"{self.submission.root}, skeleton {self.submission.version})",
        ]

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if file_path.resolve() == self.rubric.path.resolve():
            return RubricFile.from_parent(parent, path=file_path, grading=self)
        return None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        summary = self.summary()
        tr = terminalreporter
        tr.section(f"grade: {self.rubric.name} ({self.submission.name})")
        for part, (got, best) in summary.part_scores().items():
            if best or not any(r.spec.part == part and r.status in ("manual", "indicative") for r in summary.results):
                tr.write_line(f"{part:8s} {self.rubric.parts[part]:45s} {got:6.1f}/{best:.1f}")
        waiting = [r for r in summary.results if r.status == "manual" and "answer" in r.attachments]
        if waiting:
            tr.write_line(f"awaiting a grader: {len(waiting)} written answers ({sum(r.spec.points for r in waiting):g} "
                          f"points, not in the total; merge scores with --manual-scores)")
        shown = [r.spec.id for r in summary.results if r.status == "indicative"]
        if shown:
            tr.write_line(f"indicative only (stand-in data, no points either way): {', '.join(shown)}; "
                          f"grade them with --data-dir=DIR holding cifar-10-batches-py")
        for result in summary.results:
            if not result.full_marks:
                tr.write_line(f"  lost {result.max_score - result.score:g} on {result.spec.id}: "
                              f"{(result.feedback().splitlines() or [''])[0][:150]}")
        tr.write_line(f"{self.rubric.name}: {summary.total:.1f}/{summary.max_total:.1f}", bold=True)
        if getattr(self, "_written", None):
            for label, path in self._written.items():
                tr.write_line(f"{label}: {path}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from .report import write_reports

        try:
            self._written = write_reports(self, self.report_path)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker and remove the scratch copy of the submission."""
        if self._worker is not None:
            self._worker.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


class RubricFile(pytest.File):
    """The rubric file, collected as the container of one item per check."""

    def __init__(self, *, grading: GradingSession, **kw: Any):
        super().__init__(**kw)
        self.grading = grading

    def collect(self):
        for spec in self.grading.rubric.checks:
            yield CheckItem.from_parent(self, name=spec.id, spec=spec)


class CheckItem(pytest.Item):
    def __init__(self, *, spec: CheckSpec, **kw: Any):
        super().__init__(**kw)
        self.spec = spec

    def runtest(self) -> None:
        result = self.parent.grading.run_check(self.spec)
        if not result.full_marks:
            raise CheckFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailure):
            r = excinfo.value.result
            return f"{r.spec.title}: {r.score:g}/{r.max_score:g} points\n{r.feedback()}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.spec.id}: {self.spec.title} ({self.spec.points:g} pts)"
