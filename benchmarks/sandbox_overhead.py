"""What the sandbox costs per submission: the same grading with the strongest mode and with none.

Grades one submission with ``pytest --submission=PATH --sandbox=MODE`` (a fresh process each time,
as a grader runs it), alternating the modes round by round so drift of the machine hits both alike,
and prints the median wall time of each mode and their ratio.
Usage: python benchmarks/sandbox_overhead.py [--rounds 3] [--submission submissions/example] [-k EXPR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def grade_once(submission: Path, mode: str, select: str | None, out: Path) -> float:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        f"--submission={submission}",
        f"--sandbox={mode}",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--report={out / mode / 'report.html'}",
    ]
    if select:
        cmd += ["-k", select]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"grading failed ({mode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--submission", type=Path, default=REPO / "submissions" / "example")
    ap.add_argument("-k", dest="select", default=None)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"auto": [], "none": []}
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            for mode in times:
                times[mode].append(grade_once(args.submission.resolve(), mode, args.select, Path(out)))
    med = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, values in times.items():
        print(f"{mode:5s} median {med[mode]:.2f} s  rounds {', '.join(f'{v:.2f}' for v in values)}")
    print(f"sandbox overhead: {med['auto'] / med['none']:.3f}x ({med['auto'] - med['none']:+.2f} s per submission)")


if __name__ == "__main__":
    main()
