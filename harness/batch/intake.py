"""From a class entry to a folder that can be graded: its content hash, and a safe unzip.

Nothing here executes or imports student files. A zip is checked whole before anything is
written: a member whose path leaves the extraction folder (``../``, an absolute path) refuses
the whole zip, and so does one that would unpack to more than the size or member-count limits
(zip bombs). Symbolic links, macOS resource forks and files over the per-file limit are left
out. Oversized files are never read: a folder's hash covers their name and size only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..files import Walk
from ..submission import SKIP_DIRS
from .discover import Entry

CHUNK = 1 << 20


class Rejected(Exception):
    """The entry cannot be graded; the message says why (shown in the class report)."""


@dataclass(frozen=True)
class IntakeLimits:
    max_file_bytes: int = 100 * 1024**2  # one file (and one .zip) larger than this is not read
    max_unzipped_bytes: int = 1024**3  # a zip that would unpack to more is refused
    max_members: int = 20_000


def content_hash(entry: Entry, limits: IntakeLimits) -> str:
    """A digest of what was handed in: a zip's bytes, or a folder's file names and contents."""
    h = hashlib.sha256()
    if entry.kind in ("zip", "module"):
        _hash_file(h, entry.path)
        return f"{entry.kind}:" + h.hexdigest()
    for path, info in _walk(entry.path):
        rel = path.relative_to(entry.path).as_posix()
        h.update(f"\0{rel}\0{info.st_size}\0{stat.S_IFMT(info.st_mode)}\0".encode())
        if stat.S_ISLNK(info.st_mode):
            h.update(b"link:" + os.readlink(path).encode(errors="replace"))
        elif stat.S_ISREG(info.st_mode) and info.st_size <= limits.max_file_bytes:
            _hash_file(h, path)  # never a named pipe or a device: opening one could wait for ever
    return "dir:" + h.hexdigest()


def _hash_file(h: hashlib._Hash, path: Path) -> None:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)


def _walk(top: Path) -> list[tuple[Path, os.stat_result]]:
    """What is under ``top`` but folders, in a stable order (bounded, iterative: harness/files.py),
    past the folders grading skips (caches, results)."""
    out = []

    def skipped(path: Path, info: os.stat_result) -> bool:
        return stat.S_ISDIR(info.st_mode) and (path.name in SKIP_DIRS or path.name.startswith("."))

    for path, info in Walk(top, prune=skipped):
        if not stat.S_ISDIR(info.st_mode):
            out.append((path, info))
    return sorted(out, key=lambda item: item[0].relative_to(top).parts)


def materialize(entry: Entry, scratch: Path, limits: IntakeLimits) -> Path:
    """A folder holding the entry's files: the folder itself, or the zip unpacked under ``scratch``."""
    if entry.kind == "folder":
        return entry.path
    if entry.kind == "module" and not entry.problem:
        return entry.path  # a lone .py / .ipynb: the module assignments' contract finds it by itself
    if entry.kind != "zip":
        raise Rejected(entry.problem or "not a folder or a .zip file")
    dest = scratch / entry.slug
    dest.mkdir(parents=True)
    unzip(entry.path, dest, limits)
    return dest


def unzip(archive: Path, dest: Path, limits: IntakeLimits) -> list[str]:
    """Unpack ``archive`` into ``dest`` after checking every member; returns the names left out."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise Rejected(f"not a zip archive ({exc})") from None
    except OSError as exc:
        raise Rejected(f"cannot be read: {exc.strerror}") from None
    with zf:
        members = zf.infolist()
        if len(members) > limits.max_members:
            raise Rejected(f"the zip holds {len(members)} members, over the limit of {limits.max_members}")
        for info in members:
            if _escapes(info.filename):
                raise Rejected(
                    f"the zip holds '{info.filename}', a path outside its own folder (path traversal): "
                    "refused, nothing was unpacked"
                )
        total = sum(i.file_size for i in members)
        if total > limits.max_unzipped_bytes:
            raise Rejected(
                f"the zip would unpack to {total / 1024**2:.0f} MB, over the "
                f"{limits.max_unzipped_bytes / 1024**2:.0f} MB limit"
            )
        skipped = []
        root = dest.resolve()
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.is_dir() or not parts:
                continue
            if (
                _is_link(info)
                or "__MACOSX" in parts
                or parts[-1].startswith("._")
                or info.file_size > limits.max_file_bytes
            ):
                skipped.append(info.filename)
                continue
            target = root.joinpath(*parts)
            if root not in target.resolve().parents:  # belt and braces after _escapes
                raise Rejected(f"the zip member '{info.filename}' would land outside its folder: refused")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
                # RuntimeError: an encrypted member
                raise Rejected(f"the zip member '{info.filename}' cannot be unpacked ({exc})") from None
    return skipped


def _escapes(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in PurePosixPath(path).parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)
