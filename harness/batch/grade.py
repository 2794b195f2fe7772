"""Grade one class entry from start to stored result: the body of one batch item.

Whatever happens to the entry (a bad zip, no package, a crash of the harness itself), the
outcome is a ``GradeRecord`` saved to the store; only a result that is still valid (same content,
same grading digest, its report still on disk) is reused instead of grading again.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..expected import ExpectedValues
from ..files import remove_tree
from ..grading import DataCache, GradingOptions, SubmissionGrader
from ..integrity.code import SNAPSHOT, code_of, write_snapshot
from ..manual import ManualScore, digest as manual_digest
from ..offerings import load_offerings, recognise, unsupported_sentence
from ..rubric import CheckSpec, Rubric
from ..submission import SubmissionError, locate
from .discover import Entry
from .intake import IntakeLimits, Rejected, content_hash, materialize
from .store import GradeRecord, ResultStore

PROBLEM_KINDS = ("timeout", "crashed", "rejected", "startup")  # a check that could not run, worth listing


def manual_names(entry: Entry) -> tuple[tuple[str, str], list[str]]:
    """The names --manual-scores may list an entry under: its student id and entry name, and, for
    a group (ids joined by "+"), each member's id."""
    return (entry.student_id, entry.key), entry.student_id.split("+")


@dataclass
class EntryGrader:
    """Everything one process needs to grade entries of a batch (one per xdist worker)."""

    rubric: Rubric
    checks: list[CheckSpec]
    options: GradingOptions
    digest: str
    store: ResultStore
    out: Path
    intake: IntakeLimits
    regrade: bool = False
    manual: dict[str, dict[str, ManualScore]] = field(default_factory=dict)  # student -> written-answer scores

    def __post_init__(self) -> None:
        self.images = DataCache(self.options.data_dir)  # shared by every submission this process grades
        # expected values depend on their inputs only: the class shares them (harness/expected.py, memo)
        self.expected = ExpectedValues(mode="memo")

    def grade(self, entry: Entry) -> tuple[GradeRecord, bool]:
        """The entry's stored result and whether it was reused (cached) rather than graded now."""
        start = time.perf_counter()
        record = GradeRecord(entry.key, self.digest, "", entry.student_id, entry.student_name, entry.email, "rejected")
        try:
            if entry.problem:
                raise Rejected(entry.problem)
            record.content_hash = content_hash(entry, self.intake)
            manual = self.manual_scores(entry)
            if manual:  # other scores given since: grade again (the report shows them)
                record.content_hash += "+manual:" + manual_digest(manual)
            cached = None if self.regrade else self.store.lookup(entry.key, self.digest)
            if cached is not None and self._still_valid(cached, record.content_hash):
                if not (self.out / entry.slug / SNAPSHOT).is_file():  # graded before snapshots were kept
                    self._record_code_only(entry)
                return cached, True
            self._grade_into(entry, record)
        except Rejected as exc:
            record.status, record.reason = "rejected", str(exc)
        except OSError as exc:
            record.status, record.reason = "rejected", f"cannot be read: {exc}"
        except Exception as exc:  # a fault of the harness: keep going with the next student
            record.status = "error"
            record.reason = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=-4))
        record.runtime = time.perf_counter() - start
        record.graded_at = time.time()
        self.store.save(record)
        return record, False

    def manual_scores(self, entry: Entry) -> dict[str, ManualScore]:
        """The scores a person gave this entry's written answers (--manual-scores): listed under its
        student id, its entry name, or, for a group, the one member id that has them."""
        whole, members = manual_names(entry)
        for name in whole:
            if name in self.manual:
                return self.manual[name]
        listed = [m for m in members if m in self.manual]
        return self.manual[listed[0]] if len(listed) == 1 else {}

    def _still_valid(self, cached: GradeRecord, content: str) -> bool:
        return cached.status == "graded" and cached.content_hash == content and (self.out / cached.report).is_file()

    def _record_code_only(self, entry: Entry) -> None:
        scratch = Path(tempfile.mkdtemp(prefix="dl-batch-"))
        try:
            submission = locate(materialize(entry, scratch, self.intake), self.rubric.submission)
            write_snapshot(self.out / entry.slug / SNAPSHOT, code_of(submission))
        except (Rejected, SubmissionError, OSError):
            pass  # the class report notes the entries without a snapshot
        finally:
            remove_tree(scratch)

    def _grade_into(self, entry: Entry, record: GradeRecord) -> None:
        scratch = Path(tempfile.mkdtemp(prefix="dl-batch-"))
        try:
            folder = materialize(entry, scratch, self.intake)
            try:
                submission = locate(folder, self.rubric.submission)
            except SubmissionError as exc:
                raise Rejected(str(exc).replace(f"--submission={folder}: ", "")) from None
            refusal = unsupported_offering(submission, self.rubric)
            if refusal:
                raise Rejected(refusal)
            write_snapshot(self.out / entry.slug / SNAPSHOT, code_of(submission))  # for the similarity section
            grader = SubmissionGrader(
                submission,
                self.rubric,
                self.options,
                images=self.images,
                expected=self.expected,
                manual_scores=self.manual_scores(entry),
            )
            try:
                summary = grader.run_checks(self.checks)
                report = self.out / entry.slug / "report.html"
                grader.write_reports(report)
            finally:
                grader.close(graceful=False)
        finally:
            remove_tree(scratch)
        record.status = "graded"
        record.total, record.max_total = summary.total, summary.max_total
        record.parts = {p: [got, best] for p, (got, best) in summary.part_scores().items()}
        record.checks = {r.spec.id: [r.score, r.max_score, r.status] for r in summary.results}
        record.problems = (
            [["the submission", kind, line[:300]] for kind, line in grader.problems()]
            + [
                [check_id, kind, (grader.results[check_id].feedback().splitlines() or [""])[0][:300]]
                for check_id, kind in grader.aborts.items()
                if kind in PROBLEM_KINDS
            ]
            + [  # forbidden shortcuts: listed apart in the class report, for staff to read
                [r.spec.id, "shortcut", shortcut.line()[:300]] for r in summary.results for shortcut in r.shortcuts
            ]
        )
        record.report = report.relative_to(self.out).as_posix()


def unsupported_offering(submission: Any, rubric: Rubric) -> str | None:
    """One sentence when the entry is of an offering the grader does not grade (none otherwise):
    it gets no grade, never one made of import errors."""
    if rubric.offering is None:
        return None
    offerings = load_offerings(rubric.path)
    rec = recognise(submission, offerings)
    return None if rec.offering.supported else unsupported_sentence(rec, offerings)
