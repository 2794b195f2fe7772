"""Test cases as overlays (harness/dev/cases.py): each case folder holds only what it changes in its
base, and materialises into the whole submission it was graded as."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from harness.dev.__main__ import main
from harness.dev.cases import (
    CaseError,
    base_of,
    diff_edits,
    materialise,
    overlay_files,
    same_submission,
    shrink_to_overlay,
)
from harness.paths import SUBMISSIONS

CASES = sorted(p.parent for p in SUBMISSIONS.rglob("expected.toml") if base_of(p.parent) is not None)


def test_the_broken_and_adversarial_cases_are_overlays() -> None:
    names = {str(c.relative_to(SUBMISSIONS)).split("/")[0] for c in CASES}
    assert {"broken", "adversarial", "patterns", "csc321_tut4", "csc321_tut6", "edinburgh_mlp", "nma_w1d5"} <= names
    assert len(CASES) >= 98


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(SUBMISSIONS)) for c in CASES])
def test_a_case_holds_only_what_it_changes(case: Path, cases) -> None:
    """Every file of the overlay is new or differs from its base's (no silent copies to keep in step),
    and the case still fits its base (its edits apply)."""
    whole = cases(case)
    base = cases(base_of(case))
    same = [
        str(rel)
        for rel in overlay_files(case)
        if (base / rel).is_file() and filecmp.cmp(base / rel, case / rel, shallow=False)
    ]
    assert same == [], f"{case.name}: files identical to its base's"
    assert (whole / "hw2").is_dir() or any(whole.iterdir())


def _case(root: Path, name: str, toml: str, files: dict[str, str] | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "expected.toml").write_text(toml)
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def test_overlay_files_removals_and_edits_apply_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.dev.cases.SUBMISSIONS", tmp_path)
    _case(tmp_path, "base", 'note = "whole"', {"pkg/a.py": "x = 1\n", "pkg/b.py": "y = 2\n", "c.txt": "c"})
    _case(tmp_path, "mid", 'base = "base"\nremove = ["c.txt"]', {"pkg/a.py": "x = 10\n", "pkg/new.py": "z = 3\n"})
    top = _case(
        tmp_path,
        "top",
        'base = "mid"\n[[edit]]\nfile = "pkg/a.py"\nfind = "10"\nreplace = "11"\n'
        '[[edit]]\nfile = "pkg/a.py"\nappend_file = "attack.py"\n',
        {"attack.py": "y = 0\n"},
    )
    assert overlay_files(top) == []  # an appended source is not a file of the submission
    out = materialise(top, tmp_path / "out")
    assert (out / "pkg" / "a.py").read_text() == "x = 11\ny = 0\n" and (out / "pkg" / "b.py").read_text() == "y = 2\n"
    assert not (out / "attack.py").exists()
    assert (out / "pkg" / "new.py").is_file() and not (out / "c.txt").exists()
    assert not (out / "expected.toml").exists()


def test_a_case_that_no_longer_fits_its_base_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.dev.cases.SUBMISSIONS", tmp_path)
    _case(tmp_path, "base", "", {"a.py": "x = 1\n"})
    stale = _case(tmp_path, "stale", 'base = "base"\n[[edit]]\nfile = "a.py"\nfind = "x = 2"\nreplace = "x = 3"\n')
    with pytest.raises(CaseError, match="found 0 times in a.py"):
        materialise(stale, tmp_path / "out")
    loop = _case(tmp_path, "loop", 'base = "loop"')
    with pytest.raises(CaseError, match="cycle"):
        materialise(loop, tmp_path / "out2")
    missing = _case(tmp_path, "missing", 'base = "nowhere"')
    with pytest.raises(CaseError, match="not a folder"):
        materialise(missing, tmp_path / "out3")


def test_the_command_writes_a_case_for_grading_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = SUBMISSIONS / "broken" / "linear-dw-overwritten"
    assert main(["materialise", str(case), str(tmp_path / "out")]) == 0
    assert "pytest --submission=" in capsys.readouterr().out
    assert (tmp_path / "out" / "hw2" / "cnn.py").is_file()  # from the example
    assert not filecmp.cmp(
        tmp_path / "out" / "hw2" / "layers.py", SUBMISSIONS / "example" / "hw2" / "layers.py", shallow=False
    )
    with pytest.raises(SystemExit):  # a folder that exists already is refused
        main(["materialise", str(case), str(tmp_path / "out")])


def _notebook(*cells: tuple[str, str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)} for kind, src in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_an_edit_of_a_notebook_reads_its_cells_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a notebook the text an edit finds is a cell's source, not the JSON that quotes it."""
    monkeypatch.setattr("harness.dev.cases.SUBMISSIONS", tmp_path)
    _case(tmp_path, "base", "", {"nb.ipynb": _notebook(("markdown", "# Title"), ("code", 'x = "a"\nprint(x)\n'))})
    case = _case(
        tmp_path,
        "case",
        'base = "base"\n[[edit]]\nfile = "nb.ipynb"\nfind = """\nx = "a"\nprint(x)\n"""\nreplace = """\nx = "b"\n"""\n',
    )
    out = materialise(case, tmp_path / "out")
    cells = json.loads((out / "nb.ipynb").read_text())["cells"]
    assert ["".join(c["source"]) for c in cells] == ["# Title", 'x = "b"\n']
    twice = _case(tmp_path, "twice", 'base = "base"\n[[edit]]\nfile = "nb.ipynb"\nfind = "x"\nreplace = "y"\n')
    with pytest.raises(CaseError, match="found 2 times in nb.ipynb"):
        materialise(twice, tmp_path / "out2")


