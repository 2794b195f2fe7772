"""Expected values, --fail-under and the GitHub output, piece by piece."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from harness.checks.base import CheckAbort, CheckContext
from harness.expected import ExpectedValues, digest
from harness.report.github import _escape
from harness.session import fail_under_points, parse_fail_under


def test_digest_ignores_dict_order_but_not_dtype_shape_or_values() -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert digest({"x": a, "k": 1}) == digest({"k": 1, "x": a.copy()})
    assert digest({"x": a}) != digest({"x": a.astype(np.float64)})
    assert digest({"x": a}) != digest({"x": a.reshape(3, 2)})
    b = a.copy()
    b[1, 2] += 1e-6
    assert digest({"x": a}) != digest({"x": b})
    assert digest(torch.from_numpy(a)) == digest(a)


def test_record_then_replay_gives_the_same_tensors_and_a_miss_is_a_named_abort(tmp_path: Path) -> None:
    rec = ExpectedValues("record")
    calls = []

    def compute():
        calls.append(1)
        return {"z": torch.ones(2, 3) * 2, "n": 3}

    first = rec.get("c1", "out", {"x": 1}, compute)
    rec.save(tmp_path / "store.bin")
    replay = ExpectedValues.load(tmp_path / "store.bin")
    again = replay.get("c1", "out", {"x": 1}, lambda: pytest.fail("replay must not compute"))
    assert torch.equal(first["z"], again["z"]) and first["z"].dtype == torch.float64 and again["n"] == 3
    ctx = CheckContext(worker=None, answer_key=None, seed=0, check_id="c1", expected=replay)  # type: ignore[arg-type]
    with pytest.raises(CheckAbort, match="student kit holds no expected value"):
        ctx.expect("out", compute, {"x": 2})
    with pytest.raises(CheckAbort, match="does not hold"):
        ctx.reference  # noqa: B018  (no answer key in a kit)
    assert calls == [1]


def test_memo_mode_computes_once_per_inputs_and_keeps_within_its_limit() -> None:
    memo = ExpectedValues("memo", memo_limit=200)
    calls = []

    def compute(n: int):
        calls.append(n)
        return np.full(n, 1.5)

    first = memo.get("c1", "out", {"x": 1}, lambda: compute(3))
    first.add_(1)  # a check that changes its copy does not change what the next submission gets
    again = memo.get("c1", "out", {"x": 1}, lambda: compute(3))
    assert calls == [3] and memo.memo_hits == 1 and torch.equal(again, torch.full((3,), 1.5, dtype=torch.float64))
    memo.get("c1", "out", {"x": 2}, lambda: compute(3))  # other inputs: computed
    big = memo.get("c1", "out", {"x": 3}, lambda: compute(100))  # 800 bytes: over the limit, not kept
    memo.get("c1", "out", {"x": 3}, lambda: compute(100))
    assert calls == [3, 3, 100, 100] and big.shape == (100,)


def test_verify_mode_names_missing_and_different_values() -> None:
    store = {"c1": {}}
    rec = ExpectedValues("record")
    rec.get("c1", "out", {"x": 1}, lambda: np.zeros(3))
    store = rec.store
    verify = ExpectedValues("verify", store)
    verify.get("c1", "out", {"x": 1}, lambda: np.zeros(3))
    assert verify.problems == []
    verify.get("c1", "out", {"x": 2}, lambda: np.zeros(3))
    store["c1"][next(iter(store["c1"]))] = np.ones(3)
    verify.get("c1", "out", {"x": 1}, lambda: np.zeros(3))
    assert len(verify.problems) == 2 and "not in the kit" in verify.problems[0] and "differs" in verify.problems[1]


def test_fail_under_takes_points_or_a_percentage_of_the_runs_total() -> None:
    assert fail_under_points(parse_fail_under("30"), 110) == 30
    assert fail_under_points(parse_fail_under("50%"), 110) == 55
    assert parse_fail_under(None) is None
    with pytest.raises(pytest.UsageError):
        parse_fail_under("half")


def test_annotation_text_is_escaped_for_workflow_commands() -> None:
    assert _escape("a%b\nc") == "a%25b%0Ac"
    assert _escape("x: 1, y", prop=True) == "x%3A 1%2C y"
