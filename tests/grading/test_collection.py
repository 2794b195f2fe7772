"""Where checks come from: --submission collects the rubric's checks only, from any folder."""

from __future__ import annotations

import subprocess
import sys

from harness.rubric import load, rubric_path

from .helpers import EXAMPLE, REPO


def _collect(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_grading_from_the_repo_root_collects_only_the_checks() -> None:
    proc = _collect(REPO, f"--submission={EXAMPLE}", "tests")
    ids = [line.split("::")[-1] for line in proc.stdout.splitlines() if "::" in line]
    assert ids == [c.id for c in load(rubric_path("hw2")).checks], proc.stdout + proc.stderr


def test_plain_pytest_in_the_repo_collects_the_project_tests() -> None:
    proc = _collect(REPO, "tests/grading/test_collection.py")
    assert "test_plain_pytest_in_the_repo_collects_the_project_tests" in proc.stdout
    assert "part1.linear" not in proc.stdout


def test_rubric_points_add_up() -> None:
    rubric = load(rubric_path("hw2"))
    assert rubric.max_points("part1") == 41
    # hidden: the two checks whose expected values depend on the student's own masks or weights,
    # which a student kit cannot hold (tests/kit)
    assert {c.id for c in rubric.checks if c.visibility == "hidden"} == {"part1.mlp_dropout_gradients", "part3.mlp"}


def test_a_path_that_does_not_exist_says_so_and_help_names_the_assignments(tmp_path) -> None:
    proc = _collect(tmp_path, f"--submission={tmp_path / 'nowhere'}")
    assert proc.returncode == 4
    assert f"--submission={tmp_path / 'nowhere'}: no such file or directory" in proc.stderr
    assert len(proc.stderr.strip().splitlines()[-1]) < 200  # one short line, not every assignment's names
    helped = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert "hw2, csc321_tut4, csc321_tut6," in " ".join(helped.stdout.split())
