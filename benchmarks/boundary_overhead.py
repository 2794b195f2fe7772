"""What the trust boundary costs: the Part 1 checks through the worker vs in one process.

Runs, side by side in one process and in alternating order:
  boundary   the real path: a worker process (started fresh, torch import included) runs the
             student's code, replies cross the wire, the judge compares;
  in-process the same check functions calling the same probes directly in this process, with
             no worker, no pipes and no serialisation (only for measuring: never for grading).
Both grade the same package (default: submissions/example; --package-root reference grades the
answer key). Usage: python benchmarks/boundary_overhead.py [--rounds 3] [--package-root DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from harness import reference  # noqa: E402
from harness.checks import CHECKS, CheckAbort, CheckContext, load_checks  # noqa: E402
from harness.probes import server  # noqa: E402
from harness.rubric import load, rubric_path  # noqa: E402
from harness.sandbox import Limits, StudentError, Worker  # noqa: E402
from harness.sandbox.worker import _plain  # noqa: E402  (the judge's own tensor->wire conversion)


class InProcessWorker:
    """Calls probes directly (the measuring baseline; it has none of the boundary's protection)."""

    def __init__(self, modules: list[str]):
        import importlib

        for m in modules:
            importlib.import_module("harness." + m)

    def call(self, probe: str, *, seed: int = 0, timeout: float | None = None, **kwargs):
        server._STATE["seed"] = seed
        server._reset_global_state(seed)
        try:
            return server.to_plain(server.PROBES[probe](**_plain(kwargs)))
        except Exception as exc:  # noqa: BLE001
            raise StudentError(server.describe_exception(exc, server._STATE["submission"])) from None


def part1_checks(rubric):
    return [spec for spec in rubric.checks if spec.part == "part1"]


def run_checks(worker, key, rubric) -> tuple[float, float]:
    score = 0.0
    start = time.perf_counter()
    for spec in part1_checks(rubric):
        ctx = CheckContext(worker, key, 0, spec.id)
        try:
            findings = CHECKS[spec.id](ctx)
        except CheckAbort:
            findings = []
        if spec.partial:
            score += sum(spec.partial[f.component] for f in findings if f.passed)
        elif findings and all(f.passed for f in findings):
            score += spec.points
    return time.perf_counter() - start, score


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--package-root", type=Path, default=REPO / "submissions" / "example")
    ap.add_argument("--in-process-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_process_only:
        return in_process_once(args.package_root.resolve())
    end_to_end(args.package_root.resolve(), args.rounds)
    torch.set_num_threads(1)  # the worker uses 1 thread: compare like with like
    rubric = load(rubric_path("hw2"))
    load_checks(rubric.checks_module)
    key = reference.load("hw2")
    root = args.package_root.resolve()

    sys.path.insert(0, str(root))
    server._STATE["submission"] = str(root)
    inproc = InProcessWorker(rubric.probe_modules)
    run_checks(inproc, key, rubric)  # warm-up: imports of the student package and the reference

    times: dict[str, list[float]] = {
        "boundary (incl. worker start)": [],
        "boundary (warm worker)": [],
        "in-process": [],
    }
    for _ in range(args.rounds):
        w = Worker(root, rubric.probe_modules, Limits(), threads=1)
        t0 = time.perf_counter()
        w.call("inspect_package", package="hw2", modules=["layers"])
        startup = time.perf_counter() - t0
        elapsed, s_boundary = run_checks(w, key, rubric)
        times["boundary (incl. worker start)"].append(startup + elapsed)
        times["boundary (warm worker)"].append(elapsed)
        w.close()
        elapsed, s_inproc = run_checks(inproc, key, rubric)
        times["in-process"].append(elapsed)
        assert s_boundary == s_inproc, (s_boundary, s_inproc)

    base = statistics.median(times["in-process"])
    print(
        f"Part 1 checks of {root.relative_to(REPO) if root.is_relative_to(REPO) else root} "
        f"({len(part1_checks(rubric))} checks, score {s_boundary:g}), median of {args.rounds} rounds, 1 torch thread"
    )
    print(f"{'mode':32s} {'median s':>9s} {'ratio':>7s}")
    for mode, values in times.items():
        med = statistics.median(values)
        print(f"{mode:32s} {med:9.2f} {med / base:7.2f}x")


def in_process_once(root: Path) -> None:
    """The baseline of the end-to-end comparison: one process, imports included, no worker."""
    torch.set_num_threads(1)
    rubric = load(rubric_path("hw2"))
    load_checks(rubric.checks_module)
    sys.path.insert(0, str(root))
    server._STATE["submission"] = str(root)
    _, score = run_checks(InProcessWorker(rubric.probe_modules), reference.load("hw2"), rubric)
    print(f"score {score:g}")


def end_to_end(root: Path, rounds: int) -> None:
    """Whole commands, as a user runs them: the grading CLI vs the in-process baseline."""
    cmds = {
        "pytest --submission (boundary)": [
            *PYTEST,
            f"--submission={root}",
            "-k",
            "part1",
        ],
        "one process, no boundary": [sys.executable, __file__, "--in-process-only", f"--package-root={root}"],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for mode, cmd in cmds.items():
                t0 = time.perf_counter()
                subprocess.run(cmd, cwd=tmp, capture_output=True, check=False)
                times[mode].append(time.perf_counter() - t0)
    base = statistics.median(times["one process, no boundary"])
    print(
        f"\nEnd to end (process start, imports, {len(part1_checks(load(rubric_path('hw2'))))} Part 1 checks), "
        f"median of {rounds} rounds"
    )
    for mode, values in times.items():
        med = statistics.median(values)
        print(f"{mode:32s} {med:9.2f} {med / base:7.2f}x")


if __name__ == "__main__":
    main()
