"""Red team, batch mode: attacks graded in one class next to an honest student, and zips built to
escape their extraction folder. The honest student keeps full marks, each attack gets what its
honest bug leaves, and nothing lands outside the batch's output folder."""

from __future__ import annotations

import html as htmlmod
import stat
import zipfile
from pathlib import Path

import pytest

from harness.dev.cases import materialise
from harness.sandbox import confine
from tests.batch.helpers import EXAMPLE, BatchOutput, check_scores, copy_submission, run_batch
from tests.grading.helpers import REPO, expectation

from .traces import Canary, pwned_files, repo_changes, repo_state, wait_for_no_marked_processes

pytestmark = pytest.mark.redteam

ADVERSARIAL = REPO / "submissions" / "adversarial"
BESIDE_THE_EXAMPLE = ("os-exit", "fork-bomb", "pickle-reply")  # a crash, processes left behind, a forged reply
ZIP = ADVERSARIAL / "zip-slip"


def _add_files(zf: zipfile.ZipFile, folder: Path, top: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name != "expected.toml":
            zf.write(path, f"{top}/{path.relative_to(folder).as_posix()}")


def _add_link(zf: zipfile.ZipFile, name: str, target: str) -> None:
    """A symbolic-link member, as `zip --symlinks` stores it: mode S_IFLNK, the target as content."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: external_attr holds the mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, target)


def _zips(cls: Path, outside: Path, whole: Path) -> None:
    """zip-traversal.zip: ../ and absolute members. zip-symlink.zip: links to the answer key and out
    of the extraction folder, and a file written through the folder link. ``whole``: the zip-slip
    case materialised."""
    with zipfile.ZipFile(cls / "zip-traversal.zip", "w") as zf:
        _add_files(zf, whole, "zip-traversal")
        zf.writestr("../pwned-zip-traversal.txt", "written beside the class folder")
        zf.writestr("zip-traversal/../../pwned-zip-traversal-2.txt", "written two levels up")
        zf.writestr(f"{outside}/pwned-zip-absolute.txt", "written by absolute path")
        zf.writestr("/tmp/pwned-zip-absolute.txt", "written into /tmp")
    with zipfile.ZipFile(cls / "zip-symlink.zip", "w") as zf:
        _add_files(zf, whole, "zip-symlink")
        _add_link(zf, "zip-symlink/hw2/answer_key.py", str(REPO / "reference" / "hw2" / "layers.py"))
        _add_link(zf, "zip-symlink/escape", str(outside))  # a folder link out of the extraction folder
        zf.writestr("zip-symlink/escape/pwned-zip-through-link.txt", "written through the folder link")


@pytest.mark.usefixtures("marked_processes_alone")  # its fork bomb's processes are told apart from no other
def test_attacks_in_a_batch_cost_only_themselves(tmp_path: Path) -> None:
    if confine.detect().name != "bubblewrap":  # the fork bomb would really fork without it
        pytest.skip(f"needs the bubblewrap sandbox, this machine gives {confine.detect().name}")
    cls = tmp_path / "class"
    cls.mkdir()
    outside = tmp_path / "outside"  # where the zips aim: must stay empty
    outside.mkdir()
    copy_submission(EXAMPLE, cls / "s01-example")
    for name in BESIDE_THE_EXAMPLE:
        materialise(ADVERSARIAL / name, cls / name)
    _zips(cls, outside, materialise(ZIP, tmp_path / "zip-slip"))
    scratch = tmp_path / "tmp"  # the batch's TMPDIR: zips are unpacked and packages staged there
    scratch.mkdir()
    out = tmp_path / "out"
    canaries = [
        Canary.plant(cls / "other-student.canary", "beside the class's entries"),
        Canary.plant(out / "keep.canary", "in the output folder"),
    ]
    before = repo_state(REPO)

    proc = run_batch(cls, out, "-n", "2", "-k", "part1", "--check-timeout=10", tmpdir=scratch, timeout=600)
    log = proc.stdout[-4000:] + proc.stderr[-3000:]
    assert proc.returncode == 1, log  # the traversal zip is rejected (a failed item); the rest is graded
    batch = BatchOutput(out)
    rows = {r["submission"]: r for r in batch.gradebook()}

    # the honest student: full marks, as if graded alone
    example = batch.results_json("s01-example")
    assert example["score"] == 41 and all(t["score"] == t["max_score"] for t in example["tests"]), log
    # each attack: exactly the checks its expected.toml names lose points, and nothing else
    for name in BESIDE_THE_EXAMPLE:
        report = batch.results_json(name)
        failing = {c for c, s in check_scores(report).items() if s < _max(report, c)}
        assert failing == set(expectation(ADVERSARIAL / name)["failing"]), (name, failing, log)
        assert rows[name]["status"] == "graded", rows[name]

    # the traversal zip: refused before anything was unpacked
    assert rows["zip-traversal.zip"]["status"] == "rejected", rows["zip-traversal.zip"]
    assert "path traversal" in rows["zip-traversal.zip"]["note"]
    # the symlink zip: graded without its links (the answer key was not reached)
    exp = expectation(ZIP)
    linked = batch.results_json("zip-symlink.zip")
    failing = {c for c, s in check_scores(linked).items() if s < _max(linked, c)}
    assert (linked["score"], failing) == (exp["score"], set(exp["failing"])), log
    page = htmlmod.unescape((out / "zip-symlink.zip" / "report.html").read_text())
    assert "no answer key here (the symbolic link was left out)" in page
    assert "path traversal" in htmlmod.unescape(batch.class_report())

    # no trace: processes, files outside --out, canaries, the checkout
    assert wait_for_no_marked_processes("redteam-marker") == []
    assert list(outside.iterdir()) == []
    for top, depth in ((tmp_path, None), (Path("/tmp"), 2), (REPO, None)):
        assert pwned_files(top, depth) == []
    assert [p for p in (c.problem() for c in canaries) if p] == []
    assert not [p for p in scratch.iterdir() if p.name.startswith(("dl-batch-", "dl-autograder-"))]
    assert repo_changes(before, repo_state(REPO)) == []


def _max(report: dict, check_id: str) -> float:
    return next(t["max_score"] for t in report["tests"] if t["number"] == check_id)
