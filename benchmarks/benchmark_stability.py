"""How stable the throughput benchmarks' ratios are: the same submission benchmarked N times in one run.

Each repeat is a fresh ``pytest --submission=... --benchmarks -k bench`` (a new worker, a new
reference worker), as a student's or a batch's grading would run them. For every benchmark it
prints the ratio to the reference in each repeat, the median, and the spread as +/- percent of the
median (half the max-min range). Goal on this noisy 2-core CPU machine: within +/-15%.

Usage: python benchmarks/benchmark_stability.py [SUBMISSION] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]


def ratios_once(submission: Path, out: Path) -> dict[str, float]:
    cmd = [
        *PYTEST,
        f"--submission={submission}",
        "--benchmarks",
        "-k",
        "bench",
        f"--report={out}/report.html",
    ]
    subprocess.run(cmd, cwd=out, capture_output=True, text=True, check=False)
    data = json.loads((out / "benchmarks.json").read_text())
    return {b["group"]: b["extra_info"]["ratio_to_reference"] for b in data["benchmarks"] if b["param"] != "reference"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submission", nargs="?", type=Path, default=REPO / "submissions" / "example")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    runs: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            out = Path(tmp) / f"r{i}"
            out.mkdir()
            for case, ratio in ratios_once(args.submission.resolve(), out).items():
                runs[case].append(ratio)
    print(f"{args.submission}: ratio to the reference in {args.repeats} repeats (goal: spread within +/-15%)")
    print(f"{'benchmark':16s} {'median':>7s} {'spread':>8s}  repeats")
    worst = 0.0
    for case, values in runs.items():
        med = statistics.median(values)
        spread = (max(values) - min(values)) / 2 / med * 100
        worst = max(worst, spread)
        print(f"{case:16s} {med:6.2f}x {spread:+7.1f}%  {', '.join(f'{v:.2f}' for v in values)}")
    print(f"worst spread: +/-{worst:.1f}% ({'within' if worst <= 15 else 'outside'} the +/-15% goal)")


if __name__ == "__main__":
    main()
