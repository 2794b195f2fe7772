"""The class report's similar-code section: from each student's code snapshot to pairs linked from their rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.dev.cases import materialise

from ..integrity.disguise import disguise_folder
from ..integrity.test_similarity import _reference_with_a_bug
from .helpers import EXAMPLE, SKELETON, SUBMISSIONS, BatchOutput, copy_submission, run_batch

FAST = "part1.relu or part1.linear"  # cheap checks: the section compares code, whatever was graded


def _class(root: Path, tmp: Path) -> None:
    original = _reference_with_a_bug(tmp / "original")
    disguise_folder(materialise(original, root / "ann"), "a")
    disguise_folder(materialise(original, root / "bob"), "b")
    copy_submission(EXAMPLE, root / "carol")
    copy_submission(SKELETON, root / "dave")
    materialise(SUBMISSIONS / "integrity" / "autograd-layers", root / "erin")  # the example, but for two layers


def test_the_copied_pair_is_listed_side_by_side_and_linked_from_both_rows(tmp_path: Path) -> None:
    _class(tmp_path / "class", tmp_path)
    out = tmp_path / "out"
    proc = run_batch(tmp_path / "class", out, "-k", FAST)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = BatchOutput(out).class_report()
    section = html[html.index('<h2 id="similarity">') : html.index("<h2>Students</h2>")]
    rows = re.findall(r'<tr id="sim-(\d+)">(.*?)</tr>', section, re.S)
    pairs = {tuple(re.findall(r'<a href="(\w+)/report.html">', row)) for _, row in rows}
    assert pairs == {("ann", "bob"), ("carol", "erin")}
    first = next(row for _, row in rows if 'href="ann/' in row)
    assert re.search(r'<a href="ann/report.html">ann</a></td>\s*<td class="num">\d+%', first) and "<mark>" in first
    students = html[html.index("<h2>Students</h2>") :]
    ann_pair = next(n for n, row in rows if 'href="ann/' in row)
    for name in ("ann", "bob"):
        own = students[students.index(f'<tr id="{name}">') :]
        assert f'<a href="#sim-{ann_pair}">#{ann_pair}</a>' in own[: own.index("</tr>")]
    own = students[students.index('<tr id="dave">') :]
    assert "#sim-" not in own[: own.index("</tr>")]
    shortcuts = html[html.index('<h2 id="shortcuts">') : html.index('<h2 id="similarity">')]
    assert shortcuts.count("<tr><td>") == 2 and "erin" in shortcuts and "torch.autograd.grad" in shortcuts
    assert "ann" not in shortcuts  # the disguised answer key derives by hand: nothing to flag
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
