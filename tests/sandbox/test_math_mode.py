"""Reproducible math (harness/sandbox/math_mode.py): the caps reach the sandboxed worker, the report
names them and the CPU, and the checks that train give the same grade on both kernel paths this
machine has (capped at AVX2, and its native ones)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.sandbox import math_mode

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "submissions" / "example"
x86_avx2 = pytest.mark.skipif(
    platform.machine() != "x86_64" or "avx2" not in math_mode.cpu()[1], reason="the caps apply to x86-64 CPUs with AVX2"
)


def test_settings_and_the_native_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(math_mode.NATIVE, raising=False)
    if "avx2" in math_mode.cpu()[1] and platform.machine() == "x86_64":
        assert math_mode.settings() == math_mode.CAPS
        assert math_mode.describe().startswith("reproducible across x86-64 CPUs")
    monkeypatch.setenv(math_mode.NATIVE, "native")
    assert math_mode.settings() == {}
    assert math_mode.describe().startswith("native kernels (DL_AUTOGRADER_MATH=native)")
    assert math_mode.cpu()[0] in math_mode.describe()


def _grade(submission: Path, out: Path, native: bool, *args: str) -> tuple[dict, str]:
    env = dict(os.environ)
    env.pop(math_mode.NATIVE, None)
    if native:
        env[math_mode.NATIVE] = "native"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--submission={submission}",
            f"--report={out / 'report.html'}",
            *args,
        ],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return json.loads((out / "results.json").read_text()), (out / "report.html").read_text()


@x86_avx2
def test_the_caps_reach_the_worker_and_the_report_names_them(tmp_path: Path) -> None:
    _, html = _grade(EXAMPLE, tmp_path / "capped", False, "-k", "part1.relu")
    assert "kernels capped at AVX2 (ATen, MKL CNR, oneDNN)" in html
    assert "the worker&#39;s ATen kernels: AVX2" in html  # read back from inside the sandbox
    assert math_mode.cpu()[0] in html


# The checks that train, per assignment (pytest -k expressions): the only ones whose outcome can move
# with the last bits of a float (the others compare against tolerances far above them).
TRAINING_BY_ASSIGNMENT = {
    # left out: the student's own CIFAR-10 hyper-parameters (indicative on the stand-in, no points), and
    # mlp_experiment, whose failing cases rerun the notebook's 12-run grid (~45 s each, per mode); the
    # example's mlp_experiment is graded on both paths by benchmarks/math_mode_cost.py
    "hw2": "training_learns or hyperparameters or (overfit and not overfit_hp) or optimizer_comparison",
    "csc321_tut4": "learns",
    "csc321_tut6": "experiments",
    "edinburgh_mlp": "training",
    "nma_w1d5": "compare",
}


def _every_case(assignment: str, cases, root: Path) -> Path:
    """A class of every case of ``assignment`` that is graded (the example, broken cases, patterns;
    not an offering the grader refuses, the red team's attacks, which test the sandbox, nor the slow
    copy), materialised."""
    import tomllib

    from harness.dev.cases import base_of

    top = REPO / "submissions" if assignment == "hw2" else REPO / "submissions" / assignment
    groups = ("broken", "patterns") if assignment == "hw2" else ("broken",)
    found = [top / "example"] + [
        p.parent
        for g in groups
        for p in sorted((top / g).glob("*/expected.toml"))
        if "refused" not in tomllib.loads(p.read_text())
    ]
    root.mkdir()
    for case in found:
        source = cases(case) if base_of(case) is not None else case
        shutil.copytree(source, root / f"{case.parent.name}-{case.name}", ignore=shutil.ignore_patterns("__pycache__"))
    if assignment == "hw2":  # and the real students' MLP initialisations of tests/grading/test_real_code.py
        from tests.grading.real_patterns import MLP_INITS, with_mlp_init

        for name in MLP_INITS:
            with_mlp_init(shutil.copytree(top / "example", root / f"real-{name}"), name)
    return root


def _training_scores(out: Path) -> dict[str, dict[str, str]]:
    import csv

    with (out / "gradebook.csv").open(newline="") as fh:
        return {row["submission"]: row for row in csv.DictReader(fh)}


@x86_avx2
@pytest.mark.timeout(1800)  # two batches of up to 45 submissions on a 2-core machine shared with the suite
@pytest.mark.parametrize("assignment", list(TRAINING_BY_ASSIGNMENT))
def test_every_case_gets_the_same_training_scores_on_both_kernel_paths(
    assignment: str, cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case of the assignment graded twice, capped at AVX2 and on this CPU's native kernels
    (AVX-512 where it has them): the checks that train give the same scores on both."""
    from tests.batch.helpers import run_batch

    monkeypatch.delenv(math_mode.NATIVE, raising=False)
    whole = _every_case(assignment, cases, tmp_path / "class")
    args = ("-q", "-n", "2", "-k", TRAINING_BY_ASSIGNMENT[assignment], f"--assignment={assignment}")
    capped = run_batch(whole, tmp_path / "capped", *args, cwd=tmp_path)
    monkeypatch.setenv(math_mode.NATIVE, "native")
    native = run_batch(whole, tmp_path / "native", *args, cwd=tmp_path)
    assert capped.returncode == 0 and native.returncode == 0, capped.stdout[-2000:] + native.stdout[-2000:]
    capped_rows, native_rows = _training_scores(tmp_path / "capped"), _training_scores(tmp_path / "native")
    assert len(capped_rows) == len(list(whole.iterdir()))
    differ = {
        student: {k: (v, native_rows[student][k]) for k, v in row.items() if v != native_rows[student][k]}
        for student, row in capped_rows.items()
        if {k: v for k, v in row.items() if k != "note"}
        != {k: v for k, v in native_rows[student].items() if k != "note"}
    }
    assert differ == {}
    report = (tmp_path / "native" / "real-unit-init" / "report.html").read_text() if assignment == "hw2" else ""
    assert assignment != "hw2" or "native kernels (DL_AUTOGRADER_MATH=native)" in report
