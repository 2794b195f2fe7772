"""What every assignment's tests share: its submissions, their generator, the whole-grading assertions."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from tests.grading.helpers import SUBMISSIONS, expectation, grade


@dataclass
class AssignmentFixtures:
    name: str
    full: float
    here: Path = field(init=False)
    example: Path = field(init=False)
    broken: list[Path] = field(init=False)

    def __post_init__(self) -> None:
        self.here = SUBMISSIONS / self.name
        self.example = self.here / "example"
        self.broken = sorted(p.parent for p in (self.here / "broken").glob("*/expected.toml"))

    def generator(self) -> ModuleType:
        """The assignment's ``make_notebooks.py`` (which writes its example and broken copies)."""
        spec = importlib.util.spec_from_file_location(f"{self.name}_make_notebooks", self.here / "make_notebooks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def assert_full_marks(self, pytester: pytest.Pytester, folder: Path | None = None, *args: str):
        """Full marks, the assignment recognised without --assignment."""
        graded = grade(pytester, folder or self.example, *args)
        assert graded.failing() == set(), graded.report["tests"]
        assert graded.score == self.full == sum(t["max_score"] for t in graded.report["tests"])
        graded.result.stdout.fnmatch_lines([f"*grade: {self.name}*", f"*{self.name}: {self.full:.1f}/{self.full:.1f}*"])
        return graded

    def assert_expected_score(self, pytester: pytest.Pytester, folder: Path, cases: Callable[[Path], Path]):
        """Exactly the checks and points of the case's expected.toml, each failing check saying why
        (``cases``: the session's fixture, which writes the whole submission an overlay stands for)."""
        expected = expectation(folder)
        graded = grade(pytester, cases(folder))
        graded.result.stdout.fnmatch_lines([f"*grade: {self.name}*"])
        assert graded.failing() == set(expected["failing"]), graded.report["tests"]
        assert self.full - graded.score == pytest.approx(expected["points_lost"])
        for check_id in expected["failing"]:
            out = graded.output(check_id)
            assert out.strip() and "Traceback" not in out, f"{check_id} lost points without saying why"
        for check_id in expected.get("noted", []):  # failed and reported, worth no points (optional work)
            assert check_id in graded.failed() and check_id not in graded.failing(), graded.report["tests"]
        return graded


def edited_notebook(example: Path, folder: Path, replacements: list[tuple[str, str]]) -> Path:
    """The example's notebook written to ``folder`` with ``replacements`` made in its code cells
    (each must apply somewhere)."""
    (source,) = sorted(example.glob("*.ipynb"))
    nb = nbformat.read(str(source), 4)
    for old, new in replacements:
        hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert hits, old
        for cell in hits:
            cell.source = cell.source.replace(old, new)
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / source.name))
    return folder
