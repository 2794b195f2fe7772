"""Which students of a class handed in the same code: winnowed fingerprints over normalised tokens.

The method is MOSS's (Schleimer, Wilkerson, Aiken: "Winnowing", SIGMOD 2003), normalised as
copydetect does: every variable, function and class name becomes one letter and comments, layout
and strings' contents go, so renamed variables still match; a fingerprint is a hash of ``K``
consecutive normalised characters, and winnowing keeps the smallest of every ``WINDOW``
consecutive ones, so any match of ``K + WINDOW - 1`` characters is found, wherever it sits in the
file (reordered functions still match). What everyone was given does not count: fingerprints of
the skeleton and the course's support package are removed first, and so are those that most of the
class shares (MOSS's ``-m``: code nearly everyone has is the skeleton or the only way to write it).
copydetect draws the matching regions (``highlight_overlap``) and lexes what Python cannot tokenize.

A student's score against another is the share of their fingerprinted code that the other has too
(each side has its own). It is a signal for a person: it never changes a grade.

Hashes are computed here (a polynomial rolling hash, then a 64-bit mix), not with Python's
``hash()`` as copydetect does: that one is salted per process, so the same class would get other
winnowed fingerprints, and other scores, on every run.
"""

from __future__ import annotations

import builtins
import io
import keyword
import time
import tokenize
from dataclasses import dataclass, field

import numpy as np

K = 25  # copydetect's noise threshold: shorter matches are ignored
WINDOW = 6  # any match of K + WINDOW - 1 = 30 normalised characters is found (its guarantee threshold)


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.5  # a pair is listed when either side's share of matching code reaches it
    min_matched: int = 300  # ... and at least this many normalised characters match (tiny files say little)
    common_share: float = 0.5  # a fingerprint more than this share of the class has is nobody's own
    common_min: int = 5  # ... in a class big enough for that to mean something
    max_pairs: int = 100  # listed in the report, the most similar first
    context_lines: int = 3  # lines shown around each matching region
    view_chars: int = 20_000  # of one file's view: a class report of 100 pairs stays a few MB


@dataclass
class Fingerprints:
    """One file: its text, its normalised form, and its winnowed fingerprints."""

    name: str
    raw: str
    filtered: str
    starts: np.ndarray  # per normalised character: where its token starts in ``raw``
    ends: np.ndarray  # ... and ends
    hashes: np.ndarray  # uint64, one per kept fingerprint
    positions: np.ndarray  # where each starts in ``filtered``


@dataclass
class Document:
    """One student's code (or one of the corpus: matched, never graded)."""

    key: str
    files: list[Fingerprints]
    corpus: bool = False
    unique: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # sorted, all files
    coverage: int = 0  # normalised characters its fingerprints span (a share's denominator)
    # all files end to end: one array operation per comparison, not one per file
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # where each file starts

    def settle(self) -> None:
        """Once its fingerprints are final (what was given, and what most share, removed)."""
        self.bounds = np.cumsum([0] + [len(f.filtered) for f in self.files])
        if self.files:
            self.hashes = np.concatenate([f.hashes for f in self.files])
            self.positions = np.concatenate([f.positions + at for f, at in zip(self.files, self.bounds)])
        self.unique = np.unique(self.hashes)
        self.coverage = int(_covered(self.positions, int(self.bounds[-1])).sum())


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
    for d in docs:
        d.settle()
    pairs = []
    for i, j in _candidates(docs, settings):
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


_KEEP = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"self", "cls"}


def normalise(name: str, text: str) -> tuple[str, np.ndarray, np.ndarray]:
    """The code as MOSS sees it: every name a student chose becomes one letter (V; F after ``def``,
    O after ``class``), every string S, numbers, operators, keywords and builtins stay, comments and
    layout go. Returns it with, per normalised character, the start and end of its token in ``text``.

    Python's own tokenizer, not copydetect's pygments lexer: 14 times faster on hw2 (0.03 s against
    0.41 s for the example's package), which is most of a class's cost. A file it cannot tokenize
    (not Python) goes to copydetect's lexer, whose positions are approximate."""
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    pieces: list[str] = []
    begins: list[int] = []
    finishes: list[int] = []
    previous = ""
    name_type, string_type, dropped, keep = tokenize.NAME, tokenize.STRING, _DROPPED, _KEEP
    try:
        for kind, string, (row, col), (end_row, end_col), _ in tokenize.generate_tokens(io.StringIO(text).readline):
            if kind in dropped:
                continue
            if kind == name_type and string not in keep:
                piece = "F" if previous == "def" else "O" if previous == "class" else "V"
            elif kind == string_type:
                piece = "S"
            else:
                piece = string
            previous = string
            pieces.append(piece)
            begins.append(line_starts[row - 1] + col)
            finishes.append(line_starts[end_row - 1] + end_col)
    except (tokenize.TokenError, SyntaxError, IndexError):
        return _lexed(name, text)
    widths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return (
        "".join(pieces),
        np.repeat(np.array(begins, dtype=np.int64), widths),
        np.repeat(np.array(finishes, dtype=np.int64), widths),
    )


_DROPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
    tokenize.ENCODING,
}


