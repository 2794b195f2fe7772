"""The kit holds the harness, the visible checks and their expected values: never the answer key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from harness.expected import ExpectedValues
from harness.kit.record import kit_checks
from harness.rubric import load, rubric_path

REPO = Path(__file__).resolve().parents[2]


def _kit_text(kit: Path) -> dict[Path, str]:
    return {p: p.read_text(errors="replace") for p in kit.rglob("*") if p.is_file() and p.suffix != ".bin"}


def test_no_reference_module_or_source_in_the_kit(kit: Path) -> None:
    assert not list(kit.rglob("reference/hw2")) and not list(kit.rglob("cnn.py"))
    texts = _kit_text(kit)
    harness_text = "\n".join(p.read_text() for p in (REPO / "harness").rglob("*.py"))
    # every substantial line of the answer key that the harness does not share (imports, the skeleton's
    # docstrings) must be absent from every file of the kit
    own_lines = set()
    for path in (REPO / "reference" / "hw2").glob("*.py"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 30 and not line.startswith(("#", "import ", "from ")) and line not in harness_text:
                own_lines.add(line)
    assert len(own_lines) > 100  # the test has teeth
    leaked = {line for line in own_lines for text in texts.values() if line in text}
    assert leaked == set()


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
