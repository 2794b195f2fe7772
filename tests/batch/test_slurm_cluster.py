"""A class graded on a real SLURM cluster through ``python -m harness.batch.slurm``.

``scripts/start-slurm.sh`` (run by ``.ci/run``, and by this module when the cluster is down) starts a
single-node cluster on this machine; where it cannot, the tests are skipped with its reason. The
merged gradebook must equal a single-machine ``--submissions`` run of the same class, score for
score; a task cancelled mid-run and rerun must lose no one and grade no one twice.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import EXAMPLE, PART1, REPO, copy_submission, part1_broken, run_batch

WAIT_S = 900


def _idle() -> bool:
    try:
        states = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "idle" in states or "mix" in states or "alloc" in states


@pytest.fixture(scope="module")
def cluster() -> None:
    if not _idle():
        started = subprocess.run(
            ["bash", str(REPO / "scripts" / "start-slurm.sh")], capture_output=True, text=True, timeout=600
        )
        if not _idle():
            pytest.skip(f"no SLURM cluster could start here: {started.stderr.strip() or 'sinfo shows no idle node'}")


def _class(root: Path) -> Path:
    root.mkdir()
    for i in range(3):
        copy_submission(EXAMPLE, root / f"student-{i}")
    for case in part1_broken()[:3]:
        copy_submission(case, root / case.name)
    return root


def _slurm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness.batch.slurm", *args], capture_output=True, text=True, timeout=300, cwd=REPO
    )


def _queued(*jobs: int) -> list[str]:
    listed = subprocess.run(
        ["squeue", "-h", "-r", "-j", ",".join(map(str, jobs)), "-o", "%i %T %r"], capture_output=True, text=True
    )
    return listed.stdout.split("\n") if listed.stdout.strip() else []


def _wait_for(path: Path, jobs: dict, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if path.exists() and not _queued(jobs["merge"]):
            return
        left = _queued(jobs["array"], jobs["merge"])
        if left and all("DependencyNeverSatisfied" in line for line in left):
            break
        time.sleep(2)
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(path.parents[1].glob("slurm/logs/*.out")))
    pytest.fail(f"{what}: {path} not written; queue: {_queued(jobs['array'], jobs['merge'])}\n{logs}")


def _scores(gradebook: Path) -> dict[str, tuple[str, str]]:
    with gradebook.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len({r["student_id"] for r in rows}), "a student twice in the gradebook"
    return {r["student_id"]: (r["total"], r["status"]) for r in rows}


def test_a_class_graded_as_an_array_equals_one_machine_and_survives_a_cancelled_task(
    tmp_path: Path, cluster: None
) -> None:
    root = _class(tmp_path / "class")
    single = run_batch(root, tmp_path / "single", "-k", PART1, "-n", "2")
    assert single.returncode in (0, 1), single.stdout[-3000:]
    want = _scores(tmp_path / "single" / "gradebook.csv")
    assert len(want) == 6

    out = tmp_path / "out"
    done = _slurm(f"--submissions={root}", "--shards=2", f"--out={out}", "--", "-k", PART1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 shards of 3, 3 submissions" in done.stdout and "squeue -j" in done.stdout
    jobs = json.loads((out / "slurm" / "jobs.json").read_text())
    merged = out / "merged" / "gradebook.csv"
    _wait_for(merged, jobs, "the merge job")
    assert _scores(merged) == want

    # the same class again, task 2 cancelled while it grades: the merge never runs; --rerun grades
    # task 2 again (it resumes from its shard's store) and merges after it
    out2 = tmp_path / "out2"
    done = _slurm(f"--submissions={root}", "--shards=2", f"--out={out2}", "--", "-k", PART1)
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = json.loads((out2 / "slurm" / "jobs.json").read_text())
    task = f"{jobs['array']}_2"
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not (out2 / "shard-2" / "grades.sqlite").exists():
        time.sleep(0.5)
    time.sleep(5)  # grading now
    subprocess.run(["scancel", task], check=True)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and any(line.split()[0] != str(jobs["merge"]) for line in _queued(jobs["array"])):
        time.sleep(1)
    assert not (out2 / "merged" / "gradebook.csv").exists()
    again = _slurm("--rerun", f"--out={out2}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "rerunning tasks 2 as job" in again.stdout, again.stdout
    jobs = json.loads((out2 / "slurm" / "jobs.json").read_text())
    _wait_for(out2 / "merged" / "gradebook.csv", jobs, "the merge after the rerun")
    assert _scores(out2 / "merged" / "gradebook.csv") == want
