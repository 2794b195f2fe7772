"""Broken packages: each problem costs only the checks that need the broken piece."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

from .helpers import EXAMPLE, copy_example, drop_your_cnn, grade

PART1 = ("-k", "part1")  # where the point is the message, not the whole rubric: Part 1 only (fast)


def test_syntax_error_is_reported_with_file_and_line(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "syntax")
    layers = sub / "hw2" / "layers.py"
    layers.write_text(layers.read_text().replace("class Sigmoid(Layer):", "class Sigmoid(Layer)", 1))
    line = next(i for i, text in enumerate(layers.read_text().splitlines(), 1) if text.startswith("class Sigmoid"))
    graded = grade(pytester, sub, *PART1)
    assert graded.score == 0
    # one line at the top says what happened, where; each check points to it in one line
    top = f"hw2/layers.py:{line}: SyntaxError"
    assert top in graded.report["output"]
    assert graded.result.stdout.str().count(top) == 1
    assert (
        graded.output("part1.relu")
        .splitlines()[0]
        .endswith(f"not run: hw2.layers does not import (hw2/layers.py:{line}; see the top of the report)")
    )
    assert {t["status"] for t in graded.report["tests"] if t["number"].startswith("part1.")} == {"failed"}
    assert "Traceback" not in graded.result.stdout.str()


def test_missing_layers_module(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "missing")
    (sub / "hw2" / "layers.py").unlink()
    graded = grade(pytester, sub, *PART1)
    assert graded.score == 0
    assert "No module named 'hw2.layers'" in graded.output("part1.linear")
    part1 = [t for t in graded.report["tests"] if t["number"].startswith("part1.")]
    assert len(part1) == 15 and all(t["output"].strip() for t in part1)  # every check ran and said why


def test_linear_init_raising_fails_only_what_needs_linear(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "init-raises")
    layers = sub / "hw2" / "layers.py"
    text = layers.read_text()
    marker = "class Linear(Layer):"
    head, tail = text.split(marker, 1)
    init = tail.index("super().__init__()")
    tail = tail[:init] + 'raise RuntimeError("students code broke here")\n        ' + tail[init:]
    layers.write_text(head + marker + tail)
    graded = grade(pytester, sub, *PART1)
    failing = graded.failing()
    needs_linear = {
        "part1.linear",
        "part1.linear_second_backward",
        "part1.linear_init",
        "part1.sequential",
        "part1.mlp_architecture",
        "part1.mlp_gradients",
        "part1.mlp_dropout_architecture",
        "part1.mlp_dropout_gradients",
    }
    assert failing == needs_linear
    out = graded.output("part1.linear")
    assert "RuntimeError: students code broke here" in out and "hw2/layers.py:" in out


def test_same_submission_twice_gives_the_same_grade(pytester: pytest.Pytester) -> None:
    first = grade(pytester, EXAMPLE).report
    second = grade(pytester, EXAMPLE).report
    assert [(t["number"], t["score"], t["output"]) for t in first["tests"]] == [
        (t["number"], t["score"], t["output"]) for t in second["tests"]
    ]


def _course_layout(root: Path, year: str) -> Path:
    """The folder as the course hands it out, with stray files a student leaves behind."""
    copy_example(root)
    (root / "tests" / "assets").mkdir(parents=True)
    (root / "tests" / "test_hw2.py").write_text("def test_broken():\n    assert False\n")
    (root / "conftest.py").write_text("raise RuntimeError('a submission conftest must never load')\n")
    (root / "Part1_Backprop.ipynb").write_text("{}")
    (root / "results").mkdir()
    (root / "results" / "exp1_1_L2_K32.json").write_text("{}")
    ckpt = root / "hw2" / ".ipynb_checkpoints"
    ckpt.mkdir()
    (ckpt / "layers-checkpoint.py").write_text("this is not python\n")
    if year == "v2023+":
        drop_your_cnn(root)
    return root


@pytest.mark.parametrize("year", ["v2022S", "v2023+"])
def test_course_layout_graded_on_its_package_alone(pytester: pytest.Pytester, tmp_path: Path, year: str) -> None:
    sub = _course_layout(tmp_path / "student", year)
    graded = grade(pytester, sub)
    assert graded.failing() == set()
    html = graded.html.read_text()
    offering = {"v2022S": "spring 2022", "v2023+": "winter 2022-23 to winter 2023-24"}[year]
    assert f"Graded as <b>CS236781 HW2, {offering}</b>" in html


def test_package_found_below_the_given_folder(pytester: pytest.Pytester, tmp_path: Path) -> None:
    copy_example(tmp_path / "zipdir" / "student-123")
    graded = grade(pytester, tmp_path / "zipdir", *PART1)
    assert graded.failing() == set()


@pytest.mark.parametrize("case", ["missing", "file", "no-package"])
def test_bad_submission_path_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path, case: str) -> None:
    target = {"missing": tmp_path / "nope", "file": tmp_path / "a.txt", "no-package": tmp_path / "empty"}[case]
    if case == "file":
        target.write_text("hello")
    if case == "no-package":
        target.mkdir()
    result = pytester.runpytest(f"--submission={target}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert str(target) in err
    # A path that is not there says only that; the others say what was expected there.
    assert ("no such file or directory" in err) if case == "missing" else ("hw2" in err)
    assert "Traceback" not in err + result.stdout.str()
