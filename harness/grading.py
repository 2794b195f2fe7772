"""Grading one submission: its staged copy, its worker, the checks run against it, its reports.

``SubmissionGrader`` is the core that both front ends drive: the single-submission pytest plugin
(``harness/session.py``, ``--submission``) runs one check per pytest item, and batch mode
(``harness/batch/``, ``--submissions``) runs all checks of a submission in one item. Neither
front end holds grading state of its own.
"""

from __future__ import annotations

import platform
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import pytest

from . import reference as reference_loader
from .bounded import MAX_MESSAGE, cut, printable
from .checks import CheckAbort, CheckContext, CheckFunction, declared_checks, find_check, load_checks, unmatched
from .checks.base import Finding, LazyAnswerKey, crashed
from .data import has_known_dataset
from .expected import ExpectedValues
from .integrity.shortcuts import Shortcut, found_by_worker, in_source, source_of
from .manual import ManualScore, apply_manual
from .offerings import choose as choose_offering, load_offerings
from .paths import REFERENCE
from .preflight import ImportProblem, modules_to_import, preflight, summary_lines
from .rubric import CheckSpec, Rubric, RubricError, available, load as load_rubric, rubric_path
from .sandbox import Limits, Worker, confine, math_mode
from .sandbox.noise import split_noise
from .scoring import CheckResult, Summary, flag_shortcuts, indicative, optional, same_cause, score
from .submission import Contract, Submission, SubmissionError, locate, stage

MAX_NOTES = 12  # notes kept per check


@dataclass(frozen=True)
class GradingOptions:
    """What decides a grade besides the submission and the rubric (the same options, the same grade)."""

    seed: int = 0
    call_timeout: float = 60.0
    threads: int = 1
    data_dir: Path | None = None  # holds cifar-10-batches-py / MNIST; None: the stand-in data
    max_file_bytes: int | None = None  # larger files of the package are not staged (batch mode sets it)
    benchmarks: bool = False  # run the rubric's opt-in parts (throughput benchmarks) too
    sandbox: str = "auto"  # confinement mode of the worker (harness/sandbox/confine.py)
    submission_timeout: float | None = None  # wall seconds per submission; None: the rubric's; 0: none

    @classmethod
    def from_config(cls, config: pytest.Config) -> GradingOptions:
        base = Path(config.invocation_params.dir)
        data_dir = config.getoption("data_dir")
        if data_dir and not has_known_dataset(base / data_dir):
            raise pytest.UsageError(
                f"--data-dir={data_dir}: no dataset there (expected cifar-10-batches-py, "
                "MNIST/raw or mnist-train.npz: CIFAR-10 or MNIST in torchvision's on-disk "
                "format, or the Edinburgh lab's MNIST files)"
            )
        return cls(
            seed=int(config.getoption("grading_seed")),
            call_timeout=float(config.getoption("check_timeout")),
            threads=int(config.getoption("worker_threads")),
            data_dir=base / data_dir if data_dir else None,
            benchmarks=bool(config.getoption("benchmarks")),
            sandbox=_sandbox_mode(config.getoption("sandbox")),
            submission_timeout=_budget_option(config.getoption("submission_timeout")),
        )

    def budget(self, rubric: Rubric) -> float:
        """Wall seconds one submission may take (0: no limit)."""
        if self.submission_timeout is not None:
            return self.submission_timeout
        return rubric.budget(with_opt_in=self.benchmarks)

    def runs(self, rubric: Rubric, spec: CheckSpec) -> bool:
        """Whether ``spec`` is graded in this run: opt-in parts only with --benchmarks."""
        return self.benchmarks or spec.part not in rubric.opt_in_parts

    @property
    def limits(self) -> Limits:
        return Limits(call_timeout=self.call_timeout, sandbox=self.sandbox)


def _budget_option(value: float | None) -> float | None:
    if value is not None and value < 0:
        raise pytest.UsageError(f"--submission-timeout={value:g}: expected seconds (0: no budget)")
    return value


def _sandbox_mode(wanted: str) -> str:
    mode = confine.detect(wanted)
    if wanted != "auto" and mode.name != wanted:
        raise pytest.UsageError(
            f"--sandbox={wanted}: does not work on this machine (the strongest that does: {confine.detect().name})"
        )
    return wanted


