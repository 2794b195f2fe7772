"""Shared helpers of the batch tests: build a class folder, run a batch, read what it wrote."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from harness.dev.cases import materialise

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = REPO / "submissions"
EXAMPLE = SUBMISSIONS / "example"
SKELETON = SUBMISSIONS / "skeleton"
IGNORE = shutil.ignore_patterns("__pycache__", "expected.toml")
PART1 = "part1"  # the batch tests grade Part 1 only (-k part1): seconds per submission, not a minute


def part1_broken() -> list[Path]:
    """The broken submissions whose bug is in Part 1 code (hw2/layers.py); graded with -k part1,
    they must lose exactly the Part 1 checks their expected.toml names."""
    out = []
    for folder in sorted((SUBMISSIONS / "broken").iterdir()):
        exp = folder / "expected.toml"
        if exp.is_file() and tomllib.loads(exp.read_text())["bug_file"] == "hw2/layers.py":
            out.append(folder)
    return out


def expected_part1(folder: Path) -> tuple[set[str], float | None]:
    """The Part 1 checks a broken copy fails, and its points lost when they are all in Part 1."""
    expected = tomllib.loads((folder / "expected.toml").read_text())
    failing = set(expected["failing"])
    part1 = {f for f in failing if f.startswith("part1.")}
    return part1, (expected["points_lost"] if part1 == failing else None)


def copy_submission(src: Path, dest: Path) -> Path:
    """The whole submission ``src`` stands for (a case folder: over its base), at ``dest``."""
    return materialise(src, dest)


def inject(sub: Path, cls: str, method: str, code: str) -> Path:
    """Put ``code`` at the start of ``cls.method`` in the submission's layers.py."""
    layers = sub / "hw2" / "layers.py"
    text = layers.read_text()
    start = text.index(f"class {cls}(")
    at = text.index(f"def {method}(", start)
    body = text.index(":\n", at) + 2
    layers.write_text(text[:body] + "".join(" " * 8 + line + "\n" for line in code.splitlines()) + text[body:])
    return sub


def hanging(dest: Path) -> Path:
    """The example, with TanH.forward looping forever (only part1.tanh calls it)."""
    return inject(copy_submission(EXAMPLE, dest), "TanH", "forward", "while True:\n    pass")


def crashing(dest: Path) -> Path:
    """The example, with TanH.forward ending the interpreter (os._exit)."""
    return inject(copy_submission(EXAMPLE, dest), "TanH", "forward", "import os\nos._exit(3)")


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(folder.parent).as_posix())
    return archive


def run_batch(
    class_dir: Path, out: Path, *args: str, cwd: Path | None = None, tmpdir: Path | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--submissions={class_dir}",
        f"--out={out}",
        *args,
    ]
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir else None
    return subprocess.run(cmd, cwd=cwd or out.parent, capture_output=True, text=True, timeout=timeout, env=env)


def grade_alone(submission: Path, report: Path, *args: str) -> dict:
    """The results.json of ``pytest --submission`` on one submission (the reference for batch scores)."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--submission={submission}",
        f"--report={report}",
        *args,
    ]
    report.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(cmd, cwd=report.parent, capture_output=True, text=True, timeout=600)
    return json.loads((report.parent / "results.json").read_text())


@dataclass
class BatchOutput:
    out: Path

    def gradebook(self) -> list[dict[str, str]]:
        with (self.out / "gradebook.csv").open(newline="") as f:
            return list(csv.DictReader(f))

    def results_json(self, slug: str) -> dict:
        return json.loads((self.out / slug / "results.json").read_text())

    def rows(self) -> list[sqlite3.Row]:
        db = sqlite3.connect(self.out / "grades.sqlite")
        db.row_factory = sqlite3.Row
        try:
            return db.execute("SELECT * FROM grades ORDER BY key").fetchall()
        finally:
            db.close()

    def class_report(self) -> str:
        return (self.out / "class_report.html").read_text()


def check_scores(report: dict) -> dict[str, float]:
    return {t["number"]: t["score"] for t in report["tests"]}
