"""The worker sandbox: what each mode confines, that it says so, and that it leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.sandbox import Limits, Worker, confine
from harness.sandbox.selftest import probe_worker, verdicts

STRONGEST = confine.detect()


@pytest.mark.skipif(STRONGEST.name != "bubblewrap", reason="bubblewrap is not installed (scripts/install-sandbox.sh)")
def test_bubblewrap_confines_everything_it_promises() -> None:
    facts = probe_worker("bubblewrap")
    failed = [what for what, ok in verdicts(facts) if not ok and (what != "unprivileged uid" or STRONGEST.as_root)]
    assert failed == []
    assert facts["tmp"] == "/tmp" and facts["tmp_bytes"] <= Limits().tmp_bytes
    assert "only the submission copy" in facts["description"]


@pytest.mark.skipif(STRONGEST.name == "none", reason="unshare does not work here")
def test_the_weak_unshare_mode_isolates_the_network_and_says_files_are_not_hidden() -> None:
    facts = probe_worker("unshare")
    ok = dict(verdicts(facts))
    assert ok["host network unreachable"] and ok["the submission copy writable"]
    assert not ok["answer key and rubric hidden"]
    assert "WEAK" in facts["description"] and "NOT hidden" in facts["description"]


def test_no_sandbox_mode_still_runs_and_says_it_is_weak() -> None:
    facts = probe_worker("none")
    assert dict(verdicts(facts))["the submission copy writable"]
    assert "WEAK" in facts["description"] and "NOT isolated" in facts["description"]


@pytest.mark.skipif(STRONGEST.cgroups is None, reason="no cgroup this process may create children in")
def test_a_killed_worker_leaves_no_process_and_no_cgroup(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    worker = Worker(tmp_path / "submission", ["probes.selftest"], Limits(call_timeout=20), 1, tmp_path)
    worker.call("sandbox.selftest", read=[], write=[], processes=3)
    group = worker._cgroup
    assert group is not None
    pids = [int(p) for d in group.dirs for p in (d / "cgroup.procs").read_text().split()]
    assert pids  # the worker itself
    worker.kill()
    assert all(not d.exists() for d in group.dirs)
    assert not [p for p in pids if Path(f"/proc/{p}").exists() and _state(p) != "Z"]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_the_uid_of_each_worker_start_is_its_own() -> None:
    uids = [confine.claim_uid() for _ in range(50)]
    try:
        assert len(set(uids)) == 50
        assert all(confine.SANDBOX_UID_BASE <= u < confine.SANDBOX_UID_BASE + confine.SANDBOX_UID_SPAN for u in uids)
        assert os.getuid() not in uids
    finally:
        for uid in uids:
            confine.release_uid(uid)


def test_a_uid_another_judge_holds_is_skipped_and_freed_when_it_ends() -> None:
    """Two judges (two xdist workers, two batch workers) whose starting points meet: pid p's start k + 64
    is pid p + 1's start k. The second gets the next free uid, and the first's uid again once it gave it back."""
    import subprocess
    import sys

    start = confine.SANDBOX_UID_BASE + confine.SANDBOX_UID_SPAN - 1  # the last one: the search wraps around
    mine = confine.claim_uid(start)
    assert mine == start
    other = (
        "import sys; from harness.sandbox import confine; "
        f"u = confine.claim_uid({start}); print(u); confine.release_uid(u); print(confine.claim_uid({start}))"
    )
    try:
        first = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True, check=True).stdout
        assert first.split() == [str(confine.SANDBOX_UID_BASE)] * 2  # wrapped past the held one, twice
    finally:
        confine.release_uid(mine)
    again = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True, check=True).stdout
    assert again.split() == [str(start)] * 2


def test_every_judge_uses_one_uid_registry_whatever_its_tmpdir(tmp_path: Path) -> None:
    """A batch run may set TMPDIR: a registry there would not see the other judges' uids."""
    import subprocess
    import sys

    code = "from harness.sandbox import confine; print(confine._registry.PATH); confine.claim_uid()"
    env = dict(os.environ, TMPDIR=str(tmp_path))
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == str(confine._registry.PATH) and list(tmp_path.iterdir()) == []


def test_what_a_killed_judge_left_behind_is_swept(tmp_path: Path) -> None:
    import tempfile

    dead = 4_000_000  # above pid_max: no process has it
    stale = Path(tempfile.gettempdir()) / f"dl-autograder-{dead}-abc"
    (stale / "submission").mkdir(parents=True)
    live = Path(tempfile.mkdtemp(prefix=f"dl-autograder-{os.getpid()}-"))
    groups = []
    if STRONGEST.cgroups is not None:
        groups = confine.Cgroup.create(STRONGEST.cgroups, f"dl-autograder-{dead}-1-0", 1 << 30, 16).dirs
    try:
        confine.sweep_stale.__wrapped__()
        assert not stale.exists() and live.exists()
        assert not any(d.exists() for d in groups)
    finally:
        confine.remove_scratch(live)
        confine.remove_scratch(stale)
