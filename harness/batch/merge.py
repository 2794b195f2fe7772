"""Merge the output folders of several shards into one class report and gradebook.

    python -m harness.batch.merge --out=grades/all grades/shard-1 grades/shard-2 ...

Each shard's store is read for its most recent grading (all shards must share it: the same
rubric, checks, seed and judge code); the rows go into a new store in ``--out``, the students'
report folders are copied beside them, and the class report and gradebook are built from the
merged rows. A student found in two shards keeps the more recent result.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from pathlib import Path

from ..integrity.similarity import Similarity
from ..rubric import RubricError, load, rubric_path
from ..submission import Contract
from .classreport import write_class_report
from .gradebook import write_gradebook
from .outputs import CLASS_REPORT, GRADEBOOK
from .similar import SimilarityRequest, class_similarity, threshold_setting
from .store import STORE_NAME, GradeRecord, ResultStore


class MergeError(Exception):
    pass


def merge(out: Path, shard_dirs: list[Path], similarity: SimilarityRequest | None = None) -> dict[str, Path]:
    digests: dict[str, list[Path]] = {}
    merged: dict[str, tuple[GradeRecord, Path]] = {}
    info: dict = {}
    for folder in shard_dirs:
        if not (folder / STORE_NAME).is_file():
            raise MergeError(f"{folder}: no {STORE_NAME} (not the --out folder of a batch run?)")
        store = ResultStore(folder / STORE_NAME)
        try:
            digest = store.latest_digest()
            if digest is None:
                continue
            digests.setdefault(digest, []).append(folder)
            info = store.grading_info(digest)
            for record in store.records(digest):
                old = merged.get(record.key)
                if old is None or record.graded_at > old[0].graded_at:
                    merged[record.key] = (record, folder)
        finally:
            store.close()
    if len(digests) > 1:
        groups = "; ".join(f"{d[:12]}: {', '.join(map(str, fs))}" for d, fs in digests.items())
        raise MergeError(f"the shards were graded differently (rubric, checks, seed or judge code): {groups}")
    if not merged:
        raise MergeError("no graded submissions in " + ", ".join(map(str, shard_dirs)))
    out.mkdir(parents=True, exist_ok=True)
    for record, folder in merged.values():
        if record.report:
            src = (folder / record.report).parent
            if src.is_dir() and src.resolve() != (out / record.report).parent.resolve():
                shutil.copytree(src, (out / record.report).parent, dirs_exist_ok=True)
    (digest,) = digests
    store = ResultStore(out / STORE_NAME)
    try:
        store.register_grading(digest, info)
        store.save_all(r for r, _ in merged.values())
    finally:
        store.close()
    records = sorted((r for r, _ in merged.values()), key=lambda r: r.key)
    scope = f"merged from {len(shard_dirs)} shards"
    similar: Similarity | None = None
    notes: list[str] = []
    if similarity is not None:
        similar, notes = class_similarity(out, records, _for_rubric(similarity, str(info.get("name", ""))))
    return {
        "class report": write_class_report(out / CLASS_REPORT, info, records, notes, scope, similar),
        "gradebook": write_gradebook(out / GRADEBOOK, info, records),
    }


def _for_rubric(request: SimilarityRequest, name: str) -> SimilarityRequest:
    """The shards' assignment says what a submission holds and which skeleton it was given."""
    try:
        rubric = load(rubric_path(name))
    except RubricError:
        return request
    return dataclasses.replace(request, contract=rubric.submission, skeleton=request.skeleton or rubric.skeleton)


def _similarity(args: argparse.Namespace) -> SimilarityRequest | None:
    try:
        settings = threshold_setting(args.similarity_threshold)
    except ValueError as exc:
        raise MergeError(str(exc)) from None
    if settings is None:
        return None
    return SimilarityRequest(
        contract=Contract(),  # filled in from the shards' rubric by merge()
        skeleton=args.similarity_skeleton,
        corpus=args.similarity_corpus,
        settings=settings,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m harness.batch.merge", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True, help="the merged output folder")
    ap.add_argument("shards", type=Path, nargs="+", help="the --out folders of the shards")
    ap.add_argument(
        "--similarity-corpus", type=Path, default=None, help="earlier years' code the class is compared with too"
    )
    ap.add_argument("--similarity-skeleton", type=Path, default=None, help="the code handed out (counts for no one)")
    ap.add_argument(
        "--similarity-threshold", default=None, help="share of either student's code that lists a pair, or 'off'"
    )
    args = ap.parse_args(argv)
    try:
        written = merge(args.out, args.shards, _similarity(args))
    except MergeError as exc:
        print(f"merge: {exc}", file=sys.stderr)
        return 2
    for label, path in written.items():
        print(f"{label}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
