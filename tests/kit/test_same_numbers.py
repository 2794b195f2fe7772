"""The kit's visible score equals the visible part of the full grader's, submission by submission.

A check computes the same way in both: only where expected values come from differs. So the kit
gives the same numbers exactly when every expected value a grading asks for is in the kit and
equal to what the answer key computes: ``verify`` mode checks that, for every submission under
submissions/, on every kit check whose
expected values depend on anything at all (the others ask for none, or for constants), the
adversarial ones included (those whose attack needs the full sandbox to stay harmless only where
it runs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.expected import ExpectedValues
from harness.grading import GradingOptions, SubmissionGrader, locate_submission
from harness.kit.record import kit_checks
from harness.rubric import load, rubric_path
from harness.sandbox import confine

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
CASES = (
    ["example", "skeleton", "slow"]
    + [f"broken/{p.name}" for p in sorted((SUBMISSIONS / "broken").iterdir())]
    + [
        f"adversarial/{p.name}"
        for p in sorted((SUBMISSIONS / "adversarial").iterdir())
        if (p / "expected.toml").is_file()
    ]
)


@pytest.mark.parametrize("name", CASES)
def test_kit_judges_like_the_full_grader(kit: Path, name: str, request: pytest.FixtureRequest, cases) -> None:
    expected_file = SUBMISSIONS / name / "expected.toml"
    whole = cases(SUBMISSIONS / name)
    if "redteam-marker" in (whole / "hw2" / "layers.py").read_text():
        request.getfixturevalue("marked_processes_alone")  # its processes must not be taken for another test's
    if name.startswith("adversarial/") and "sandbox" in expected_file.read_text():
        if confine.detect().name != "bubblewrap":
            pytest.skip("this attack stays harmless only in the bubblewrap sandbox")
    rubric = load(rubric_path("hw2"))
    stored = ExpectedValues.load(kit / "harness" / "kit" / "expected-hw2.bin").store
    keyed = [c for c in kit_checks(rubric) if stored.get(c.id)]
    assert len(keyed) >= 15
    verify = ExpectedValues("verify", stored)
    grader = SubmissionGrader(locate_submission(whole, "hw2"), rubric, GradingOptions(call_timeout=10), expected=verify)
    try:
        for spec in keyed:
            grader.run_check(spec)
    finally:
        grader.close()
    assert verify.problems == []
