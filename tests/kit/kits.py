"""The student kits of the assignments other than hw2 (hw2's is conftest.py's ``kit``): each built once
per test run, the way staff build it, and shared by the pytest-xdist workers through a file lock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from filelock import FileLock

from harness.kit.build import build, import_checks

OTHER_ASSIGNMENTS = ["edinburgh_mlp", "csc321_tut4", "csc321_tut6", "nma_w1d5"]
DONE = ".built"


class Kits:
    def __init__(self, base: Path):
        self.base = base

    def __call__(self, assignment: str) -> Path:
        out = self.base / f"{assignment}-kit"
        with FileLock(str(self.base / f"{assignment}.lock")):
            if not (self.base / f"{assignment}{DONE}").exists():
                import_checks(assignment)  # registers the checks before the kit records them
                build(assignment, out)
                (self.base / f"{assignment}{DONE}").touch()
        return out


@pytest.fixture(scope="session")
def other_kits(tmp_path_factory: pytest.TempPathFactory) -> Kits:
    """``other_kits(name)``: the kit of ``name``. Under xdist the workers' base temp folders share a
    parent (the run's own), so the first worker to ask builds a kit and the others reuse it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    base = base / "other-kits"
    base.mkdir(exist_ok=True)
    return Kits(base)