def _lexed(name: str, text: str) -> tuple[str, np.ndarray, np.ndarray]:
    """copydetect's normalisation (pygments), with its approximate map back to the text."""
    import logging

    from copydetect.utils import filter_code

    root = logging.getLogger()
    root.disabled, was = True, root.disabled  # its "not tokenized" warnings
    try:
        filtered, offsets = filter_code(text, name if name.endswith(".py") else name + ".py")
    finally:
        root.disabled = was
    positions = np.arange(len(filtered), dtype=np.int64)
    if len(offsets):
        positions += offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], positions), 0, offsets.shape[0] - 1)]
    positions = np.minimum(positions, len(text))
    return filtered, positions, np.minimum(positions + 1, len(text))


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
    chosen = np.arange(len(windows)) + WINDOW - 1 - np.argmin(windows[:, ::-1], axis=1)
    return chosen[np.concatenate([[True], np.diff(chosen) != 0])]  # never decreasing: drop the repeats


def fingerprint(name: str, text: str, given: np.ndarray | None = None) -> Fingerprints:
    filtered, starts, ends = normalise(name, text)
    hashes = kgram_hashes(filtered)
    keep = winnow(hashes) if len(hashes) else np.zeros(0, dtype=np.int64)
    chosen = hashes[keep]
    if given is not None and len(given):  # sorted and unique (_all_hashes)
        mine = ~_members(chosen, given)
        keep, chosen = keep[mine], chosen[mine]
    return Fingerprints(name, text, filtered, starts, ends, chosen, keep)


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
    per_doc = [np.unique(np.concatenate([f.hashes for f in d.files])) for d in class_docs if d.files]
    if not per_doc:
        return
    values, counts = np.unique(np.concatenate(per_doc), return_counts=True)
    common = values[counts > settings.common_share * len(class_docs)]
    if not len(common):
        return
    for d in docs:
        for f in d.files:
            mine = ~_members(f.hashes, common)
            f.hashes, f.positions = f.hashes[mine], f.positions[mine]


# -- pairs ------------------------------------------------------------------------------------


def _candidates(docs: list[Document], settings: Settings) -> list[tuple[int, int]]:
    """The pairs that may reach the threshold, at least one of them a student.

    How many fingerprints each pair shares comes from one sparse product (documents x fingerprints,
    times its transpose: a class of 200 is 19,900 pairs); a shared fingerprint spans at most K
    characters, so ``K * shared / coverage`` bounds a side's share from above, and only pairs whose
    bound reaches the threshold are compared exactly."""
    from scipy import sparse

    if len(docs) < 2:
        return []
    lengths = np.array([len(d.unique) for d in docs])
    if not lengths.sum():
        return []
    _, columns = np.unique(np.concatenate([d.unique for d in docs]), return_inverse=True)
    rows = np.repeat(np.arange(len(docs)), lengths)
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, columns.ravel())), shape=(len(docs), int(columns.max()) + 1)
    )
    shared = (incidence @ incidence.T).toarray().astype(np.float64)
    coverage = np.maximum(1, np.array([d.coverage for d in docs], dtype=np.float64))
    bound = K * shared / coverage[:, None]  # row i: the most of i's code that column j can have
    reach = (np.maximum(bound, bound.T) >= settings.threshold) & (K * shared >= settings.min_matched)
    corpus = np.array([d.corpus for d in docs])
    reach &= ~(corpus[:, None] & corpus[None, :])
    i, j = np.nonzero(np.triu(reach, k=1))
    return list(zip(i.tolist(), j.tolist()))


def _members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_set`` (sorted, unique): a binary search each."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _covered(positions: np.ndarray, length: int) -> np.ndarray:
    """The normalised characters that fingerprints at ``positions`` span (K each)."""
    marks = np.bincount(positions, minlength=length + 1)[: length + 1]
    marks = marks - np.bincount(np.minimum(positions + K, length), minlength=length + 1)[: length + 1]
    return np.cumsum(marks)[:length] > 0


def _matching(a: Document, b: Document) -> np.ndarray:
    """Which of ``a``'s normalised characters (all files end to end) lie in a fingerprint ``b`` has too."""
    return _covered(a.positions[_members(a.hashes, b.unique)], int(a.bounds[-1]))


def _compare(a: Document, b: Document, settings: Settings) -> Pair | None:
    if a.corpus:
        a, b = b, a  # the student first
    matched_a, matched_b = int(_matching(a, b).sum()), int(_matching(b, a).sum())
    share_a = matched_a / max(1, a.coverage)
    share_b = matched_b / max(1, b.coverage)
    if max(share_a, share_b) < settings.threshold or min(matched_a, matched_b) < settings.min_matched:
        return None
    return Pair(a.key, b.key, share_a, share_b, matched_a, matched_b, b.corpus)


def _views(a: Document, b: Document, settings: Settings) -> tuple[list[FileView], list[FileView]]:
    return _highlighted(a, _matching(a, b), settings), _highlighted(b, _matching(b, a), settings)


def _highlighted(doc: Document, matching: np.ndarray, settings: Settings) -> list[FileView]:
    from copydetect.utils import highlight_overlap

    views = []
    for f, begin, end in zip(doc.files, doc.bounds[:-1], doc.bounds[1:]):
        mask = matching[begin:end]
        if not mask.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))).reshape(-1, 2)
        slices = np.array([f.starts[edges[:, 0]], f.ends[edges[:, 1] - 1]])  # row 0: starts, row 1: ends in ``raw``
        html, _ = highlight_overlap(
            f.raw, slices, "<mark>", "</mark>", truncate=settings.context_lines, escape_html=True
        )
        views.append(FileView(f.name, _cut(html, settings.view_chars)))
    return views


def _cut(html: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a line end (never inside a tag or an entity)."""
    if len(html) <= limit:
        return html
    kept = html[: html.rfind("\n", 0, limit) + 1 or limit]
    if kept.count("<mark>") > kept.count("</mark>"):
        kept += "</mark>"
    return kept + f"\n[... {len(html) - len(kept)} more characters of this file not shown]"
