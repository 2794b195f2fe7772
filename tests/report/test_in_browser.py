"""The reports as a person sees them: a class of two (the example and a broken submission) graded in
batch mode, and its pages opened in headless Chromium (skipped where there is none: .ci/run installs
Debian's chromium). What is checked is what a reader would look for: the figures drawn, no console
errors, the summary box listing exactly the checks that lost points, the class report's rows."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness.report.screenshot import find_chromium, open_page, screenshot
from tests.batch.helpers import EXAMPLE, SUBMISSIONS, run_batch

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium) or Playwright")

BROKEN = "linear-dw-overwritten"  # Linear.backward overwrites dw: the trainings it feeds fail too
MAX_REPORT_BYTES = 1_500_000
EXAMPLE_FIGURES = {  # check -> figures its row shows
    "part2.overfit": 1,
    "part2.optimizer_comparison": 1,
    "part2.dropout_hp": 1,
    "part3.training_learns": 2,  # learning curves and the trained classifier's decision regions
    "part3.hyperparameters": 1,
    "part3.decision_boundary": 1,
    "part3.select_roc_thresh": 1,
    "part3.mlp_experiment": 1,
    "part4.overfit": 1,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, cases) -> Path:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(EXAMPLE, root / "class" / "alice")
    shutil.copytree(cases(SUBMISSIONS / "broken" / BROKEN), root / "class" / "bob")
    done = run_batch(root / "class", root / "out", "-q", cwd=root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root / "out"


def _lost(results: dict) -> list[str]:
    return [t["number"] for t in results["tests"] if t["score"] < t["max_score"] - 1e-9]


def test_the_examples_report_draws_the_students_results(graded: Path) -> None:
    report = graded / "alice" / "report.html"
    assert report.stat().st_size < MAX_REPORT_BYTES
    with open_page(report) as (page, errors):
        drawn = [f.get_attribute("data-check") for f in page.locator("figure.plot:has(svg)").all()]
        for check, count in EXAMPLE_FIGURES.items():
            assert drawn.count(check) == count, (check, drawn)
        assert page.locator("svg").count() >= sum(EXAMPLE_FIGURES.values())
        assert page.locator("figure[data-check='part3.select_roc_thresh']").inner_text().count("ROC curve") >= 1
        assert page.locator("#lost-points.clean").count() == 1
        assert page.locator(".answer math").count() > 0, "the written answers' LaTeX is drawn as math"
        printed = page.locator("h2:has-text('What your code printed') + pre").inner_text()
        assert "Fontconfig" not in printed and "joblib will operate" not in printed
        assert errors == []


def test_a_broken_submissions_report_puts_what_lost_points_first(graded: Path) -> None:
    report = graded / "bob" / "report.html"
    lost = _lost(json.loads((graded / "bob" / "results.json").read_text()))
    assert "part1.linear_second_backward" in lost and "part2.overfit" in lost
    with open_page(report) as (page, errors):
        box = page.locator("#lost-points")
        assert box.locator("li > a").all_inner_texts() == lost
        assert [a.get_attribute("href") for a in box.locator("li > a").all()] == [f"#{c}" for c in lost]
        assert page.locator("tr.check.lost").evaluate_all("rows => rows.map(r => r.id)") == lost
        overfit = page.locator("tr[id='part2.overfit'] .cause").inner_text()
        assert "part1.linear_second_backward" in overfit
        top = page.locator("#lost-points").bounding_box()
        table = page.locator("table.checks").bounding_box()
        assert top is not None and table is not None and top["y"] < table["y"]
        assert errors == []


def test_the_class_report_lists_who_lost_points_on_each_check(graded: Path, tmp_path: Path) -> None:
    report = graded / "class_report.html"
    with open_page(report) as (page, errors):
        histogram = page.locator("figure").first.inner_text()
        ticks = [t for t in re.findall(r"^\s*([-\d.]+)\s*$", histogram, re.M)]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        row = page.locator("tr[id='check-part1.linear_second_backward']")
        row.locator("summary").click()
        link = row.locator("details a")
        assert link.all_inner_texts() == ["bob"]
        assert link.get_attribute("href") == "bob/report.html#part1.linear_second_backward"
        unscored = page.locator("table.unscored").inner_text()
        assert "answers.part1_q1" in unscored
        assert "answers.part1_q1" not in page.locator("table.checks").inner_text()
        assert errors == []
    assert screenshot(report, tmp_path / "class.png", open_details=True) == []
    assert (tmp_path / "class.png").stat().st_size > 10_000
