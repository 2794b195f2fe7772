"""Batch mode on a tutorial assignment: lone notebooks and scripts as entries, the assignment recognised."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .helpers import SUBMISSIONS, BatchOutput, run_batch

TUT4 = SUBMISSIONS / "csc321_tut4"


def test_a_class_of_tutorial_notebooks_is_recognised_and_graded(tmp_path: Path, cases) -> None:
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    shutil.copy(TUT4 / "example" / "tutorial4.ipynb", class_dir / "alice.ipynb")
    shutil.copy(cases(TUT4 / "broken" / "argmin") / "tutorial4.ipynb", class_dir / "bob.ipynb")
    (class_dir / "carol").mkdir()  # a folder holding the tutorial as a script
    shutil.copy(cases(TUT4 / "broken" / "per-batch-average") / "tutorial4.py", class_dir / "carol" / "tutorial4.py")
    (class_dir / "dave.txt").write_text("not a submission")
    out = tmp_path / "out"
    # no --assignment: the class folder's entries say which assignment this is
    result = run_batch(class_dir, out, "-n", "2", "-k", "accuracy")
    assert "CSC321 Tutorial 4" in result.stdout or "csc321_tut4" in result.stdout, result.stdout[-3000:]
    rows = {r["student_id"]: r for r in BatchOutput(out).gradebook()}
    assert set(rows) == {"alice", "bob", "carol", "dave.txt"}

    def lost(name: str) -> float:
        expected = tomllib.loads((TUT4 / "broken" / name / "expected.toml").read_text())
        return expected["points_lost"]

    full = float(rows["alice"]["max_total"])
    assert float(rows["alice"]["total"]) == full
    assert float(rows["bob"]["total"]) == full - lost("argmin")  # both its checks are accuracy.*
    assert float(rows["carol"]["total"]) == full - lost("per-batch-average")
    assert rows["dave.txt"]["status"] != "graded"
