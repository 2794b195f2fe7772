"""--manual-scores in batch mode: a person's scores for the written answers, per student, in TOML or
CSV; merged into each student's grade, the gradebook and results.json; a changed score regrades
that student only."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.manual import ManualScoresError, load_class_manual_scores
from harness.rubric import load, rubric_path

from .helpers import EXAMPLE, BatchOutput, copy_submission, run_batch

CHECKS = "part1.linear or answers.part1_q1 or answers.part1_q2"  # -k: one automatic check, two manual ones


@pytest.fixture(scope="module")
def rubric():
    return load(rubric_path("hw2"))


def test_toml_and_csv_give_the_same_scores(tmp_path: Path, rubric) -> None:
    toml = tmp_path / "scores.toml"
    toml.write_text(
        '[students."alice".scores."answers.part1_q1"]\nscore = 2.5\ncomment = "no example"\n'
        '[students."bob".scores."answers.part1_q2"]\nscore = 3\n'
    )
    csv = tmp_path / "scores.csv"
    csv.write_text(
        "\ufeffstudent_id,check_id,score,comment\nalice,answers.part1_q1,2.5,no example\n"
        "bob,answers.part1_q2,3,\nbob,answers.part1_q1,,\n"
    )  # an empty score: not graded yet
    assert load_class_manual_scores(toml, rubric) == load_class_manual_scores(csv, rubric)
    scores = load_class_manual_scores(csv, rubric)
    assert (
        scores["alice"]["answers.part1_q1"].score == 2.5 and scores["alice"]["answers.part1_q1"].comment == "no example"
    )
    assert set(scores["bob"]) == {"answers.part1_q2"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("student_id,check_id,score\nalice,part1.linear,1\n", "'part1.linear' is not a manual entry"),
        ("student_id,check_id,score\nalice,answers.part1_q1,4\n", "needs a score between 0 and 3"),
        ("student_id,check_id,score\nalice,answers.part1_q1,nan\n", "needs a score between 0 and 3"),
        ("student_id,check_id,score\nalice,answers.part1_q1,x\n", "needs a score between 0 and 3"),
        ("student_id,check_id,score\nalice,answers.part1_q1,1\nalice,answers.part1_q1,2\n", "a second score"),
        ("name,question,points\nalice,answers.part1_q1,1\n", "needs the columns student_id, check_id, score"),
    ],
)
def test_bad_rows_are_refused_with_their_line(tmp_path: Path, rubric, text: str, message: str) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(text)
    with pytest.raises(ManualScoresError, match=message):
        load_class_manual_scores(path, rubric)


def test_scores_reach_each_students_grade_and_a_change_regrades_that_student_only(tmp_path: Path) -> None:
    class_dir = tmp_path / "class"
    for name in ("alice", "bob"):
        copy_submission(EXAMPLE, class_dir / name)
    scores = tmp_path / "scores.toml"
    scores.write_text(
        '[students."alice".scores."answers.part1_q1"]\nscore = 2.5\ncomment = "no example"\n'
        '[students."carol".scores."answers.part1_q1"]\nscore = 1\n'
    )
    out = tmp_path / "out"
    first = run_batch(class_dir, out, "-k", CHECKS, f"--manual-scores={scores}")
    assert first.returncode == 0, first.stdout[-3000:]
    output = BatchOutput(out)
    book = {row["student_id"]: row for row in output.gradebook()}
    linear = float(book["bob"]["total"])
    assert float(book["alice"]["total"]) == linear + 2.5
    assert book["alice"]["answers.part1_q1"] == "2.5"
    alice = {t["number"]: t for t in output.results_json("alice")["tests"]}
    assert alice["answers.part1_q1"]["score"] == 2.5 and "grader: no example" in alice["answers.part1_q1"]["output"]
    assert "carol" in output.class_report()  # named in the notes: a typo would lose her scores

    scores.write_text('[students."alice".scores."answers.part1_q1"]\nscore = 3\n')
    second = run_batch(class_dir, out, "-k", CHECKS, f"--manual-scores={scores}")
    assert second.returncode == 0 and "(1 reused from the store)" in second.stdout, second.stdout[-3000:]
    book = {row["student_id"]: row for row in BatchOutput(out).gradebook()}
    assert float(book["alice"]["total"]) == linear + 3


def test_an_unreadable_scores_file_is_a_usage_error(tmp_path: Path) -> None:
    copy_submission(EXAMPLE, tmp_path / "class" / "alice")
    scores = tmp_path / "scores.toml"
    scores.write_text('[students."alice".scores."answers.part1_q1"]\nscore = 30\n')
    result = run_batch(tmp_path / "class", tmp_path / "out", "-k", CHECKS, f"--manual-scores={scores}")
    assert result.returncode == 4
    assert "needs a score between 0 and 3" in result.stdout + result.stderr