class DataCache:
    """The datasets, each loaded on first use and kept: batch mode shares one cache across submissions."""

    def __init__(self, data_dir: Path | None):
        self.data_dir = data_dir
        self.loaded: dict[str, Any] = {}

    def __call__(self, name: str = "cifar10") -> Any:
        if name not in self.loaded:
            from .data import DATASETS

            self.loaded[name] = DATASETS[name](self.data_dir)
        return self.loaded[name]

    @property
    def images(self) -> Any:
        return self.loaded.get("cifar10")


def check_assignment(assignment: str) -> None:
    """``--assignment``: "auto" or one that has a rubric."""
    known = available()
    if assignment != "auto" and assignment not in known:
        raise pytest.UsageError(f"--assignment={assignment}: unknown; known: {', '.join(known)}")


def contract_of(assignment: str) -> Contract:
    try:
        return load_rubric(rubric_path(assignment)).submission
    except RubricError as exc:
        raise pytest.UsageError(str(exc)) from None


def locate_submission(path: Path, assignment: str) -> Submission:
    """The submission at ``path`` for ``assignment`` (see ``identify``)."""
    return identify(path, assignment)[0]


# Recognised without --assignment, a tutorial's file must define at least this share of its names
AUTO_MIN_SHARE = 0.5


def identify(path: Path, assignment: str) -> tuple[Submission, str]:
    """The submission at ``path`` and its assignment. "auto": an assignment whose package is there
    wins (tutorial files are then not even read); else the module file that defines the largest
    share of an assignment's names (at least AUTO_MIN_SHARE); ties go to the first in ``available()``."""
    check_assignment(assignment)
    if not path.exists():
        raise SubmissionError(f"--submission={path}: no such file or directory")
    names = available() if assignment == "auto" else [assignment]
    contracts = {name: contract_of(name) for name in names}
    error: SubmissionError | None = None
    for wanted_package in (True, False):
        found: list[tuple[Submission, str]] = []
        for name in names:
            if (contracts[name].package is not None) != wanted_package:
                continue
            try:
                sub = locate(path, contracts[name])
            except SubmissionError as exc:
                error = error or exc
                continue
            if assignment == "auto" and not wanted_package and sub.match < AUTO_MIN_SHARE:
                continue  # a notebook importing one name (``from hw2.mlp import MLP``) is not a tutorial's code
            found.append((sub, name))
        if found:
            return max(found, key=lambda f: (f[0].match, -names.index(f[1])))
    if assignment == "auto" and len(names) > 1:
        raise SubmissionError(
            f"--submission={path}: none of the assignments' code was found; expected "
            + "; or ".join(f"{contracts[n].describe()} ({n})" for n in names)
        ) from None
    assert error is not None
    raise error


def offering_rubric(rubric: Rubric, sub: Submission, wanted: str | None) -> Rubric:
    """The rubric as the submission's offering assigned it (``--offering``, else recognised).
    An unknown or unsupported offering raises ``OfferingError`` (one sentence, no grade)."""
    return rubric.for_offering(choose_offering(sub, load_offerings(rubric.path), wanted))


def default_expected(assignment: str) -> ExpectedValues:
    """In a student kit, the stored expected values; on the staff's machine, the answer key."""
    from .paths import expected_store_path, in_kit

    return ExpectedValues.load(expected_store_path(assignment)) if in_kit() else ExpectedValues()


def check_functions(rubric: Rubric) -> dict[str, CheckFunction]:
    """The registered check functions; a rubric entry without one is a usage error."""
    functions = load_checks(rubric.checks_module)
    _refuse_unmatched(rubric, functions)
    return functions


def check_declarations(rubric: Rubric) -> None:
    """``check_functions`` from the checks' source, importing nothing (the batch controller's check)."""
    _refuse_unmatched(rubric, declared_checks(rubric.checks_module))


def _refuse_unmatched(rubric: Rubric, registered: Iterable[str]) -> None:
    missing = unmatched([c.id for c in rubric.checks], registered)
    if missing:
        raise pytest.UsageError(f"{rubric.path}: no check function registered for {', '.join(missing)}")


