"""The class report's similar-code section: from each student's code snapshot to pairs linked from their rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.dev.cases import materialise

from ..integrity.disguise import disguise_folder
from ..integrity.test_similarity import _reference_with_a_bug
from .helpers import EXAMPLE, SKELETON, BatchOutput, copy_submission, run_batch

FAST = "part1.relu"  # one cheap check: the section compares code, whatever was graded


def _class(root: Path, tmp: Path) -> None:
    original = _reference_with_a_bug(tmp / "original")
    disguise_folder(materialise(original, root / "ann"), "a")
    disguise_folder(materialise(original, root / "bob"), "b")
    copy_submission(EXAMPLE, root / "carol")
    copy_submission(SKELETON, root / "dave")


def test_the_copied_pair_is_listed_side_by_side_and_linked_from_both_rows(tmp_path: Path) -> None:
    _class(tmp_path / "class", tmp_path)
    out = tmp_path / "out"
    proc = run_batch(tmp_path / "class", out, "-k", FAST)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = BatchOutput(out).class_report()
    section = html[html.index('<h2 id="similarity">') : html.index("<h2>Students</h2>")]
    assert section.count('<tr id="sim-') == 1
    row = section[section.index('<tr id="sim-1">') :]
    assert re.search(r'<a href="ann/report.html">ann</a></td>\s*<td class="num">\d+%', row)
    assert '<a href="bob/report.html">bob</a>' in row and "<mark>" in row
    students = html[html.index("<h2>Students</h2>") :]
    for name in ("ann", "bob"):
        own = students[students.index(f'<tr id="{name}">') :]
        assert '<a href="#sim-1">#1</a>' in own[: own.index("</tr>")]
    for name in ("carol", "dave"):
        own = students[students.index(f'<tr id="{name}">') :]
        assert "#sim-" not in own[: own.index("</tr>")]
    snapshot = json.loads((out / "ann" / "code.json").read_text())
    assert "hw2/layers.py" in snapshot["files"]


def test_a_corpus_entry_is_matched_never_graded_and_off_means_off(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    original = _reference_with_a_bug(tmp_path / "original")
    disguise_folder(materialise(original, root / "ann"), "a")
    copy_submission(EXAMPLE, root / "carol")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    materialise(original, corpus / "public-2023")
    out = tmp_path / "out"
    proc = run_batch(root, out, "-k", FAST, f"--similarity-corpus={corpus}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = BatchOutput(out).class_report()
    section = html[html.index('<h2 id="similarity">') : html.index("<h2>Students</h2>")]
    assert "corpus: public-2023" in section and "(corpus)" in section and section.count('<tr id="sim-') == 1
    assert {r["student_id"] for r in BatchOutput(out).gradebook()} == {"ann", "carol"}

    alone = tmp_path / "alone"
    copy_submission(EXAMPLE, alone / "carol")
    off = run_batch(alone, tmp_path / "off", "-k", FAST, "--similarity-threshold=off")
    assert off.returncode == 0 and 'id="similarity"' not in BatchOutput(tmp_path / "off").class_report()
    bad = run_batch(root, tmp_path / "bad", "-k", FAST, "--similarity-threshold=60")
    assert bad.returncode != 0 and "--similarity-threshold=60" in bad.stderr
