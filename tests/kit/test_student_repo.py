"""A student's repository as GitHub Actions sees it: the workflow's command, run with the kit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"


def _student_repo(tmp_path: Path, kit: Path, submission: str, layout: str = "") -> Path:
    repo = tmp_path / "student-repo"
    package_root = repo / layout if layout else repo
    shutil.copytree(SUBMISSIONS / submission / "hw2", package_root / "hw2")
    (repo / "notes.txt").write_text("unrelated files live here too\n")
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(kit / "workflow" / "grade.yml", workflows / "grade.yml")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _grade_command(repo: Path, fail_under: str) -> list[str]:
    """The workflow's own Grade step, with its env substituted (as the runner's shell would)."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "grade.yml").read_text())
    step = next(s for s in workflow["jobs"]["grade"]["steps"] if s.get("name") == "Grade")
    line = step["run"].replace('"$FAIL_UNDER"', fail_under).split()
    assert line[0] == "pytest"  # the console script: `python -m` would put the repository first on sys.path
    return [sys.executable, "-m", "pytest", *line[1:]]  # this interpreter's pytest (the repository holds no pytest.py)


def _run(repo: Path, kit: Path, command: list[str], summary: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(kit), "CI": "true", "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_workflow_run_summarises_annotates_and_fails_under_the_threshold(tmp_path: Path, kit: Path) -> None:
    repo = _student_repo(tmp_path, kit, "broken/sigmoid-backward-from-input")
    summary = tmp_path / "summary.md"
    done = _run(repo, kit, _grade_command(repo, "100%"), summary)
    assert done.returncode == 1, done.stdout[-3000:]
    out = done.stdout
    assert "--fail-under=110: the score FAILS" in out
    annotation = next(line for line in out.splitlines() if line.startswith("::") and "part1.sigmoid" in line)
    assert "file=hw2/layers.py" in annotation and "line=" in annotation and "d sigmoid(x)/dx" in annotation
    text = summary.read_text()
    assert "| `part1.sigmoid`" in text and "failed" in text or "partial" in text
    assert "/110.0" in text.splitlines()[0]
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
    done = _run(repo, kit, [sys.executable, "-m", "pytest", "--submission=.", "-p", "no:cacheprovider"],
                tmp_path / "s.md")
    assert done.returncode == 4
    assert "Traceback" not in done.stdout + done.stderr
    assert "hw2" in (done.stdout + done.stderr)