class SubmissionGrader:
    """One submission's grading: start its worker, run checks, summarise, report, clean up."""

    def __init__(
        self,
        submission: Submission,
        rubric: Rubric,
        options: GradingOptions,
        *,
        images: DataCache | None = None,
        manual_scores: dict[str, ManualScore] | None = None,
        expected: ExpectedValues | None = None,
    ):
        self.submission = submission
        self.rubric = rubric
        self.options = options
        self.seed = options.seed
        self.limits = options.limits
        self.threads = options.threads
        self.manual_scores = manual_scores or {}
        self.results: dict[str, CheckResult] = {}
        self.aborts: dict[str, str] = {}  # check id -> why it could not run ("timeout", "crashed", ...)
        self.started = time.time()
        self.budget = options.budget(rubric)  # wall seconds for the whole submission (0: none)
        self._deadline = time.monotonic() + self.budget if self.budget else None
        self.import_problems: dict[str, ImportProblem] = {}  # module -> why it does not import (preflight)
        self._preflighted = False
        self._broken_pointers: dict[str, str] = {}  # module -> what a check that needs it says (preflight)
        self.not_reached: list[str] = []  # checks the time budget left no time for
        self.grader_errors: dict[str, str] = {}  # check id -> the judge's own traceback (staff only: the log)
        # the judge's wording in the graded offering's names (its ``TorchTrainer`` for ``ClassifierTrainer``)
        self._in_own_words = rubric.offering.offering.in_own_words if rubric.offering is not None else str
        self.interrupted: tuple[int, int] | None = None  # (checks graded, checks planned) of a run stopped early
        self._images = images or DataCache(options.data_dir)
        self._worker: Worker | None = None
        self._reference_worker: Worker | None = None
        self._answer_key = LazyAnswerKey(lambda: reference_loader.load(self.rubric.name))
        self.expected = expected or default_expected(rubric.name)
        self.reference_touched: set[str] = set()  # checks that used the answer key outside expect()
        self._scratch: Path | None = None
        self.left_out: list[str] = []  # entries of the submission not copied for the worker (harness/files.py)
        # Start the worker first: its torch import then overlaps the judge's own (2 cores).
        self.worker.spawn()
        try:
            self.check_functions = check_functions(rubric)
        except BaseException:
            self.close()
            raise

    # -- resources, made on first use ---------------------------------------------------------

    @property
    def worker(self) -> Worker:
        if self._worker is None:
            self._scratch = confine.make_scratch(self.limits.scratch_bytes)
            staged = stage(self.submission, self._scratch, self.options.max_file_bytes)
            self.left_out = list(staged.left_out)
            self._worker = Worker(
                staged.path,
                self.rubric.probe_modules,
                self.limits,
                self.threads,
                self._scratch,
                deadline=self._deadline,
                budget_seconds=self.budget,
                adapter=self.rubric.offering.offering.adapter if self.rubric.offering is not None else {},
            )
        return self._worker

    def _get_reference_worker(self) -> Worker:
        """The reference package in a worker of its own, started like the student's (benchmarks)."""
        if self._reference_worker is None:
            root = REFERENCE
            self._reference_worker = Worker(root, self.rubric.probe_modules, self.limits, self.threads, writable=False)
        return self._reference_worker

    @property
    def reference(self) -> Any:
        return self._answer_key.get()

    # -- grading ------------------------------------------------------------------------------

    def run_check(self, spec: CheckSpec) -> CheckResult:
        if self._out_of_time():
            return self._not_reached(spec)
        ctx = CheckContext(
            self.worker,
            self._answer_key,
            self.seed,
            spec.id,
            images_loader=self._images,
            params=dict(spec.params),
            reference_worker_loader=self._get_reference_worker,
            expected=self.expected,
        )
        start = time.perf_counter()
        aborted = None
        findings: list[Finding] = []
        try:
            self._preflight()
            ctx.broken_modules = self._broken_pointers
            if self._stand_in_for(spec):
                ctx.indicative(
                    f"judged on {spec.indicative_without}, and this run has stand-in data (grade "
                    "with --data-dir=DIR holding it)"
                )  # the check may say more
            check_function = find_check(self.check_functions, spec.id)
            if check_function is None:  # the rubric was checked against the registry when loaded
                raise CheckAbort(f"no check function is registered for {spec.id}")
            self._watch(spec)
            findings = check_function(ctx) or []
        except CheckAbort as exc:
            aborted = str(exc)
            self.aborts[spec.id] = exc.kind
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            # the reply of the student's code had an unexpected form
            aborted = f"the output of your code could not be judged ({type(exc).__name__}: {exc})"
            self.aborts[spec.id] = "error"
        except Exception as exc:  # the grader's own failure: this check says so, the run goes on
            aborted = (
                f"grader error ({type(exc).__name__}: {exc}): a fault of the grader, not a finding about "
                "your code; no points were awarded for this check in this run, and the course staff "
                "can see why"
            )
            self.aborts[spec.id] = "grader"
            self.grader_errors[spec.id] = traceback.format_exc(limit=-10)
        seen = self._unwatch()
        if ctx.reference_touched:
            self.reference_touched.add(spec.id)
        if spec.same_cause_components and not aborted:
            findings = self._charged_before_on(spec, findings, ctx.notes)
        points, status, complete = score(spec, findings, aborted)
        words = self._in_own_words
        for finding in complete:  # messages quote student code's text: bounded whatever it sent
            finding.message = printable(cut(words(finding.message), MAX_MESSAGE))
        notes = [printable(cut(words(n), MAX_MESSAGE)) for n in ctx.notes[:MAX_NOTES]]
        if len(ctx.notes) > MAX_NOTES:
            notes.append(f"[... {len(ctx.notes) - MAX_NOTES} more notes cut]")
        result = CheckResult(spec, status, complete, notes, time.perf_counter() - start, points)
        result.attachments = dict(ctx.attachments)
        result.measurements = dict(ctx.measurements)
        result.figures = list(ctx.figures)
        if spec.manual:
            apply_manual(result, self.manual_scores.get(spec.id))
        elif spec.kind == "optional":
            optional(result)
        elif ctx.indicative_reason:  # even when the code crashed: the maximum must not depend on it
            indicative(result, ctx.indicative_reason)
        elif self._charged_before(spec, result):
            same_cause(result, self.results[spec.same_cause_as])
        if spec.forbid:
            flag_shortcuts(result, self._shortcuts_in_source(spec) + seen)
        self.results[spec.id] = result
        return result

    def _stand_in_for(self, spec: CheckSpec) -> bool:
        """The check is judged on a dataset this run only has a stand-in for (it is indicative)."""
        return bool(spec.indicative_without) and not self._images(spec.indicative_without).real

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _not_reached(self, spec: CheckSpec) -> CheckResult:
        points, status, complete = score(
            spec, [], f"not reached: the submission's time budget ({self.budget:g} s) ran out before this check"
        )
        result = CheckResult(spec, status, complete, [], 0.0, points)
        if spec.manual:  # a person's score stands; without one it stays out of the total, as always
            apply_manual(result, self.manual_scores.get(spec.id))
        elif self._stand_in_for(spec):
            indicative(result, f"judged on {spec.indicative_without}, and this run has stand-in data")
        self.aborts[spec.id] = "budget"
        self.not_reached.append(spec.id)
        self.results[spec.id] = result
        return result

    def _preflight(self) -> None:
        """Import the graded modules once, before the first check (harness/preflight.py)."""
        if self._preflighted:
            return
        self._preflighted = True
        worker = self.worker
        modules = modules_to_import(self.rubric, worker.submission)
        self.import_problems = preflight(worker, modules, self.limits.call_timeout, worker.submission)
        self._broken_pointers = {m: p.pointer for m, p in self.import_problems.items()}

    def problems(self) -> list[tuple[str, str]]:
        """What went wrong with the run as a whole, (kind, one line) each, for the top of every report:
        "import" (a module does not import), "budget" (the time budget ran out)."""
        lines = [("import", line) for line in summary_lines(self.import_problems)]
        budget_hit = (
            self.not_reached
            or any(kind == "budget" for kind in self.aborts.values())
            or any(p.kind == "budget" for p in self.import_problems.values())
        )
        if self.grader_errors:
            lines.append(
                (
                    "grader",
                    f"the grader itself failed on {', '.join(self.grader_errors)}: no points "
                    "were awarded there in this run; grade again, or ask the course staff",
                )
            )
        if self.interrupted is not None:
            done, planned = self.interrupted
            lines.append(
                (
                    "interrupted",
                    f"interrupted: {done} of {planned} checks graded; this is not a grade (grade again for one)",
                )
            )
        if budget_hit:
            count = len(self.not_reached)
            lines.append(
                (
                    "budget",
                    f"the submission's time budget ({self.budget:g} s) ran out: {count} "
                    f"check{'s' if count != 1 else ''} not reached (0 points); the points earned "
                    "before are kept",
                )
            )
        return lines

    def _charged_before(self, spec: CheckSpec, result: CheckResult) -> bool:
        """The component this check re-tests was judged wrong there and this check failed on it too
        (this check's code ran: its failures are findings, not crashes)."""
        earlier = self.results.get(spec.same_cause_as) if spec.same_cause_as else None
        failed = [f.message for f in result.findings if not f.passed]
        return (
            self._deducted_for_a_bug(earlier)
            and not result.full_marks
            and result.status != "error"
            and spec.id not in self.aborts
            and not any(crashed(t) for t in failed)
        )

    def _charged_before_on(self, spec: CheckSpec, findings: list[Finding], notes: list[str]) -> list[Finding]:
        """Components that re-test code another check already deducted for (``same_cause_as`` as a
        table): credited, and a note says where the bug was charged and what this check saw."""
        out = []
        for f in findings:
            earlier = self.results.get(spec.same_cause_components.get(f.component, ""))
            if not f.passed and not crashed(f.message) and self._deducted_for_a_bug(earlier):
                notes.insert(
                    0,
                    f"[{f.component}] same cause as {earlier.spec.id} (already deducted there): not deducted "
                    f"again: {f.message}",
                )
                f = Finding(f.component, True, f.message)
            out.append(f)
        return out

    def _deducted_for_a_bug(self, earlier: CheckResult | None) -> TypeGuard[CheckResult]:
        """``earlier`` lost points on code judged wrong, not merely unrunnable (a module that does not
        import or a skeleton left as it was costs every check that needs it): a check re-testing
        that code does not charge the same bug again."""
        return (
            earlier is not None
            and earlier.counted
            and earlier.points_lost > 0
            and earlier.status != "error"
            and earlier.spec.id not in self.aborts
            and not any(crashed(f.message) for f in earlier.findings if not f.passed)
        )

    def _watch(self, spec: CheckSpec) -> None:
        """The worker watches what the graded code calls while this check runs (``forbid``)."""
        if spec.forbid and not spec.manual:
            file, _, scope = spec.locate.partition(":")
            self.worker.watch = {"file": file, "scope": scope, "forbid": list(spec.forbid)}
            self.worker.shortcuts = []

    def _unwatch(self) -> list[Shortcut]:
        if self._worker is None or self._worker.watch is None:
            return []
        seen, self._worker.watch, self._worker.shortcuts = found_by_worker(self._worker.shortcuts), None, []
        return seen

    def _shortcuts_in_source(self, spec: CheckSpec) -> list[Shortcut]:
        file, _, scope = spec.locate.partition(":")
        text = source_of(self.submission, file)
        return in_source(text, file, scope, spec.forbid) if text is not None else []

    def run_checks(self, specs: Iterable[CheckSpec]) -> Summary:
        for spec in specs:
            self.run_check(spec)
        return self.summary()

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
            "graded": self.submission.graded,
            "call timeout": f"{self.limits.call_timeout:g} s",
            "memory limit": f"{self.limits.memory_bytes / 1024**3:g} GiB",
            "sandbox": confine.detect(self.options.sandbox).describe(),
            "math": math_mode.describe(),
        }
        if self.rubric.offering is not None:
            env["offering"] = self.rubric.offering.describe()
        elif self.submission.version:
            env["skeleton version"] = self.submission.version
        if self.submission.module_file is not None and self.submission.module_file.suffix == ".ipynb":
            from .notebook import converted

            kept = converted(self.submission.module_file)
            env["notebook"] = (
                f"{self.submission.module_file.name}: {len(set(kept.kept))} definitions kept, "
                f"{len(kept.skipped)} top-level statements or cells left out (not run)"
            )
        for name, data in sorted(self._images.loaded.items()):
            env["image data" if name == "cifar10" else f"{name} data"] = data.source
        if self._worker is not None:
            w = self._worker.environment
            env["worker starts"] = self._worker.starts
            if "cpu capability" in w:
                env["math"] += f"; the worker's ATen kernels: {w['cpu capability']}"
            env["compatibility measures"] = w.get("compat") or ["none needed"]
            noise = split_noise(self._worker.output())[1]
            if noise:  # the sandbox's own complaints: kept here for staff, out of "What your code printed"
                env["sandbox messages (not the student's output)"] = noise[:10]
        if self.left_out:
            env["not copied for grading"] = self.left_out[:20] + (
                [f"... and {len(self.left_out) - 20} more"] if len(self.left_out) > 20 else []
            )
        return env

    def write_reports(self, html_path: Path) -> dict[str, Path]:
        """The HTML report at ``html_path`` and Gradescope's results.json beside it."""
        from .report import write_reports

        return write_reports(self, html_path)

    def close(self, graceful: bool = True) -> None:
        """Stop the worker and remove the scratch copy of the submission.

        ``graceful=False`` kills the worker instead of asking it to exit: once the reports are
        written nothing more is needed from it, and its interpreter's teardown takes most of a second.
        """
        if self._worker is not None:
            if graceful:
                self._worker.close()
            else:
                self._worker.kill()
        if self._reference_worker is not None:
            self._reference_worker.close()  # also removes the folder it made for itself
        if self._scratch is not None:
            confine.remove_scratch(self._scratch)
