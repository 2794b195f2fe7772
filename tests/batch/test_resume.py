"""The store makes a batch resumable: kill -9 loses nothing finished; only what changed is graded again."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import EXAMPLE, REPO, BatchOutput, copy_submission, part1_broken, run_batch

FAST = "part1.linear and not init"  # -k: two checks, so each submission takes a couple of seconds


def _class(root: Path, n: int) -> list[str]:
    root.mkdir()
    broken = part1_broken()
    keys = []
    for i in range(n):
        source = EXAMPLE if i % 2 == 0 else broken[i % len(broken)]
        keys.append(f"student-{i:02d}")
        copy_submission(source, root / keys[-1])
    return keys


def _graded_rows(store: Path) -> dict[str, float]:
    if not store.exists():
        return {}
    try:
        db = sqlite3.connect(store, timeout=30)
        try:
            return dict(db.execute("SELECT key, graded_at FROM grades WHERE status = 'graded'").fetchall())
        finally:
            db.close()
    except sqlite3.OperationalError:  # the tables are not there yet
        return {}


def _skip_if_the_judge_changed_meanwhile(store: Path) -> None:
    """Other work in this tree (a rubric or check edited during the test) changes the grading digest,
    and then everything is rightly graded again; the digest's determinism is tested in test_units."""
    db = sqlite3.connect(store)
    try:
        count = db.execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
    finally:
        db.close()
    if count > 1:
        pytest.skip("the rubric or the judge's code changed while this test ran")


def test_batch_killed_with_sigkill_resumes_without_losing_or_duplicating_grades(tmp_path: Path) -> None:
    keys = _class(tmp_path / "class", 10)
    out = tmp_path / "out"
    store = out / "grades.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--submissions={tmp_path / 'class'}",
        f"--out={out}",
        "-n",
        "2",
        "-k",
        FAST,
    ]
    controller = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300
        while len(_graded_rows(store)) < 3 and time.monotonic() < deadline and controller.poll() is None:
            time.sleep(0.2)
        assert controller.poll() is None, "the batch finished before it could be killed"
        os.kill(controller.pid, signal.SIGKILL)
        controller.wait()
    finally:
        time.sleep(0.5)
        try:  # the controller's orphaned xdist workers (its process group), as a job scheduler would
            os.killpg(controller.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    before = _graded_rows(store)
    assert 3 <= len(before) < len(keys), before
    assert not (out / "gradebook.csv").exists()  # the controller never got to the end

    proc = run_batch(tmp_path / "class", out, "-n", "2", "-k", FAST)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    _skip_if_the_judge_changed_meanwhile(store)
    after = _graded_rows(store)
    assert sorted(after) == keys  # nothing lost
    assert {k: after[k] for k in before} == before  # what was finished was not graded again
    assert f"({len(before)} reused from the store)" in proc.stdout
    rows = BatchOutput(out).gradebook()
    assert sorted(r["submission"] for r in rows) == keys  # nothing duplicated
    assert all(r["status"] == "graded" for r in rows)
    assert {r["submission"]: float(r["total"]) for r in rows} == {
        k: (6.0 if i % 2 == 0 else float(_expected_linear(i))) for i, k in enumerate(keys)
    }


def _expected_linear(i: int) -> float:
    broken = part1_broken()[i % len(part1_broken())]
    return 4.0 if broken.name == "linear-dw-overwritten" else 6.0


def test_changed_submission_or_rubric_is_graded_again(tmp_path: Path) -> None:
    keys = _class(tmp_path / "class", 2)
    out = tmp_path / "out"
    first = run_batch(tmp_path / "class", out, "-k", FAST)
    assert first.returncode == 0, first.stdout[-3000:]
    graded = _graded_rows(out / "grades.sqlite")

    layers = tmp_path / "class" / keys[1] / "hw2" / "layers.py"
    layers.write_text(layers.read_text() + "\n# a late fix\n")
    second = run_batch(tmp_path / "class", out, "-k", FAST)
    _skip_if_the_judge_changed_meanwhile(out / "grades.sqlite")
    assert "(1 reused from the store)" in second.stdout
    regraded = _graded_rows(out / "grades.sqlite")
    assert regraded[keys[0]] == graded[keys[0]] and regraded[keys[1]] > graded[keys[1]]

    rubrics = tmp_path / "rubrics"
    shutil.copytree(REPO / "rubrics", rubrics)
    (rubrics / "hw2.toml").write_text((rubrics / "hw2.toml").read_text() + "\n# points reviewed\n")
    third = run_batch(tmp_path / "class", out, "-k", FAST, f"--rubric={rubrics / 'hw2.toml'}")
    assert third.returncode == 0 and "(0 reused from the store)" in third.stdout

    fourth = run_batch(tmp_path / "class", out, "-k", FAST, "--regrade")
    assert "(0 reused from the store)" in fourth.stdout
