"""Helpers shared by the checks of this lab: inputs the judge chooses, the worker's partial
results turned into findings."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...compare import fd_mismatch, mismatch
from ..base import CheckContext, describe_student_error

ORDER = ("fprop", "bprop", "grads_wrt_params", "params", "finite differences of fprop")


def f64(ctx: CheckContext, *shape: int, stream: int, scale: float = 1.0) -> np.ndarray:
    """Judge-chosen float64 values (what the lab's numpy code works in)."""
    return ctx.randn(*shape, stream=stream, scale=scale).double().numpy()


def one_hot(ctx: CheckContext, n: int, k: int, stream: int) -> np.ndarray:
    labels = ctx.randint(k, (n,), stream=stream).numpy()
    return np.eye(k)[labels]


def case_error(case: dict, label: str) -> tuple[str | None, str | None]:
    """(the step that failed, what to tell the student) for one case of a probe's reply."""
    if isinstance(case.get("error"), dict):
        step = case.get("failed") or "?"
        return step, describe_student_error(case["error"], f"{label}.{step}" if " " not in step else f"{label}: {step}")
    return None, None


def failed_before(case: dict, step: str, order: tuple = ORDER) -> bool:
    """True when the case failed at ``step`` or before it (so ``step`` has no result)."""
    failed = case.get("failed")
    if failed is None:
        return False
    return order.index(failed) <= order.index(step) if failed in order and step in order else True


def compare_list(name: str, got: Any, want: list, what: str) -> list:
    """Compare a list of arrays element by element (the list's length first)."""
    if not isinstance(got, list):
        return [f"{name}: got {type(got).__name__}, expected a list of {len(want)} arrays ({what})"]
    if len(got) != len(want):
        return [f"{name}: {len(got)} arrays, expected {len(want)} ({what})"]
    return [mismatch(f"{name}[{i}]", g, w) for i, (g, w) in enumerate(zip(got, want))]


def fd_problem(name: str, fd: list, analytic: np.ndarray, shape: tuple) -> str | None:
    """The student's analytic gradient against central differences of their own function."""
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != tuple(shape):
        return None  # a wrong shape is already reported by the comparison with the reference
    coords = [list(idx) for idx in np.ndindex(*shape)]
    return fd_mismatch(name, list(fd), analytic.reshape(-1).tolist(), coords)
