"""From findings to points: the rubric decides what each component of a check is worth."""

from __future__ import annotations

from dataclasses import dataclass, field

from .checks.base import Finding, crashed
from .rubric import CheckSpec, Rubric


@dataclass
class CheckResult:
    spec: CheckSpec
    # "passed" | "partial" | "failed" | "error" | "indicative" | "manual"; "optional": graded, worth no
    # points; "noted": failed where another check already deducted the same cause
    status: str
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0
    score: float = 0.0
    # False when the check's points are out of this run's total: an indicative result (stand-in
    # data) or a manual entry no grader has scored yet.
    counted: bool = True
    indicative_outcome: str = ""  # for an indicative check: what the status would have been
    attachments: dict[str, str] = field(default_factory=dict)  # e.g. the student's written answer
    measurements: dict = field(default_factory=dict)  # e.g. benchmark statistics
    figures: list = field(default_factory=list)  # plain-data figures (checks/figures.py), drawn by the report
    likely_causes: list[str] = field(default_factory=list)  # checks this one uses that lost points too
    shortcuts: list = field(default_factory=list)  # forbidden APIs the graded code used (integrity/shortcuts.py)

    @property
    def max_score(self) -> float:
        """What the check adds to the maximum: bonus points are on top of it, never part of it."""
        return self.spec.points if self.counted and self.spec.kind == "base" else 0.0

    @property
    def points_lost(self) -> float:
        """Points this result cost the student (a bonus not earned costs nothing)."""
        return max(0.0, self.max_score - self.score)

    @property
    def full_marks(self) -> bool:
        return self.score >= self.max_score - 1e-9

    def cause_line(self) -> str:
        """Where a failure is probably a knock-on of another check's: which one, and why."""
        if not self.likely_causes:
            return ""
        named = self.likely_causes[:MAX_CAUSES_NAMED]
        more = len(self.likely_causes) - len(named)
        which = ", ".join(named) + (f" and {more} more" if more else "")
        fail = "fails" if len(self.likely_causes) == 1 else "fail"
        why = f": {self.spec.uses_why}" if self.spec.uses_why else ""
        return f"probably because {which} {fail}{why}"

    def feedback(self) -> str:
        lines = [self.cause_line()] if self.likely_causes else []
        for f in self.findings:
            if f.passed:
                continue
            label = "" if f.component == "all" else f"[{f.component}] "
            lines.append(label + (f.message or "failed"))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def indicative(result: CheckResult, reason: str) -> CheckResult:
    """Take a scored result out of the total, keeping what it found for the report."""
    result.indicative_outcome = result.status
    result.notes.insert(0, f"indicative only, no points either way ({result.status} on this data): {reason}")
    result.status, result.score, result.counted = "indicative", 0.0, False
    return result


def optional(result: CheckResult) -> CheckResult:
    """An optional entry (the offering calls the work optional): reported with what it found, no points."""
    result.indicative_outcome = result.status
    if result.status != "passed":
        because = result.spec.params.get("optional_because", "the assignment calls this work optional")
        result.notes.insert(0, f"optional in this offering, no points either way ({result.status}): {because}")
    result.status, result.score, result.counted = "optional", 0.0, False
    return result


def same_cause(result: CheckResult, earlier: CheckResult) -> CheckResult:
    """A check that re-tests ``earlier``'s component failed where ``earlier`` already lost points:
    the bug is charged once, there; this result keeps its points and says so."""
    result.indicative_outcome = result.status
    result.notes.insert(0, f"same cause as {earlier.spec.id} (already deducted there): not deducted again")
    result.score, result.status = result.spec.points, "noted"
    return result


MAX_SHORTCUT_LINES = 3


def flag_shortcuts(result: CheckResult, found: list) -> CheckResult:
    """The forbidden APIs the graded code used (harness/integrity/shortcuts.py): a note each, and
    the rubric's ``forbid_penalty`` off the points the check earned, once."""
    from .integrity.shortcuts import merged

    result.shortcuts = merged(found)
    if not result.shortcuts:
        return result
    penalty = min(result.spec.forbid_penalty, result.score) if result.counted else 0.0
    cost = (
        f"costs {penalty:g} point{'s' if penalty != 1 else ''}" if penalty else "a flag for the course staff, no points"
    )
    lines = [f"shortcut: {s.line()}" for s in result.shortcuts[:MAX_SHORTCUT_LINES]]
    if len(result.shortcuts) > MAX_SHORTCUT_LINES:
        lines.append(f"[... {len(result.shortcuts) - MAX_SHORTCUT_LINES} more uses of forbidden APIs]")
    result.notes[:0] = [f"{lines[0]}; {cost}", *lines[1:]]
    if penalty:
        result.score -= penalty
        result.status = "partial" if result.score > 0 else "failed"
    return result


def score(spec: CheckSpec, findings: list[Finding], aborted: str | None = None) -> tuple[float, str, list[Finding]]:
    """Points earned, the status, and the findings completed with every component the rubric names."""
    by_component = {f.component: f for f in findings}
    complete = []
    for component in spec.components:
        f = by_component.get(component)
        if f is None:
            f = Finding(component, False, aborted or "not evaluated")
        complete.append(f)

    def earned(f: Finding, worth: float) -> float:
        if f.credit is not None:
            return worth * min(max(f.credit, 0.0), 1.0)
        return worth if f.passed else 0.0

    if spec.partial:
        points = sum(earned(f, spec.partial[f.component]) for f in complete)
    else:
        points = min((earned(f, spec.points) for f in complete), default=0.0)
    if aborted:
        status = "error"
    elif points >= spec.points - 1e-9:  # a failed 0-point component (a note-only reading) still passes
        status = "passed"
    elif points > 0:
        status = "partial"
    else:
        status = "failed"
    return points, status, complete


MAX_CAUSES_NAMED = 3


def link_causes(results: list[CheckResult]) -> None:
    """Point each result that lost points on a wrong answer to the checks it uses that lost points too
    (its likely cause). A check whose code could not run at all (status "error": raised, not
    implemented, timed out: harness/checks/base.py's crash markers) already says why in its own
    words: no cause is added there."""
    lost = {r.spec.id for r in results if r.counted and r.points_lost > 0}
    for r in results:
        failed = [f.message for f in r.findings if not f.passed]
        wrong = r.spec.id in lost and r.status != "error" and not all(crashed(m) for m in failed)
        r.likely_causes = [u for u in r.spec.uses if u in lost] if wrong else []


@dataclass
class Summary:
    rubric: Rubric
    results: list[CheckResult]

    def __post_init__(self) -> None:
        link_causes(self.results)

    def part_scores(self) -> dict[str, tuple[float, float]]:
        out = {}
        for part in self.rubric.parts:
            rs = [r for r in self.results if r.spec.part == part]
            if rs:
                out[part] = (sum(r.score for r in rs), sum(r.max_score for r in rs))
        return out

    @property
    def total(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_total(self) -> float:
        return sum(r.max_score for r in self.results)

    @property
    def bonus(self) -> float:
        """Points earned on bonus entries (inside ``total``, on top of ``max_total``)."""
        return sum(r.score for r in self.results if r.spec.kind == "bonus")
