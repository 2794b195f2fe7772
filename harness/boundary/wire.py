"""The wire format between the judge and the worker that runs student code.

One message = one frame: an 8-byte big-endian length, then the payload. The payload is a
4-byte big-endian header length, a UTF-8 JSON header, and the raw bytes of every array the
message carries. Arrays appear in the JSON body as ``{"__nd__": index}`` and are described in
the header by dtype, shape, offset and size. Nothing is ever pickled: the reader rebuilds plain
Python values (dict, list, str, int, float, bool, None) and numpy arrays of whitelisted dtypes.

This module runs on both sides of the trust boundary, so it imports only the standard library
and numpy.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

# dtypes allowed to cross the boundary; anything else is refused by the reader.
ALLOWED_DTYPES = frozenset({"bool", "uint8", "int32", "int64", "float32", "float64"})
# A reply larger than this is refused before it is read (it would only be an attack or a bug).
DEFAULT_MAX_FRAME = 512 * 1024 * 1024

_LEN = struct.Struct(">Q")
_HDR = struct.Struct(">I")


class WireError(Exception):
    """A frame that is malformed, too large, late, or carries something not allowed."""


class PeerClosed(WireError):
    """The other side closed its end of the pipe (for the worker: it exited)."""


class ReadTimeout(WireError):
    """No complete frame arrived within the allowed time."""


def encode(value: Any) -> bytes:
    """Serialise ``value`` (plain data and numpy arrays) into one frame payload."""
    arrays: list[np.ndarray] = []

    def walk(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            arrays.append(v if v.flags.c_contiguous else v.copy(order="C"))
            return {"__nd__": len(arrays) - 1}
        if isinstance(v, dict):
            return {str(k): walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        if isinstance(v, (np.floating, np.integer, np.bool_)):
            return v.item()
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise TypeError(f"cannot send a value of type {type(v).__name__}")

    body = walk(value)
    specs, offset = [], 0
    for a in arrays:
        specs.append({"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset, "nbytes": a.nbytes})
        offset += a.nbytes
    header = json.dumps({"body": body, "arrays": specs}).encode("utf-8")
    return b"".join([_HDR.pack(len(header)), header] + [a.tobytes() for a in arrays])


def decode(payload: bytes) -> Any:
    """Rebuild the value of one frame payload, validating every array description."""
    if len(payload) < _HDR.size:
        raise WireError("frame shorter than its header")
    (hlen,) = _HDR.unpack_from(payload)
    if hlen > len(payload) - _HDR.size:
        raise WireError("header length exceeds the frame")
    try:
        header = json.loads(payload[_HDR.size : _HDR.size + hlen].decode("utf-8"))
        specs, body = header["arrays"], header["body"]
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"unreadable header: {exc}") from None
    data = memoryview(payload)[_HDR.size + hlen :]
    arrays = [_array_from_spec(spec, data) for spec in specs]

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            if set(v) == {"__nd__"}:
                idx = v["__nd__"]
                if type(idx) is not int or not 0 <= idx < len(arrays):
                    raise WireError(f"bad array reference {idx!r}")
                return arrays[idx]
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(body)


def _array_from_spec(spec: Any, data: memoryview) -> np.ndarray:
    try:
        dtype, shape, offset, nbytes = spec["dtype"], spec["shape"], spec["offset"], spec["nbytes"]
    except (KeyError, TypeError):
        raise WireError("array description incomplete") from None
    if dtype not in ALLOWED_DTYPES:
        raise WireError(f"dtype {dtype} not allowed")
    if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
        raise WireError(f"bad array shape {shape!r}")
    if type(offset) is not int or type(nbytes) is not int or offset < 0 or offset + nbytes > len(data):
        raise WireError("array bytes outside the frame")
    dt = np.dtype(dtype)
    if nbytes != dt.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise WireError("array size does not match its shape")
    # copy: the judge must own its arrays, not views into a buffer it will drop
    return np.frombuffer(data[offset : offset + nbytes], dtype=dt).reshape(shape).copy()


def write_frame(fd: int, value: Any, timeout: float | None = None) -> None:
    """Write one frame; with ``timeout`` (``fd`` non-blocking) a peer that stops reading raises ReadTimeout."""
    payload = encode(value)
    _write_all(fd, _LEN.pack(len(payload)) + payload, None if timeout is None else time.monotonic() + timeout)


def read_frame(fd: int, timeout: float | None = None, max_size: int = DEFAULT_MAX_FRAME) -> Any:
    """Read one frame from ``fd``; ``timeout`` bounds the whole read, not each chunk."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    if size > max_size:
        raise WireError(f"reply of {size} bytes exceeds the {max_size}-byte cap")
    return decode(_read_exact(fd, size, deadline))


def _write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    view = memoryview(data)
    while view:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                raise ReadTimeout("the peer stopped reading")
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            continue
        except BrokenPipeError:
            raise PeerClosed("peer closed the pipe") from None
        view = view[n:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, left = [], n
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ReadTimeout("no reply in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise PeerClosed("peer closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
