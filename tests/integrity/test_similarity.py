"""The similarity of students' code (harness/integrity/similarity.py), on whole hw2 submissions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from harness.dev.cases import materialise
from harness.integrity.code import folder_code
from harness.integrity.similarity import WINDOW, K, Settings, find_similar, fingerprint, kgram_hashes

from .disguise import disguise_folder

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "submissions" / "example"
SKELETON = REPO / "submissions" / "skeleton"
BROKEN = REPO / "submissions" / "broken" / "momentum-velocity-sign"


def _code(folder: Path) -> dict[str, str]:
    return {k: v for k, v in folder_code(folder).items() if k.startswith("hw2/")}


def _reference_with_a_bug(dest: Path) -> Path:
    """The answer key as a student's hw2 (tests only), with one broken line: no overlay of the example."""
    (dest / "hw2").mkdir(parents=True)
    for path in (REPO / "reference" / "hw2").glob("*.py"):
        (dest / "hw2" / path.name).write_text(path.read_text())
    layers = dest / "hw2" / "layers.py"
    layers.write_text(
        layers.read_text().replace("def backward(self, dout):", "def backward(self, dout):\n        dout = -dout", 1)
    )
    return dest


def test_two_disguised_copies_are_found_and_the_rest_match_no_one(tmp_path: Path) -> None:
    original = _reference_with_a_bug(tmp_path / "original")
    first = disguise_folder(materialise(original, tmp_path / "first"), "a")
    second = disguise_folder(materialise(original, tmp_path / "second"), "b")
    assert _code(first)["hw2/layers.py"] != _code(second)["hw2/layers.py"]  # renamed, reordered, reformatted
    students = {
        "copy-1": _code(first),
        "copy-2": _code(second),
        "example": _code(EXAMPLE),
        "skeleton-only": _code(SKELETON),
    }
    found = find_similar(students, [folder_code(SKELETON)])
    assert [(p.a, p.b) for p in found.pairs] == [("copy-1", "copy-2")]
    pair = found.pairs[0]
    assert pair.share_a > 0.9 and pair.share_b > 0.9
    assert {v.name for v in pair.views_a} >= {"hw2/layers.py", "hw2/cnn.py"} and "<mark>" in pair.views_a[0].html
    assert found.pairs_of("copy-2") == [0] and found.pairs_of("example") == []


def test_the_skeleton_alone_is_nobodys_code() -> None:
    found = find_similar({"skeleton-only": _code(SKELETON), "example": _code(EXAMPLE)}, [folder_code(SKELETON)])
    assert found.pairs == []
    listed_anyway = find_similar(
        {"skeleton-only": _code(SKELETON), "example": _code(EXAMPLE)},
        [folder_code(SKELETON)],
        settings=Settings(threshold=0.01, min_matched=1),
    )
    assert listed_anyway.pairs == []  # not one fingerprint left to share


def test_the_example_and_the_reference_do_not_match_through_the_skeleton() -> None:
    reference = {"hw2/" + k: v for k, v in folder_code(REPO / "reference" / "hw2").items()}
    students = {"example": _code(EXAMPLE), "reference": reference}
    assert find_similar(students, [folder_code(SKELETON)]).pairs == []
    measured = find_similar(students, [folder_code(SKELETON)], settings=Settings(threshold=0.0, min_matched=0))
    without = find_similar(students, [], settings=Settings(threshold=0.0, min_matched=0))
    # what they share is the assignment's shape (a Conv2d loop, a Sequential): the skeleton is most of the rest
    assert measured.pairs[0].score < without.pairs[0].score
    assert measured.pairs[0].score < Settings().threshold


def test_every_shared_run_of_the_guarantee_length_is_found() -> None:
    """Winnowing's guarantee: K + WINDOW - 1 normalised characters in common give a common fingerprint."""
    rng = np.random.default_rng(0)
    tokens = ["x", "+", "(", ")", "*", "[", "]", ",", "y", "/"]  # one normalised character each

    def code(n: int) -> str:
        return " ".join(rng.choice(tokens, n)) + " "

    for _ in range(20):
        shared = code(K + WINDOW - 1)
        a = fingerprint("a.py", code(200) + shared + code(200))
        b = fingerprint("b.py", code(50) + shared + code(3))
        assert set(a.hashes.tolist()) & set(b.hashes.tolist())


def test_fingerprints_do_not_depend_on_the_process() -> None:
    """Python's hash() is salted per process; the class report must be the same on every run."""
    text = (EXAMPLE / "hw2" / "layers.py").read_text()
    here = kgram_hashes(fingerprint("layers.py", text).filtered)[:5].tolist()
    code = (
        "from harness.integrity.similarity import fingerprint, kgram_hashes; import sys; "
        "t = open(sys.argv[1]).read(); print(kgram_hashes(fingerprint('layers.py', t).filtered)[:5].tolist())"
    )
    there = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE / "hw2" / "layers.py")], capture_output=True, text=True, check=True
    ).stdout
    assert there.strip() == str(here)


def test_the_threshold_option_takes_a_share_or_off() -> None:
    import pytest

    from harness.batch.similar import threshold_setting

    assert threshold_setting(None) == Settings() and threshold_setting("0.7") == Settings(threshold=0.7)
    assert threshold_setting("off") is None and threshold_setting(" OFF ") is None
    for bad in ("60", "0", "-0.2", "half"):
        with pytest.raises(ValueError, match="between 0 and 1"):
            threshold_setting(bad)
