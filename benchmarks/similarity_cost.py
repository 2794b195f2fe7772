"""Cost of the class report's similar-code section for a class of N (default 200), and what it finds.

The class is synthetic and harsher than a real one: each student's file is the example's or the
answer key's (the two independent solutions bundled), renamed, reordered and reformatted
(tests/integrity/disguise.py), so every pair shares whole files and few pairs can be dismissed
before the exact comparison. Real classes share less: on five public hw2 solutions of
different students, no pair of independent work reached 0.27 (the default threshold is 0.5).

Usage: python benchmarks/similarity_cost.py [--students N] [--rounds R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.integrity.code import folder_code  # noqa: E402
from harness.integrity.similarity import find_similar  # noqa: E402
from tests.integrity.disguise import disguise  # noqa: E402


def solutions() -> list[dict[str, str]]:
    bases = [{k: v for k, v in folder_code(REPO / "submissions" / "example").items() if k.startswith("hw2/")}]
    bases.append({"hw2/" + k: v for k, v in folder_code(REPO / "reference" / "hw2").items()})
    return bases


def synthetic_class(n: int, seed: int = 0) -> dict[str, dict[str, str]]:
    bases = solutions()
    names = sorted(set.intersection(*[set(b) for b in bases]))
    rng = random.Random(seed)
    students = {}
    for i in range(n):
        files = {}
        for name in names:
            text = rng.choice(bases)[name]
            try:
                files[name] = disguise(text, f"s{i}")
            except SyntaxError:
                files[name] = text
        students[f"s{i:03d}"] = files
    return students


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    students = synthetic_class(args.students)
    given = [folder_code(REPO / "submissions" / "skeleton")]
    chars = statistics.fmean(sum(map(len, s.values())) for s in students.values())
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        found = find_similar(students, given)
        times.append(time.perf_counter() - start)
    print(f"class: {len(students)} synthetic submissions, {chars / 1000:.0f} k characters of hw2 code each")
    print(f"one process: median {statistics.median(times):.1f} s; rounds: {', '.join(f'{t:.1f}' for t in times)} s")
    print(
        f"pairs above {found.settings.threshold:g}: {len(found.pairs) + found.listed_over} (listed: {len(found.pairs)})"
    )


if __name__ == "__main__":
    main()
