"""Shard plans (harness/batch/plan.py): balanced shards, and a late student moves no one else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.batch.discover import Entry, shard
from harness.batch.plan import PlanError, hashed_shard, make_plan, read_plan, shard_of, shard_sizes, write_plan


def _entries(*keys: str) -> list[Entry]:
    return [Entry(k, Path(k), "folder", k) for k in keys]


def test_a_class_of_four_in_two_shards_is_two_and_two() -> None:
    """The hash split alone can put all of a small class in one shard; a plan deals it evenly."""
    keys = ["alice", "bob", "carol", "dave"]
    assert shard_sizes(make_plan(keys, 2), 2) == [2, 2]
    for n, count in [(7, 3), (100, 8), (1, 4), (0, 2)]:
        sizes = shard_sizes(make_plan([f"s{i}" for i in range(n)], count), count)
        assert sum(sizes) == n and max(sizes) - min(sizes) <= 1, (n, count, sizes)


def test_the_hash_split_alone_is_unbalanced_for_some_classes() -> None:
    """Why plans exist: among classes of four, some fall wholly into one of two hashed shards."""
    lopsided = [i for i in range(200) if len({hashed_shard(f"student-{i}-{j}", 2) for j in range(4)}) == 1]
    assert lopsided


def test_rewriting_a_plan_moves_no_one_and_fills_the_smallest_shards() -> None:
    first = make_plan([f"s{i}" for i in range(10)], 3)
    again = make_plan([f"s{i}" for i in range(10)] + ["late1", "late2"], 3, old=first)
    assert all(again[k] == first[k] for k in first)
    assert shard_sizes(again, 3) == [4, 4, 4]
    # a student who left is dropped from the plan, the others stay
    assert make_plan([f"s{i}" for i in range(1, 10)], 3, old=first) == {k: v for k, v in first.items() if k != "s0"}


def test_shards_follow_the_plan_and_late_students_the_hash() -> None:
    entries = _entries("alice", "bob", "carol", "dave")
    plan = make_plan([e.key for e in entries], 2)
    parts = [shard(entries, k, 2, plan) for k in (1, 2)]
    assert [len(p) for p in parts] == [2, 2]
    late = _entries("eve")[0]
    parts_later = [shard([*entries, late], k, 2, plan) for k in (1, 2)]
    assert all(set(map(id, p)) <= set(map(id, q)) for p, q in zip(parts, parts_later))
    assert late in parts_later[hashed_shard("eve", 2) - 1] and shard_of("eve", 2, plan) == hashed_shard("eve", 2)


def test_a_plan_file_round_trips_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    plan = make_plan(["a", "b", "c"], 2)
    write_plan(path, plan, 2)
    assert read_plan(path, 2) == plan
    with pytest.raises(PlanError, match="a plan for 2 shards, not 3"):
        read_plan(path, 3)
    for bad in (
        "[]",
        '{"count": 2, "shards": {"a": 3}}',
        '{"count": 0, "shards": {}}',
        "{",
        '{"count": 2, "shards": {"a": true}}',
    ):
        path.write_text(bad)
        with pytest.raises(PlanError):
            read_plan(path, 2)
    with pytest.raises(PlanError, match="not a readable plan"):
        read_plan(tmp_path / "missing.json")
    path.write_text(json.dumps({"count": 2, "shards": {"a": 1}}))
    assert read_plan(path) == {"a": 1}
