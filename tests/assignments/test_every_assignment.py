"""What every tutorial assignment's bundled cases must do, written once for all four: the example
gets full marks and is recognised without --assignment, every broken case gets exactly its
expected.toml (and its feedback the words listed there), each case is one bug of the example, and
each assignment has at least five, one handed in as a script.

The assignment-specific tests (other correct readings, other bugs, verdict details) are in
``test_<assignment>.py``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from harness.dev.cases import same_submission
from harness.grading import identify
from harness.notebook import convert
from harness.rubric import load as load_rubric, rubric_path
from harness.submission import SubmissionError
from tests.grading.helpers import expectation

from .common import AssignmentFixtures

# the rubric's maximum, stated here so that a change to it is a decision, not an accident
FULL = {"csc321_tut4": 20.0, "csc321_tut6": 25.0, "edinburgh_mlp": 17.0, "nma_w1d5": 28.0}
# (package, module) the submission is recognised by
RECOGNISED_AS = {
    "csc321_tut4": (None, "tutorial4"),
    "csc321_tut6": (None, "tutorial6"),
    "edinburgh_mlp": ("mlp", "lab"),
    "nma_w1d5": (None, "w1d5"),
}
ASSIGNMENTS = {name: AssignmentFixtures(name, full=full) for name, full in FULL.items()}
CASES = [(name, case) for name, fixtures in ASSIGNMENTS.items() for case in fixtures.broken]
CASE_IDS = [f"{name}/{case.name}" for name, case in CASES]


def test_the_stated_maximum_is_the_rubrics() -> None:
    assert FULL == {name: load_rubric(rubric_path(name)).max_points() for name in FULL}


@pytest.mark.parametrize("name", FULL)
def test_example_gets_full_marks_and_is_recognised(pytester: pytest.Pytester, name: str) -> None:
    graded = ASSIGNMENTS[name].assert_full_marks(pytester)  # no --assignment
    assert {t["number"] for t in graded.report["tests"]} == {c.id for c in load_rubric(rubric_path(name)).checks}


@pytest.mark.parametrize(("name", "case"), CASES, ids=CASE_IDS)
def test_broken_case_gets_its_expected_score(pytester: pytest.Pytester, name: str, case: Path, cases) -> None:
    graded = ASSIGNMENTS[name].assert_expected_score(pytester, case, cases)
    for check_id, words in expectation(case).get("feedback", {}).items():
        assert words in graded.output(check_id), graded.output(check_id)


@pytest.mark.parametrize("name", FULL)
def test_at_least_five_cases_one_handed_in_as_a_script(name: str) -> None:
    broken = ASSIGNMENTS[name].broken
    assert len(broken) >= 5
    assert any(expectation(case)["bug_file"].endswith(".py") and expectation(case).get("remove") for case in broken)


@pytest.mark.parametrize("name", FULL)
def test_every_case_is_recognised_among_all_assignments(name: str, cases) -> None:
    package, module = RECOGNISED_AS[name]
    for folder in [ASSIGNMENTS[name].example, *map(cases, ASSIGNMENTS[name].broken)]:
        sub, found = identify(folder, "auto")
        assert found == name, folder
        assert sub.module == module and (package is None or sub.package == package), folder


def _files(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "expected.toml"
    }


def _graded_lines(path: Path, as_notebook: bool) -> list[str]:
    """What grading reads of ``path``: a notebook's (or its script's) definitions, else the file's text."""
    if not as_notebook:
        return path.read_text().splitlines()
    return [line for line in convert(path).source.splitlines()[1:] if not line.startswith("# --- cell")]


@pytest.mark.parametrize(("name", "case"), CASES, ids=CASE_IDS)
def test_a_case_is_one_bug_of_the_example(name: str, case: Path, cases) -> None:
    """An overlay holds nothing of the example (its bug is edits, or the script it hands in); the
    submission it stands for differs from the example in its bug file only, by a few graded lines."""
    spec = expectation(case)
    bug_file = spec["bug_file"]
    assert set(_files(case)) <= {bug_file}
    example, whole = _files(ASSIGNMENTS[name].example), _files(cases(case))
    notebooks = {rel for rel in example if rel.endswith(".ipynb")}
    assert set(whole) - set(example) <= {bug_file}
    assert set(example) - set(whole) == set(spec.get("remove", [])) <= notebooks
    changed = [rel for rel in set(example) & set(whole) if not same_submission(example[rel], whole[rel])]
    assert changed in ([], [bug_file])
    replaced = Path(bug_file).with_suffix(".ipynb").as_posix()  # the notebook a script case hands in instead
    as_notebook = bug_file.endswith(".ipynb") or replaced in notebooks
    want = _graded_lines(example[replaced if as_notebook else bug_file], as_notebook)
    got = _graded_lines(whole[bug_file], as_notebook)
    diff = [
        line
        for line in difflib.unified_diff(want, got, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert 1 <= len(diff) <= 8, diff


def test_notebooks_that_only_import_a_tutorials_name_are_not_that_tutorial(tmp_path: Path) -> None:
    """HW2's notebooks handed in without their hw2/ package import MLP from it: one of the Neuromatch
    tutorial's five names, not its code. Without --assignment that is refused, not graded as w1d5."""
    (tmp_path / "Part3_MLP.py").write_text("from hw2.mlp import MLP\n\nmlp = MLP(2, [8, 2], ['relu', 'none'])\n")
    with pytest.raises(SubmissionError, match="none of the assignments' code was found"):
        identify(tmp_path, "auto")
    sub, name = identify(tmp_path, "nma_w1d5")  # named by the staff: graded as what it was said to be
    assert name == "nma_w1d5" and sub.module_file is not None
