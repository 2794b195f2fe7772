"""Batch grading of a class (``--submissions=DIR``), as a pytest plugin object.

One pytest item per submission, so all checks of a submission run in one process and pay its
start-up once, and xdist's scheduler hands out whole submissions (work stealing, so one slow
submission does not hold back those queued behind it). The plugin is registered in the
controller and in every xdist worker: workers grade and write each result to the store as it
finishes; the controller shows progress and, at the end, builds the class report and the
gradebook from the store.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import sys
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from _pytest._code.code import TerminalRepr

from ..grading import GradingOptions, check_assignment, check_declarations, check_functions, identify
from ..manual import ManualScore, ManualScoresError, load_class_manual_scores
from ..offerings import OfferingError, Recognition, choose, default_offering, load_offerings, recognise
from ..session import load_session_rubric
from ..submission import SubmissionError
from .discover import ClassFolder, DiscoveryError, Entry, discover, parse_shard, shard
from .grade import EntryGrader, manual_names
from .intake import IntakeLimits
from .plan import read_plan
from .progress import Progress
from .selection import grading_digest, grading_info, select_checks
from .similar import SimilarityRequest, threshold_setting
from .store import STORE_NAME, GradeRecord, ResultStore

REPORT_KEY = "dl_batch"  # the user_properties entry that carries an item's outcome to the controller
DIGEST_KEY = "dl_batch_digest"  # the workerinput entry that carries the controller's grading digest


class NotGraded(Exception):
    """The item's submission was rejected or could not be graded (shown without a traceback)."""

    def __init__(self, record: GradeRecord):
        super().__init__(record.key)
        self.record = record


