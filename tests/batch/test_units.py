"""The batch's parts on their own: discovery, sharding, unzipping, the store, progress, -k selection."""

from __future__ import annotations

import dataclasses
import sqlite3
import zipfile
from pathlib import Path

import pytest

from harness.batch.discover import DiscoveryError, discover, parse_shard, shard
from harness.batch.intake import IntakeLimits, Rejected, content_hash, unzip
from harness.batch.progress import Progress
from harness.batch.selection import select_checks
from harness.batch.store import GradeRecord, ResultStore
from harness.rubric import available, load, rubric_path

MB = 1024**2


def _folder(root: Path, name: str) -> Path:
    (root / name / "hw2").mkdir(parents=True)
    (root / name / "hw2" / "__init__.py").write_text("")
    return root / name


def test_discover_lists_folders_and_zips_in_name_order_and_skips_clutter(tmp_path: Path) -> None:
    _folder(tmp_path, "bob")
    _folder(tmp_path, "alice")
    (tmp_path / "carol.zip").write_bytes(b"PK")
    (tmp_path / ".DS_Store").write_text("")
    (tmp_path / "__MACOSX").mkdir()
    found = discover(tmp_path, "hw2", 100 * MB)
    assert [(e.key, e.kind, e.student_id, e.problem) for e in found.entries] == [
        ("alice", "folder", "alice", ""),
        ("bob", "folder", "bob", ""),
        ("carol.zip", "zip", "carol", ""),
    ]


def test_discover_rejects_a_missing_folder_and_a_single_submission(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="no such directory"):
        discover(tmp_path / "nope", "hw2", MB)
    (tmp_path / "hw2").mkdir()
    (tmp_path / "hw2" / "layers.py").write_text("")
    with pytest.raises(DiscoveryError, match="is one submission"):
        discover(tmp_path, "hw2", MB)


def test_entries_of_one_student_id_are_both_flagged(tmp_path: Path) -> None:
    _folder(tmp_path, "dana")
    (tmp_path / "dana.zip").write_bytes(b"PK")
    entries = discover(tmp_path, "hw2", MB).entries
    assert all("also claimed by" in e.problem for e in entries)


def test_entry_slugs_are_safe_and_unique() -> None:
    from harness.batch.discover import Entry

    a = Entry("a b", Path("a b"), "folder", "a b")
    b = Entry("a_b", Path("a_b"), "folder", "a_b")
    assert a.slug != b.slug and "/" not in a.slug and " " not in a.slug
    assert Entry("..", Path(".."), "folder", "..").slug not in ("..", ".")