def test_diff_edits_find_each_change_once_with_context() -> None:
    old = "a = 1\nb = 2\nc = 3\nb = 2\n"
    new = "a = 1\nb = 2\nc = 4\nb = 2\n"
    assert diff_edits("f.py", [old], [new]) == [{"file": "f.py", "find": "c = 3\n", "replace": "c = 4\n"}]
    # a changed line that also occurs elsewhere gets context until it occurs once
    edits = diff_edits("f.py", ["x\ny\nx\nz\n"], ["x\ny\nw\nz\n"])
    assert len(edits) == 1 and "x\ny\nx\nz\n".count(edits[0]["find"]) == 1
    # two swapped lines are one edit; cells added or removed are not replayable
    assert len(diff_edits("f.py", ["p\nq\nr\ns\n"], ["p\nr\nq\ns\n"])) == 1
    assert diff_edits("nb.ipynb", ["a", "b"], ["a"]) is None


def test_a_whole_copy_shrinks_into_an_overlay_that_materialises_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.dev.cases.SUBMISSIONS", tmp_path)
    notebook = _notebook(("markdown", "# Lab"), ("code", "def f(x):\n    return x + 1\n"))
    files = {"nb.ipynb": notebook, "pkg/a.py": "A = 1\nB = 2\n", "pkg/b.py": "C = 3\n", "data.txt": "d"}
    _case(tmp_path, "example", "", files)
    buggy = {
        **files,
        "nb.ipynb": notebook.replace("x + 1", "x - 1"),
        "pkg/a.py": "A = 1\nB = 20\n",
        "new.py": "N = 1\n",
    }
    del buggy["data.txt"]
    copy = _case(tmp_path, "copy", '# why it fails\nfailing = ["f"]\npoints_lost = 1.0\n', buggy)
    whole_before = materialise(copy, tmp_path / "before")
    spec = shrink_to_overlay(copy, "example")
    assert spec["remove"] == ["data.txt"] and {e["file"] for e in spec["edit"]} == {"nb.ipynb", "pkg/a.py"}
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == ["expected.toml", "new.py"]
    text = (copy / "expected.toml").read_text()
    assert text.startswith('base = "example"\n# why it fails\n')  # the hand-written lines are kept
    after = materialise(copy, tmp_path / "after")
    for rel in ["nb.ipynb", "pkg/a.py", "pkg/b.py", "new.py"]:
        assert same_submission(after / rel, whole_before / rel), rel
    assert not (after / "data.txt").exists()
    with pytest.raises(CaseError, match="an overlay already"):
        shrink_to_overlay(copy, "example")