class BatchSession:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        base = Path(config.invocation_params.dir)
        self.root = _absolute(base, config.getoption("submissions"))
        self.out = _absolute(base, config.getoption("out"))
        assignment = config.getoption("assignment")
        check_assignment(assignment)
        if assignment == "auto":
            assignment = class_assignment(self.root)
        # one rubric for the whole class, under one offering: its report compares everyone on the same checks
        self.rubric = load_session_rubric(config, assignment)
        try:
            self.rubric = self.rubric.for_offering(class_offering(self.root, self.rubric, config.getoption("offering")))
        except OfferingError as exc:
            raise pytest.UsageError(str(exc)) from None
        max_bytes = int(float(config.getoption("max_file_mb")) * 1024**2)
        self.intake = IntakeLimits(max_file_bytes=max_bytes)
        options = dataclasses.replace(GradingOptions.from_config(config), max_file_bytes=max_bytes)
        # -k picks checks here (the items are submissions); pytest must not deselect submissions with it
        self.expression = (config.option.keyword or "").strip()
        config.option.keyword = ""
        try:
            self.shard = parse_shard(config.getoption("shard")) if config.getoption("shard") else (1, 1)
            plan_file = config.getoption("shard_plan")
            if plan_file and not config.getoption("shard"):
                raise ValueError("--shard-plan says which shard grades whom: give --shard=K/N too")
            plan = read_plan(base / plan_file, self.shard[1]) if plan_file else None
            self.folder: ClassFolder = discover(self.root, self.rubric.submission.package, max_bytes, exclude=self.out)
        except (ValueError, DiscoveryError) as exc:
            raise pytest.UsageError(str(exc)) from None
        self.entries: list[Entry] = shard(self.folder.entries, *self.shard, plan)
        self.checks = [c for c in select_checks(self.rubric, self.expression) if options.runs(self.rubric, c)]
        if not self.checks:
            raise pytest.UsageError(f"-k {self.expression}: selects none of the rubric's checks ({self.rubric.path})")
        # a rubric entry without a check is a usage error now, not N errors later; an xdist controller
        # grades nothing: it reads the checks' declarations, and does not pay for importing torch
        if self.is_worker or config.getvalue("dist") in (None, "no"):
            check_functions(self.rubric)
        else:
            check_declarations(self.rubric)
        # Workers take the controller's digest: an edit of the rubric or a check during the run must
        # not split one run's results across two digests.
        worker_input = getattr(config, "workerinput", {})
        self.digest = worker_input.get(DIGEST_KEY) or grading_digest(self.rubric, self.checks, options)
        self.store = ResultStore(self.out / STORE_NAME)
        if not self.is_worker:
            self.store.register_grading(self.digest, grading_info(self.rubric, self.checks, options, self.expression))
        manual = self._manual_scores(base, config.getoption("manual_scores"))
        self.grader = EntryGrader(
            self.rubric,
            self.checks,
            options,
            self.digest,
            self.store,
            self.out,
            self.intake,
            regrade=bool(config.getoption("regrade")),
            manual=manual,
        )
        if self.is_worker:
            _share_cores(int(getattr(config, "workerinput", {}).get("workercount", 1)))
            atexit.register(_exit_without_teardown)  # registered after torch's: runs before them
        elif config.getvalue("dist") in (None, "no"):
            _share_cores(1)  # grading in this process: the CPUs it was given (a SLURM task's), not the node's
        self.similarity = _similarity_request(config, base, self.rubric, self.intake)
        self.progress = Progress(len(self.entries))
        self.crashed: dict[str, str] = {}  # key -> why its grading process died (controller only)
        self.written: dict[str, Path] = {}
        self._prewarm: threading.Thread | None = None

    def _manual_scores(self, base: Path, option: str | None) -> dict[str, dict[str, ManualScore]]:
        """--manual-scores in batch mode: scores per student (harness/manual.py); a student the file
        names who is not in the class is a note of the class report (a typo would lose their scores)."""
        if not option:
            return {}
        try:
            manual = load_class_manual_scores(_absolute(base, option), self.rubric)
        except ManualScoresError as exc:
            raise pytest.UsageError(str(exc)) from None
        if self.shard[1] == 1:
            known = {name for e in self.folder.entries for names in manual_names(e) for name in names}
            unknown = sorted(set(manual) - known)
            if unknown:
                self.folder.notes.append(
                    f"--manual-scores names students not in the class (their scores are not used): {', '.join(unknown)}"
                )
        return manual

    # -- collection: the rubric file stands for the class, one item per entry ----------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        shard = f", shard {self.shard[0]}/{self.shard[1]}" if self.shard[1] > 1 else ""
        picked = (
            f" ({len(self.checks)} of {len(self.rubric.checks)} checks: -k {self.expression})"
            if self.expression
            else ""
        )
        lines = [
            f"batch: {len(self.entries)} submissions in {self.root}{shard} ({self.folder.layout} layout), "
            f"{self.rubric.title}{picked}; results in {self.out}"
        ]
        if self.rubric.offering is not None:
            lines.append(f"offering (the whole class): {self.rubric.offering.describe()}")
        return lines

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if file_path.resolve() == self.rubric.path.resolve():
            return ClassFile.from_parent(parent, path=file_path, batch=self)
        return None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[DIGEST_KEY] = self.digest

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None
        from xdist.scheduler import WorkStealingScheduling

        return WorkStealingScheduling(config, log)

    # -- progress (controller) ---------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        outcome = _outcome(report)
        if outcome is None or report.when != "call":
            return None
        if outcome["cached"]:
            return "cached", "", ("CACHED", {"cyan": True})
        word = (
            f"{outcome['total']:g}/{outcome['max_total']:g}"
            if outcome["status"] == "graded"
            else outcome["status"].upper()
        )
        return report.outcome, "", (word, {"green": report.passed, "red": report.failed})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return
        outcome = _outcome(report)
        if report.when == "call" or (report.failed and outcome is None and report.when != "teardown"):
            self._prewarm_class_report()
            if outcome is None:  # the grading process died with this item, or setup failed
                self.crashed[report.nodeid.rsplit("::", 1)[-1]] = _first_lines(report.longreprtext)
            ok = outcome is not None and outcome["status"] == "graded"
            line = self.progress.finished(ok=ok, cached=bool(outcome and outcome["cached"]))
            tr = self.config.pluginmanager.get_plugin("terminalreporter")
            if tr is not None:
                # write, not write_line: that would make pytest print the file location again
                if tr.isatty:
                    tr.rewrite(line, erase=True)
                else:
                    tr.write(line + "\n")

    # -- the class outputs (controller) ------------------------------------------------------

    def _prewarm_class_report(self) -> None:
        """Once the first result is in (the workers are past their start-up), import the plotting
        library in a thread: the controller is idle while the class is graded."""
        if self._prewarm is None:
            from .classreport import prewarm

            self._prewarm = threading.Thread(target=prewarm, name="class-report-prewarm", daemon=True)
            self._prewarm.start()

    # tryfirst: under xdist the workers have sent their last result when the run loop ends, so the
    # class outputs are written while xdist's own sessionfinish waits for the workers to exit
    # (~0.7 s of interpreter teardown each), not after it.
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            if not self.is_worker:
                if self._prewarm is not None:
                    self._prewarm.join()  # no two threads importing matplotlib at once
                from .outputs import write_class_outputs

                records = {r.key: r for r in self.store.records(self.digest)}
                self.written = write_class_outputs(
                    self.out,
                    self.store.grading_info(self.digest),
                    self.entries,
                    records,
                    self.crashed,
                    notes=self.folder.notes,
                    shard=self.shard,
                    similarity=self.similarity,
                )
            if not self.entries and self.shard[1] > 1 and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
                # a shard that received no submission did its part (a SLURM array task must not read FAILED)
                session.exitstatus = pytest.ExitCode.OK
        finally:
            self.store.close()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        tr = terminalreporter
        if tr.isatty:
            tr.write_line("")
        tr.section(f"batch: {self.rubric.name} ({self.root.name})")
        tr.write_line(self.progress.summary())
        if not self.entries and self.shard[1] > 1:
            tr.write_line(
                f"note: shard {self.shard[0]}/{self.shard[1]} holds no submission: nothing to grade (exit status 0)"
            )
        for note in self.folder.notes:
            tr.write_line(f"note: {note}")
        for label, path in self.written.items():
            tr.write_line(f"{label}: {path}")


