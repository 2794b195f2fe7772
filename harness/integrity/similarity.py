"""Which students of a class handed in the same code: winnowed fingerprints over normalised tokens.

The method is MOSS's (Schleimer, Wilkerson, Aiken: "Winnowing", SIGMOD 2003), with copydetect's
pieces: its tokenizer (pygments) renames every variable, function and class to one letter and
drops comments and strings' contents, so renamed variables still match; a fingerprint is a hash
of ``K`` consecutive normalised characters, and winnowing keeps the smallest of every ``WINDOW``
consecutive ones, so any match of ``K + WINDOW - 1`` characters is found, wherever it sits in the
file (reordered functions still match). What everyone was given does not count: fingerprints of
the skeleton and the course's support package are removed first, and so are those that most of the
class shares (MOSS's ``-m``: code nearly everyone has is the skeleton or the only way to write it).

A student's score against another is the share of their fingerprinted code that the other has too
(each side has its own). It is a signal for a person: it never changes a grade.

Hashes are computed here (a polynomial rolling hash, then a 64-bit mix), not with Python's
``hash()`` as copydetect does: that one is salted per process, so the same class would get other
winnowed fingerprints, and other scores, on every run.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

K = 25  # copydetect's noise threshold: shorter matches are ignored
WINDOW = 6  # any match of K + WINDOW - 1 = 30 normalised characters is found (its guarantee threshold)


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.6  # a pair is listed when either side's share of matching code reaches it
    min_matched: int = 300  # ... and at least this many normalised characters match (tiny files say little)
    common_share: float = 0.5  # a fingerprint more than this share of the class has is nobody's own
    common_min: int = 5  # ... in a class big enough for that to mean something
    max_pairs: int = 100  # listed in the report, the most similar first
    context_lines: int = 3  # lines shown around each matching region


@dataclass
class Fingerprints:
    """One file: its text, its normalised form, and its winnowed fingerprints."""

    name: str
    raw: str
    filtered: str
    offsets: np.ndarray  # copydetect's map from normalised positions back to raw ones
    hashes: np.ndarray  # uint64, one per kept fingerprint
    positions: np.ndarray  # where each starts in ``filtered``


@dataclass
class Document:
    """One student's code (or one of the corpus: matched, never graded)."""

    key: str
    files: list[Fingerprints]
    corpus: bool = False

    def coverage(self) -> int:
        return sum(_covered(f.positions, len(f.filtered)).sum() for f in self.files)


@dataclass
class FileView:
    name: str
    html: str  # escaped text with <mark> around the matching regions, cut to their surroundings


@dataclass
class Pair:
    a: str
    b: str
    share_a: float  # of a's fingerprinted code, the part b has too
    share_b: float
    matched_a: int  # normalised characters of a that match
    matched_b: int
    b_in_corpus: bool
    views_a: list[FileView] = field(default_factory=list)
    views_b: list[FileView] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass
class Similarity:
    pairs: list[Pair]
    compared: int  # class documents
    corpus: int
    seconds: float
    settings: Settings
    listed_over: int = 0  # pairs above the threshold that were not listed (max_pairs)

    def pairs_of(self, key: str) -> list[int]:
        return [i for i, p in enumerate(self.pairs) if key in (p.a, p.b)]


def find_similar(
    students: dict[str, dict[str, str]],
    given: list[dict[str, str]],
    corpus: dict[str, dict[str, str]] | None = None,
    settings: Settings | None = None,
) -> Similarity:
    """The pairs of ``students`` (and of a student with the ``corpus``) above the threshold.

    ``students`` and ``corpus`` map a key to its files (path -> text); ``given`` is what the course
    handed out (the skeleton, the support package), whose code counts for no one."""
    settings = settings or Settings()
    start = time.perf_counter()
    given_hashes = _all_hashes(given)
    docs = [_document(key, files, given_hashes, False) for key, files in sorted(students.items())]
    docs += [_document(key, files, given_hashes, True) for key, files in sorted((corpus or {}).items())]
    _drop_common(docs, settings)
    pairs = []
    for i, j in _candidates(docs):
        pair = _compare(docs[i], docs[j], settings)
        if pair is not None:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    listed = pairs[: settings.max_pairs]
    by_key = {d.key: d for d in docs}
    for pair in listed:
        pair.views_a, pair.views_b = _views(by_key[pair.a], by_key[pair.b], settings)
    return Similarity(
        listed,
        compared=sum(not d.corpus for d in docs),
        corpus=sum(d.corpus for d in docs),
        seconds=time.perf_counter() - start,
        settings=settings,
        listed_over=len(pairs) - len(listed),
    )


# -- fingerprints -----------------------------------------------------------------------------


def normalise(name: str, text: str) -> tuple[str, np.ndarray]:
    """copydetect's tokenizer: names become V/F/O, strings S, comments and whitespace go."""
    import logging

    from copydetect.utils import filter_code

    logging.getLogger().disabled, was = True, logging.getLogger().disabled  # its "not tokenized" warnings
    try:
        filtered, offsets = filter_code(text, name if name.endswith(".py") else name + ".py")
    finally:
        logging.getLogger().disabled = was
    return filtered, offsets


