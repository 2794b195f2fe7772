"""Throughput of the student's code as a ratio to the reference's, measured side by side.

The student's worker and a second worker running the reference package time the same case
(``probes.hw2_bench``) in alternating rounds, so drift of the machine hits both alike. The
ratio is median(student) / median(reference); its spread is the range of the per-round ratios.
Every timed round is one call whose wall time the judge measures with its own clock (student code
can patch the worker's clock, never the judge's); the first call only builds, calibrates and
warms up, and the worker's own figures are kept for comparison only.
Points (if the rubric gives any) are full within ``full_within`` x and none beyond
``none_beyond`` x, log-linear in between; by default an entry is worth 0: informational.
"""

from __future__ import annotations

import math
import time
from typing import Any

from pytest_benchmark.stats import Stats

from .. import check
from ..base import CheckAbort, CheckContext, Finding

DEFAULTS = {"rounds": 7, "warmup": 1, "min_round_time": 0.05, "full_within": 2.0, "none_beyond": 10.0}
SLOW_ROUND = 2.0  # seconds: a student round slower than this ends the measurement early
CLOCK_SKEW = 0.5  # the worker reporting less than this share of the judge's wall time: its clock was tampered with


def credit_for(ratio: float, full_within: float, none_beyond: float) -> float:
    if ratio <= full_within:
        return 1.0
    if ratio >= none_beyond:
        return 0.0
    return 1.0 - math.log(ratio / full_within) / math.log(none_beyond / full_within)


def _call(ctx: CheckContext, worker: Any, case: str, **kw: Any) -> dict:
    if worker is ctx.worker:
        return ctx.call("hw2.bench", f"timing {case} on your code", timeout=60, case=case, **kw)
    try:
        return worker.call("hw2.bench", seed=ctx.seed, timeout=120, case=case, **kw)
    except Exception as exc:  # noqa: BLE001  (the reference failing is the grader's problem, not the student's)
        raise RuntimeError(f"the reference could not run benchmark {case!r}: {exc}") from exc


def measure_pair(ctx: CheckContext, case: str, rounds: int, warmup: int, min_round_time: float) -> dict[str, Any]:
    """Alternating rounds of the student's and the reference's code; per-iteration seconds of each,
    timed by the judge (one call per round; a round lasts >= min_round_time, so the call's own
    overhead, well under a millisecond and alike on both sides, stays in the noise)."""
    workers = {"student": ctx.worker, "reference": ctx.reference_worker}
    first = {
        who: _call(ctx, w, case, rounds=1, warmup=warmup, min_round_time=min_round_time) for who, w in workers.items()
    }
    times: dict[str, list[float]] = {who: [] for who in workers}
    reported: dict[str, list[float]] = {who: [] for who in workers}
    for _ in range(max(1, rounds - 1)):
        for who, w in workers.items():
            iterations = first[who]["iterations"]
            start = time.perf_counter()
            reply = _call(ctx, w, case, rounds=1, iterations=iterations)
            times[who].append((time.perf_counter() - start) / iterations)
            reported[who] += list(reply["times"])
        if times["student"][-1] * first["student"]["iterations"] > SLOW_ROUND:
            break  # slow code: a few rounds tell as much, and the budget matters more
    own, theirs = sum(times["student"]), sum(reported["student"])
    if theirs < CLOCK_SKEW * own:
        ctx.notes.append(
            f"the worker's clock said {theirs * 1e3:.3g} ms where the grader's measured "
            f"{own * 1e3:.3g} ms: a patched timer does not change the grader's timing"
        )
    return {"times": times, "info": first}


@check("bench.*")
def benchmark(ctx: CheckContext) -> list[Finding]:
    opts = {**DEFAULTS, **ctx.params}
    case = str(opts.get("case", ctx.check_id.split(".", 1)[1]))
    measured = measure_pair(ctx, case, int(opts["rounds"]), int(opts["warmup"]), float(opts["min_round_time"]))
    stats = {}
    for who, values in measured["times"].items():
        s = Stats()
        for v in values:
            s.update(float(v))
        stats[who] = s.as_dict()
    pairs = list(zip(measured["times"]["student"], measured["times"]["reference"]))
    per_round = [s / r for s, r in pairs if r > 0]
    if not per_round or stats["reference"]["median"] <= 0:
        raise CheckAbort(f"benchmark {case}: no usable timing")
    ratio = stats["student"]["median"] / stats["reference"]["median"]
    info = measured["info"]["student"]
    ctx.measurements.update(
        case=case,
        device=info["device"],
        device_name=info["device_name"],
        memory_peak={who: r.get("memory_peak") for who, r in measured["info"].items()},
        stats=stats,
        ratio=ratio,
        ratio_range=(min(per_round), max(per_round)),
    )
    credit = credit_for(ratio, float(opts["full_within"]), float(opts["none_beyond"]))
    summary = (
        f"{ratio:.2f}x the reference's time per iteration (rounds: {min(per_round):.2f}x-"
        f"{max(per_round):.2f}x; yours {stats['student']['median'] * 1e3:.2f} ms, reference "
        f"{stats['reference']['median'] * 1e3:.2f} ms, {info['device_name']})"
    )
    ctx.notes.append(summary)
    if ratio > float(opts["full_within"]):
        ctx.notes.append(
            "slower than the reference: look for Python loops over elements or samples, "
            "`.item()` calls, or tensors rebuilt inside the hot path"
        )
    return [Finding("all", credit >= 1.0, "" if credit >= 1.0 else summary, credit=credit)]
