"""Where a submission's package is found: --submission may name the package, its folder, or a repository."""

from __future__ import annotations

from pathlib import Path

from harness.submission import locate


def _package(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "layers.py").write_text("X = 1\n")
    return folder


def test_the_package_folder_itself_is_graded_from_its_parent(tmp_path: Path) -> None:
    pkg = _package(tmp_path / "student" / "hw2")
    assert locate(pkg, "hw2").root == pkg.parent


def test_the_courses_hw2_folder_holding_the_hw2_package_and_its_scripts_is_the_root(tmp_path: Path) -> None:
    """The course's layout: hw2/ with main.py and the notebooks beside the hw2/ package (a real
    CS3600 submission was graded as import errors when --submission named that outer folder)."""
    outer = tmp_path / "repo" / "hw2"
    _package(outer / "hw2")
    (outer / "main.py").write_text("import hw2.layers\n")
    assert locate(outer, "hw2").root == outer
    assert locate(tmp_path / "repo", "hw2").root == outer
