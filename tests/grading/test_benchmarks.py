"""Throughput benchmarks: opt-in, a ratio to the reference measured side by side, noise costs nothing."""

from __future__ import annotations

import json

import pytest

from harness.checks.hw2.bench import credit_for

from .helpers import EXAMPLE, SUBMISSIONS, grade

LINEAR = ("-k", "bench.linear", "--benchmarks")


def _from_report(graded, check_id: str) -> float:
    data = json.loads((graded.html.parent / "benchmarks.json").read_text())
    entry = next(b for b in data["benchmarks"] if b["fullname"].startswith(check_id) and b["param"] != "reference")
    return entry["extra_info"]["ratio_to_reference"]


def test_benchmarks_run_only_when_asked(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, EXAMPLE, "-k", "bench", "-rs")
    assert graded.result.parseoutcomes()["skipped"] == 6
    graded.result.stdout.fnmatch_lines(["*run with --benchmarks*"])
    assert not (graded.html.parent / "benchmarks.json").exists()


def test_slow_but_correct_code_is_flagged_and_loses_nothing(pytester: pytest.Pytester) -> None:
    slow = grade(pytester, SUBMISSIONS / "slow", *LINEAR)
    assert slow.score == 0 and slow.failing() == set()  # informational: worth 0 points, never a deduction
    slow.result.stdout.fnmatch_lines(["*bench.linear: *x the reference's time*"])
    assert "Throughput vs the reference" in slow.html.read_text()
    slow_ratio = _from_report(slow, "bench.linear")  # read now: the next run writes to the same folder
    example = grade(pytester, EXAMPLE, *LINEAR)
    # quiet 2-core machine: slow 11.6x, example 0.9x; under a loaded CI both move, their gap stays
    example_ratio = _from_report(example, "bench.linear")
    assert slow_ratio > 3.0 and slow_ratio > 2.5 * example_ratio, (slow_ratio, example_ratio)


def test_benchmarks_json_is_pytest_benchmark_format(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, EXAMPLE, *LINEAR)
    data = json.loads((graded.html.parent / "benchmarks.json").read_text())
    assert {"machine_info", "commit_info", "benchmarks", "datetime", "version"} <= set(data)
    names = {b["name"] for b in data["benchmarks"]}
    assert names == {"linear[example]", "linear[reference]"}
    for b in data["benchmarks"]:
        assert {"min", "max", "mean", "stddev", "median", "iqr", "rounds", "ops"} <= set(b["stats"])
        assert b["stats"]["rounds"] >= 3


@pytest.mark.parametrize("ratio, credit", [(0.5, 1.0), (2.0, 1.0), (10.0, 0.0), (50.0, 0.0)])
def test_credit_is_full_within_and_none_beyond(ratio: float, credit: float) -> None:
    assert credit_for(ratio, 2.0, 10.0) == pytest.approx(credit)


def test_credit_falls_log_linearly_in_between() -> None:
    assert credit_for(2.0 * 5**0.5, 2.0, 10.0) == pytest.approx(0.5)
