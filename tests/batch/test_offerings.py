"""Batch mode grades a class under one offering: recognised from the class (or --offering), named in the
header; an entry of an offering the grader does not support is refused with one sentence, not graded."""

from __future__ import annotations

from pathlib import Path

from harness.dev.cases import materialise as build
from harness.paths import SUBMISSIONS

from .helpers import EXAMPLE, BatchOutput, copy_submission, run_batch

PATTERNS = SUBMISSIONS / "patterns"

PICK = "part2.rmsprop or part2.vanilla_sgd"  # a bonus entry (2023) and a base one: seconds per submission


def _class(tmp_path: Path) -> Path:
    cls = tmp_path / "class"
    cls.mkdir()
    for name in ("alice", "bob"):
        build(PATTERNS / "2023-rmsprop-bonus-skipped", cls / name)
    copy_submission(EXAMPLE, cls / "carol")  # a spring 2022 layout in a 2023 class: graded as 2023 all the same
    build(PATTERNS / "tau-cnn-layout", cls / "dave")
    return cls


def test_a_class_is_graded_under_the_offering_most_entries_show(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_batch(_class(tmp_path), out, "-k", PICK)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # dave is refused
    assert "offering (the whole class): CS236781 HW2, winter 2022-23 to winter 2023-24" in proc.stdout
    rows = {r["submission"]: r for r in BatchOutput(out).gradebook()}
    # vanilla_sgd (3) is the whole maximum: RMSProp is a bonus in 2023, so skipping it costs nothing
    assert (rows["alice"]["status"], rows["alice"]["total"], rows["alice"]["max_total"]) == ("graded", "3", "3")
    assert (rows["carol"]["total"], rows["carol"]["max_total"]) == ("6", "3")  # the bonus earned on top
    assert rows["dave"]["status"] == "rejected"
    assert "this looks like Tel Aviv University CNN course HW2 (" in rows["dave"]["note"]
    assert "ModuleNotFoundError" not in rows["dave"]["note"]


def test_offering_option_overrides_the_class(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_batch(_class(tmp_path), out, "-k", PICK, "--offering=2022s")
    assert "(--offering=2022s)" in proc.stdout, proc.stdout[-3000:]
    rows = {r["submission"]: r for r in BatchOutput(out).gradebook()}
    assert (rows["alice"]["total"], rows["alice"]["max_total"]) == ("3", "6")  # RMSProp required in spring 2022
