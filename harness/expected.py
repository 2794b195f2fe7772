"""Where a check's expected values come from: the answer key, or a store made from it ahead of time.

A check asks for an expected value with ``ctx.expect(name, compute, inputs)``: ``inputs`` are
everything the value depends on (plain data and arrays), ``compute`` derives it from the answer key.

- ``compute`` (course staff): call ``compute()``; the answer key is on this machine.
- ``record`` (building a student kit): call ``compute()`` and keep the value, keyed by the check,
  the name and a hash of the inputs.
- ``verify`` (tests): compute, and note wherever a kit's stored value would be missing or differ.
- ``memo`` (batch mode): compute on first use and keep the value for the next submissions that
  send the same inputs (most checks send the judge's own inputs, so a class pays for each
  reference computation once), up to ``memo_limit`` bytes.
- ``replay`` (the student kit, in a student's CI): no answer key; look the value up. Inputs that
  differ from those recorded (a reply of the student's code that fed the computation) find
  nothing, and the check cannot be judged: a kit is only made of checks whose inputs are the
  judge's own, which ``harness.kit`` verifies when it builds one.

The store is the wire format (``harness/boundary/wire.py``): plain data and arrays, never pickled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .boundary import wire


class MissingExpected(LookupError):
    """The kit holds no expected value for these inputs."""


def digest(inputs: Any) -> str:
    """A stable hash of plain data and arrays (dict order does not matter; dtype and shape do)."""
    h = hashlib.sha256()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            h.update(b"{")
            for k in sorted(v, key=str):
                h.update(str(k).encode() + b":")
                walk(v[k])
            h.update(b"}")
        elif isinstance(v, (list, tuple)):
            h.update(b"[")
            for x in v:
                walk(x)
            h.update(b"]")
        elif hasattr(v, "detach") and hasattr(v, "numpy"):
            walk(v.detach().cpu().numpy())
        elif isinstance(v, np.ndarray):
            a = np.ascontiguousarray(v)
            h.update(f"nd:{a.dtype.str}:{a.shape}:".encode())
            h.update(a.tobytes())
        elif isinstance(v, (np.generic,)):
            walk(v.item())
        else:
            h.update(f"{type(v).__name__}:{v!r};".encode())

    walk(inputs)
    return h.hexdigest()[:32]


def to_plain(value: Any) -> Any:
    """Expected values as the store keeps them: tensors become float64/int64 numpy arrays."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values()) + 64
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value) + 64
    return 64


def from_plain(value: Any) -> Any:
    import torch

    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: from_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    return value


@dataclass
class ExpectedValues:
    mode: str = "compute"  # "compute" | "memo" | "record" | "verify" | "replay"
    store: dict[str, dict[str, Any]] = field(default_factory=dict)  # check id -> key -> value
    keys_used: dict[str, list[str]] = field(default_factory=dict)  # check id -> keys asked for (record mode)
    problems: list[str] = field(default_factory=list)  # verify mode: where a kit would judge differently
    memo_limit: int = 512 * 1024**2  # memo mode: bytes of values kept at most
    memo_bytes: int = 0
    memo_hits: int = 0

    def get(self, check_id: str, name: str, inputs: Any, compute: Callable[[], Any]) -> Any:
        """The value, the same way in every mode: arrays as float64 (or integer) torch tensors."""
        key = f"{name}:{digest(inputs)}"
        if self.mode == "replay":
            try:
                return from_plain(self.store[check_id][key])
            except KeyError:
                raise MissingExpected(f"{check_id}: no expected value for {name} with these inputs") from None
        if self.mode == "memo" and key in self.store.get(check_id, {}):
            self.memo_hits += 1
            return from_plain(self.store[check_id][key])
        value = to_plain(compute())
        if self.mode == "memo":
            size = _nbytes(value)
            if self.memo_bytes + size <= self.memo_limit:
                self.store.setdefault(check_id, {})[key] = value
                self.memo_bytes += size
        elif self.mode == "record":
            self.store.setdefault(check_id, {})[key] = value
            self.keys_used.setdefault(check_id, []).append(key)
        elif self.mode == "verify":
            stored = self.store.get(check_id, {}).get(key, _MISSING)
            if stored is _MISSING:
                self.problems.append(f"{check_id}: {name} not in the kit for these inputs")
            elif not _same(stored, value):
                self.problems.append(f"{check_id}: {name} differs from the kit's value")
        return from_plain(value)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(wire.encode(self.store))

    @classmethod
    def load(cls, path: Path) -> ExpectedValues:
        store = wire.decode(path.read_bytes())
        if not isinstance(store, dict):
            raise ValueError(f"{path}: not an expected-value store")
        return cls("replay", store)
