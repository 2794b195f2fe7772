"""Tolerances and the words that explain a mismatch.

Every comparison is made in float64 against the reference's value. The error of each element is
measured relative to the RMS of the expected tensor (not to the element itself): a correct
float32 implementation that sums in another order (a per-sample loop, a different reduction)
stays around 1e-6 of the RMS, while the realistic bugs (a wrong formula, a missing term, a
factor, a wrong mask) are off by 1e-2 or more. ``RTOL`` sits between the two with margin on
both sides. Slowness is never turned into a tolerance.
"""

from __future__ import annotations

import numpy as np
import torch

RTOL = 1e-4  # max |got - want| / RMS(want) for float32 student outputs
FLOOR = 1e-7  # an all-zero expected tensor is compared with this absolute scale
FD_RTOL = 1e-4  # finite differences in float64 vs the student's own backward


def as_f64(value: object) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64)
    return torch.from_numpy(np.asarray(value)).to(torch.float64)


def fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def mismatch(name: str, got: object, want: torch.Tensor, rtol: float = RTOL) -> str | None:
    """None when ``got`` matches ``want``; otherwise one line naming the worst element."""
    want = as_f64(want)
    got_arr = np.asarray(got) if not isinstance(got, torch.Tensor) else got.detach().numpy()
    if got_arr.dtype.kind not in "fiub":
        return f"{name}: got dtype {got_arr.dtype}, expected a floating-point tensor"
    got_t = as_f64(got_arr)
    if tuple(got_t.shape) != tuple(want.shape):
        return f"{name}: shape {tuple(got_t.shape)}, expected {tuple(want.shape)}"
    if want.numel() == 0:
        return None
    bad = ~torch.isfinite(got_t) & torch.isfinite(want)
    if bad.any():
        idx = tuple(int(i) for i in torch.nonzero(bad)[0])
        count = int(bad.sum())
        return (
            f"{name}: {count} element(s) are {got_t[idx].item()} (first at {fmt_index(idx)}), "
            f"expected {want[idx].item():.6g}: numerical overflow or division by zero?"
        )
    scale = max(float(want.pow(2).mean().sqrt()), FLOOR)
    err = (got_t - want).abs()
    worst = float(err.max())
    if worst <= rtol * scale:
        return None
    idx = tuple(int(i) for i in np.unravel_index(int(err.argmax()), tuple(want.shape)))
    g, w = got_t[idx].item(), want[idx].item()
    rel = worst / scale
    wrong = int((err > rtol * scale).sum())
    return (
        f"{name}: worst element {fmt_index(idx)} expected {w:.6g}, got {g:.6g} "
        f"(error {rel:.2e} of the tensor's RMS {scale:.3g}, tolerance {rtol:.0e}; "
        f"{wrong} of {want.numel()} elements off)"
    )


def fd_mismatch(name: str, fd: list[float], analytic: list[float], coords: list, rtol: float = FD_RTOL) -> str | None:
    """Compare the student's backward with central differences of the student's own forward."""
    fd_t, an_t = torch.tensor(fd, dtype=torch.float64), torch.tensor(analytic, dtype=torch.float64)
    if fd_t.numel() == 0:
        return None
    if not torch.isfinite(an_t).all():
        return f"{name}: backward gave non-finite values at sampled coordinates"
    scale = max(float(fd_t.pow(2).mean().sqrt()), float(an_t.pow(2).mean().sqrt()), 1e-6)
    err = (fd_t - an_t).abs()
    i = int(err.argmax())
    if float(err[i]) <= rtol * scale:
        return None
    return (
        f"{name}: at {fmt_index(tuple(coords[i]))} your backward gives {an_t[i].item():.6g} but central "
        f"differences of your own forward give {fd_t[i].item():.6g}: forward and backward disagree"
    )