def kgram_hashes(filtered: str) -> np.ndarray:
    """A stable 64-bit hash of every K characters (uint64 arithmetic wraps: that is the modulus)."""
    chars = np.frombuffer(filtered.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(chars) - K + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    base = np.uint64(1_000_003)
    for j in range(K):
        h = h * base + chars[j : j + n]
    h ^= h >> np.uint64(30)  # splitmix64's finaliser: winnowing keeps minima, so low bits must mix well
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def winnow(hashes: np.ndarray) -> np.ndarray:
    """Positions kept by robust winnowing: the rightmost minimum of every window of WINDOW hashes
    (vectorised: copydetect's compiled winnow is not in its wheel, its fallback loops in Python)."""
    if len(hashes) < WINDOW:  # one window, shorter than the others
        return np.array([len(hashes) - 1 - int(np.argmin(hashes[::-1]))][: len(hashes)], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, WINDOW)
    rightmost = WINDOW - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(np.arange(len(windows)) + rightmost)


def fingerprint(name: str, text: str, given: np.ndarray | None = None) -> Fingerprints:
    filtered, offsets = normalise(name, text)
    hashes = kgram_hashes(filtered)
    keep = winnow(hashes) if len(hashes) else np.zeros(0, dtype=np.int64)
    chosen = hashes[keep]
    if given is not None and len(given):
        mine = ~np.isin(chosen, given)
        keep, chosen = keep[mine], chosen[mine]
    return Fingerprints(name, text, filtered, offsets, chosen, keep)


def _all_hashes(given: list[dict[str, str]]) -> np.ndarray:
    """Every K-gram of what the course handed out (all of them, not the winnowed ones: a student's
    window may pick a fingerprint the skeleton's windows did not)."""
    parts = [kgram_hashes(normalise(name, text)[0]) for files in given for name, text in files.items()]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


def _document(key: str, files: dict[str, str], given: np.ndarray, corpus: bool) -> Document:
    return Document(key, [fingerprint(name, text, given) for name, text in sorted(files.items())], corpus)


def _drop_common(docs: list[Document], settings: Settings) -> None:
    """Forget fingerprints more than ``common_share`` of the class has (the corpus does not vote)."""
    class_docs = [d for d in docs if not d.corpus]
    if len(class_docs) < settings.common_min:
        return
    counts: dict[int, int] = defaultdict(int)
    for d in class_docs:
        for h in set(itertools.chain.from_iterable(f.hashes.tolist() for f in d.files)):
            counts[h] += 1
    limit = settings.common_share * len(class_docs)
    common = np.array([h for h, c in counts.items() if c > limit], dtype=np.uint64)
    if not len(common):
        return
    for d in docs:
        for f in d.files:
            mine = ~np.isin(f.hashes, common)
            f.hashes, f.positions = f.hashes[mine], f.positions[mine]


# -- pairs ------------------------------------------------------------------------------------


def _candidates(docs: list[Document]) -> list[tuple[int, int]]:
    """Pairs sharing at least one fingerprint, at least one of them a student (an inverted index:
    a class of 200 is 19,900 pairs, most of which share nothing once the skeleton is gone)."""
    holders: dict[int, set[int]] = defaultdict(set)
    for i, d in enumerate(docs):
        for f in d.files:
            for h in f.hashes.tolist():
                holders[h].add(i)
    pairs: set[tuple[int, int]] = set()
    for group in holders.values():
        if len(group) > 1:
            for i, j in itertools.combinations(sorted(group), 2):
                if not (docs[i].corpus and docs[j].corpus):
                    pairs.add((i, j))
    return sorted(pairs)


def _covered(positions: np.ndarray, length: int) -> np.ndarray:
    """The normalised characters that fingerprints at ``positions`` span."""
    mask = np.zeros(length, dtype=bool)
    for offset in range(K):
        idx = positions + offset
        mask[idx[idx < length]] = True
    return mask


def _matching(a: Document, b: Document) -> list[np.ndarray]:
    """Per file of ``a``: which of its normalised characters lie in a fingerprint ``b`` has too."""
    theirs = np.concatenate([f.hashes for f in b.files]) if b.files else np.zeros(0, dtype=np.uint64)
    return [_covered(f.positions[np.isin(f.hashes, theirs)], len(f.filtered)) for f in a.files]


def _compare(a: Document, b: Document, settings: Settings) -> Pair | None:
    if a.corpus:
        a, b = b, a  # the student first
    match_a, match_b = _matching(a, b), _matching(b, a)
    matched_a, matched_b = int(sum(m.sum() for m in match_a)), int(sum(m.sum() for m in match_b))
    share_a = matched_a / max(1, a.coverage())
    share_b = matched_b / max(1, b.coverage())
    if max(share_a, share_b) < settings.threshold or min(matched_a, matched_b) < settings.min_matched:
        return None
    return Pair(a.key, b.key, share_a, share_b, matched_a, matched_b, b.corpus)


def _views(a: Document, b: Document, settings: Settings) -> tuple[list[FileView], list[FileView]]:
    return _highlighted(a, _matching(a, b), settings), _highlighted(b, _matching(b, a), settings)


def _highlighted(doc: Document, masks: list[np.ndarray], settings: Settings) -> list[FileView]:
    from copydetect.utils import highlight_overlap

    views = []
    for f, mask in zip(doc.files, masks):
        if not mask.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
        slices = edges.reshape(-1, 2).T.copy()  # row 0: starts, row 1: ends, in normalised positions
        if len(f.offsets):  # back to positions in the raw text (as copydetect.compare_files does)
            slices += f.offsets[:, 1][np.clip(np.searchsorted(f.offsets[:, 0], slices), 0, f.offsets.shape[0] - 1)]
        html, _ = highlight_overlap(
            f.raw, slices, "<mark>", "</mark>", truncate=settings.context_lines, escape_html=True
        )
        views.append(FileView(f.name, html))
    return views
