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


# Lines the answer key shares with the harness by accident, reviewed: none answers a TODO by itself.
INCIDENTAL = {
    "self.softmax = nn.Softmax(dim=1)",  # an attribute a classifier holds (the probe's known classifier keeps it)
    "return nn.Sequential(*layers)",  # the end of any layer-list builder
    "self.optimizer.step()",
}
SIGNATURE = re.compile(r"^(async def|def|class|import|from|@|#|\"\"\"|\'\'\')")


def _normalised(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def secret_lines() -> set[str]:
    """Every line of the answer key the course skeleton lacks (whitespace-normalised, 20+ characters,
    not a comment, signature, decorator or import): the code that answers the TODOs."""
    skeleton = {_normalised(line) for path in (REPO / "submissions" / "skeleton" / "hw2").glob("*.py")
                for line in path.read_text().splitlines()}
    secret = set()
    for path in (REPO / "reference" / "hw2").glob("*.py"):
        for line in path.read_text().splitlines():
            text = _normalised(line)
            if len(text) >= 20 and not SIGNATURE.match(text) and text not in skeleton and text not in INCIDENTAL:
                secret.add(text)
    assert len(secret) > 300  # the test has teeth
    return secret


def leaked_lines(files: list[Path]) -> list[str]:
    secret = secret_lines()
    return [f"{path}:{i}: {_normalised(line)}" for path in files
            for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1) if _normalised(line) in secret]


def test_no_line_of_the_answer_key_in_the_kit(kit: Path) -> None:
    assert not list(kit.rglob("reference/hw2")) and not list(kit.rglob("cnn.py"))
    assert leaked_lines(sorted(kit.rglob("*.py"))) == []


def test_no_line_of_the_answer_key_where_the_worker_can_read(tmp_path: Path) -> None:
    """The worker (student code) can read its probe modules and the course support package."""
    worker_readable = sorted((REPO / "harness" / "probes").rglob("*.py")) + sorted(
        (REPO / "harness" / "courseware").rglob("*.py"))
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


NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def answer_value_sets() -> dict[str, set[float]]:
    """What each ``part*_hp()`` of the answer key returns, as a set of its telling numbers: 0, 1 and
    small integers (layer counts) are everywhere in code and say nothing; a set needs two telling
    numbers to be looked for (part3_arch_hp's 32 alone is not)."""
    from harness.reference import load as load_reference

    answers = load_reference("hw2").answers
    sets = {}
    for name in dir(answers):
        if re.fullmatch(r"part\d_\w*hp", name):
            values = {round(float(v), 12) for v in getattr(answers, name)().values()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)}
            telling = {v for v in values if not (v.is_integer() and abs(v) < 10)}
            if len(telling) >= 2:
                sets[name] = telling
    assert {"part2_overfit_hp", "part3_optim_hp", "part4_optim_hp"} <= set(sets)
    return sets


def value_set_leaks(text: str, sets: dict[str, set[float]], window: int = 400) -> list[str]:
    """The answer sets whose every value appears within one ``window`` of ``text``."""
    wanted = set().union(*sets.values())
    tokens = [(m.start(), value) for m in NUMBER.finditer(text) if (value := round(float(m.group()), 12)) in wanted]
    found = []
    for name, values in sets.items():
        for i, (start, _) in enumerate(tokens):
            seen = set()
            for pos, value in tokens[i:]:
                if pos >= start + window:
                    break
                seen.add(value)
            if values <= seen:
                found.append(name)
                break
    return found


def test_no_answer_hyper_parameters_in_the_kit_or_where_the_worker_can_read(kit: Path) -> None:
    sets = answer_value_sets()
    files = [p for p in kit.rglob("*") if p.is_file()] + [
        p for folder in ("probes", "courseware") for p in (REPO / "harness" / folder).rglob("*") if p.is_file()]
    leaks = {str(p): found for p in files if (found := value_set_leaks(p.read_text(errors="replace"), sets))}
    assert leaks == {}
    # it finds a set where there is one
    assert value_set_leaks("hp = dict(wstd=0.1, lr=2e-2, reg=0)", {"x": {0.1, 0.02, 0.0}}) == ["x"]
