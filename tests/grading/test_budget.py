"""Submissions that hang: the preflight import and the per-submission time budget bound them.

Each runs with short limits (a 4-5 s call limit, a budget of a few dozen seconds) so the test is
quick; the defaults scale the same mechanism (60 s per call, 900 s per hw2 submission).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import copy_example, grade

PART1 = ("-k", "part1")
PART1_MAX = 41.0  # the rubric's Part 1 points (written answers are graded by hand, outside it)

HANG_AT_IMPORT = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a polite kill is not enough
while True:
    time.sleep(0.05)
"""


def maximum(graded) -> float:
    return sum(t["max_score"] for t in graded.report["tests"])


def test_a_module_that_never_finishes_importing_costs_one_call_limit(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hangs")
    layers = sub / "hw2" / "layers.py"
    stuck_line = len(layers.read_text().splitlines()) + 5  # the sleep inside the loop
    layers.write_text(layers.read_text() + HANG_AT_IMPORT)
    started = time.monotonic()
    graded = grade(pytester, sub, *PART1, "--check-timeout=5")
    took = time.monotonic() - started
    assert graded.score == 0 and maximum(graded) == PART1_MAX
    top = f"hw2/layers.py:{stuck_line}: importing hw2.layers did not finish within 5 s"
    assert top in graded.report["output"]
    assert graded.result.stdout.str().count(top) == 1
    assert all(
        "hw2.layers does not import" in t["output"] for t in graded.report["tests"] if t["number"].startswith("part1.")
    )
    assert took < 45, f"{took:.0f} s: more than one wait for the import"  # 15 checks x 5 s would be 75 s


def test_code_that_sleeps_in_every_backward_stops_at_the_budget(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "slow")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(
        layers.read_text().replace(
            "    def backward(self, dout):", "    def backward(self, dout):\n        import time; time.sleep(3.5)"
        )
    )
    started = time.monotonic()
    graded = grade(pytester, sub, *PART1, "--check-timeout=4", "--submission-timeout=20")
    took = time.monotonic() - started
    assert took < 20 + 25, f"{took:.0f} s"  # the budget, plus starting pytest and the worker
    assert maximum(graded) == PART1_MAX
    assert "time budget (20 s) ran out" in graded.report["output"]
    reached = [t for t in graded.report["tests"] if "not reached" not in t["output"]]
    not_reached = [t for t in graded.report["tests"] if "not reached: the submission's time budget" in t["output"]]
    assert reached and not_reached and all(t["score"] == 0 for t in not_reached)
    # points earned before the budget ran out are kept (forward passes do not sleep)
    assert graded.score > 0


def test_a_syntax_error_in_one_module_costs_only_the_checks_that_need_it(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    sub = copy_example(tmp_path / "cnn-syntax")
    cnn = sub / "hw2" / "cnn.py"
    cnn.write_text("def broken(:\n    pass\n" + cnn.read_text())
    graded = grade(pytester, sub, "-k", "part1 or part4.cnn or part4.resnet")
    scores = graded.scores()
    assert scores["part1.linear"] == 4 and scores["part4.cnn"] == 0 and scores["part4.resnet"] == 0
    assert "hw2/cnn.py:1: SyntaxError" in graded.report["output"]
    assert graded.report["output"].count("SyntaxError") == 1


def test_sigterm_stops_a_grading_like_ctrl_c_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """``timeout``, ``scancel`` and container stops send SIGTERM: the run ends through pytest's interrupt
    path, so its report says "interrupted" (never a plain 0/N) and its scratch copy is gone."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile

    sub = copy_example(tmp_path / "slow")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(layers.read_text() + "\nimport time\ntime.sleep(120)\n")  # a long import: mid-grading
    report = tmp_path / "out" / "report.html"
    # a folder of a dead judge that had this pid may be there already (pids are reused): wait for a new one
    before = set(os.listdir(tempfile.gettempdir()))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--submission={sub}",
            f"--report={report}",
            "-k",
            "part1",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    scratch = f"dl-autograder-{proc.pid}-"

    def catches_sigterm() -> bool:
        # the plugin installs its handler once the session is set up (the scratch copy is made before:
        # on a loaded 2-core machine the judge's own imports after it can take a minute)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        return bool(caught & (1 << (signal.SIGTERM - 1)))

    def started() -> bool:
        made = any(p.startswith(scratch) and p not in before for p in os.listdir(tempfile.gettempdir()))
        return made and catches_sigterm()

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and not started():
        time.sleep(0.2)
    assert started(), "the grading never started its scratch copy"
    time.sleep(3)  # the preflight is waiting on the import now
    proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    assert time.monotonic() - stopped < 15, out[-2000:]
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out[-2000:]
    assert not [p for p in os.listdir(tempfile.gettempdir()) if p.startswith(scratch) and p not in before]
    assert scratch not in Path("/proc/mounts").read_text()
    import json

    results = json.loads((report.parent / "results.json").read_text())
    assert "interrupted: 0 of " in results["output"]
