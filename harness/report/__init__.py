"""Reports of a graded submission: HTML for people, results.json for Gradescope and scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .benchmarks import write_benchmark_json
from .gradescope import write_results_json
from .html import write_html


def write_reports(grading: Any, html_path: Path) -> dict[str, Path]:
    html_path.parent.mkdir(parents=True, exist_ok=True)
    json_path = html_path.parent / "results.json"
    write_results_json(grading, json_path)
    write_html(grading, html_path)
    written = {"report": html_path, "results": json_path}
    bench_path = html_path.parent / "benchmarks.json"
    if write_benchmark_json(grading.summary(), grading.submission.name, bench_path):
        written["benchmarks (pytest-benchmark JSON)"] = bench_path
    return written


__all__ = ["write_reports"]
