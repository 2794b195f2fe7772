"""Detectors of the answer key in text a student can read (issue 18): its solution lines and its
``part*_hp()`` value sets. Used on the built kit, on what the worker can read, and on the reports
of an attack that prints everything it can get at."""

from __future__ import annotations

import functools
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


# Lines the answer key shares with the harness by accident, reviewed: none answers a TODO by itself.
INCIDENTAL = {
    "self.softmax = nn.Softmax(dim=1)",  # an attribute a classifier holds (the probe's known classifier keeps it)
    "return nn.Sequential(*layers)",  # the end of any layer-list builder
    "self.optimizer.step()",
}
SIGNATURE = re.compile(r"^(async def|def|class|import|from|@|#|\"\"\"|\'\'\')")


def _normalised(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


@functools.cache
def secret_lines() -> frozenset[str]:
    """Every line of the answer key the course skeleton lacks (whitespace-normalised, 20+ characters,
    not a comment, signature, decorator or import): the code that answers the TODOs."""
    skeleton = {
        _normalised(line)
        for path in (REPO / "submissions" / "skeleton" / "hw2").glob("*.py")
        for line in path.read_text().splitlines()
    }
    secret = set()
    for path in (REPO / "reference" / "hw2").glob("*.py"):
        for line in path.read_text().splitlines():
            text = _normalised(line)
            if len(text) >= 20 and not SIGNATURE.match(text) and text not in skeleton and text not in INCIDENTAL:
                secret.add(text)
    assert len(secret) > 300  # the test has teeth
    return frozenset(secret)


def leaked_lines(files: list[Path]) -> list[str]:
    secret = secret_lines()
    return [
        f"{path}:{i}: {_normalised(line)}"
        for path in files
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if _normalised(line) in secret
    ]


def secret_lines_in(text: str) -> list[str]:
    """The answer key's secret lines found anywhere in ``text`` (a report: lines may carry a prefix)."""
    flat = re.sub(r"\s+", " ", text)
    return sorted(line for line in secret_lines() if line in flat)


NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")


@functools.cache
def answer_value_sets() -> dict[str, set[float]]:
    """What each ``part*_hp()`` of the answer key returns, as a set of its telling numbers: 0, 1 and
    small integers (layer counts) are everywhere in code and say nothing; a set needs two telling
    numbers to be looked for (part3_arch_hp's 32 alone is not)."""
    from harness.reference import load as load_reference

    answers = load_reference("hw2").answers
    sets = {}
    for name in dir(answers):
        if re.fullmatch(r"part\d_\w*hp", name):
            values = {
                round(float(v), 12)
                for v in getattr(answers, name)().values()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
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
