"""Grade a class on a SLURM cluster with one command: an array of shards, then their merge.

    python -m harness.batch.slurm --submissions=DIR --shards=N --out=DIR [--partition=P]
        [--cpus-per-task=C] [--mem=M] [--time=T] [--dry-run] [-- PYTEST_ARGS]
    python -m harness.batch.slurm --rerun --out=DIR

writes, under ``OUT/slurm/``, the shard plan (``plan.py``: balanced, and a late student moves no one
else), an array job of N tasks (task K grades shard K into ``OUT/shard-K``, resuming from that
folder's store when it is run again) and a merge job that depends on the array (``afterok``) and
writes ``OUT/merged/``; then submits both with ``sbatch`` (``--dry-run`` prints them instead) and
says how to watch them. A task records its exit status in ``OUT/slurm/status/``; ``--rerun``
submits again the tasks that did not finish (failed, cancelled, timed out) and a merge that depends
on them. Only SLURM's own tools are used (sbatch, squeue, scancel).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..paths import CHECKOUT
from .outputs import CLASS_REPORT, GRADEBOOK
from .plan import PlanError, make_plan, read_plan, shard_sizes, write_plan


class SlurmError(Exception):
    """What stops the jobs from being written or submitted (one sentence for the user)."""


@dataclass
class Layout:
    """Where one class's cluster run keeps its files."""

    out: Path

    @property
    def folder(self) -> Path:
        return self.out / "slurm"

    @property
    def plan(self) -> Path:
        return self.folder / "plan.json"

    @property
    def array_script(self) -> Path:
        return self.folder / "grade.sbatch"

    @property
    def merge_script(self) -> Path:
        return self.folder / "merge.sbatch"

    @property
    def jobs(self) -> Path:
        return self.folder / "jobs.json"

    @property
    def merged(self) -> Path:
        return self.out / "merged"

    def shard(self, k: int | str) -> Path:
        return self.out / f"shard-{k}"

    def status(self, k: int | str) -> Path:
        return self.folder / "status" / f"task-{k}"


@dataclass
class Request:
    submissions: Path
    shards: int
    out: Path
    partition: str | None = None
    cpus_per_task: int = 1
    mem: str | None = None
    time: str | None = None
    pytest_args: tuple[str, ...] = ()


def class_keys(submissions: Path, out: Path, pytest_args: tuple[str, ...]) -> list[str]:
    """The entries of the class as the batch run will see them (same assignment, same discovery)."""
    from ..rubric import load, rubric_path
    from .discover import DiscoveryError, discover
    from .session import class_assignment

    assignment = _option(pytest_args, "--assignment") or "auto"
    if assignment == "auto":
        assignment = class_assignment(submissions)
    try:
        package = load(rubric_path(assignment)).submission.package
        max_mb = float(_option(pytest_args, "--max-file-mb") or 100.0)
        return [e.key for e in discover(submissions, package, int(max_mb * 1024**2), exclude=out).entries]
    except (DiscoveryError, OSError, ValueError) as exc:
        raise SlurmError(str(exc)) from None


def _option(args: tuple[str, ...], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg == name and i + 1 < len(args):
            return args[i + 1]
    return None


def array_script(req: Request, layout: Layout) -> str:
    """Task K grades shard K; exit 0 when the shard was graded (a submission that could not be graded
    is a row of its report, not a failed task), the batch run's own status otherwise."""
    n = req.shards
    workers = ["-n", str(req.cpus_per_task)] if req.cpus_per_task > 1 else []
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--submissions={req.submissions}",
        f"--out={layout.shard('$K')}",
        f"--shard=$K/{n}",
        f"--shard-plan={layout.plan}",
        *workers,
        *req.pytest_args,
    ]
    quoted = " ".join(_shell_arg(c) for c in cmd)
    return "\n".join(
        [
            "#!/bin/bash",
            f"#SBATCH --job-name={_job_name(req)}-grade",
            f"#SBATCH --array=1-{n}",
            f"#SBATCH --cpus-per-task={req.cpus_per_task}",
            f"#SBATCH --output={layout.folder / 'logs' / 'grade-%a.out'}",
            *_resources(req),
            "set -u",
            f"cd {shlex.quote(str(CHECKOUT))}",
            'K="$SLURM_ARRAY_TASK_ID"',
            f"mkdir -p {shlex.quote(str(layout.folder / 'status'))}",
            f'rm -f {shlex.quote(str(layout.folder / "status"))}/task-"$K"',
            quoted,
            "rc=$?",
            f'echo "$rc" > {shlex.quote(str(layout.folder / "status"))}/task-"$K"',
            "# 0: every submission graded; 1: some could not be (they are rows of the report): done either way",
            'if [ "$rc" -le 1 ]; then exit 0; fi',
            'exit "$rc"',
            "",
        ]
    )


