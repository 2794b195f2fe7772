"""What Gradescope shows a student from results.json: markdown, pending written answers, Gradescope's
own visibility for hidden checks, and no staff text (issue 18). Unit tests on stand-in results."""

from __future__ import annotations

import time
from types import SimpleNamespace

from harness.report.gradescope import results_json

from .formats import validate_results_json


def _result(
    cid: str,
    status: str,
    score: float,
    max_score: float,
    feedback: str,
    visibility: str = "visible",
    counted: bool = True,
    answer: str | None = None,
) -> SimpleNamespace:
    spec = SimpleNamespace(id=cid, title=f"title of {cid}", kind="base", part=cid.split(".")[0], visibility=visibility)
    return SimpleNamespace(
        spec=spec,
        status=status,
        score=score,
        max_score=max_score,
        counted=counted,
        indicative_outcome="failed",
        feedback=lambda: feedback,
        attachments={"answer": answer} if answer else {},
    )


def _grading(results: list, problems: list | None = None) -> SimpleNamespace:
    summary = SimpleNamespace(
        results=results, total=sum(r.score for r in results), max_total=sum(r.max_score for r in results), bonus=0
    )
    return SimpleNamespace(
        rubric=SimpleNamespace(title="hw2", offering=None),
        summary=lambda: summary,
        problems=lambda: problems or [],
        started=time.time(),
    )


def test_students_get_markdown_pending_answers_and_no_staff_text() -> None:
    doc = results_json(
        _grading(
            [
                _result("part1.linear", "passed", 4, 4, ""),
                _result(
                    "part2.overfit_hp",
                    "indicative",
                    0,
                    0,
                    "indicative: tuned for CIFAR-10 (grade with --data-dir=DIR holding cifar-10-batches-py)",
                ),
                _result(
                    "answers.part1_q1", "manual", 0, 0, "awaiting a grader", counted=False, answer="$x^2$ is **it**"
                ),
                _result("part3.mlp", "failed", 0, 3, "MLP output differs", visibility="hidden"),
            ],
            problems=[("budget", "the submission's time budget (900 s) ran out (--submission-timeout)")],
        )
    )
    validate_results_json(doc)
    assert doc["output_format"] == doc["test_output_format"] == "md"
    tests = {t["number"]: t for t in doc["tests"]}
    assert "status" not in tests["answers.part1_q1"] and tests["answers.part1_q1"]["score"] == 0
    assert "**Your answer:**\n\n$x^2$ is **it**" in tests["answers.part1_q1"]["output"]  # as written: rendered
    assert (
        "--data-dir" not in tests["part2.overfit_hp"]["output"]
        and "tuned for CIFAR-10" in tests["part2.overfit_hp"]["output"]
    )
    assert "--submission-timeout" not in doc["output"] and "time budget (900 s) ran out" in doc["output"]
    assert any("--submission-timeout" in line for line in doc["extra_data"]["staff"])
    # a hidden check: Gradescope's own value, and nothing of it in the text every student sees
    assert tests["part3.mlp"]["visibility"] == "hidden"
    assert "part3.mlp" not in doc["output"] and "MLP output differs" not in doc["output"]
