"""``python -m harness.batch.slurm``: the plan, the array and merge jobs, submission and reruns.

Where no cluster runs, a stand-in ``sbatch`` (below) runs each job at once in the foreground, with
``SLURM_ARRAY_TASK_ID`` set per task and ``afterok`` honoured, so the scripts the command writes are
run for real: the merged gradebook must equal a single-machine run of the same class.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness.batch.plan import read_plan
from harness.batch.slurm import main as slurm_main

from .helpers import EXAMPLE, PART1, copy_submission, part1_broken, run_batch

FAKE_SBATCH = r"""#!/bin/bash
# a stand-in for sbatch --parsable: runs the job now; array tasks one after the other
state="$FAKE_SLURM"; array=""; dep=""; script=""
for a in "$@"; do
  case "$a" in
    --parsable) ;;
    --array=*) array="${a#--array=}" ;;
    --dependency=afterok:*) dep="${a#--dependency=afterok:}" ;;
    *) script="$a" ;;
  esac
done
[ -z "$array" ] && array=$(sed -n 's/^#SBATCH --array=//p' "$script")
id=$(( $(cat "$state/next" 2>/dev/null || echo 100) + 1 )); echo "$id" > "$state/next"
echo "$id $*" >> "$state/submitted"
if [ -n "$dep" ] && [ -e "$state/failed-$dep" ]; then echo "$id"; exit 0; fi  # afterok never satisfied
if [ -n "$array" ]; then
  for t in $(python3 -c "import sys; print(' '.join(str(i) for p in sys.argv[1].split(',') for i in (range(int(p.split('-')[0]), int(p.split('-')[-1]) + 1))))" "$array"); do
    SLURM_ARRAY_TASK_ID=$t bash "$script" > "$state/task-$id-$t.log" 2>&1 || touch "$state/failed-$id"
  done
else
  bash "$script" > "$state/job-$id.log" 2>&1 || touch "$state/failed-$id"