def _shell_arg(arg: str) -> str:
    """``arg`` quoted for bash, with each ``$K`` (the task's shard number) left for the shell to expand."""
    return '"$K"'.join(shlex.quote(part) if part else "" for part in arg.split("$K"))


def merge_script(req: Request, layout: Layout) -> str:
    shards = " ".join(shlex.quote(str(layout.shard(k))) for k in range(1, req.shards + 1))
    return "\n".join(
        [
            "#!/bin/bash",
            f"#SBATCH --job-name={_job_name(req)}-merge",
            "#SBATCH --cpus-per-task=1",
            f"#SBATCH --output={layout.folder / 'logs' / 'merge.out'}",
            *_resources(req, time_only=True),
            "set -eu",
            f"cd {shlex.quote(str(CHECKOUT))}",
            f"{shlex.quote(sys.executable)} -m harness.batch.merge --out={shlex.quote(str(layout.merged))} {shards}",
            "",
        ]
    )


def _job_name(req: Request) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in req.submissions.name)[:40] or "class"


def _resources(req: Request, time_only: bool = False) -> list[str]:
    lines = [f"#SBATCH --partition={req.partition}"] if req.partition else []
    if req.mem and not time_only:
        lines.append(f"#SBATCH --mem={req.mem}")
    if req.time:
        lines.append(f"#SBATCH --time={req.time}")
    return lines


def write_jobs(req: Request) -> tuple[Layout, list[int]]:
    """The plan and both scripts under OUT/slurm (a plan there already keeps everyone where they were)."""
    if req.shards < 1:
        raise SlurmError(f"--shards={req.shards}: at least 1")
    if req.out == req.submissions or req.submissions in req.out.parents:
        # each task would find the others' output folders among the students
        raise SlurmError(f"--out={req.out} is inside --submissions={req.submissions}: put it beside the class")
    layout = Layout(req.out)
    keys = class_keys(req.submissions, req.out, req.pytest_args)
    old = None
    if layout.plan.exists():  # written before: everyone stays where they were (for the same shard count)
        try:
            old = read_plan(layout.plan, req.shards)
        except PlanError:
            old = None
    plan = make_plan(keys, req.shards, old)
    write_plan(layout.plan, plan, req.shards)
    (layout.folder / "logs").mkdir(parents=True, exist_ok=True)
    layout.array_script.write_text(array_script(req, layout), encoding="utf-8")
    layout.merge_script.write_text(merge_script(req, layout), encoding="utf-8")
    return layout, shard_sizes(plan, req.shards)


