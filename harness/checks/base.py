"""What a check works with: the worker call wrapper, seeded inputs, and its findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..expected import ExpectedValues, MissingExpected
from ..sandbox import StudentError, Worker, WorkerFailure

if TYPE_CHECKING:  # torch is imported lazily: the worker is started before the judge loads it
    import torch


@dataclass
class Finding:
    """The verdict on one scored component of a check."""

    component: str
    passed: bool
    message: str = ""
    credit: float | None = None  # a fraction of the component's points (0..1) instead of all-or-nothing


class CheckAbort(Exception):
    """The student's code could not be run for this check (crash, missing API, time-out)."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind


# What every text of describe_student_error says: the code did not run to an answer (as opposed to
# an answer judged wrong). A check that only re-tests another's component is "the same cause" only
# for wrong answers (harness/grading.py).
CRASH_MARKERS = (
    "not implemented yet",
    "your code raised",
    "could not be used",
    "no answer within",
    "does not import",
    "time budget",
    "grader error",
)


class Crash(str):
    """A problem that is the student's code failing (its message says where): ``finding`` adds no hint to it."""


def finding(component: str, problems: Iterable[str | None], hint: str = "") -> Finding:
    """One component's verdict from its problems (``None``: that comparison passed). It passes when none
    is left; the hint follows the problems unless every one is a crash (a hint would not apply)."""
    found = [p for p in problems if p]
    message = "\n".join(found)
    if hint and any(not isinstance(p, Crash) for p in found):
        message += f"\n  hint: {hint}"
    return Finding(component, not found, message)


def aborted(components: Iterable[str], exc: CheckAbort) -> list[Finding]:
    """Every one of ``components`` failed with the reason the check could not go on."""
    return [Finding(c, False, str(exc)) for c in components]


def crashed(message: str) -> bool:
    return any(marker in message for marker in CRASH_MARKERS)


def describe_student_error(info: dict, doing: str) -> str:
    kind, msg = info.get("type", "Error"), info.get("message", "")
    if info.get("refused_module"):  # found broken before any check (harness/preflight.py)
        return f"{doing}: not run: {info['refused_module']} does not import (see the top of the report)"
    if info.get("probe_error"):
        return f"{doing}: {msg}"
    where = info.get("where")
    if kind == "NotImplementedError" and not msg.strip():  # a TODO block of the skeleton left as it was
        at = f" ({where.split(': ', 1)[0]})" if where else ""
        return f"{doing}: not implemented yet: the skeleton's NotImplementedError is still raised{at}"
    if info.get("in_student_code") is False:  # raised in the probe, around the student's code
        return f"{doing}: what your code returned or left behind could not be used ({kind}: {msg})"
    text = f"{doing}: your code raised {kind}: {msg}"
    if where:
        text += f"\n  at {where}"
    return text


class LazyAnswerKey:
    """The answer key, loaded on first use (a check that never needs it never loads it)."""

    def __init__(self, load: Callable[[], Any]):
        self._load = load
        self._key: Any = None

    def get(self) -> Any:
        if self._key is None:
            self._key = self._load()
        return self._key


