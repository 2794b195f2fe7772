"""Worker side of the forbidden-shortcut watch: which torch APIs the graded code itself called.

A check whose rubric entry has ``forbid`` (e.g. Linear's, which must derive its backward by hand)
runs its probes under a ``TorchFunctionMode``: torch hands it every function call, autograd's
included (``Tensor.backward``, ``torch.autograd.grad``, ``requires_grad_``). A call counts when the
innermost frame of the submission on the stack is the graded class or function (its file and
qualified name), so the probes' own autograd and the code of other components are not counted;
what the student's frame called (its callee's module: ``torch.optim.sgd``, ``torch.nn.modules``)
names the API. Only names and the student's own line cross back; the judge decides.
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

MAX_SEEN = 10
# APIs that run autograd without their module saying so
_AUTOGRAD = ("torch.Tensor.backward", "torch.Tensor.requires_grad_", "torch.Tensor.requires_grad", "torch.func")
# C functions whose module is not the one students import them from
_RENAMED = {
    "torch._C._nn.": "torch.nn.functional.",
    "torch._C._VariableFunctions.": "torch.",
    "torch._tensor.Tensor.": "torch.Tensor.",
}


# never a shortcut: switching gradient tracking off (or back on) is not computing a gradient
_GRAD_MODES = ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode")
_ALLOWED = ("torch.autograd.grad_mode", *(f"{m}.{g}" for m in ("torch", "torch.autograd") for g in _GRAD_MODES))


def matching_rule(api: str, forbid: list[str]) -> str | None:
    """The ``forbid`` entry ``api`` falls under (None: allowed)."""
    if any(api == a or api.startswith(a + ".") for a in _ALLOWED):
        return None
    for rule in forbid:
        if api == rule or api.startswith(rule + "."):
            return rule
        if rule == "torch.autograd" and any(api == a or api.startswith(a + ".") for a in _AUTOGRAD):
            return rule
    return None


def watching(watch: dict | None, submission: str) -> Any:
    """A context manager: the watch the request asked for, or one that does nothing."""
    import contextlib

    if not isinstance(watch, dict) or not watch.get("forbid"):
        return contextlib.nullcontext(None)
    return _mode(
        os.path.join(submission, str(watch.get("file", ""))),
        str(watch.get("scope", "")),
        [str(f) for f in watch.get("forbid", [])][:20],
    )


def _mode(path: str, scope: str, forbid: list[str]) -> Any:
    from torch.overrides import TorchFunctionMode

    from .server import student_location, submission_dir

    target = os.path.realpath(path)

    class Watch(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[dict[str, str]] = []

        def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            kwargs = kwargs or {}
            if len(self.seen) < MAX_SEEN:
                try:
                    self._note(func, args, kwargs)
                except Exception:  # the watch must never change what the code does
                    pass
            return func(*args, **kwargs)

        def _note(self, func: Any, args: tuple, kwargs: dict) -> None:
            frame: FrameType | None = sys._getframe(1)
            callee = None
            while frame is not None and not _is_target(frame.f_code.co_filename):
                callee, frame = frame, frame.f_back
            if frame is None:
                return
            qualname = frame.f_code.co_qualname
            if not (qualname == scope or qualname.startswith(scope + ".")):
                return
            api = _api(func, args, kwargs, callee if callee is not None and callee.f_code is not _OWN_CODE else None)
            if api is None:
                return
            rule = matching_rule(api, forbid)
            if rule is None:
                return
            where = student_location(frame.f_code.co_filename, frame.f_lineno, submission_dir())
            entry = {"api": api, "where": where, "in": qualname, "rule": rule}
            if entry not in self.seen:
                self.seen.append(entry)

    known: dict[str, bool] = {}

    def _is_target(filename: str) -> bool:  # realpath once per file name, not per frame and call
        if filename not in known:
            known[filename] = os.path.realpath(filename) == target
        return known[filename]

    _OWN_CODE = Watch.__torch_function__.__code__
    return Watch()


def _api(func: Any, args: tuple, kwargs: dict, callee: Any) -> str | None:
    """What the student's frame called: a Python function of a library (its module and name), or the
    torch function itself."""
    if callee is not None:
        caller_module = str(callee.f_globals.get("__name__", ""))
        if caller_module.startswith("torch"):
            qualname = callee.f_code.co_qualname.split(".<locals>", 1)[0]  # a decorator's wrapper: what it wraps
            return _public(f"{caller_module}.{qualname}")
    module = getattr(func, "__module__", None)
    qualname = str(getattr(func, "__qualname__", None) or getattr(func, "__name__", "?"))
    if qualname.endswith("__set__"):
        descriptor = getattr(func, "__self__", None)
        if getattr(descriptor, "__name__", "") == "requires_grad" and len(args) > 1 and bool(args[1]):
            return "torch.Tensor.requires_grad"
        return None
    if qualname == "TensorBase.requires_grad_":
        wanted = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
        return "torch.Tensor.requires_grad_" if wanted else None
    if module is None and qualname.startswith("TensorBase."):
        return "torch.Tensor." + qualname.split(".", 1)[1]
    return _public(f"{module}.{qualname}")


def _public(api: str) -> str:
    """The name students write (``torch.nn.functional.linear``, ``torch.Tensor.backward``)."""
    for old, new in _RENAMED.items():
        if api.startswith(old):
            return new + api[len(old) :]
    return api
