"""Benchmark results of a graded submission: pytest-benchmark JSON and a bar chart of the ratios.

The JSON follows pytest-benchmark's own file format (one entry for the student's code and one
for the reference's, per case, grouped by case), so ``pytest-benchmark compare FILE...`` reads it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

OPTIONS = {"disable_gc": False, "timer": "perf_counter", "min_rounds": 1, "max_time": 0, "min_time": 0, "warmup": True}


def benchmark_results(summary: Any) -> list[Any]:
    return [r for r in summary.results if r.measurements.get("stats")]


def benchmark_json(summary: Any, submission_name: str) -> dict:
    from pytest_benchmark import __version__
    from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info

    entries = []
    for r in benchmark_results(summary):
        m = r.measurements
        for who, stats in m["stats"].items():
            label = submission_name if who == "student" else "reference"
            entries.append(
                {
                    "group": m["case"],
                    "name": f"{m['case']}[{label}]",
                    "fullname": f"{r.spec.id}[{label}]",
                    "params": {"code": label},
                    "param": label,
                    "extra_info": {
                        "device": m["device_name"],
                        "ratio_to_reference": m["ratio"] if who == "student" else 1.0,
                    },
                    "options": OPTIONS,
                    "stats": {**stats, "iterations": 1},
                }
            )
    return {
        "machine_info": pytest_benchmark_generate_machine_info(),
        "commit_info": {"id": None, "project": submission_name},
        "benchmarks": entries,
        "datetime": dt.datetime.now(dt.UTC).isoformat(),
        "version": __version__,
    }


def write_benchmark_json(summary: Any, submission_name: str, path: Path) -> bool:
    if not benchmark_results(summary):
        return False
    path.write_text(json.dumps(benchmark_json(summary, submission_name), indent=2), encoding="utf-8")
    return True


def ratio_chart_svg(summary: Any) -> str:
    """A horizontal bar per case: the ratio (log scale) with its per-round range; '' if none."""
    results = benchmark_results(summary)
    if not results:
        return ""
    from .svg import new_figure, svg_of

    cases = [r.measurements["case"] for r in results]
    ratios = [r.measurements["ratio"] for r in results]
    lo = [r.measurements["ratio"] - r.measurements["ratio_range"][0] for r in results]
    hi = [r.measurements["ratio_range"][1] - r.measurements["ratio"] for r in results]
    fig = new_figure(7, 0.45 * len(cases) + 1.2)
    ax = fig.subplots()
    colors = ["#17702f" if x <= 2 else ("#a66300" if x <= 10 else "#b3261e") for x in ratios]
    ax.barh(cases, ratios, xerr=[lo, hi], color=colors, capsize=3)
    ax.axvline(1.0, color="#333", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("time per iteration / reference's (log scale; bars: per-round range)")
    ax.invert_yaxis()
    fig.tight_layout()
    return svg_of(fig, "benchmarks")
