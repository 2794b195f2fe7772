"""Test cases as overlays (harness/dev/cases.py): each case folder holds only what it changes in its
base, and materialises into the whole submission it was graded as."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from harness.dev.__main__ import main
from harness.dev.cases import CaseError, base_of, materialise, overlay_files
from harness.paths import SUBMISSIONS

CASES = sorted(p.parent for p in SUBMISSIONS.rglob("expected.toml") if base_of(p.parent) is not None)


def test_the_broken_and_adversarial_cases_are_overlays() -> None:
    names = {str(c.relative_to(SUBMISSIONS)).split("/")[0] for c in CASES}
    assert {"broken", "adversarial", "patterns"} <= names
    assert len(CASES) >= 70


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
