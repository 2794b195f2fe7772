"""What reproducible math costs: the same grading with the worker's kernels capped at AVX2 and native.

Grades one submission with ``pytest --submission=PATH`` (a fresh process each time), once with the
caps (the default: harness/sandbox/math_mode.py) and once with ``DL_AUTOGRADER_MATH=native``,
alternating round by round so drift of the machine hits both alike; prints the median wall time of
each, their ratio, and whether both gave the same scores.
Usage: python benchmarks/math_mode_cost.py [--rounds 3] [--submission submissions/example] [-k EXPR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
NATIVE = "DL_AUTOGRADER_MATH"


def grade_once(submission: Path, native: bool, select: str | None, out: Path) -> tuple[float, dict[str, float]]:
    env = {k: v for k, v in os.environ.items() if k != NATIVE}
    if native:
        env[NATIVE] = "native"
    mode = "native" if native else "capped"
    cmd = [*PYTEST, f"--submission={submission}", "-q", f"--report={out / mode / 'report.html'}"]
    if select:
        cmd += ["-k", select]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"grading failed ({mode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    results = json.loads((out / mode / "results.json").read_text())
    return elapsed, {t["number"]: t["score"] for t in results["tests"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--submission", type=Path, default=REPO / "submissions" / "example")
    ap.add_argument("-k", dest="select", default=None, help="grade only the checks pytest -k selects")
    args = ap.parse_args()
    times: dict[bool, list[float]] = {False: [], True: []}
    scores: dict[bool, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for native in (False, True) if i % 2 == 0 else (True, False):
                took, scores[native] = grade_once(args.submission.resolve(), native, args.select, Path(tmp))
                times[native].append(took)
    capped, native = statistics.median(times[False]), statistics.median(times[True])
    print(f"{args.submission} ({args.rounds} rounds, alternating; -k {args.select or '(all checks)'}):")
    print(f"  capped at AVX2 (the default)  {capped:7.2f} s  (rounds: {', '.join(f'{t:.2f}' for t in times[False])})")
    print(f"  native kernels                {native:7.2f} s  (rounds: {', '.join(f'{t:.2f}' for t in times[True])})")
    print(f"  ratio capped / native         {capped / native:7.3f}")
    same = scores[False] == scores[True]
    print(f"  same scores on both: {'yes' if same else 'NO'} ({len(scores[False])} checks)")


if __name__ == "__main__":
    main()
