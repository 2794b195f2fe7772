"""Batch throughput: the same class graded with 1 and with 2 xdist workers, and one submission alone.

Builds a class of N submissions (copies of the example and the Part 1 broken ones) in a temporary
folder, runs the real command (``pytest --submissions=DIR -n W -k part1 --regrade``) for each
worker count, and prints submissions per minute and the speed-up (goal: >= 1.8x with 2 workers on
2 cores). The worker counts take turns over ``--repeats`` rounds (1, 2, 1, 2, ...), so a slow
spell of a shared machine falls on both, and the medians are compared; each run also shows how
many cores were busy on average (from /proc/stat: a 1-worker run that keeps more than one core
busy leaves the 2-worker run less to gain). It also grades one submission alone (``pytest
--submission``) and prints batch mode's overhead per submission over that: the wall time per
submission of the 1-worker batch minus the alone run's grading time (its results.json
``execution_time``), next to the alone run's whole wall time (which also pays pytest's start-up
and the judge's imports, paid once per batch).

Usage: python benchmarks/batch_throughput.py [--students 20] [--workers 1 2] [--repeats 3] [-k part1]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from a checkout: the harness beside it
from harness.dev.cases import materialise  # noqa: E402

SOURCES = [REPO / "submissions" / "example"] + sorted(
    p.parent for p in (REPO / "submissions" / "broken").glob("*/expected.toml")
)


def build_class(root: Path, students: int) -> Path:
    root.mkdir(parents=True)
    for i in range(students):
        materialise(SOURCES[i % len(SOURCES)], root / f"student-{i:03d}")  # a broken case: over the example
    return root


def busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy so far (Linux), or None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run(cmd: list[str], cwd: Path) -> tuple[float, float | None]:
    """Wall time of ``cmd`` and the cores the machine kept busy meanwhile, on average."""
    busy0, start = busy_seconds(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    busy1 = busy_seconds()
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return wall, (busy1 - busy0) / wall if busy0 is not None and busy1 is not None else None


@dataclass
class BatchRun:
    wall: float
    cores: float | None  # busy cores on average during the run
    mean_grading: float  # mean grading time per submission, as the store recorded it


def batch(class_dir: Path, out: Path, workers: int, keyword: str) -> BatchRun:
    cmd = [
        *PYTEST,
        f"--submissions={class_dir}",
        f"--out={out}",
        "-n",
        str(workers),
        "-k",
        keyword,
        "--regrade",
    ]
    wall, cores = run(cmd, out.parent)
    db = sqlite3.connect(out / "grades.sqlite")
    runtimes = [r for (r,) in db.execute("SELECT runtime FROM grades WHERE status = 'graded'")]
    db.close()
    return BatchRun(wall, cores, statistics.fmean(runtimes))


def alone(submission: Path, tmp: Path, keyword: str) -> tuple[float, float]:
    """Wall time of ``pytest --submission`` on one submission, and its grading time (execution_time)."""
    report = tmp / "alone" / "report.html"
    cmd = [
        *PYTEST,
        f"--submission={submission}",
        f"--report={report}",
        "-k",
        keyword,
    ]
    wall, _ = run(cmd, tmp)
    return wall, json.loads((report.parent / "results.json").read_text())["execution_time"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3, help="rounds; the worker counts take turns (default 3)")
    ap.add_argument("-k", dest="keyword", default="part1", help="checks to grade (pytest -k syntax; default part1)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp_name:
        tmp = Path(tmp_name)
        class_dir = build_class(tmp / "class", args.students)
        print(f"class: {args.students} submissions, -k {args.keyword}; {args.repeats} round(s), worker counts in turn")
        runs: dict[int, list[BatchRun]] = {w: [] for w in args.workers}
        for _ in range(args.repeats):
            for workers in args.workers:
                runs[workers].append(batch(class_dir, tmp / f"out-{workers}", workers, args.keyword))
        rates = {}
        for workers, done in runs.items():
            wall = statistics.median(r.wall for r in done)
            rates[workers] = args.students / wall * 60
            cores = [r.cores for r in done if r.cores is not None]
            busy = f", {statistics.median(cores):.2f} cores busy" if cores else ""
            print(
                f"{workers} worker{'s' if workers > 1 else ' '}: median {wall:6.1f} s wall, {rates[workers]:6.1f} "
                f"submissions/min (each graded in {statistics.median(r.mean_grading for r in done):.2f} s on "
                f"average{busy}); rounds: {', '.join(f'{r.wall:.1f}' for r in done)} s"
            )
        if len(args.workers) > 1:
            lo, hi = min(args.workers), max(args.workers)
            per_round = [a.wall / b.wall for a, b in zip(runs[lo], runs[hi])]
            print(
                f"ratio {hi} vs {lo} worker(s): {rates[hi] / rates[lo]:.2f}x of the medians (goal >= 1.8x); "
                f"per round: {', '.join(f'{r:.2f}x' for r in per_round)}"
            )
        wall, grading = alone(class_dir / "student-000", tmp, args.keyword)
        print(f"alone: pytest --submission {wall:.1f} s wall, of which grading {grading:.2f} s")
        if 1 in runs:
            per_submission = statistics.median(r.wall for r in runs[1]) / args.students
            print(
                f"batch overhead per submission (1 worker, wall / N - alone grading time): "
                f"{per_submission - grading:+.2f} s; batch wall per submission vs alone wall: "
                f"{per_submission:.2f} s vs {wall:.1f} s"
            )


if __name__ == "__main__":
    main()
