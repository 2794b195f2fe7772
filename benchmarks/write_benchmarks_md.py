"""Measure the grader itself and write BENCHMARKS.md: the numbers and the machine they came from.

Runs the benchmark scripts of this folder one after the other (nothing else should run on the
machine meanwhile) and records each one's command and output:
- grading time of the example submission of every assignment, per part (grading_time.py);
- the trust boundary's overhead vs the same checks in one process, and start-up (boundary_overhead.py);
- the sandbox's overhead (sandbox_overhead.py);
- what reproducible math costs (math_mode_cost.py);
- the throughput benchmarks' stability over 5 repeats (benchmark_stability.py).
Batch throughput (batch_throughput.py) takes ~10 minutes: add ``--batch`` to include it. Hanging
submissions under the default time budget (hang_budget.py) take ~35 minutes: add ``--hangs``. A
class as a SLURM array vs one batch, and the merge (slurm_array.py, needs a running cluster:
``bash scripts/start-slurm.sh``): add ``--slurm``.

Usage: python benchmarks/write_benchmarks_md.py [--out BENCHMARKS.md] [--quick] [--batch] [--hangs] [--slurm]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def machine() -> list[str]:
    import torch

    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "?",
        )
        if Path("/proc/cpuinfo").exists()
        else "?"
    )
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GiB memory"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return [
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} cores{mem}; GPU: {gpu}",
        f"- {platform.platform()}; Python {platform.python_version()}; torch {torch.__version__}",
    ]


def run(title: str, args: list[str]) -> list[str]:
    cmd = [sys.executable, str(HERE / args[0]), *args[1:]]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    shown = "python benchmarks/" + " ".join(args)
    out = proc.stdout.strip() or proc.stderr.strip()[-2000:]
    print(f"{title}: {took:.0f} s", file=sys.stderr)
    return [f"## {title}", "", f"`{shown}` ({took:.0f} s)", "", "```", out, "```", ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    ap.add_argument("--quick", action="store_true", help="one round each (a smoke run)")
    ap.add_argument("--batch", action="store_true", help="also the batch throughput benchmark (~10 min)")
    ap.add_argument("--hangs", action="store_true", help="also hanging submissions under the default budget (~35 min)")
    ap.add_argument("--slurm", action="store_true", help="also a SLURM array vs one batch (a running cluster)")
    args = ap.parse_args()
    rounds = "1" if args.quick else "3"
    examples = [str(p) for p in sorted((REPO / "submissions").glob("*/example")) if p.is_dir()]
    lines = [
        "# Benchmarks of the grader",
        "",
        "Written by `python benchmarks/write_benchmarks_md.py`; every number below comes from the run it records.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    lines += run(
        "Grading time of each assignment's example submission",
        ["grading_time.py", str(REPO / "submissions" / "example"), *examples, "--rounds", rounds],
    )
    lines += run("Trust boundary overhead (hw2 Part 1)", ["boundary_overhead.py", "--rounds", rounds])
    lines += run("Sandbox overhead (hw2 Part 1)", ["sandbox_overhead.py", "--rounds", rounds, "-k", "part1"])
    lines += run(
        "Reproducible math: kernels capped at AVX2 vs native (hw2 example)", ["math_mode_cost.py", "--rounds", rounds]
    )
    lines += run(
        "Throughput benchmarks: stability of the ratio",
        ["benchmark_stability.py", "--repeats", "2" if args.quick else "5"],
    )
    lines += run("Similar code across a class of 200", ["similarity_cost.py", "--rounds", rounds])
    if args.batch:
        lines += run("Batch throughput (1 vs 2 workers)", ["batch_throughput.py"])
    if args.hangs:
        lines += run("Hanging submissions under the default time budget", ["hang_budget.py"])
    if args.slurm:
        lines += run("A class as a SLURM array (2 x 1 CPU) vs one -n 2 batch; the merge", ["slurm_array.py"])
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
