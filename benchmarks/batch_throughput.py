"""Batch throughput: the same class graded with 1 and with 2 xdist workers, and one submission alone.

Builds a class of N submissions (copies of the example and the Part 1 broken ones) in a temporary
folder, runs the real command (``pytest --submissions=DIR -n W -k part1``) for each worker count,
and prints submissions per minute and the speed-up (goal: >= 1.8x with 2 workers on 2 cores). It
also grades one submission alone (``pytest --submission``) and prints batch mode's overhead per
submission over that: the wall time per submission of the 1-worker batch minus the alone run's
grading time (its results.json ``execution_time``), next to the alone run's whole wall time
(which also pays pytest's start-up and the judge's imports, paid once per batch).

Usage: python benchmarks/batch_throughput.py [--students 20] [--workers 1 2] [-k part1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "submissions" / "example"] + sorted(
    p.parent for p in (REPO / "submissions" / "broken").glob("*/expected.toml")
)


def build_class(root: Path, students: int) -> Path:
    root.mkdir(parents=True)
    for i in range(students):
        shutil.copytree(SOURCES[i % len(SOURCES)], root / f"student-{i:03d}",
                        ignore=shutil.ignore_patterns("__pycache__", "expected.toml"))
    return root


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return wall


def batch(class_dir: Path, out: Path, workers: int, keyword: str) -> tuple[float, float]:
    """Wall time of the batch, and the mean grading time per submission its store recorded."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--submissions={class_dir}",
           f"--out={out}", "-n", str(workers), "-k", keyword]
    wall = run(cmd, out.parent)
    db = sqlite3.connect(out / "grades.sqlite")
    runtimes = [r for (r,) in db.execute("SELECT runtime FROM grades WHERE status = 'graded'")]
    db.close()
    return wall, statistics.fmean(runtimes)


def alone(submission: Path, tmp: Path, keyword: str) -> tuple[float, float]:
    """Wall time of ``pytest --submission`` on one submission, and its grading time (execution_time)."""
    report = tmp / "alone" / "report.html"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--submission={submission}",
           f"--report={report}", "-k", keyword]
    wall = run(cmd, tmp)
    return wall, json.loads((report.parent / "results.json").read_text())["execution_time"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("-k", dest="keyword", default="part1", help="checks to grade (pytest -k syntax; default part1)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp_name:
        tmp = Path(tmp_name)
        class_dir = build_class(tmp / "class", args.students)
        print(f"class: {args.students} submissions, -k {args.keyword}")
        rates = {}
        per_submission = {}
        for workers in args.workers:
            wall, mean = batch(class_dir, tmp / f"out-{workers}", workers, args.keyword)
            rates[workers] = args.students / wall * 60
            per_submission[workers] = wall / args.students
            print(f"{workers} worker{'s' if workers > 1 else ' '}: {wall:7.1f} s wall, {rates[workers]:6.1f} "
                  f"submissions/min (each graded in {mean:.2f} s on average)")
        if len(args.workers) > 1:
            lo, hi = min(args.workers), max(args.workers)
            print(f"ratio {hi} vs {lo} worker(s): {rates[hi] / rates[lo]:.2f}x (goal >= 1.8x)")
        wall, grading = alone(class_dir / "student-000", tmp, args.keyword)
        print(f"alone: pytest --submission {wall:.1f} s wall, of which grading {grading:.2f} s")
        if 1 in per_submission:
            print(f"batch overhead per submission (1 worker, wall / N - alone grading time): "
                  f"{per_submission[1] - grading:+.2f} s; batch wall per submission vs alone wall: "
                  f"{per_submission[1]:.2f} s vs {wall:.1f} s")


if __name__ == "__main__":
    main()