def sbatch(*args: str) -> int:
    """Submit with ``sbatch --parsable``; the job id."""
    try:
        done = subprocess.run(["sbatch", "--parsable", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SlurmError("sbatch is not on PATH: run this on the cluster's login node (or use --dry-run)") from None
    if done.returncode != 0:
        raise SlurmError(f"sbatch {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return int(done.stdout.strip().split(";")[0])


def submit(layout: Layout, tasks: str | None = None) -> dict[str, int]:
    """The array (all tasks, or ``tasks`` like "2,5"), then the merge after it succeeds."""
    array = sbatch(*([f"--array={tasks}"] if tasks else []), str(layout.array_script))
    merge = sbatch(f"--dependency=afterok:{array}", str(layout.merge_script))
    jobs = {"array": array, "merge": merge}
    layout.jobs.write_text(json.dumps(jobs) + "\n", encoding="utf-8")
    return jobs


def unfinished_tasks(layout: Layout, shards: int) -> list[int]:
    """Tasks with no exit status recorded, or one above 1 (died, cancelled, timed out, crashed),
    that SLURM is not running or about to run."""
    waiting: set[int] = set()
    if layout.jobs.exists():
        array = json.loads(layout.jobs.read_text())["array"]
        try:
            listed = subprocess.run(
                ["squeue", "-h", "-r", "-j", str(array), "-o", "%K"], capture_output=True, text=True, check=False
            ).stdout.split()
        except FileNotFoundError:
            raise SlurmError("squeue is not on PATH: run this on the cluster's login node") from None
        waiting = {int(t) for t in listed if t.isdigit()}
    return [k for k in range(1, shards + 1) if k not in waiting and _status(layout, k) not in (0,)]


def _status(layout: Layout, k: int) -> int | None:
    try:
        return int(layout.status(k).read_text().strip())
    except (OSError, ValueError):
        return None


def rerun(out: Path) -> str:
    layout = Layout(out)
    if not layout.plan.exists() or not layout.array_script.exists():
        raise SlurmError(f"{layout.folder}: no jobs were written here (run without --rerun first)")
    shards = json.loads(layout.plan.read_text())["count"]
    tasks = unfinished_tasks(layout, shards)
    if not tasks:
        return "every task finished: nothing to rerun"
    if layout.jobs.exists():  # the old merge waits on tasks that failed: it would never run
        subprocess.run(["scancel", str(json.loads(layout.jobs.read_text())["merge"])], check=False)
    jobs = submit(layout, ",".join(map(str, tasks)))
    return f"rerunning tasks {','.join(map(str, tasks))} as job {jobs['array']}; merge job {jobs['merge']} after them"


def parse(argv: list[str]) -> tuple[argparse.Namespace, tuple[str, ...]]:
    pytest_args: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, pytest_args = argv[:i], argv[i + 1 :]
    ap = argparse.ArgumentParser(
        prog="python -m harness.batch.slurm", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--submissions", type=Path, help="the class folder (on a filesystem the nodes share)")
    ap.add_argument("--shards", type=int, help="array tasks, one shard of the class each")
    ap.add_argument("--out", type=Path, required=True, help="shards, logs and the merged results (shared too)")
    ap.add_argument("--partition")
    ap.add_argument("--cpus-per-task", type=int, default=1, help="CPUs per task (the task grades with -n C)")
    ap.add_argument("--mem", help="memory per task, as sbatch takes it (16G)")
    ap.add_argument("--time", help="time limit per task, as sbatch takes it (02:00:00)")
    ap.add_argument("--dry-run", action="store_true", help="write and print the jobs, submit nothing")
    ap.add_argument("--rerun", action="store_true", help="submit again the tasks that did not finish")
    args = ap.parse_args(argv)
    if not args.rerun and (args.submissions is None or args.shards is None):
        ap.error("--submissions and --shards are needed (or --rerun with --out)")
    return args, tuple(pytest_args)


def main(argv: list[str] | None = None) -> int:
    args, pytest_args = parse(sys.argv[1:] if argv is None else argv)
    out = args.out.resolve()
    try:
        if args.rerun:
            print(rerun(out))
            return 0
        req = Request(
            submissions=args.submissions.resolve(),
            shards=args.shards,
            out=out,
            partition=args.partition,
            cpus_per_task=args.cpus_per_task,
            mem=args.mem,
            time=args.time,
            pytest_args=pytest_args,
        )
        layout, sizes = write_jobs(req)
        print(f"{len(sizes)} shards of {', '.join(map(str, sizes))} submissions (plan: {layout.plan})")
        if args.dry_run:
            for script in (layout.array_script, layout.merge_script):
                print(f"\n# {script}\n{script.read_text()}")
            print(
                f"submit with: sbatch {layout.array_script}, then sbatch --dependency=afterok:<its id> "
                f"{layout.merge_script}"
            )
            return 0
        jobs = submit(layout)
    except (SlurmError, OSError, ValueError) as exc:
        print(f"slurm: {exc}", file=sys.stderr)
        return 2
    print(f"array job {jobs['array']} ({req.shards} tasks), merge job {jobs['merge']} after it")
    print(f"watch: squeue -j {jobs['array']},{jobs['merge']}")
    print(f"a task that did not finish: python -m harness.batch.slurm --rerun --out={shlex.quote(str(out))}")
    print(f"class report: {layout.merged / CLASS_REPORT}")
    print(f"gradebook: {layout.merged / GRADEBOOK}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
