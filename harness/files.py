"""The judge's only ways through a file tree a submission made: iterative, bounded, links never followed.

Python 3.11's ``os.walk``, ``shutil.copytree`` and ``shutil.rmtree`` recurse once per folder level, so
a tree 1,200 levels deep (which student code can make in its own copy) raises ``RecursionError``
in the judge; ``copytree`` also opens a named pipe to copy it and waits for ever. Here a walk keeps
its own stack, stops at ``max_depth`` levels and ``max_entries`` entries, and judges every entry by
``lstat``: only folders and regular files are copied or read; links, named pipes, devices and
sockets are skipped, and the caller can name them in the report.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 24
MAX_ENTRIES = 20_000

KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def kind_of(mode: int) -> str:
    """'a folder', 'a regular file', 'a named pipe', ... of an ``lstat`` mode."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a regular file"
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def is_regular_file(path: Path) -> bool:
    """A regular file itself (not a link to one): the only kind the judge reads."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


@dataclass
class Walk:
    """Entries below ``root`` (not ``root`` itself), parents before children; bounded. An entry
    ``prune`` accepts is neither yielded nor entered (nor counted)."""

    root: Path
    max_depth: int = MAX_DEPTH
    max_entries: int = MAX_ENTRIES
    prune: Callable[[Path, os.stat_result], bool] | None = None
    cut: list[str] = field(default_factory=list)  # why the walk stopped early, if it did

    def __iter__(self) -> Iterator[tuple[Path, os.stat_result]]:
        stack: list[tuple[Path, int]] = [(self.root, 0)]
        seen = 0
        while stack:
            folder, depth = stack.pop()
            try:
                with os.scandir(folder) as entries:
                    children = sorted(entries, key=lambda e: e.name, reverse=True)
            except OSError:
                continue
            for entry in children:
                path = Path(entry.path)
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if self.prune is not None and self.prune(path, info):
                    continue
                seen += 1
                if seen > self.max_entries:
                    self.cut.append(f"more than {self.max_entries} files and folders")
                    return
                yield path, info
                if stat.S_ISDIR(info.st_mode):
                    if depth + 1 >= self.max_depth:
                        if not self.cut:
                            self.cut.append(f"folders more than {self.max_depth} levels deep")
                        continue
                    stack.append((path, depth + 1))


def copy_tree(
    src: Path,
    dest: Path,
    skip: Callable[[Path, os.stat_result], bool] = lambda p, s: False,
    *,
    max_depth: int = MAX_DEPTH,
    max_entries: int = MAX_ENTRIES,
) -> list[str]:
    """Copy the folders and regular files below ``src`` into ``dest`` (made if missing), past what
    ``skip`` refuses. Returns one line per entry left behind that a reader should know of ("hw2/x.py:
    a named pipe, not copied") and per bound reached."""
    dest.mkdir(parents=True, exist_ok=True)
    left: list[str] = []
    walk = Walk(src, max_depth, max_entries, prune=skip)
    for path, info in walk:
        rel = path.relative_to(src)
        target = dest / rel  # its folder exists: the walk yields a folder before what is in it
        if stat.S_ISDIR(info.st_mode):
            target.mkdir(exist_ok=True)
        elif stat.S_ISREG(info.st_mode):
            try:
                _copy_file(path, target)
            except OSError as exc:
                left.append(f"{src.name}/{rel}: could not be read ({exc.strerror or exc}), not copied")
        else:
            left.append(f"{src.name}/{rel}: {kind_of(info.st_mode)}, not copied")
    left += [f"{src.name}/: {why}: the rest was not copied" for why in walk.cut]
    return left


def _copy_file(src: Path, dest: Path) -> None:
    # O_NOFOLLOW | O_NONBLOCK: a file swapped for a link or a pipe after the walk is refused, never waited on
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with open(fd, "rb", closefd=False) as f, open(dest, "wb") as out:
            while chunk := f.read(1 << 20):
                out.write(chunk)
    finally:
        os.close(fd)


def chown_tree(root: Path, uid: int) -> None:
    """Give ``uid`` what is below ``root`` and ``root`` itself (links are not followed); bounded, so a
    tree the previous worker made huge costs a bounded walk (what lies past it keeps its owner)."""
    for path, _ in Walk(root, max_depth=64, max_entries=200_000):
        try:
            os.chown(path, uid, uid, follow_symlinks=False)
        except OSError:
            pass
    os.chown(root, uid, uid)


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything below it, however deep (``rm`` walks without recursion)."""
    if not os.path.lexists(path):
        return
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], capture_output=True, timeout=600)