@dataclass
class CheckContext:
    worker: Worker
    answer_key: Any  # the assignment's answer key (harness.reference.ReferenceKey) or a LazyAnswerKey
    seed: int
    check_id: str
    notes: list[str] = field(default_factory=list)
    images_loader: Callable[..., Any] | None = None  # the session's datasets by name (grading.DataCache)
    indicative_reason: str | None = None
    attachments: dict[str, str] = field(default_factory=dict)  # long texts for the report (a written answer)
    measurements: dict[str, Any] = field(default_factory=dict)  # numbers for the report (benchmark statistics)
    figures: list[Any] = field(default_factory=list)  # plain-data figures for the report (checks/figures.py)
    params: dict[str, Any] = field(default_factory=dict)  # the rubric entry's [check.params]
    reference_worker_loader: Callable[[], Worker] | None = None  # a worker running the reference's package
    expected: ExpectedValues = field(default_factory=ExpectedValues)  # where expected values come from
    reference_touched: bool = False  # the answer key was used outside expect(): this check cannot go in a kit
    broken_modules: dict[str, str] = field(default_factory=dict)  # module -> why it does not import (preflight)
    _computing: int = 0

    @property
    def reference(self) -> Any:
        """The answer key itself. Checks use it inside ``expect()`` only, so that a student kit can
        replace it by stored values; direct use marks the check as needing the key."""
        if self.expected.mode == "replay":
            raise CheckAbort("this check needs the answer key, which the student kit does not hold")
        if not self._computing:
            self.reference_touched = True
        if isinstance(self.answer_key, LazyAnswerKey):
            return self.answer_key.get()
        return self.answer_key

    def expect(self, name: str, compute: Callable[[], Any], inputs: Any) -> Any:
        """An expected value: ``compute()`` from the answer key, or the kit's stored value for ``inputs``
        (everything the value depends on). Arrays come back as float64 (or integer) torch tensors."""
        self._computing += 1
        try:
            return self.expected.get(self.check_id, name, inputs, compute)
        except MissingExpected:
            raise CheckAbort(
                f"{name}: the student kit holds no expected value for what your code sent (the full grader judges it)"
            ) from None
        finally:
            self._computing -= 1

    @property
    def reference_worker(self) -> Worker:
        """A second worker that runs the reference package the way the student's runs (benchmarks)."""
        if self.reference_worker_loader is None:
            raise CheckAbort("this check needs a reference worker, and the session has none")
        return self.reference_worker_loader()

    @property
    def images(self) -> Any:
        """CIFAR-10 or its stand-in (``harness.data.ImageData``); ``.real`` says which."""
        return self.dataset("cifar10")

    @property
    def own_images(self) -> Any:
        """The grader's own images (the stand-in, whatever --data-dir holds): for checks that train
        with the grader's own settings, measured on exactly these images."""
        return self.dataset("own-images")

    @property
    def mnist(self) -> Any:
        """MNIST or its stand-in (``harness.data.MnistData``); ``.real`` says which."""
        return self.dataset("mnist")

    def dataset(self, name: str) -> Any:
        if self.images_loader is None:
            raise CheckAbort("this check needs image data, and the session has none")
        return self.images_loader(name)

    def indicative(self, reason: str) -> None:
        """Mark this check's result as indicative only: reported, but worth no points either way.

        Used when a check judges the student's own CIFAR-10 hyper-parameters on stand-in data.
        """
        self.indicative_reason = reason

    def figure(self, make: Callable[[], Any]) -> None:
        """Record the figure ``make()`` returns (``checks.figures.Plot`` or ``Regions``; None: none)
        for the report; the first few are kept. A figure is never a finding: one that cannot be
        made from what the student's code returned is left out, and the check goes on as before."""
        from .figures import MAX_FIGURES

        if len(self.figures) >= MAX_FIGURES:
            return
        try:
            figure = make()
        except Exception:
            return
        if figure is not None:
            self.figures.append(figure)

    def call(self, probe: str, doing: str, seed: int | None = None, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run a probe; a failure of the student's code becomes a ``CheckAbort`` naming ``doing``."""
        try:
            return self.worker.call(probe, seed=self.seed if seed is None else seed, timeout=timeout, **kwargs)
        except StudentError as exc:
            module = exc.info.get("refused_module")
            if module:  # found broken before any check: point to that one line (harness/preflight.py)
                why = self.broken_modules.get(module, "see the top of the report")
                raise CheckAbort(f"{doing}: not run: {module} does not import ({why})", kind="import") from None
            raise CheckAbort(describe_student_error(exc.info, doing)) from None
        except WorkerFailure as exc:
            raise CheckAbort(f"{doing}: {exc}", kind=exc.kind) from None

    def generator(self, stream: int = 0) -> torch.Generator:
        """A torch generator seeded from the grading seed, the check id and ``stream``."""
        import torch

        g = torch.Generator()
        g.manual_seed(_stable_hash(f"{self.seed}:{self.check_id}:{stream}"))
        return g

    def randn(self, *shape: int, stream: int = 0, scale: float = 1.0) -> torch.Tensor:
        import torch

        return torch.randn(*shape, generator=self.generator(stream)) * scale

    def randint(self, high: int, shape: tuple[int, ...], stream: int = 0) -> torch.Tensor:
        import torch

        return torch.randint(0, high, shape, generator=self.generator(stream), dtype=torch.long)


def _stable_hash(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")
