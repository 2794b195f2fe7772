"""Small pieces of the preflight and the time budget (harness/preflight.py, the rubric's budget)."""

from __future__ import annotations

from pathlib import Path

from harness.grading import GradingOptions
from harness.preflight import ImportProblem, modules_to_import, stuck_at, summary_lines
from harness.rubric import load, rubric_path

DUMP = """some output the student printed
Timeout (0:00:57)!
Thread 0x00007f2a (most recent call first):
  File "/usr/lib/python3.11/time.py", line 12 in sleep
  File "/tmp/dl-autograder-1-x/submission/hw2/layers.py", line 546 in <module>
  File "<frozen importlib._bootstrap>", line 241 in _call_with_frames_removed
  File "/tmp/dl-autograder-1-x/submission/hw2/training.py", line 3 in <module>
"""


def test_the_stuck_line_is_the_innermost_frame_of_the_submission() -> None:
    assert stuck_at(DUMP, Path("/elsewhere/submission")) == "hw2/layers.py:546"
    assert stuck_at("no dump here", Path("/x/submission")) is None
    assert stuck_at(DUMP.replace("hw2/layers.py", "../../etc/passwd"), Path("/x/submission")) == "hw2/training.py:3"


def test_the_modules_tried_are_the_package_then_the_rubrics_files_that_exist(tmp_path: Path) -> None:
    (tmp_path / "hw2").mkdir()
    for name in ("__init__", "layers", "cnn", "scratch_notes"):
        (tmp_path / "hw2" / f"{name}.py").write_text("")
    modules = modules_to_import(load(rubric_path("hw2")), tmp_path)
    assert modules == ["hw2", "hw2.layers", "hw2.cnn"]  # not a module no check grades; not a missing one


def test_one_line_per_cause_naming_what_it_blocks() -> None:
    line = "hw2/cnn.py:12: SyntaxError: invalid syntax"
    problems = {
        "hw2.experiments": ImportProblem("hw2.experiments", line, "raised"),
        "hw2.cnn": ImportProblem("hw2.cnn", line, "raised"),
    }
    assert summary_lines(problems) == [
        f"{line} (not imported, so the checks that need it were not run: hw2.experiments, hw2.cnn)"
    ]


def test_the_default_budget_is_the_rubrics_and_the_option_overrides_it() -> None:
    rubric = load(rubric_path("hw2"))
    assert GradingOptions().budget(rubric) == 900
    assert GradingOptions(benchmarks=True).budget(rubric) == 1200
    assert GradingOptions(submission_timeout=0).budget(rubric) == 0
    assert load(rubric_path("csc321_tut4")).time_budget == 300


class _Worker:
    """A stand-in worker: each import answers with the outcome given for its module."""

    def __init__(self, outcomes: dict):
        self.outcomes, self.refused, self.calls = outcomes, {}, []

    def call(self, probe: str, **kwargs):
        self.calls.append(kwargs["module"])
        outcome = self.outcomes.get(kwargs["module"])
        if isinstance(outcome, list):  # one outcome per try
            outcome = outcome.pop(0) if outcome else None
        if outcome is not None:
            raise outcome
        return {"seconds": 0.1}

    def refuse(self, module: str, reason: str) -> None:
        self.refused[module] = reason

    def output(self) -> str:
        return ""


def test_a_worker_that_does_not_start_blames_no_module() -> None:
    from harness.preflight import preflight
    from harness.sandbox import WorkerFailure

    worker = _Worker({"hw2": WorkerFailure("startup", "the worker did not start")})
    assert preflight(worker, ["hw2", "hw2.layers"], 60, Path("/x/submission")) == {}
    assert worker.refused == {} and worker.calls == ["hw2"]


def test_a_module_below_a_broken_package_is_not_tried_again() -> None:
    from harness.preflight import preflight
    from harness.sandbox import StudentError

    error = StudentError(
        {
            "type": "NameError",
            "message": "name 'x' is not defined",
            "in_student_code": True,
            "where": "hw2/__init__.py:3 in <module>: x",
        }
    )
    worker = _Worker({"hw2": error})
    problems = preflight(worker, ["hw2", "hw2.layers"], 60, Path("/x/submission"))
    assert list(problems) == ["hw2"] and worker.calls == ["hw2"]
    assert problems["hw2"].line == "hw2/__init__.py:3: NameError: name 'x' is not defined"
    assert problems["hw2"].pointer == "hw2/__init__.py:3; see the top of the report"


def test_an_import_crash_that_does_not_repeat_blames_no_module() -> None:
    from harness.preflight import preflight
    from harness.sandbox import WorkerFailure

    crash = WorkerFailure("crashed", "the worker process died during the call (killed by SIGSEGV)")
    worker = _Worker({"hw2.training": [crash]})
    assert preflight(worker, ["hw2", "hw2.training"], 60, Path("/x/submission")) == {}
    assert worker.calls == ["hw2", "hw2.training", "hw2.training"] and worker.refused == {}


def test_an_import_crash_that_repeats_is_the_modules() -> None:
    from harness.preflight import preflight
    from harness.sandbox import WorkerFailure

    crash = WorkerFailure("crashed", "the worker process died during the call (killed by SIGSEGV)")
    worker = _Worker({"hw2.training": [crash, crash]})
    problems = preflight(worker, ["hw2.training"], 60, Path("/x/submission"))
    assert problems["hw2.training"].kind == "crashed" and worker.calls == ["hw2.training"] * 2
    assert "killed by SIGSEGV" in problems["hw2.training"].line


def test_an_import_that_hangs_is_not_tried_twice() -> None:
    from harness.preflight import preflight
    from harness.sandbox import WorkerFailure

    worker = _Worker({"hw2.training": [WorkerFailure("timeout", "no answer within 60 s")] * 2})
    assert preflight(worker, ["hw2.training"], 60, Path("/x/submission"))["hw2.training"].kind == "timeout"
    assert worker.calls == ["hw2.training"]
