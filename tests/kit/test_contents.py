"""The kit holds the harness, the visible checks and their expected values: never the answer key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from harness.expected import ExpectedValues
from harness.kit.record import kit_checks
from harness.rubric import load, rubric_path
from tests.answer_leaks import answer_value_sets, leaked_lines, secret_lines, value_set_leaks

REPO = Path(__file__).resolve().parents[2]


def _kit_text(kit: Path) -> dict[Path, str]:
    return {p: p.read_text(errors="replace") for p in kit.rglob("*") if p.is_file() and p.suffix != ".bin"}


def test_no_line_of_the_answer_key_in_the_kit(kit: Path) -> None:
    assert not list(kit.rglob("reference/hw2")) and not list(kit.rglob("cnn.py"))
    assert leaked_lines(sorted(kit.rglob("*.py"))) == []


def test_no_line_of_the_answer_key_where_the_worker_can_read(tmp_path: Path) -> None:
    """The worker (student code) can read its probe modules, the boundary package and the course support package."""
    worker_readable = [
        p for folder in ("probes", "boundary", "courseware") for p in sorted((REPO / "harness" / folder).rglob("*.py"))
    ]
    assert leaked_lines(worker_readable) == []
    planted = tmp_path / "planted.py"  # and it finds one when there is one
    planted.write_text("    " + next(iter(secret_lines())) + "\n")
    assert len(leaked_lines([planted])) == 1


def test_no_check_outside_the_kit_is_named_in_it(kit: Path) -> None:
    rubric = load(rubric_path("hw2"))
    kept = {c.id for c in kit_checks(rubric)}
    left_out = [c.id for c in rubric.checks if c.id not in kept]
    assert "part3.mlp" in left_out and "part1.mlp_dropout_gradients" in left_out  # hidden ones
    assert any(c.startswith("answers.") for c in left_out) and any(c.startswith("bench.") for c in left_out)
    texts = _kit_text(kit)
    for cid in left_out:
        quoted = re.compile(r"[\"'`]" + re.escape(cid) + r"[\"'`]")
        assert not [p for p, t in texts.items() if quoted.search(t)], cid
    kit_rubric = tomllib.loads((kit / "harness" / "kit" / "rubrics" / "hw2.toml").read_text())
    assert {c["id"] for c in kit_rubric["check"]} == kept
    assert all(c.get("visibility", "visible") == "visible" for c in kit_rubric["check"])


def test_the_kit_store_holds_plain_data_for_kit_checks_only(kit: Path) -> None:
    store = ExpectedValues.load(kit / "harness" / "kit" / "expected-hw2.bin")
    kept = {c.id for c in kit_checks(load(rubric_path("hw2")))}
    assert store.mode == "replay" and set(store.store) <= kept
    assert {"part1.linear", "part2.momentum_sgd", "part4.resnet"} <= set(store.store)


def test_no_answer_hyper_parameters_in_the_kit_or_where_the_worker_can_read(kit: Path) -> None:
    sets = answer_value_sets()
    files = [p for p in kit.rglob("*") if p.is_file()] + [
        p
        for folder in ("probes", "boundary", "courseware")
        for p in (REPO / "harness" / folder).rglob("*")
        if p.is_file()
    ]
    leaks = {str(p): found for p in files if (found := value_set_leaks(p.read_text(errors="replace"), sets))}
    assert leaks == {}
    # it finds a set where there is one
    assert value_set_leaks("hp = dict(wstd=0.1, lr=2e-2, reg=0)", {"x": {0.1, 0.02, 0.0}}) == ["x"]
