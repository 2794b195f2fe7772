"""Shared helpers of the grading tests: run a grading session, read its results.json."""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import sklearn.datasets  # noqa: F401
import sklearn.metrics  # noqa: F401
import sklearn.model_selection  # noqa: F401

import harness.checks.hw2  # noqa: F401
import harness.session  # noqa: F401
from harness.data import load_images
from harness.reference import load as load_reference

# Loaded once, before any pytester run snapshots sys.modules: what the judge imports on first use
# (the checks, the image data via scikit-learn, every module of the answer key). Modules a run
# imports are dropped after it, and C extensions (torchvision, sklearn) cannot be loaded twice.
load_images(None)
for _module in ("layers", "optimizers", "training", "mlp", "classifier", "cnn", "experiments", "answers"):
    getattr(load_reference("hw2"), _module)

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = REPO / "submissions"
EXAMPLE = SUBMISSIONS / "example"


@dataclass
class Graded:
    result: pytest.RunResult
    report: dict
    html: Path

    @property
    def score(self) -> float:
        return self.report["score"]

    def scores(self) -> dict[str, float]:
        return {t["number"]: t["score"] for t in self.report["tests"]}

    def failing(self) -> set[str]:
        """Checks that cost points."""
        return {t["number"] for t in self.report["tests"] if t["score"] < t["max_score"]}

    def failed(self) -> set[str]:
        """Checks whose outcome is a failure, including those worth no points (optional work)."""
        return {t["number"] for t in self.report["tests"] if t["status"] == "failed"}

    def output(self, check_id: str) -> str:
        """A check's feedback as plain text (results.json holds it as a markdown code block)."""
        return unfence(next(t["output"] for t in self.report["tests"] if t["number"] == check_id))


def unfence(markdown: str) -> str:
    """The text of results.json's markdown output: the code block's content, then what follows it."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("```"):
        end = next(i for i in range(1, len(lines)) if lines[i] == lines[0][: len(lines[0]) - len("text")])
        return "\n".join(lines[1:end] + lines[end + 1 :]).strip("\n")
    return markdown


def grade(pytester: pytest.Pytester, submission: Path, *args: str) -> Graded:
    html = pytester.path / "out" / "report.html"
    result = pytester.runpytest(f"--submission={submission}", f"--report={html}", *args)
    report = json.loads((html.parent / "results.json").read_text())
    return Graded(result, report, html)


def expectation(folder: Path) -> dict:
    return tomllib.loads((folder / "expected.toml").read_text())


def drop_your_cnn(sub: Path) -> Path:
    """Make a copy look like the v2023+ skeleton: no YourCNN in cnn.py, no 'ycn' in experiments.py."""
    cnn = sub / "hw2" / "cnn.py"
    text = cnn.read_text()
    cnn.write_text(text[: text.index("class YourCNN")])
    experiments = sub / "hw2" / "experiments.py"
    text = experiments.read_text().replace("from .cnn import CNN, ResNet, YourCNN", "from .cnn import CNN, ResNet")
    experiments.write_text(text.replace('    "ycn": YourCNN,\n', ""))
    return sub


def copy_example(dest: Path) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", "expected.toml"))
    return dest