def test_shards_are_a_deterministic_partition() -> None:
    from harness.batch.discover import Entry

    entries = [Entry(f"s{i}", Path(f"s{i}"), "folder", f"s{i}") for i in range(50)]
    parts = [shard(entries, k, 4) for k in range(1, 5)]
    assert sorted(e.key for p in parts for e in p) == sorted(e.key for e in entries)
    assert parts == [shard(entries, k, 4) for k in range(1, 5)]
    assert all(parts)  # 50 students over 4 shards: none empty
    # adding a student moves no one else
    more = entries + [Entry("late", Path("late"), "folder", "late")]
    assert all(set(e.key for e in shard(entries, k, 4)) <= set(e.key for e in shard(more, k, 4)) for k in range(1, 5))
    assert parse_shard("2/8") == (2, 8)
    for bad in ("0/2", "3/2", "x", "1/0", ""):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_unzip_refuses_traversal_and_skips_links_and_resource_forks(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("hw2/a.py", "x = 1")
        zf.writestr("hw2/../../up.py", "")
    with pytest.raises(Rejected, match="path traversal"):
        unzip(evil, tmp_path / "dest", IntakeLimits())
    assert not (tmp_path / "dest" / "hw2").exists() and not (tmp_path / "up.py").exists()

    absolute = tmp_path / "abs.zip"
    with zipfile.ZipFile(absolute, "w") as zf:
        zf.writestr("/etc/evil.py", "")
    with pytest.raises(Rejected, match="path traversal"):
        unzip(absolute, tmp_path / "dest2", IntakeLimits())

    mixed = tmp_path / "mixed.zip"
    with zipfile.ZipFile(mixed, "w") as zf:
        zf.writestr("s/hw2/a.py", "x = 1")
        zf.writestr("__MACOSX/s/hw2/._a.py", "junk")
        link = zipfile.ZipInfo("s/hw2/link.py")
        link.external_attr = (0o120777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("s/hw2/big.bin", b"0" * (2 * MB))
    dest = tmp_path / "dest3"
    dest.mkdir()
    skipped = unzip(mixed, dest, IntakeLimits(max_file_bytes=MB))
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == ["s/hw2/a.py"]
    assert len(skipped) == 3


def test_unzip_refuses_a_zip_bomb_and_a_non_zip(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hw2/zeros.py", b"0" * (3 * MB))
    with pytest.raises(Rejected, match="would unpack to"):
        unzip(bomb, tmp_path / "d", IntakeLimits(max_unzipped_bytes=2 * MB))
    (tmp_path / "text.zip").write_text("hello")
    with pytest.raises(Rejected, match="not a zip archive"):
        unzip(tmp_path / "text.zip", tmp_path / "d2", IntakeLimits())


def test_content_hash_follows_content_and_never_reads_oversized_files(tmp_path: Path) -> None:
    from harness.batch.discover import Entry

    sub = _folder(tmp_path, "s")
    entry = Entry("s", sub, "folder", "s")
    first = content_hash(entry, IntakeLimits())
    assert content_hash(entry, IntakeLimits()) == first
    (sub / "hw2" / "__pycache__").mkdir()
    (sub / "hw2" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    assert content_hash(entry, IntakeLimits()) == first  # caches do not count
    (sub / "hw2" / "layers.py").write_text("x = 1")
    assert content_hash(entry, IntakeLimits()) != first
    with (sub / "huge.bin").open("wb") as f:
        f.truncate(50 * 1024**3)  # 50 GB, sparse: reading it would take minutes
    assert content_hash(entry, IntakeLimits(max_file_bytes=MB)).startswith("dir:")


def test_store_round_trip_and_one_row_per_entry_and_grading(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "grades.sqlite")
    record = GradeRecord(
        "alice",
        "d1",
        "h1",
        "1",
        "Alice",
        "",
        "graded",
        total=3.0,
        max_total=4.0,
        parts={"part1": [3.0, 4.0]},
        checks={"part1.x": [3.0, 4.0, "partial"]},
        problems=[["part1.x", "timeout", "no answer"]],
        runtime=1.5,
        report="alice/report.html",
    )
    store.save(record)
    store.save(record)
    store.register_grading("d1", {"name": "hw2"})
    assert store.lookup("alice", "d1") == record
    assert store.lookup("alice", "d2") is None
    assert store.records("d1") == [record] and store.latest_digest() == "d1"
    store.close()
    db = sqlite3.connect(tmp_path / "grades.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 1


def test_progress_counts_and_eta() -> None:
    now = [0.0]
    p = Progress(10, clock=lambda: now[0])
    assert p.line().endswith("10 remaining, ETA ?")
    now[0] = 10.0
    p.finished(ok=True)
    now[0] = 20.0
    assert p.finished(ok=False) == "[batch] 1/10 done, 1 failed, 8 remaining, ETA 1:20"
    p.finished(ok=True, cached=True)
    assert "(1 cached)" in p.line() and p.remaining == 7


def test_grading_digest_is_stable_and_follows_what_decides_a_grade() -> None:
    from harness.batch.selection import grading_digest
    from harness.grading import GradingOptions

    rubric = load(rubric_path("hw2"))
    part1 = select_checks(rubric, "part1")
    digest = grading_digest(rubric, part1, GradingOptions())
    assert grading_digest(rubric, part1, GradingOptions()) == digest
    assert grading_digest(rubric, part1, GradingOptions(seed=1)) != digest
    assert grading_digest(rubric, part1, GradingOptions(call_timeout=5)) != digest
    assert grading_digest(rubric, part1[:-1], GradingOptions()) != digest
    assert grading_digest(rubric, part1, GradingOptions(submission_timeout=5)) != digest


def test_grading_digest_follows_the_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.batch import selection
    from harness.grading import GradingOptions

    rubric = load(rubric_path("hw2"))
    digest = selection.grading_digest(rubric, rubric.checks, GradingOptions())
    versions = selection.library_versions()
    for name in ("python", "torch", "torchvision", "numpy"):
        monkeypatch.setattr(selection, "library_versions", lambda name=name: {**versions, name: "0.0.1"})
        assert selection.grading_digest(rubric, rubric.checks, GradingOptions()) != digest, name


def test_every_byte_the_judge_runs_is_in_the_code_digest(tmp_path: Path) -> None:
    """One byte changed in any file of harness/ (but the report renderers) or of the answer key
    changes the digest that stored grades are reused under."""
    import shutil

    from harness.batch.selection import REPO, code_digest, judge_files

    for folder in ("harness", "reference"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    files = judge_files("hw2", tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    assert {
        "harness/notebook.py",
        "harness/submission.py",
        "harness/expected.py",
        "harness/rubric.py",
        "harness/offerings.py",
        "harness/preflight.py",
        "harness/files.py",
        "harness/data/images.py",
        "harness/probes/server.py",
        "harness/sandbox/worker.py",
        "reference/hw2/layers.py",
    } <= names
    assert any(n.startswith("harness/courseware/") for n in names)
    assert not any(n.startswith("harness/report/") for n in names)  # rendering only
    base = code_digest("hw2", tmp_path)
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([(original[-1] + 1) % 256]) if original else b"x")
        try:
            assert code_digest("hw2", tmp_path) != base, path
        finally:
            path.write_bytes(original)
    assert code_digest("hw2", tmp_path) == base


def test_k_selects_checks_like_a_single_submission_run() -> None:
    rubric = load(rubric_path("hw2"))
    assert [c.id for c in select_checks(rubric, "")] == [c.id for c in rubric.checks]
    linear = [c.id for c in select_checks(rubric, "part1.linear")]
    assert linear == ["part1.linear", "part1.linear_second_backward", "part1.linear_init"]
    assert "part1.dropout" not in [c.id for c in select_checks(rubric, "part1 and not dropout")]
    with pytest.raises(pytest.UsageError):
        select_checks(rubric, "part1 and")


@pytest.mark.parametrize("assignment", available())
def test_the_controllers_reading_of_the_checks_agrees_with_importing_them(assignment: str) -> None:
    """The batch controller validates the rubric from the checks' source (declared_checks, no torch):
    it must see exactly the registrations that importing the checks makes."""
    from harness.checks import declared_checks, load_checks, unmatched

    rubric = load(rubric_path(assignment))
    declared = declared_checks(rubric.checks_module)
    own = set(load_checks(rubric.checks_module))
    assert set(declared) == own and len(declared) == len(own)
    assert unmatched([c.id for c in rubric.checks], declared) == []
    assert unmatched(["no.such_check", rubric.checks[0].id], declared) == ["no.such_check"]


def test_each_assignment_has_its_own_registry() -> None:
    """An id is looked up in its own assignment's checks only: csc321_tut6's ``training.*`` entries
    cannot be served by edinburgh_mlp's ``training.mnist`` (or the other way round)."""
    from harness.checks import checks_package, load_checks

    tut6 = load_checks(load(rubric_path("csc321_tut6")).checks_module)
    edinburgh = load_checks(load(rubric_path("edinburgh_mlp")).checks_module)
    assert "training.mnist" in edinburgh and "training.mnist" not in tut6
    assert all(fn.__module__.startswith("harness.checks.csc321_tut6.") for fn in tut6.values())
    assert checks_package("harness.checks.hw2.part1") == "harness.checks.hw2"
    assert checks_package("harness.checks.hw2") == "harness.checks.hw2"


def test_a_part_declares_its_probe_module_once() -> None:
    """hw2's probe modules come from the assignment's list and each part's own table, each once."""
    rubric = load(rubric_path("hw2"))
    assert rubric.probe_modules == [
        "probes.hw2",
        "probes.hw2_part2",
        "probes.hw2_part3",
        "probes.hw2_part45",
        "probes.hw2_bench",
    ]


def test_a_rubric_entry_without_a_check_stops_the_controller(tmp_path: Path) -> None:
    from harness.grading import check_declarations

    rubric = load(rubric_path("hw2"))
    broken = dataclasses.replace(
        rubric, checks=[*rubric.checks, dataclasses.replace(rubric.checks[0], id="part9.nothing")]
    )
    with pytest.raises(pytest.UsageError, match="no check function registered for part9.nothing"):
        check_declarations(broken)
