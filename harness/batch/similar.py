"""The class's similarity section: the students' code snapshots, what the course handed out, and an
optional corpus of earlier years' code, compared at the end of a batch (harness/integrity/similarity.py).

Nothing here grades: a pair listed is a signal for a person to read, never a change of score.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..files import remove_tree
from ..integrity.code import SNAPSHOT, code_of, folder_code, read_snapshot
from ..integrity.similarity import Settings, Similarity, find_similar
from ..submission import Contract, SubmissionError, locate
from .discover import DiscoveryError, discover
from .intake import IntakeLimits, Rejected, materialize
from .store import GradeRecord

CORPUS_PREFIX = "corpus: "  # a corpus entry's key in the report: never mistaken for a student of the class


@dataclass(frozen=True)
class SimilarityRequest:
    """What a run asked for (--similarity-*), and where the course's own code lies."""

    contract: Contract
    skeleton: Path | None = None  # the folder handed out to students (its code counts for no one)
    corpus: Path | None = None  # earlier years' submissions or public solutions: matched, never graded
    settings: Settings = field(default_factory=Settings)
    intake: IntakeLimits = field(default_factory=IntakeLimits)


def threshold_setting(raw: str | None) -> Settings | None:
    """--similarity-threshold: the settings it asks for (None: 'off'); ValueError says what is wrong."""
    if raw is not None and str(raw).strip().lower() == "off":
        return None
    try:
        threshold = float(raw) if raw is not None else Settings().threshold
    except ValueError:
        threshold = -1.0
    if not 0 < threshold <= 1:
        raise ValueError(f"--similarity-threshold={raw}: give a share between 0 and 1 (e.g. 0.5), or 'off'")
    return Settings(threshold=threshold)


def class_similarity(out: Path, records: list[GradeRecord], request: SimilarityRequest) -> tuple[Similarity, list[str]]:
    """The pairs above the threshold, and notes on what could not be compared."""
    notes: list[str] = []
    students: dict[str, dict[str, str]] = {}
    missing = []
    for r in records:
        if r.status != "graded" or not r.report:
            continue
        files = read_snapshot(out / Path(r.report).parent / SNAPSHOT)
        if files is None:
            missing.append(r.key)
        else:
            students[r.key] = files
    if missing:
        notes.append(
            f"similarity: {len(missing)} graded submission(s) have no code snapshot (graded before it was "
            f"recorded; --regrade records it): {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
        )
    given = []
    if request.skeleton is not None:
        if request.skeleton.is_dir():
            given.append(folder_code(request.skeleton))
        else:
            notes.append(
                f"similarity: the skeleton {request.skeleton} is not a folder: only code most students share is discounted"
            )
    corpus: dict[str, dict[str, str]] = {}
    if request.corpus is not None:
        corpus, corpus_notes = corpus_code(request.corpus, request.contract, request.intake)
        notes.extend(corpus_notes)
    return find_similar(students, given, corpus, request.settings), notes


def corpus_code(root: Path, contract: Contract, intake: IntakeLimits) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Each entry of a corpus folder (laid out as a class folder) as files, read judge-side only."""
    try:
        folder = discover(root, contract.package, intake.max_file_bytes)
    except DiscoveryError as exc:
        return {}, [f"similarity corpus: {exc}"]
    code: dict[str, dict[str, str]] = {}
    skipped = []
    scratch = Path(tempfile.mkdtemp(prefix="dl-batch-corpus-"))
    try:
        for entry in folder.entries:
            try:
                files = code_of(locate(materialize(entry, scratch, intake), contract))
            except (Rejected, SubmissionError, OSError):
                skipped.append(entry.key)
                continue
            code[CORPUS_PREFIX + entry.key] = files
    finally:
        remove_tree(scratch)
    notes = [f"similarity corpus {root}: {len(code)} entries compared with the class"]
    if skipped:
        notes.append(
            f"similarity corpus: {len(skipped)} entries hold no readable submission: {', '.join(skipped[:10])}"
        )
    return code, notes
