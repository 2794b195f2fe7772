"""Bad input is reported with a reason in the class report; none stops the batch or writes outside --out."""

from __future__ import annotations

import os
import zipfile
from html import unescape
from pathlib import Path

from .helpers import EXAMPLE, BatchOutput, copy_submission, run_batch, zip_folder

FAST = "part1.linear and not init"
GB2 = 2 * 1024**3


def _sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (and would take seconds to read)."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


def test_bad_inputs_are_reported_and_the_rest_is_graded(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    cls.mkdir()
    copy_submission(EXAMPLE, cls / "good")
    (cls / "empty").mkdir()
    (cls / "no-package").mkdir()
    (cls / "no-package" / "notebook.ipynb").write_text("{}")
    (cls / "not-a-zip.zip").write_text("this is not a zip archive")
    with zipfile.ZipFile(cls / "traversal.zip", "w") as zf:
        zf.writestr("hw2/__init__.py", "")
        zf.writestr("../escaped.py", "print('I escaped')")
    _sparse(cls / "huge.zip", GB2)
    copy_submission(EXAMPLE, cls / "huge-file-inside")
    _sparse(cls / "huge-file-inside" / "hw2" / "weights.bin", GB2)
    copy_submission(EXAMPLE, cls / "twice")
    zip_folder(copy_submission(EXAMPLE, tmp_path / "twice"), cls / "twice.zip")
    (cls / "notes.txt").write_text("hello")
    os.mkfifo(cls / "pipe.zip")  # unzipping it would wait for a writer for ever
    copy_submission(EXAMPLE, cls / "pipe-inside")
    os.mkfifo(cls / "pipe-inside" / "hw2" / "notes.py")  # hashing or staging it would too
    scratch = tmp_path / "tmp"  # the run's TMPDIR: where zips are unpacked and packages staged
    scratch.mkdir()

    out = tmp_path / "out"
    proc = run_batch(cls, out, "-n", "2", "-k", FAST, "--max-file-mb=50", tmpdir=scratch)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # rejected items fail; the batch ran on
    rows = {r["submission"]: r for r in BatchOutput(out).gradebook()}
    for key in ("good", "huge-file-inside", "pipe-inside"):
        assert (rows[key]["status"], rows[key]["total"]) == ("graded", "6"), (rows[key], proc.stdout[-3000:])
    reasons = {
        "empty": "no 'hw2' package found",
        "no-package": "no 'hw2' package found",
        "not-a-zip.zip": "not a zip archive",
        "traversal.zip": "path traversal",
        "huge.zip": "2.0 GB, over the 50 MB limit",
        "twice": "also claimed by twice.zip",
        "twice.zip": "also claimed by twice",
        "notes.txt": "not a folder or a .zip file",
        "pipe.zip": "a named pipe: not read",
    }
    html = unescape(BatchOutput(out).class_report())
    for key, reason in reasons.items():
        assert rows[key]["status"] == "rejected", key
        assert reason in rows[key]["note"], (key, rows[key]["note"])
        assert reason in html, key
    assert "hw2/notes.py: a named pipe, not copied" in (out / "pipe-inside" / "report.html").read_text()
    # nothing was written outside the output folder, and the scratch copies are gone
    assert not list(tmp_path.rglob("escaped.py"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".benchmarks") == ["class", "out", "tmp", "twice"]
    assert not [p for p in scratch.iterdir() if p.name.startswith(("dl-batch-", "dl-autograder-"))]


def test_empty_class_folder_still_writes_a_report(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    out = tmp_path / "out"
    proc = run_batch(tmp_path / "class", out)
    assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-3000:]  # pytest: no tests collected
    assert "no submissions found" in BatchOutput(out).class_report()
    assert BatchOutput(out).gradebook() == []


def test_a_single_submission_given_as_a_class_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_batch(EXAMPLE, tmp_path / "out")
    assert proc.returncode == 4
    assert "is one submission" in proc.stderr and "--submission=" in proc.stderr
