"""The report's check rows and its summary box: what lost points, the likely cause, the feedback's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checks.base import Finding
from harness.report.html import feedback_html, first_line, lost_points
from harness.rubric import CheckSpec, RubricError, load
from harness.scoring import CheckResult, link_causes

MINIMAL = """
[assignment]
name = "toy"
checks_module = "harness.checks.hw2"

[parts.p]
title = "P"

[[check]]
id = "p.layer"
part = "p"
title = "a layer"
points = 2

[[check]]
id = "p.training"
part = "p"
title = "a training"
points = 3
uses = [{uses}]
uses_why = "it trains your layer"
"""


def _result(spec: CheckSpec, passed: bool, message: str = "wrong") -> CheckResult:
    return CheckResult(
        spec,
        "passed" if passed else "failed",
        [Finding("all", passed, message)],
        [],
        0.1,
        0.0 if not passed else spec.points,
    )


def _specs(tmp_path: Path, uses: str = '"p.layer"') -> list[CheckSpec]:
    path = tmp_path / "toy.toml"
    path.write_text(MINIMAL.format(uses=uses))
    return load(path).checks


def test_a_failure_of_a_check_it_uses_is_named_as_the_likely_cause(tmp_path):
    layer, training = _specs(tmp_path)
    results = [_result(layer, False), _result(training, False, "stuck at 20%")]
    link_causes(results)
    assert results[1].likely_causes == ["p.layer"]
    assert results[1].feedback().startswith("probably because p.layer fails: it trains your layer")
    assert results[0].likely_causes == []


def test_no_cause_is_named_where_the_used_check_passed_or_this_one_passed(tmp_path):
    layer, training = _specs(tmp_path)
    results = [_result(layer, True), _result(training, False)]
    link_causes(results)
    assert results[1].likely_causes == []
    results = [_result(layer, False), _result(training, True)]
    link_causes(results)
    assert results[1].likely_causes == []


def test_a_rubric_that_uses_an_unknown_check_is_refused(tmp_path):
    with pytest.raises(RubricError, match="p.missing"):
        _specs(tmp_path, '"p.missing"')


def test_the_summary_box_lists_exactly_the_results_that_lost_points(tmp_path):
    layer, training = _specs(tmp_path)
    results = [_result(layer, True), _result(training, False, "first line\n  detail")]

    class Summary:
        pass

    summary = Summary()
    summary.results = results  # type: ignore[attr-defined]
    assert lost_points(summary) == [results[1]]
    assert first_line(results[1]) == "first line"


def test_feedback_is_prose_with_code_and_hints_set_apart():
    html = feedback_html(
        "probably because x fails\nwhat went wrong <here>\n  at hw2/layers.py:3\n  hint: use +=\nnote: seen"
    )
    assert '<p class="cause">Probably because x fails</p>' in html
    assert "<p>what went wrong &lt;here&gt;</p>" in html
    assert "<pre>  at hw2/layers.py:3</pre>" in html
    assert '<p class="hint"><b>Hint:</b> use +=</p>' in html and '<p class="note">seen</p>' in html
