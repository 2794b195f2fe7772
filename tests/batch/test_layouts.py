"""Gradescope's export layout, sharding with a merge, and the Gradescope autograder bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from harness.batch.merge import main as merge_main

from .formats import validate_results_json
from .helpers import EXAMPLE, BatchOutput, copy_submission, part1_broken, run_batch

FAST = "part1.linear and not init"

METADATA = """\
submission_1001:
  :submitters:
  - :name: Noa Levi
    :sid: '318000001'
    :email: noa@example.ac.il
  :created_at: 2025-05-01 10:00:00.000000000 +03:00
  :score: !ruby/object:BigDecimal 18:0.0
submission_1002:
  :submitters:
  - :name: Omer Cohen
    :sid: '318000002'
    :email: omer@example.ac.il
  - :name: Dana Mizrahi
    :sid: '318000003'
    :email: dana@example.ac.il
  :created_at: 2025-05-02 11:00:00.000000000 +03:00
"""


def test_gradescope_export_names_students_from_its_metadata(tmp_path: Path) -> None:
    export = tmp_path / "assignment_export"
    export.mkdir()
    (export / "submission_metadata.yml").write_text(METADATA)
    copy_submission(EXAMPLE, export / "submission_1001")
    linear_bug = next(p for p in part1_broken() if p.name == "linear-dw-overwritten")
    copy_submission(linear_bug, export / "submission_1002")
    proc = run_batch(export, tmp_path / "out", "-k", FAST)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "gradescope layout" in proc.stdout
    rows = {r["submission"]: r for r in BatchOutput(tmp_path / "out").gradebook()}
    assert rows["submission_1001"]["student_id"] == "318000001"
    assert rows["submission_1001"]["student_name"] == "Noa Levi"
    assert rows["submission_1001"]["email"] == "noa@example.ac.il"
    assert rows["submission_1002"]["student_id"] == "318000002+318000003"  # a group submission
    assert rows["submission_1002"]["student_name"] == "Omer Cohen+Dana Mizrahi"
    assert (rows["submission_1001"]["total"], rows["submission_1002"]["total"]) == ("6", "4")


def test_shards_partition_the_class_and_merge_into_one_report(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    cls.mkdir()
    keys = [f"student-{i}" for i in range(5)]
    for key in keys:
        copy_submission(EXAMPLE, cls / key)
    shard_outs = [tmp_path / f"shard-{k}" for k in (1, 2)]
    graded: list[str] = []
    for k, out in enumerate(shard_outs, start=1):
        proc = run_batch(cls, out, "-k", FAST, f"--shard={k}/2")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        graded += [r["submission"] for r in BatchOutput(out).gradebook()]
    assert sorted(graded) == keys  # every student in exactly one shard

    merged = tmp_path / "merged"
    assert merge_main(["--out", str(merged), *map(str, shard_outs)]) == 0
    rows = BatchOutput(merged).gradebook()
    assert sorted(r["submission"] for r in rows) == keys and all(r["total"] == "6" for r in rows)
    html = BatchOutput(merged).class_report()
    for key in keys:
        assert f'href="{key}/report.html"' in html
        assert (merged / key / "report.html").is_file()
    assert "merged from 2 shards" in html


def test_a_shard_that_receives_no_submission_exits_0_with_a_note(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    copy_submission(EXAMPLE, cls / "only-student")
    empty = next(
        k
        for k in (1, 2)
        if not run_batch(cls, tmp_path / "probe", "--collect-only", "-q", f"--shard={k}/2").stdout.count("only-student")
    )
    proc = run_batch(cls, tmp_path / "out", "-k", FAST, f"--shard={empty}/2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"shard {empty}/2 holds no submission" in proc.stdout


def test_bad_shard_value_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    proc = run_batch(tmp_path / "class", tmp_path / "out", "--shard=3/2")
    assert proc.returncode == 4 and "--shard=3/2" in proc.stderr


def _bundle(tmp_path: Path, *options: str) -> tuple[Path, list[str]]:
    """Build the Gradescope bundle with ``options`` and unpack it as Gradescope does: the autograder
    root, and the bundle's member names."""
    bundle = tmp_path / "autograder.zip"
    build = subprocess.run(
        [sys.executable, "-m", "harness.batch.bundle", "--out", str(bundle), *options],
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(bundle) in build.stdout
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        zf.extractall(root / "source")
        return root, zf.namelist()


def _run_autograder(root: Path, pytest_args: str) -> dict:
    """``run_autograder`` on ``root/submission``; its results.json."""
    env = dict(
        os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable, AUTOGRADER_PYTEST_ARGS=pytest_args
    )  # split by the script's shell
    run = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_bundle_grades_a_submission_into_results_json(tmp_path: Path) -> None:
    root, names = _bundle(tmp_path)
    assert {"setup.sh", "run_autograder", "pyproject.toml", "rubrics/hw2.toml"} <= set(names)
    assert any(n.startswith("reference/hw2/") for n in names) and any(n.startswith("harness/") for n in names)
    copy_submission(EXAMPLE, root / "submission")
    results = _run_autograder(root, "-k part1.linear")
    validate_results_json(results)
    assert results["score"] == 7  # Linear, its second backward, its initialisation

    # a submission that cannot be graded still gets a results.json that says why
    for child in (root / "submission").iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    (root / "results" / "results.json").unlink()
    failed = _run_autograder(root, "-k part1.linear")
    assert failed["score"] == 0 and "no 'hw2' package" in failed["output"]


def test_gradescope_bundle_budget_ends_a_hanging_submission_with_a_results_json(tmp_path: Path) -> None:
    """The bundle's budget (BUDGET) is under Gradescope's own timeout: a submission that hangs still gets
    a results.json, with what was graded and why the rest was not."""
    root, names = _bundle(tmp_path, "--submission-timeout", "12")
    assert (root / "source" / "BUDGET").read_text().strip() == "12"
    sub = copy_submission(EXAMPLE, root / "submission")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(
        layers.read_text().replace(
            "    def backward(self, dout):", "    def backward(self, dout):\n        while True:\n            pass"
        )
    )
    start = time.monotonic()
    results = _run_autograder(root, "-k part1")
    assert time.monotonic() - start < 12 + 40
    validate_results_json(results)
    assert "time budget (12 s) ran out" in results["output"]
    assert sum(t["max_score"] for t in results["tests"]) == 41  # the rubric's Part 1, not a shrunk maximum


def test_gradescope_bundle_for_one_offering(tmp_path: Path) -> None:
    """--offering is written into the bundle: every submission is graded as that offering, and
    results.json says so (students see which offering's rules they were graded by)."""
    root, names = _bundle(tmp_path, "--offering", "2023")
    assert (root / "source" / "OFFERING").read_text().strip() == "2023"
    assert "rubrics/hw2/offerings/2023.toml" in names
    copy_submission(EXAMPLE, root / "submission")
    results = _run_autograder(root, "-k part2.rmsprop")
    validate_results_json(results)
    assert "bonus" in results["output"] and "--offering" not in results["output"]  # students: no command lines
    assert any("(--offering=2023)" in line for line in results["extra_data"]["staff"])  # the staff: how it ran
    (rmsprop,) = results["tests"]
    assert (rmsprop["score"], rmsprop["max_score"]) == (3, 0)  # a bonus: on top of the maximum
    bad = subprocess.run(
        [sys.executable, "-m", "harness.batch.bundle", "--out", str(tmp_path / "x.zip"), "--offering", "tau-cnn"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "not graded by this grader" in bad.stderr
