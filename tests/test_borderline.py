"""The borderline rule of checks that train (harness/checks/borderline.py)."""

from __future__ import annotations

import pytest

from harness.checks.base import CheckAbort, CheckContext
from harness.checks.borderline import Run, decide


def _context(**params: object) -> CheckContext:
    return CheckContext(worker=None, answer_key=None, seed=0, check_id="x", params=dict(params))  # type: ignore[arg-type]


def _never(seed: int) -> Run:
    raise AssertionError("no rerun expected")


def test_a_pass_is_never_taken_back_and_a_clear_miss_is_not_rerun():
    ctx = _context()
    assert decide(ctx, Run(True, 0.0, "100%"), _never, 10.0)
    assert not decide(ctx, Run(False, 30.0, "60%"), _never, 10.0)
    assert ctx.notes == []


@pytest.mark.parametrize(("reruns", "passed"), [([True, True], True), ([True, False], False), ([False, False], False)])
def test_a_near_miss_is_decided_by_the_majority_of_three_runs(reruns: list[bool], passed: bool):
    ctx = _context()
    seen: list[int] = []

    def rerun(seed: int) -> Run:
        seen.append(seed)
        ok = reruns[len(seen) - 1]
        return Run(ok, 0.0 if ok else 4.0, f"{'95' if ok else '86'}%")

    assert decide(ctx, Run(False, 5.0, "85%"), rerun, 10.0, " points", first_seed=42) is passed
    assert seen == [1, 2]
    assert ctx.notes[0].startswith("borderline: the first run missed by 5 points (within the margin of 10 points)")
    assert "seed 42: 85%" in ctx.notes[0] and ("passed" if passed else "failed") in ctx.notes[0][-8:]


def test_the_rubric_sets_the_seeds_and_a_crashing_rerun_counts_as_a_failed_run():
    ctx = _context(borderline_seeds=[5, 6, 7, 8])

    def rerun(seed: int) -> Run:
        if seed == 5:
            raise CheckAbort("your code raised ValueError")
        return Run(True, 0.0, "ok")

    assert decide(ctx, Run(False, 1.0, "near"), rerun, 2.0)  # 3 of 5 pass
    assert "could not run (your code raised ValueError)" in ctx.notes[0]
