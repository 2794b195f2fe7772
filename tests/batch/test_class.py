"""A class graded in parallel: every student gets the score it gets alone; exports keep their formats."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .formats import validate_gradebook, validate_results_json
from .helpers import (
    EXAMPLE,
    PART1,
    SKELETON,
    BatchOutput,
    check_scores,
    copy_submission,
    crashing,
    expected_part1,
    grade_alone,
    hanging,
    part1_broken,
    run_batch,
    zip_folder,
)

TIMEOUT = "--check-timeout=5"  # the hang costs this once; generous enough for a loaded 2-core machine
ALONE = ("s01-example", "s21-hangs", "s22-crashes")


def _build_class(root: Path) -> dict[str, Path]:
    """At least 12 submissions: the example, every Part 1 broken copy, the skeleton, a hang, a crash, a zip."""
    root.mkdir()
    sources = {"s01-example": copy_submission(EXAMPLE, root / "s01-example")}
    for i, broken in enumerate(part1_broken(), start=2):
        sources[f"s{i:02d}-{broken.name}"] = copy_submission(broken, root / f"s{i:02d}-{broken.name}")
    sources["s20-skeleton"] = copy_submission(SKELETON, root / "s20-skeleton")
    sources["s21-hangs"] = hanging(root / "s21-hangs")
    sources["s22-crashes"] = crashing(root / "s22-crashes")
    zipped = copy_submission(EXAMPLE, root.parent / "s23-zipped")
    zip_folder(zipped, root / "s23-zipped.zip")
    sources["s23-zipped.zip"] = zipped
    hangs_at_import = copy_submission(EXAMPLE, root / "s24-hangs-at-import")
    layers = hangs_at_import / "hw2" / "layers.py"
    layers.write_text(layers.read_text() + "\nwhile True:\n    pass\n")
    sources["s24-hangs-at-import"] = hangs_at_import
    return sources


def test_class_graded_with_two_workers_matches_grading_alone(tmp_path: Path) -> None:
    sources = _build_class(tmp_path / "class")
    assert len(sources) >= 12
    out = tmp_path / "out"
    proc = run_batch(tmp_path / "class", out, "-n", "2", "-k", PART1, TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert f"[batch] {len(sources)}/{len(sources)} done, 0 failed, 0 remaining" in proc.stdout
    batch = BatchOutput(out)

    # the broken copies: the score their expected.toml states (checked alone in tests/grading)
    for broken in part1_broken():
        key = next(k for k in sources if k.endswith("-" + broken.name))
        expected_failing, expected_lost = expected_part1(broken)
        report = batch.results_json(key)
        failing = {t["number"] for t in report["tests"] if t["score"] < t["max_score"]}
        assert failing == expected_failing, key
        if expected_lost is not None:  # its bug costs nothing outside Part 1
            full = sum(t["max_score"] for t in report["tests"])
            assert full - report["score"] == pytest.approx(expected_lost), key
    assert batch.results_json("s01-example")["score"] == 41

    # and graded alone, check by check: the example (also what the zip holds), the hang, the crash
    alone = tmp_path / "alone"
    with ThreadPoolExecutor(3) as pool:
        references = dict(
            zip(
                ALONE,
                pool.map(
                    lambda key: grade_alone(sources[key], alone / key / "report.html", "-k", PART1, TIMEOUT), ALONE
                ),
            )
        )
    for key, reference in references.items():
        assert check_scores(batch.results_json(key)) == check_scores(reference), key
    assert check_scores(batch.results_json("s23-zipped.zip")) == check_scores(references["s01-example"])
    skeleton = batch.results_json("s20-skeleton")  # every check fails alone too (tests/grading/test_skeleton.py)
    assert skeleton["score"] == 0 and all(t["score"] == 0 for t in skeleton["tests"] if t["max_score"])
    assert batch.results_json("s21-hangs")["score"] == 39 and batch.results_json("s22-crashes")["score"] == 39
    stuck = batch.results_json("s24-hangs-at-import")  # one wait for the import, one line saying so
    assert stuck["score"] == 0 and "importing hw2.layers did not finish within 5 s" in stuck["output"]
    assert sum(t["max_score"] for t in stuck["tests"]) == 41  # the rubric's maximum, as for everyone

    # exports: one results.json per student in Gradescope's format, the gradebook CSV
    rows = batch.gradebook()
    assert sorted(r["submission"] for r in rows) == sorted(sources)
    with (out / "gradebook.csv").open(newline="") as f:
        header = next(csv.reader(f))
    parts = [h for h in header[7:-1] if "." not in h]
    checks = [h for h in header[7:-1] if "." in h]
    validate_gradebook(rows, header, parts, checks)
    for r in rows:
        assert float(r["total"]) == batch.results_json(r["submission"])["score"], r["submission"]
        validate_results_json(batch.results_json(r["submission"]))
    assert {r["student_id"] for r in rows} >= {"s01-example", "s23-zipped"}

    # the class report names the hang and the crash, and links every student's report
    html = batch.class_report()
    assert "timed out" in html and "crashed" in html and "does not import" in html
    assert html.count("<svg") >= 1
    for key in sources:
        assert f'href="{key}/report.html"' in html, key
    assert len(batch.rows()) == len(sources)
