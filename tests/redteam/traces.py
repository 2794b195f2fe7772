"""What an adversarial submission may have left behind: processes, files, changes to the repo,
connections. Each function looks from outside the grading run (the test's own process)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MARKER = "redteam-marker"  # in the argv of every process an attack starts (see submissions/adversarial/)
PWNED = "pwned-"  # the prefix of every file an attack writes
MAX_WALK = 200_000  # directories: a bound on the scans below (the repo with its venv is ~10k)


def marked_processes(tag: str = MARKER) -> list[str]:
    """The command lines of live (not zombie) processes whose argv contains ``tag``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if tag in cmdline and state != "Z":
            found.append(f"pid {entry.name}: {cmdline.strip()}")
    return found


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``lock`` (shared by the xdist workers of one session): the tests
    whose attacks start marked processes run one at a time, so that each one's check for marked
    processes left behind sees only its own."""
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def wait_for_no_children(seconds: float = 5.0) -> list[str]:
    """This process's children still alive after waiting up to ``seconds``: a grading run started
    its workers from here (pytester runs it in-process), and must have ended them all."""
    deadline = time.monotonic() + seconds
    while True:
        left = []
        for pid in _children(os.getpid()):
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if state != "Z":
                left.append(f"pid {pid}: {cmdline[:200]}")
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def wait_for_no_marked_processes(tag: str, seconds: float = 5.0) -> list[str]:
    """The marked processes still alive after waiting up to ``seconds`` for them to go."""
    deadline = time.monotonic() + seconds
    while True:
        left = marked_processes(tag)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def pwned_files(top: Path, depth: int | None = None) -> list[Path]:
    """Files and folders named ``pwned-*`` under ``top`` (``depth`` levels below it at most), but
    inside another live process's grading folder (``dl-autograder-PID-*``): there, another test
    (an xdist worker grading an attack at this moment) has them staged, not left behind."""
    found, seen = [], 0
    base = len(top.parts)
    for folder, dirs, files in os.walk(top, onerror=lambda _: None):
        seen += 1
        here = Path(folder)
        dirs[:] = [d for d in dirs if not _live_grading_folder_of_another(d)]
        if depth is not None and len(here.parts) - base >= depth:
            dirs[:] = []
        found += [here / n for n in files + dirs if n.startswith(PWNED)]
        if seen > MAX_WALK:
            break
    return found


def _live_grading_folder_of_another(name: str) -> bool:
    parts = name.split("-")
    if name.startswith("dl-autograder-") and len(parts) > 2 and parts[2].isdigit():
        pid = int(parts[2])
        return pid != os.getpid() and Path(f"/proc/{pid}").exists()
    return False


@dataclass(frozen=True)
class Canary:
    path: Path
    content: bytes
    mtime_ns: int

    @classmethod
    def plant(cls, path: Path, content: str) -> Canary:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return cls(path, path.read_bytes(), path.stat().st_mtime_ns)

    def problem(self) -> str | None:
        try:
            data, mtime = self.path.read_bytes(), self.path.stat().st_mtime_ns
        except OSError as exc:
            return f"{self.path}: gone ({exc.strerror})"
        if data != self.content or mtime != self.mtime_ns:
            return f"{self.path}: changed"
        return None


def repo_state(repo: Path) -> dict[str, object]:
    """What an escape could change in the checkout: git's view of it, and every tracked file's
    size and mtime (an attack rewriting a file with the same bytes still moves its mtime)."""
    status = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tracked = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, text=True, check=True
    ).stdout.split("\0")
    stats = {}
    for rel in filter(None, tracked):
        try:
            st = (repo / rel).lstat()
            stats[rel] = (st.st_size, st.st_mtime_ns)
        except OSError:
            stats[rel] = None
    return {"status": status, "files": stats}


def repo_changes(before: dict, after: dict) -> list[str]:
    changes = [
        f"{rel}: {before['files'].get(rel)} -> {after['files'].get(rel)}"
        for rel in sorted(set(before["files"]) | set(after["files"]))
        if before["files"].get(rel) != after["files"].get(rel)
    ]
    if before["status"] != after["status"]:
        old, new = set(before["status"].splitlines()), set(after["status"].splitlines())
        changes += [f"git status: + {line}" for line in sorted(new - old)]
        changes += [f"git status: - {line}" for line in sorted(old - new)]
    return changes


class Listener:
    """A TCP listener on 127.0.0.1:``port`` that never accepts: a connection would wait in its backlog."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))  # OSError when the port is busy
        self.sock.listen(16)
        self.sock.setblocking(False)

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


class Watchdog:
    """Kills this process's child processes (a grading run's workers: pytester runs the grader in
    this process) once the run has lasted ``seconds``, and again every 2 s until it ends: a grading
    run must end on its own, and a hang of the grader becomes a test failure, not a stuck suite."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.fired = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        while not self._done.is_set():
            self.fired += 1
            for pid in _children(os.getpid()):
                for kill in (os.killpg, os.kill):  # workers run in a session of their own
                    try:
                        kill(pid, signal.SIGKILL)
                        break
                    except OSError:
                        continue
            self._done.wait(2)


def _children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            pids.append(int(entry.name))
    return pids