class ClassFile(pytest.File):
    """The rubric file, collected as the container of one item per submission."""

    def __init__(self, *, batch: BatchSession, **kw: Any):
        super().__init__(**kw)
        self.batch = batch

    def collect(self):
        for entry in self.batch.entries:
            yield SubmissionItem.from_parent(self, name=entry.key.replace("::", "_"), entry=entry)


class SubmissionItem(pytest.Item):
    def __init__(self, *, entry: Entry, **kw: Any):
        super().__init__(**kw)
        self.entry = entry

    def runtest(self) -> None:
        record, cached = cast(ClassFile, self.parent).batch.grader.grade(self.entry)
        self.user_properties.append(
            (
                REPORT_KEY,
                {
                    "key": record.key,
                    "status": record.status,
                    "cached": cached,
                    "total": record.total,
                    "max_total": record.max_total,
                },
            )
        )
        if record.status != "graded":
            raise NotGraded(record)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, NotGraded):
            r = excinfo.value.record
            return f"{r.key} ({r.student_id}): {r.status}: {r.reason}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.entry.path, None, f"{self.entry.key} ({self.entry.student_id})"


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, and no more than a SLURM task was given
    (``SLURM_CPUS_PER_TASK``: with ``task/none`` the mask is the whole node)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    granted = os.environ.get("SLURM_CPUS_PER_TASK", "")
    return max(1, min(cpus, int(granted))) if granted.isdigit() and int(granted) > 0 else max(1, cpus)


