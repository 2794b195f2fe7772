"""A student's repository as GitHub Actions sees it: the workflow's command, run with the kit."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .student import SUBMISSIONS, grade_command as _grade_command, run as _run, student_repo


def _student_repo(tmp_path: Path, kit: Path, submission: str, layout: str = "") -> Path:
    return student_repo(tmp_path, kit, SUBMISSIONS / submission, layout=layout, only="hw2")


def test_workflow_run_summarises_annotates_and_fails_under_the_threshold(tmp_path: Path, kit: Path) -> None:
    repo = _student_repo(tmp_path, kit, "broken/sigmoid-backward-from-input")
    summary = tmp_path / "summary.md"
    done = _run(repo, kit, _grade_command(repo, "100%"), summary)
    assert done.returncode == 1, done.stdout[-3000:]
    out = done.stdout
    full = re.search(r"hw2: [0-9.]+/([0-9.]+)", out).group(1)  # the visible maximum of the offering graded
    assert f"--fail-under={float(full):g}: the score FAILS" in out, out[-2000:]
    # the end of every run says what part of the grade the kit checks, and what the course grades
    scope = re.search(
        r"This kit checks ([0-9.]+) of the ([0-9.]+) automatic points of your grade; ([0-9.]+) more "
        r"automatic points and the ([0-9.]+) points of written answers are graded by the course\.",
        out,
    )
    assert scope is not None, out[-2000:]
    assert float(scope.group(1)) == float(full) and float(scope.group(3)) > 0 and float(scope.group(4)) > 0
    annotation = next(line for line in out.splitlines() if line.startswith("::") and "part1.sigmoid" in line)
    assert "file=hw2/layers.py" in annotation and "line=" in annotation and "d sigmoid(x)/dx" in annotation
    text = summary.read_text()
    assert "| `part1.sigmoid`" in text and "failed" in text or "partial" in text
    assert f"/{full}" in text.splitlines()[0]
    assert (repo / "grade-report" / "report.html").exists() and (repo / "grade-report" / "results.json").exists()
    junit = (repo / "grade-report" / "junit.xml").read_text()
    assert "part1.sigmoid" in junit and "<failure" in junit

    passing = _run(repo, kit, _grade_command(repo, "50%") + ["-k", "part1"], tmp_path / "s2.md")
    assert passing.returncode == 0, passing.stdout[-3000:]


def test_the_package_at_another_depth_is_found(tmp_path: Path, kit: Path) -> None:
    repo = _student_repo(tmp_path, kit, "example", layout="src")
    done = _run(repo, kit, _grade_command(repo, "0") + ["-k", "part1.relu"], tmp_path / "s.md")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "hw2: 2.0/2.0" in done.stdout


def test_a_repository_without_the_package_gets_one_sentence(tmp_path: Path, kit: Path) -> None:
    repo = tmp_path / "empty-repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "readme.md").write_text("no code yet\n")
    done = _run(
        repo, kit, [sys.executable, "-m", "pytest", "--submission=.", "-p", "no:cacheprovider"], tmp_path / "s.md"
    )
    assert done.returncode == 4
    assert "Traceback" not in done.stdout + done.stderr
    assert "hw2" in (done.stdout + done.stderr)
