"""Compatibility shims that let the course's own skeleton code run on the grader's versions.

A correct student must lose nothing for code the course wrote. Each shim is applied only when
the submission needs it, and every one applied is reported to the judge (and in the report).
"""

from __future__ import annotations

import os
import sys

_APPLIED: list[str] = []
_SCANNED: set[str] = set()


def applied() -> list[str]:
    return list(_APPLIED)


def prepare_for(module: str) -> None:
    """Scan the top-level package of ``module`` once and install the shims its source needs."""
    top = module.split(".")[0]
    if top in _SCANNED:
        return
    _SCANNED.add(top)
    sources = _package_sources(top)
    if any("get_cmap" in text for text in sources):
        _shim_matplotlib_get_cmap()
    if any("num_workers" in text for text in sources):
        _shim_dataloader_workers()


def _package_sources(top: str) -> list[str]:
    for entry in sys.path:
        pkg = os.path.join(entry, top)
        if os.path.isdir(pkg):
            texts = []
            for name in sorted(os.listdir(pkg)):
                if name.endswith(".py"):
                    try:
                        with open(os.path.join(pkg, name), encoding="utf-8", errors="replace") as fh:
                            texts.append(fh.read())
                    except OSError:
                        pass
            return texts
    return []


def _shim_matplotlib_get_cmap() -> None:
    # The skeleton's classifier.py evaluates plt.cm.get_cmap('coolwarm') at import time;
    # matplotlib 3.9 removed matplotlib.cm.get_cmap. Restore it on top of the colormap registry.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.cm as cm

    if hasattr(cm, "get_cmap"):
        return

    def get_cmap(name=None, lut=None):
        cmap = matplotlib.colormaps[name or matplotlib.rcParams["image.cmap"]]
        return cmap.resampled(lut) if lut is not None else cmap

    cm.get_cmap = get_cmap
    _APPLIED.append("matplotlib.cm.get_cmap restored (removed in matplotlib 3.9; the course skeleton calls it)")


def _shim_dataloader_workers() -> None:
    # A DataLoader with num_workers > 0 (common in cnn_experiment; the course's machines allow it)
    # starts worker processes that need a shared-memory /dev/shm, which the sandbox does not give
    # student code. Loading in the main process gives the same batches in the same order.
    from torch.utils.data import DataLoader

    if getattr(DataLoader.__init__, "_grader_in_process", False):
        return
    original = DataLoader.__init__
    seen: list[int] = []

    def __init__(self, *args, **kwargs):
        if len(args) > 5:  # DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, ...)
            args = list(args)
            workers, args[5] = args[5], 0
        else:
            workers = kwargs.get("num_workers", 0)
            kwargs["num_workers"] = 0
        if workers:
            for key in ("persistent_workers", "prefetch_factor", "worker_init_fn", "multiprocessing_context"):
                kwargs.pop(key, None)
            if not seen:
                seen.append(workers)
                _APPLIED.append(
                    f"DataLoader(num_workers={workers}) loads in the main process (num_workers=0): "
                    "the sandbox gives student code no shared memory for worker processes; the "
                    "batches and their order are the same"
                )
        original(self, *args, **kwargs)

    __init__._grader_in_process = True
    DataLoader.__init__ = __init__