def _share_cores(workers: int) -> None:
    """Give each judge (one per xdist worker, or this process alone) its share of the CPUs it may use
    for torch's thread pool: judges each running as many threads as the node has cores only slow
    each other down (two one-CPU SLURM tasks on one node, N xdist workers). The student's worker is
    limited by --worker-threads already. Thread count changes no verdict: float64, relative tolerances."""
    share = max(1, available_cpus() // max(1, workers))
    import torch

    if share < torch.get_num_threads():
        torch.set_num_threads(share)


def _exit_without_teardown() -> None:
    """End an xdist worker of a batch without the interpreter's teardown.

    The worker process exists for this run only and everything it produced is already committed
    (each result to the store as it finished, its events to the controller), but tearing down an
    interpreter that has imported torch takes ~0.5 s, and the controller waits for it before it
    exits: a fixed cost of every batch. Runs as the last ``atexit`` handler registered, so first."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(0)


def _outcome(report: pytest.TestReport) -> dict[str, Any] | None:
    for name, value in getattr(report, "user_properties", ()):
        if name == REPORT_KEY:
            return value
    return None


def _first_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-n:])


def _similarity_request(
    config: pytest.Config, base: Path, rubric: Any, intake: IntakeLimits
) -> SimilarityRequest | None:
    """--similarity-*: what the class report's similarity section compares (None: 'off')."""
    try:
        settings = threshold_setting(config.getoption("similarity_threshold"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings is None:
        return None
    corpus = config.getoption("similarity_corpus")
    skeleton = config.getoption("similarity_skeleton")
    if corpus and not _absolute(base, corpus).is_dir():
        raise pytest.UsageError(f"--similarity-corpus={corpus}: no such folder")
    if skeleton and not _absolute(base, skeleton).is_dir():
        raise pytest.UsageError(f"--similarity-skeleton={skeleton}: no such folder")
    return SimilarityRequest(
        contract=rubric.submission,
        skeleton=_absolute(base, skeleton) if skeleton else rubric.skeleton,
        corpus=_absolute(base, corpus) if corpus else None,
        settings=settings,
        intake=intake,
    )


def _absolute(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def class_assignment(root: Path, sample: int = 5) -> str:
    """``--assignment=auto`` in batch mode: the assignment most of the first few unpacked entries are
    recognised as (zips are not opened for this); hw2 when none is recognised."""
    import collections

    votes: collections.Counter[str] = collections.Counter()
    try:
        children = sorted(p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink())
    except OSError:
        return "hw2"
    for child in [c for c in children if c.is_dir() or c.suffix in (".py", ".ipynb")][:sample]:
        try:
            votes[identify(child, "auto")[1]] += 1
        except (SubmissionError, OSError):
            continue
    return votes.most_common(1)[0][0] if votes else "hw2"


def class_offering(root: Path, rubric: Any, wanted: str | None, sample: int = 9) -> Recognition | None:
    """The offering a class is graded under: ``--offering``, else the one most of the first few
    unpacked entries are recognised as (entries of an offering the grader does not support are
    refused one by one when graded)."""
    import collections

    offerings = load_offerings(rubric.path)
    if wanted or not offerings:
        return choose_for_class(offerings, wanted)
    votes: collections.Counter[str] = collections.Counter()
    seen: dict[str, Recognition] = {}
    try:
        children = sorted(p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink())
    except OSError:
        children = []
    for child in [c for c in children if c.is_dir()][:sample]:
        try:
            rec = recognise(identify(child, rubric.name)[0], offerings)
        except (SubmissionError, OSError):
            continue
        if rec.offering.supported:
            votes[rec.offering.name] += 1
            seen.setdefault(rec.offering.name, rec)
    if not votes:
        return choose_for_class(offerings, None)
    name, count = votes.most_common(1)[0]
    rec = seen[name]
    why = f"{count} of the {sum(votes.values())} entries sampled look like it (the first: {'; '.join(rec.reasons)})"
    return Recognition(rec.offering, "recognised", (why,))


def choose_for_class(offerings: list, wanted: str | None) -> Recognition | None:
    """``--offering`` (or, with nothing recognised, the default offering) for a whole class."""
    if wanted or not offerings:
        return choose(None, offerings, wanted)  # type: ignore[arg-type]
    return Recognition(
        default_offering(offerings),
        "default",
        ("no entry of the class was recognised; graded as the default offering",),
    )
