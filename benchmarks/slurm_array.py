"""A class graded as a SLURM array of 2 one-CPU tasks vs one ``-n 2`` batch, side by side; the merge alone.

Needs a running cluster (``bash scripts/start-slurm.sh`` starts a single-node one). Builds a class of
N submissions (the example and the Part 1 broken cases), then takes turns over ``--repeats`` rounds:
``pytest --submissions=DIR -n 2 -k part1`` on this machine, and ``python -m harness.batch.slurm
--shards=2 --cpus-per-task=1 -- -k part1`` from submission to the merged gradebook (the array and the
merge job together). Prints the medians and their ratio (goal: the array costs no more than 1.15x
the single batch), and the merge's own wall time (goal: under 5 s for 100 students: ``--merge-students``
builds a class that size, graded with one cheap check).

Usage: python benchmarks/slurm_array.py [--students 8] [--repeats 2] [--merge-students 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from a checkout: the harness beside it
from harness.dev.cases import materialise  # noqa: E402

SOURCES = [REPO / "submissions" / "example"] + sorted(
    p.parent
    for p in (REPO / "submissions" / "broken").glob("*/expected.toml")
    if 'bug_file = "hw2/layers.py"' in p.read_text()
)


def build_class(root: Path, students: int) -> Path:
    root.mkdir(parents=True)
    for i in range(students):
        materialise(SOURCES[i % len(SOURCES)], root / f"student-{i:03d}")
    return root


def single(class_dir: Path, out: Path, keyword: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*PYTEST, f"--submissions={class_dir}", f"--out={out}", "-n", "2", "-k", keyword],
        cwd=out.parent,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def array(class_dir: Path, out: Path, keyword: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.batch.slurm",
            f"--submissions={class_dir}",
            "--shards=2",
            "--cpus-per-task=1",
            f"--out={out}",
            "--",
            "-k",
            keyword,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"slurm: {done.stdout}{done.stderr}")
    merge = json.loads((out / "slurm" / "jobs.json").read_text())["merge"]
    while (
        not (out / "merged" / "gradebook.csv").exists()
        or subprocess.run(["squeue", "-h", "-j", str(merge)], capture_output=True, text=True).stdout.strip()
    ):
        time.sleep(0.5)
    return time.perf_counter() - start


def merge_time(tmp: Path, students: int) -> float:
    """Wall time of ``harness.batch.merge`` over two shards of ``students`` graded on one cheap check."""
    class_dir = build_class(tmp / "merge-class", students)
    shards = []
    for k in (1, 2):
        out = tmp / f"merge-shard-{k}"
        subprocess.run(
            [*PYTEST, f"--submissions={class_dir}", f"--out={out}", "-n", "2", f"--shard={k}/2", "-k", "part1.relu"],
            cwd=tmp,
            capture_output=True,
            check=False,
        )
        shards.append(str(out))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "harness.batch.merge", f"--out={tmp / 'merged'}", *shards],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--merge-students", type=int, default=100)
    ap.add_argument("-k", dest="keyword", default="part1")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="slurm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        class_dir = build_class(tmp / "class", args.students)
        times: dict[str, list[float]] = {"single -n 2": [], "array 2 x 1 CPU": []}
        for r in range(args.repeats):
            times["single -n 2"].append(single(class_dir, tmp / f"single-{r}", args.keyword))
            times["array 2 x 1 CPU"].append(array(class_dir, tmp / f"array-{r}", args.keyword))
        medians = {k: statistics.median(v) for k, v in times.items()}
        for name, values in times.items():
            print(
                f"{name}: median {medians[name]:.1f} s over {len(values)} runs ({', '.join(f'{v:.1f}' for v in values)})"
            )
        print(
            f"array / single: {medians['array 2 x 1 CPU'] / medians['single -n 2']:.2f}x (goal <= 1.15x), "
            f"{args.students} submissions, -k {args.keyword}"
        )
        if args.merge_students:
            print(
                f"merge of {args.merge_students} students (2 shards): {merge_time(tmp, args.merge_students):.2f} s (goal < 5 s)"
            )


if __name__ == "__main__":
    main()
