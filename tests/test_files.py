"""harness/files.py: trees a submission made are walked, copied and removed without recursion or waiting."""

from __future__ import annotations

import os
from pathlib import Path

from harness.files import Walk, chown_tree, copy_tree, remove_tree
from harness.submission import Submission, stage


def deep_tree(top: Path, levels: int) -> Path:
    """``top/d/d/.../d`` ``levels`` deep, made with relative paths (an absolute one would pass PATH_MAX)."""
    top.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(top)
    try:
        for _ in range(levels):
            os.mkdir("d")
            os.chdir("d")
        Path("bottom.py").write_text("x = 1\n")
    finally:
        os.chdir(here)
    return top


def test_a_tree_deeper_than_pythons_recursion_limit_is_walked_to_the_bound_and_removed(tmp_path: Path) -> None:
    top = deep_tree(tmp_path / "deep", 1200)
    try:
        walk = Walk(top, max_depth=50)
        entries = list(walk)
        assert len(entries) == 50 and walk.cut == ["folders more than 50 levels deep"]
    finally:
        remove_tree(top)  # pytest's own clean-up of old temporary folders recurses: never leave it one
    assert not top.exists()


def test_the_entry_bound_stops_the_walk(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i}").write_text("")
    walk = Walk(tmp_path, max_entries=10)
    assert len(list(walk)) == 10 and walk.cut == ["more than 10 files and folders"]


def test_copy_takes_folders_and_regular_files_and_names_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "hw2"
    (src / "sub").mkdir(parents=True)
    (src / "layers.py").write_text("x = 1\n")
    (src / "sub" / "a.py").write_text("y = 2\n")
    os.mkfifo(src / "cnn.py")  # opening it to copy would wait for a writer for ever
    (src / "zero.py").symlink_to("/dev/zero")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "x.pyc").write_bytes(b"")
    left = copy_tree(src, tmp_path / "copy" / "hw2", lambda p, s: p.name == "__pycache__")
    copied = sorted(p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["hw2", "hw2/layers.py", "hw2/sub", "hw2/sub/a.py"]
    assert sorted(left) == ["hw2/cnn.py: a named pipe, not copied", "hw2/zero.py: a symbolic link, not copied"]


def test_staging_a_package_with_a_pipe_and_a_deep_tree_finishes_and_says_what_was_left_out(tmp_path: Path) -> None:
    root = tmp_path / "student"
    (root / "hw2").mkdir(parents=True)
    (root / "hw2" / "layers.py").write_text("x = 1\n")
    os.mkfifo(root / "hw2" / "cnn.py")
    deep_tree(root / "hw2" / "junk", 300)
    staged = stage(Submission(source=root, root=root, package="hw2", version=""), tmp_path / "scratch")
    assert (staged.path / "hw2" / "layers.py").read_text() == "x = 1\n"
    assert "hw2/cnn.py: a named pipe, not copied" in staged.left_out
    assert any("levels deep" in line for line in staged.left_out)


def test_chown_tree_survives_a_deep_tree(tmp_path: Path) -> None:
    top = deep_tree(tmp_path / "deep", 1200)
    try:
        chown_tree(top, os.getuid())  # the same owner: only the walk is under test
    finally:
        remove_tree(top)  # pytest's own clean-up of old temporary folders recurses
