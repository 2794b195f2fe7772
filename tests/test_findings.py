"""The one helper every assignment's checks turn problems into a verdict with (harness/checks/base.py)."""

from __future__ import annotations

from harness.checks.base import CheckAbort, Crash, aborted, finding


def test_a_component_passes_when_no_problem_is_left() -> None:
    verdict = finding("forward", [None, "", None], hint="subtract the max")
    assert verdict.passed and verdict.message == ""


def test_problems_are_listed_then_the_hint() -> None:
    verdict = finding("backward", ["dx differs", None, "dw differs"], hint="dx = dout @ W")
    assert not verdict.passed
    assert verdict.message == "dx differs\ndw differs\n  hint: dx = dout @ W"


def test_no_hint_after_crashes_only() -> None:
    """A crash says where the student's code failed; a hint about the math would not apply."""
    only_crash = finding("train", [Crash("your code raised ValueError at mlp.py:12")], hint="zero_grad first")
    assert not only_crash.passed and "hint" not in only_crash.message
    mixed = finding("train", [Crash("your code raised"), "loss differs"], hint="zero_grad first")
    assert mixed.message.endswith("  hint: zero_grad first")


def test_aborted_fails_every_component_with_the_reason() -> None:
    found = aborted(["a", "b"], CheckAbort("the worker did not start"))
    assert [(f.component, f.passed, f.message) for f in found] == [
        ("a", False, "the worker did not start"),
        ("b", False, "the worker did not start"),
    ]
