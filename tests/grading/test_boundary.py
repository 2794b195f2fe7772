"""What student code does in its worker cannot change a verdict, stop the run, or cost other checks."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401
import harness.session  # noqa: F401

from .helpers import copy_example, grade


def _inject(sub: Path, cls: str, method: str, code: str) -> None:
    """Put ``code`` at the start of ``cls.method`` in the submission's layers.py."""
    layers = sub / "hw2" / "layers.py"
    text = layers.read_text()
    start = text.index(f"class {cls}(")
    at = text.index(f"def {method}(", start)
    body = text.index(":\n", at) + 2
    indent = " " * 8
    layers.write_text(text[:body] + "".join(indent + line + "\n" for line in code.splitlines()) + text[body:])


def test_exit_inside_forward_costs_only_that_check(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "exits")
    _inject(sub, "TanH", "forward", "import os\nos._exit(0)")
    graded = grade(pytester, sub)
    assert graded.failing() == {"part1.tanh"}
    assert "worker process died" in graded.output("part1.tanh")


def test_patching_torch_in_the_worker_earns_nothing(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "cheat")
    _inject(
        sub,
        "Sigmoid",
        "forward",
        "import torch, numpy\ntorch.allclose = lambda *a, **k: True\nnumpy.allclose = lambda *a, **k: True\n"
        "return x * 0",
    )
    graded = grade(pytester, sub)
    assert "part1.sigmoid" in graded.failing()
    assert graded.scores()["part1.sigmoid"] == 0


def test_a_hang_is_killed_and_the_next_check_gets_a_fresh_worker(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hangs")
    _inject(
        sub,
        "LeakyReLU",
        "backward",
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass",
    )
    graded = grade(pytester, sub, "--check-timeout=5", "-k", "part1")  # Part 1 alone: each hang costs 5 s
    # ReLU derives from LeakyReLU in this submission, so it hangs too; everything else is graded
    assert graded.failing() <= {
        "part1.leaky_relu",
        "part1.relu",
        "part1.sequential",
        "part1.mlp_gradients",
        "part1.mlp_dropout_gradients",
    }
    # forward and backward run in one call: the hang costs the whole check, and says so
    assert "no answer within 5 s wall time; the worker was killed" in graded.output("part1.leaky_relu")
    assert graded.scores()["part1.linear"] == 4


def test_printing_floods_are_bounded(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "prints")
    _inject(sub, "ReLU", "__init__", "print('x' * 10_000_000)")
    graded = grade(pytester, sub, "-k", "part1")
    assert graded.failing() == set()
    html = graded.html.read_text()
    assert "bytes of output skipped" in html and len(html) < 2_000_000
