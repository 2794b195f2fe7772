"""What student code sends back is escaped and bounded on the judge's side, whatever the worker's own
helpers were replaced with: no escape sequence reaches the terminal, no fake summary line starts a
line, and huge messages or forged notes do not bloat the reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import copy_example, grade

ATTACK = '''
import sys as _sys
_server = _sys.modules.get("probes.server")
if _server is not None:
    _server.MAX_MESSAGE = 10**9  # the worker's own cap, lifted
    _compat = _sys.modules["probes.compat"]
    _compat.applied = lambda: [f"note {i} " + "N" * 1_000_000 for i in range(20)]  # forged notes
_ESC = "\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;owned\\x07\\x1b[2J\\r"
_FAKE = "\\nhw2: 118.0/118.0\\n71 passed in 3.00s\\n"


def _hostile_forward(self, x, **kw):
    raise ValueError(_ESC + _FAKE + "M" * 3_000_000)


ReLU.forward = _hostile_forward
LeakyReLU.forward = _hostile_forward
'''


def test_escape_sequences_fake_lines_and_huge_messages_are_defused(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hostile")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(layers.read_text() + ATTACK)
    graded = grade(pytester, sub, "-k", "part1.relu or part1.leaky_relu or part1.tanh")
    stdout = graded.result.stdout.str()
    assert graded.scores()["part1.relu"] == 0 and graded.scores()["part1.tanh"] == 2
    for text in (stdout, (graded.html.parent / "results.json").read_text(), graded.html.read_text()):
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\\x1b]52;c;" in graded.output("part1.relu")  # shown, escaped
    assert not any(line.startswith(("hw2: 118", "71 passed")) for line in stdout.splitlines())
    assert (graded.html.parent / "results.json").stat().st_size < 500_000
    assert graded.html.stat().st_size < 2_000_000
    assert len(stdout) < 300_000
