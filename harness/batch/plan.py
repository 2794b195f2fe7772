"""Which shard grades which submission: balanced, and a late student moves no one else.

Without a plan, ``--shard=K/N`` splits the class by a hash of each entry's key: stable (adding a
student moves no one else) but only balanced on average (a class of 4 in 2 shards lands in one
shard one time in eight). A plan fixes the split when the jobs are written
(``python -m harness.batch.slurm``): the entries in the order of that hash, dealt round-robin, so
shard sizes differ by one at most. Writing the plan again keeps every entry where it was and deals
the newcomers to the smallest shards; an entry the plan does not hold (a student added after the
jobs were written) falls back to the hash split, so it too moves no one else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan names every student once: megabytes at the most


class PlanError(ValueError):
    """A plan file that cannot be used (unreadable, malformed, or for another shard count)."""


def hashed_shard(key: str, count: int) -> int:
    """The 1-based shard of ``key`` by its hash alone (what ``--shard`` does without a plan)."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % count + 1


def make_plan(keys: Iterable[str], count: int, old: dict[str, int] | None = None) -> dict[str, int]:
    """key -> shard (1-based) for every key: those ``old`` holds where they were, the others dealt in
    hash order to the smallest shards (ties to the lowest number)."""
    if count < 1:
        raise PlanError(f"a plan needs at least one shard, not {count}")
    plan = {k: s for k, s in (old or {}).items() if 1 <= s <= count}
    sizes = [0] * (count + 1)
    keys = list(dict.fromkeys(keys))
    for key in keys:
        if key in plan:
            sizes[plan[key]] += 1
    for key in sorted((k for k in keys if k not in plan), key=lambda k: (hashlib.sha256(k.encode()).hexdigest(), k)):
        shard = min(range(1, count + 1), key=lambda s: (sizes[s], s))
        plan[key] = shard
        sizes[shard] += 1
    return {k: plan[k] for k in keys}


def shard_sizes(plan: dict[str, int], count: int) -> list[int]:
    """How many entries each shard 1..count grades."""
    sizes = [0] * count
    for shard in plan.values():
        sizes[shard - 1] += 1
    return sizes


def write_plan(path: Path, plan: dict[str, int], count: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"count": count, "shards": plan}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_plan(path: Path, count: int | None = None) -> dict[str, int]:
    """The plan in ``path`` (for ``count`` shards, when given), validated as plain data."""
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            raise PlanError(f"{path}: larger than {MAX_PLAN_BYTES // 2**20} MiB, not a plan")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path}: not a readable plan ({exc})") from None
    shards = data.get("shards") if isinstance(data, dict) else None
    planned = data.get("count") if isinstance(data, dict) else None
    if not isinstance(planned, int) or planned < 1 or not isinstance(shards, dict):
        raise PlanError(f"{path}: expected {{'count': N, 'shards': {{key: shard}}}}")
    if count is not None and planned != count:
        raise PlanError(f"{path}: a plan for {planned} shards, not {count}")
    bad = [k for k, s in shards.items() if not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= planned]
    if bad:
        raise PlanError(f"{path}: shard numbers outside 1..{planned} for {', '.join(sorted(bad)[:5])}")
    return dict(shards)


def shard_of(key: str, count: int, plan: dict[str, int] | None = None) -> int:
    """The shard that grades ``key``: the plan's, else by the hash."""
    if plan and key in plan:
        return plan[key]
    return hashed_shard(key, count)
