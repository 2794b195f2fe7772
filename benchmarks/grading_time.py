"""Wall time to grade a submission on the whole rubric, per part and in total (issue #4's budget).

Runs the real command (``pytest --submission=... --durations=0``) in a subprocess, as a user
does, and sums pytest's per-item durations (setup + call + teardown) by rubric part. The total
includes process start, imports and the worker's start. Target: the whole hw2 rubric <= 60 s on
a 2-core CPU machine.

Usage: python benchmarks/grading_time.py [SUBMISSION ...] [--rounds N] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
DURATION = re.compile(r"^\s*([\d.]+)s\s+(setup|call|teardown)\s+\S*::(\S+)")


def grade_once(submission: Path, extra: list[str]) -> tuple[float, dict[str, float], str]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            *PYTEST,
            f"--submission={submission}",
            f"--report={tmp}/report.html",
            "--durations=0",
            "--durations-min=0",
            *extra,
        ]
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False).stdout
        wall = time.perf_counter() - start
    per_part: dict[str, float] = defaultdict(float)
    for line in out.splitlines():
        m = DURATION.match(line)
        if m:
            per_part[m.group(3).split(".", 1)[0]] += float(m.group(1))
    grade = next((line for line in out.splitlines() if re.match(r"^\w+: [\d.]+/[\d.]+$", line)), "?")
    return wall, dict(per_part), grade


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", nargs="*", type=Path, default=[REPO / "submissions" / "example"])
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    for submission in args.submissions:
        runs = [grade_once(submission.resolve(), extra) for _ in range(args.rounds)]
        parts = sorted({p for _, per_part, _ in runs for p in per_part})
        print(f"{submission}: {runs[-1][2]} (median of {args.rounds} round(s))")
        for part in parts:
            print(f"  {part:10s} {statistics.median(r[1].get(part, 0.0) for r in runs):7.2f} s")
        checks = statistics.median(sum(r[1].values()) for r in runs)
        wall = statistics.median(r[0] for r in runs)
        print(
            f"  {'checks':10s} {checks:7.2f} s\n  {'total wall':10s} {wall:7.2f} s (incl. start-up {wall - checks:.2f} s)"
        )


if __name__ == "__main__":
    main()