fi
echo "$id"
"""


@pytest.fixture
def fake_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sbatch, squeue (nothing queued: every job ran already) and scancel on PATH; their state folder."""
    state, bin_dir = tmp_path / "fake-slurm", tmp_path / "bin"
    state.mkdir()
    bin_dir.mkdir()
    scripts = {
        "sbatch": FAKE_SBATCH,
        "squeue": "#!/bin/bash\nexit 0\n",
        "scancel": '#!/bin/bash\necho "$*" >> "$FAKE_SLURM/cancelled"\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod((bin_dir / name).stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SLURM", str(state))
    return state


def _class(root: Path, n_examples: int = 3, n_broken: int = 3) -> Path:
    root.mkdir()
    for i in range(n_examples):
        copy_submission(EXAMPLE, root / f"student-{i}")
    for case in part1_broken()[:n_broken]:
        copy_submission(case, root / case.name)
    return root


def _scores(gradebook: Path) -> dict[str, tuple[str, str]]:
    with gradebook.open(newline="") as f:
        return {r["student_id"]: (r["total"], r["status"]) for r in csv.DictReader(f)}


def test_dry_run_writes_a_balanced_plan_and_scripts_bash_accepts(tmp_path: Path, capsys) -> None:
    root = tmp_path / "my class"  # a space in the path: every argument is quoted
    root.mkdir()
    for name in ("alice", "bob", "carol", "dave"):
        copy_submission(EXAMPLE, root / name)
    out = tmp_path / "out dir"
    assert slurm_main([f"--submissions={root}", "--shards=2", f"--out={out}", "--dry-run", "--", "-k", PART1]) == 0
    printed = capsys.readouterr().out
    assert "2 shards of 2, 2 submissions" in printed
    assert sorted(read_plan(out / "slurm" / "plan.json", 2).values()) == [1, 1, 2, 2]
    grade, merge = (out / "slurm" / "grade.sbatch").read_text(), (out / "slurm" / "merge.sbatch").read_text()
    assert "#SBATCH --array=1-2" in grade and '--shard="$K"/2' in grade and "-k part1" in grade
    assert "harness.batch.merge" in merge and "shard-1" in merge and "shard-2" in merge
    for script in ("grade.sbatch", "merge.sbatch"):
        assert subprocess.run(["bash", "-n", str(out / "slurm" / script)]).returncode == 0
    assert not (out / "slurm" / "jobs.json").exists()  # nothing submitted


def test_a_second_run_keeps_everyone_in_their_shard(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    for name in ("a", "b", "c"):
        copy_submission(EXAMPLE, root / name)
    out = tmp_path / "out"
    args = [f"--submissions={root}", "--shards=2", f"--out={out}", "--dry-run"]
    assert slurm_main(args) == 0
    first = read_plan(out / "slurm" / "plan.json")
    copy_submission(EXAMPLE, root / "late")
    assert slurm_main(args) == 0
    second = read_plan(out / "slurm" / "plan.json")
    assert {k: second[k] for k in first} == first and sorted(second.values()) == [1, 1, 2, 2]


def test_an_out_folder_inside_the_class_is_refused(tmp_path: Path, capsys) -> None:
    root = tmp_path / "class"
    root.mkdir()
    copy_submission(EXAMPLE, root / "a")
    assert slurm_main([f"--submissions={root}", "--shards=2", f"--out={root / 'grades'}", "--dry-run"]) == 2
    assert "is inside --submissions" in capsys.readouterr().err


def test_without_sbatch_the_command_says_where_to_run_it(tmp_path: Path, monkeypatch, capsys) -> None:
    root = tmp_path / "class"
    root.mkdir()
    copy_submission(EXAMPLE, root / "a")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert slurm_main([f"--submissions={root}", "--shards=2", f"--out={tmp_path / 'out'}"]) == 2
    assert "sbatch is not on PATH" in capsys.readouterr().err


def test_the_array_and_merge_grade_like_one_machine_and_a_rerun_loses_no_one(tmp_path: Path, fake_slurm: Path) -> None:
    root = _class(tmp_path / "class")
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.batch.slurm",
            f"--submissions={root}",
            "--shards=2",
            f"--out={out}",
            "--",
            "-k",
            PART1,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "array job 101 (2 tasks), merge job 102 after it" in done.stdout and "squeue -j 101,102" in done.stdout
    merged = out / "merged" / "gradebook.csv"
    assert merged.is_file(), (fake_slurm / "job-102.log").read_text()
    single = run_batch(root, tmp_path / "single", "-k", PART1, "-n", "2")
    assert single.returncode in (0, 1), single.stdout[-3000:]
    want = _scores(tmp_path / "single" / "gradebook.csv")
    assert _scores(merged) == want and len(want) == 6

    # task 2 died (cancelled, out of time): it left no exit status. --rerun submits it alone, and a merge after it
    (out / "slurm" / "status" / "task-2").unlink()
    merged.unlink()
    again = subprocess.run(
        [sys.executable, "-m", "harness.batch.slurm", "--rerun", f"--out={out}"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "rerunning tasks 2 as job 103; merge job 104 after them" in again.stdout
    assert "--array=2" in (fake_slurm / "submitted").read_text().splitlines()[2]
    assert (fake_slurm / "cancelled").read_text().split() == ["102"]  # the stale merge
    assert _scores(merged) == want  # nothing lost, nothing twice
    nothing = subprocess.run(
        [sys.executable, "-m", "harness.batch.slurm", "--rerun", f"--out={out}"], capture_output=True, text=True
    )
    assert "nothing to rerun" in nothing.stdout


def test_a_task_uses_the_cpus_slurm_gave_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two one-CPU tasks on one node must not each run the judge's torch on every core."""
    from harness.batch.session import available_cpus

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)
    assert available_cpus() == 8
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "1")
    assert available_cpus() == 1
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "16")  # never more than the mask
    assert available_cpus() == 8
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "x")
    assert available_cpus() == 8
