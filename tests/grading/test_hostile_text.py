"""What student code sends back is escaped and bounded on the judge's side, whatever the worker's own
helpers were replaced with: no escape sequence reaches the terminal, no fake summary line starts a
line, and huge messages or forged notes do not bloat the reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import copy_example, grade

ATTACK = """
import sys as _sys
_server = next((m for n, m in list(_sys.modules.items()) if n.endswith("probes.server")), None)
if _server is not None:
    _server.MAX_MESSAGE = 10**9  # the worker's own cap, lifted
    _compat = _sys.modules[_server.__name__.replace("server", "compat")]
    _compat.applied = lambda: [f"note {i} " + "N" * 1_000_000 for i in range(20)]  # forged notes
_ESC = "\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;owned\\x07\\x1b[2J\\r"
_FAKE = "\\nhw2: 118.0/118.0\\n71 passed in 3.00s\\n"


def _hostile_forward(self, x, **kw):
    raise ValueError(_ESC + _FAKE + "M" * 3_000_000)


ReLU.forward = _hostile_forward
LeakyReLU.forward = _hostile_forward
"""


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


DEEP_TREE_AT_IMPORT = """
import os as _os
_here = _os.getcwd()
for _ in range(1200):  # deeper than Python's recursion limit: a recursive walk in the judge would crash
    _os.makedirs("d", exist_ok=True)
    _os.chdir("d")
_os.chdir(_here)


def _exit_forward(self, x, **kw):
    _os._exit(3)  # the next check starts a fresh worker: the judge hands it the copy, tree and all


TanH.forward = _exit_forward
"""


def test_a_deep_tree_a_named_pipe_and_a_link_to_dev_zero_neither_hang_nor_crash_the_judge(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    import os

    sub = copy_example(tmp_path / "files")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(layers.read_text() + DEEP_TREE_AT_IMPORT)
    (sub / "hw2" / "cnn.py").unlink()
    os.mkfifo(sub / "hw2" / "cnn.py")  # reading it would wait for a writer for ever
    (sub / "hw2" / "zero.py").symlink_to("/dev/zero")  # reading it would never end
    graded = grade(pytester, sub, "-k", "part1.tanh or part1.relu or part1.sigmoid")
    assert graded.scores() == {"part1.tanh": 0, "part1.relu": 2, "part1.sigmoid": 2}
    assert sum(t["max_score"] for t in graded.report["tests"]) == 6
    html = graded.html.read_text()
    assert "hw2/cnn.py: a named pipe, not copied" in html and "hw2/zero.py: a symbolic link, not copied" in html
    assert "INTERNALERROR" not in graded.result.stdout.str()
