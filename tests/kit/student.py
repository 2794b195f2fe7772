"""A student's repository as GitHub Actions sees it, and the workflow's Grade step run in it with a kit
on PYTHONPATH (shared by test_student_repo.py and test_other_assignments.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from harness.dev.cases import materialise

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
LEFT_BEHIND = shutil.ignore_patterns("expected.toml", "__pycache__", "*.pyc", ".ipynb_checkpoints")


def student_repo(tmp_path: Path, kit: Path, source: Path, layout: str = "", only: str | None = None) -> Path:
    """A fresh ``git init`` folder holding ``source``'s files (all of them, or only its ``only`` folder),
    under ``layout`` if given, with the kit's workflow at ``.github/workflows/grade.yml``."""
    repo = tmp_path / "student-repo"
    root = repo / layout if layout else repo
    source = materialise(source, tmp_path / "whole-source")  # a case folder: over its base
    if only:
        shutil.copytree(source / only, root / only, ignore=LEFT_BEHIND)
    else:
        shutil.copytree(source, root, ignore=LEFT_BEHIND, dirs_exist_ok=True)
    (repo / "notes.txt").write_text("unrelated files live here too\n")
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(kit / "workflow" / "grade.yml", workflows / "grade.yml")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def workflow_env(repo: Path) -> dict[str, str]:
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "grade.yml").read_text())
    return {k: str(v) for k, v in workflow["jobs"]["grade"].get("env", {}).items()}


def grade_command(repo: Path, fail_under: str) -> list[str]:
    """The workflow's own Grade step, with its env substituted (as the runner's shell would)."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "grade.yml").read_text())
    step = next(s for s in workflow["jobs"]["grade"]["steps"] if s.get("name") == "Grade")
    line = step["run"].replace('"$FAIL_UNDER"', fail_under).split()
    assert line[0] == "pytest"  # the console script: `python -m` would put the repository first on sys.path
    return [sys.executable, "-m", "pytest", *line[1:]]  # this interpreter's pytest (the repository holds no pytest.py)


def run(repo: Path, kit: Path, command: list[str], summary: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(kit),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def results(repo: Path) -> dict:
    """The grading's results.json (written beside the workflow's HTML report)."""
    return json.loads((repo / "grade-report" / "results.json").read_text())


def losing(report: dict) -> set[str]:
    """The checks that lost points."""
    return {t["number"] for t in report["tests"] if t["score"] < t["max_score"]}
