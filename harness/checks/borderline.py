"""A training run that misses its threshold by a little is decided on more seeds, never on one.

Where a run ends is a matter of the last bits of its float results, and those differ between CPUs
(harness/sandbox/math_mode.py caps the x86 kernels, but an ARM laptop or a native run still
differs): a correct submission whose run lands just under a notebook's threshold on one machine
can land above it on another. So a check that trains decides like this (the rule and the margin are
in each rubric entry's description and ``[check.params]``):

- a run that passes, passes (a pass is never taken back);
- a run that fails by more than ``borderline_margin`` (in the check's own unit) fails;
- a run that fails within the margin is repeated with ``borderline_seeds`` and the majority of all
  the runs decides; the feedback says that it was borderline, every run's result, and the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .base import CheckAbort, CheckContext

DEFAULT_SEEDS = (1, 2)  # added to the grading seed: three runs in all


@dataclass
class Run:
    """One training run, judged: did it pass, by how much it missed (0 when it passed; in the check's
    unit, e.g. accuracy points), and what it reached, in a few words for the feedback."""

    passed: bool
    shortfall: float
    reached: str


def borderline_margin(ctx: CheckContext, default: float) -> float:
    return float(ctx.params.get("borderline_margin", default))


def borderline_seeds(ctx: CheckContext) -> Sequence[int]:
    return [ctx.seed + int(s) for s in ctx.params.get("borderline_seeds", DEFAULT_SEEDS)]


def decide(
    ctx: CheckContext,
    first: Run,
    rerun: Callable[[int], Run],
    margin: float,
    unit: str = "",
    first_seed: int | None = None,
) -> bool:
    """Whether the check passes (the rule is the module's docstring). ``first`` ran from ``first_seed``
    (the grading seed unless given); ``rerun(seed)`` trains and judges again from another seed; a
    rerun whose code fails (raises, times out) counts as a failed run."""
    if first.passed or first.shortfall > margin:
        return first.passed
    seeds = borderline_seeds(ctx)
    runs = [(ctx.seed if first_seed is None else first_seed, first)]
    for seed in seeds:
        try:
            runs.append((seed, rerun(seed)))
        except CheckAbort as exc:
            runs.append((seed, Run(False, float("inf"), f"could not run ({str(exc)[:120]})")))
    passing = sum(run.passed for _, run in runs)
    passed = passing * 2 > len(runs)
    results = "; ".join(f"seed {seed}: {run.reached}" for seed, run in runs)
    ctx.notes.append(
        f"borderline: the first run missed by {first.shortfall:.3g}{unit} (within the margin of {margin:g}{unit}), "
        f"so {len(seeds)} more seeds ran and the majority decided: {passing} of {len(runs)} passed "
        f"({results}): {'passed' if passed else 'failed'}"
    )
    return passed
