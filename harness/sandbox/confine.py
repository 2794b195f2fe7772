"""Confinement of the worker process: which OS mechanisms this machine offers, and how to apply them.

Three modes, strongest first; the one that ran is reported with every grade:

``bubblewrap``  bwrap builds a new root holding only the system libraries, the Python
                installation (read-only), the worker's own code (read-only), the submission's
                copy (the only writable place) and a private, size-limited tmpfs ``/tmp``; new
                network (no interfaces), PID, IPC and UTS namespaces. As root, a unique
                unprivileged uid (``setpriv``, ``no_new_privs``, empty capability sets) and a
                cgroup (memory, process count) per worker start.
``unshare``     bwrap is missing: a new network and PID namespace (``unshare``), the uid drop
                and cgroup as above, but the whole file system stays visible (read-only for
                the worker's uid): WEAK, the answer key can be read.
``none``        neither works (no ``unshare``): rlimits only. WEAK.

Resource limits that need no privilege (CPU time, data segment, file size, open files) are
rlimits set by the worker's boot script; wall time is enforced by the judge (``worker.py``).
The PID namespace is the kill switch: when its first process dies the kernel kills every
process left in it, ``setsid`` daemons included.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..files import remove_tree

SANDBOX_UID_BASE = 1_000_000  # each worker start gets its own uid in [BASE, BASE + SPAN)
SANDBOX_UID_SPAN = 1_000_000
_uids = itertools.count()

# What of /etc a Python program needs (the dynamic loader's cache, time zone, user names).
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf", "alternatives")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass(frozen=True)
class Mode:
    name: str  # "bubblewrap" | "unshare" | "none"
    as_root: bool
    cgroups: CgroupRoots | None

    @property
    def hides_files(self) -> bool:
        return self.name == "bubblewrap"

    def describe(self) -> str:
        parts = {
            "bubblewrap": [
                "bubblewrap: only the submission copy, Python and a private /tmp visible",
                "no network",
                "own PID namespace",
            ],
            "unshare": [
                "WEAK: unshare only (no bwrap)",
                "no network",
                "own PID namespace",
                "files NOT hidden (the answer key is readable)",
            ],
            "none": ["WEAK (no bwrap, no unshare): rlimits only", "network and files NOT isolated"],
        }[self.name]
        if self.as_root and self.name != "none":
            parts.append("unprivileged uid, no_new_privs")
        parts.append("cgroup memory and process limits" if self.cgroups else "no cgroup (rlimits only)")
        return "; ".join(parts)


MODES = ("bubblewrap", "unshare", "none")


@functools.cache
def detect(wanted: str = "auto") -> Mode:
    """The strongest mode that actually works here, no stronger than ``wanted`` (each is tried for real)."""
    as_root = os.geteuid() == 0 and shutil.which("setpriv") is not None
    cgroups = CgroupRoots.find() if os.geteuid() == 0 else None
    probe = [sys.executable, "-I", "-S", "-c", "pass"]
    candidates = MODES if wanted == "auto" else MODES[MODES.index(wanted) :]
    if "bubblewrap" in candidates and shutil.which("bwrap"):
        uid = claim_uid() if as_root else None
        try:
            argv = bwrap_prefix(Path(sys.prefix), [], writable=None, tmp_bytes=1 << 20, uid=uid)
            if _works(argv + probe):
                return Mode("bubblewrap", as_root, cgroups)
        finally:
            if uid is not None:
                release_uid(uid)
    if "unshare" in candidates and shutil.which("unshare") and _works(unshare_prefix(None) + probe):
        return Mode("unshare", as_root, cgroups)
    return Mode("none", as_root, cgroups)


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def next_uid() -> int:
    """Where to start looking for a free uid: spread by judge pid and start count (``claim_uid`` decides)."""
    return SANDBOX_UID_BASE + (os.getpid() * 64 + next(_uids)) % SANDBOX_UID_SPAN


class _UidRegistry:
    """Which sandbox uids live workers hold, across every judge process of this machine.

    Byte N of one root-only file, locked (``lockf``) by a judge, means uid BASE + N is in use: two
    workers of one uid would share RLIMIT_NPROC (one student's fork bomb starving another's threads)
    and, without bwrap, each other's files. Record locks die with their process, so a killed judge
    frees its uids. They are per process: the uids this process holds are kept here too."""

    # one place for every judge of the machine whatever its TMPDIR (a batch run may set its own):
    # /run (root's, never inside a sandbox), else /tmp
    PATH = Path("/run" if os.access("/run", os.W_OK) else "/tmp") / "dl-autograder-uids.lock"

    def __init__(self) -> None:
        self.fd = -1
        self.held: set[int] = set()
        self.lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)  # a forked child holds none of the locks

    def _forget(self) -> None:
        self.held = set()
        self.lock = threading.Lock()

    def _open(self) -> int:
        if self.fd < 0:
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(self.PATH, flags, 0o600)
            st = os.fstat(fd)
            if st.st_uid != os.geteuid() or st.st_mode & 0o077:  # planted by someone else: not ours to trust
                os.close(fd)
                self.PATH.unlink()
                fd = os.open(self.PATH, flags | os.O_EXCL, 0o600)
            self.fd = fd
        return self.fd

    def claim(self, start: int) -> int:
        with self.lock:
            fd = self._open()
            for step in range(SANDBOX_UID_SPAN):
                n = (start - SANDBOX_UID_BASE + step) % SANDBOX_UID_SPAN
                if n in self.held:
                    continue
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, n)
                except OSError:  # another judge's worker has it
                    continue
                self.held.add(n)
                return SANDBOX_UID_BASE + n
        raise OSError("no free sandbox uid")

    def release(self, uid: int) -> None:
        n = uid - SANDBOX_UID_BASE
        with self.lock:
            if n in self.held:
                fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, n)
                self.held.discard(n)


_registry = _UidRegistry()


def claim_uid(start: int | None = None) -> int:
    """A sandbox uid no other live worker on this machine has; give it back with ``release_uid``."""
    return _registry.claim(next_uid() if start is None else start)


def release_uid(uid: int) -> None:
    _registry.release(uid)


def drop_privileges(uid: int) -> list[str]:
    """setpriv: a fresh unprivileged uid/gid, no supplementary groups, no capabilities, no_new_privs."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--no-new-privs",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--",
    ]


def unshare_prefix(uid: int | None) -> list[str]:
    prefix = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
    if os.geteuid() != 0:
        prefix[1:1] = ["--user", "--map-root-user"]
    return prefix + ["--"] + (drop_privileges(uid) if uid is not None else [])


def bwrap_prefix(
    chdir: Path,
    read_only: list[Path],
    writable: Path | None,
    tmp_bytes: int,
    uid: int | None,
) -> list[str]:
    """The bwrap command line: a root with only what the worker needs, at the same paths as outside."""
    args = [
        "bwrap",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
    ]
    if uid is None:  # not root: bwrap makes a user namespace; drop the capabilities it holds there
        args += ["--unshare-user", "--cap-drop", "ALL"]
    made: set[str] = {"/"}
    real: list[str] = []  # folders bound from the host: what lies under them exists already

    def bind(kind: str, path: Path) -> None:
        for parent in reversed(path.parents):  # bwrap would make missing parents mode 0700
            p = str(parent)
            if p not in made and not any(p == r or p.startswith(r + "/") for r in real):
                args.extend(["--perms", "0755", "--dir", p])
                made.add(p)
        args.extend([kind, str(path), str(path)])
        real.append(str(path))

    for top in _SYSTEM:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            bind("--ro-bind", Path(top))
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    made.update({"/proc", "/dev", "/tmp", "/etc"})
    for dev in sorted(Path("/dev").glob("nvidia*")):  # a GPU, when the machine has one
        args += ["--dev-bind", str(dev), str(dev)]
    for path in _python_dirs() + [p.resolve() for p in read_only]:
        bind("--ro-bind", path)
    if writable is not None:
        bind("--bind", writable.resolve())
    args += ["--chdir", str(chdir), "--"]
    if uid is not None:
        args += drop_privileges(uid)
    return args


def _python_dirs() -> list[Path]:
    """The interpreter, its standard library and site-packages (a venv's and its base's)."""
    import sysconfig

    found = {
        Path(raw).resolve()
        for raw in (sys.base_prefix, sys.prefix, os.path.dirname(sys.executable), *sysconfig.get_paths().values())
        if raw
    }
    found = {p for p in found if p.exists() and not str(p).startswith(_SYSTEM)}
    return sorted(p for p in found if not any(q in p.parents for q in found))


# -- cgroups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupRoots:
    """Where this process may make child cgroups: one folder (v2) or one per controller (v1)."""

    version: int
    memory: Path
    pids: Path

    @classmethod
    def find(cls) -> CgroupRoots | None:
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        own = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                own[c] = path
        base = Path("/sys/fs/cgroup")
        if (base / "cgroup.controllers").exists() and "" in own:
            root = base / own[""].lstrip("/")
            found = cls(2, root, root)
        elif (base / "memory").is_dir() and "memory" in own and "pids" in own:
            found = cls(1, base / "memory" / own["memory"].lstrip("/"), base / "pids" / own["pids"].lstrip("/"))
        else:
            return None
        try:  # can we really make (and remove) a child here?
            probe = Cgroup.create(found, f"dl-autograder-probe-{os.getpid()}", 1 << 30, 64)
            probe.remove()
        except OSError:
            return None
        return found


class Cgroup:
    """One worker's cgroup: memory and process-count limits, OOM detection, kill-all."""

    def __init__(self, roots: CgroupRoots, dirs: list[Path], memory_bytes: int):
        self.roots, self.dirs, self.memory_bytes = roots, dirs, memory_bytes

    @classmethod
    def create(cls, roots: CgroupRoots, name: str, memory_bytes: int, processes: int) -> Cgroup:
        if roots.version == 2:
            d = roots.memory / name
            d.mkdir()
            group = cls(roots, [d], memory_bytes)
            try:
                _write(d / "memory.max", memory_bytes)
                _write(d / "memory.swap.max", 0, missing_ok=True)
                _write(d / "pids.max", processes)
            except OSError:
                group.remove()
                raise
            return group
        mem, pids = roots.memory / name, roots.pids / name
        mem.mkdir()
        group = cls(roots, [mem], memory_bytes)
        try:
            pids.mkdir()
            group.dirs.append(pids)
            _write(mem / "memory.limit_in_bytes", memory_bytes)
            _write(mem / "memory.memsw.limit_in_bytes", memory_bytes, missing_ok=True)  # no swapping around it
            _write(pids / "pids.max", processes)
        except OSError:
            group.remove()
            raise
        return group

    def join_prefix(self) -> list[str]:
        """A shell that moves itself into the cgroup, then execs the rest (children inherit it)."""
        procs = [str(d / "cgroup.procs") for d in self.dirs]
        script = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 97; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *procs, "--"]

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this cgroup for exceeding its memory limit."""
        d = self.dirs[0]
        name = "memory.events" if self.roots.version == 2 else "memory.oom_control"
        try:
            for line in (d / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
            if self.roots.version == 1:
                return (
                    int((d / "memory.failcnt").read_text()) > 0
                    and int((d / "memory.max_usage_in_bytes").read_text()) >= self.memory_bytes
                )
        except (OSError, ValueError):
            pass
        return False

    def kill_all(self) -> None:
        for d in self.dirs:
            if self.roots.version == 2 and (d / "cgroup.kill").exists():
                try:
                    _write(d / "cgroup.kill", 1)
                    continue
                except OSError:
                    pass
            try:
                pids = (d / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass

    def remove(self) -> None:
        """Kill what is left and remove the folders (a cgroup with processes cannot be removed)."""
        deadline = time.monotonic() + 5
        for d in self.dirs:
            while d.exists():
                try:
                    d.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    self.kill_all()
                    time.sleep(0.02)


def _write(path: Path, value: int, missing_ok: bool = False) -> None:
    try:
        path.write_text(f"{value}\n")
    except FileNotFoundError:
        if not missing_ok:
            raise


# -- the scratch folder ------------------------------------------------------------------------


def make_scratch(size_bytes: int) -> Path:
    """A private folder for one submission's copy; as root, a tmpfs of ``size_bytes`` mounted on it,
    so a worker writing into its copy (its only writable place on disk) cannot fill the disk.
    What it writes there is charged to its memory cgroup as well."""
    sweep_stale()
    path = Path(tempfile.mkdtemp(prefix=f"dl-autograder-{os.getpid()}-"))
    if os.geteuid() == 0 and shutil.which("mount"):
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0700", "dl-autograder", str(path)],
            capture_output=True,
            timeout=30,
        )
    return path


@functools.lru_cache(maxsize=1)
def sweep_stale() -> None:
    """Remove what a judge killed with SIGKILL left behind: its scratch tmpfs and empty cgroups.

    Their names carry the judge's pid; only those of a pid that no longer runs are touched (its
    workers died with it: they are in its PID namespaces, killed with their parent)."""
    for path in Path(tempfile.gettempdir()).glob("dl-autograder-*-*"):
        if _dead_owner(path.name):
            remove_scratch(path)
    mode_roots = detect().cgroups  # found once per process (detect is cached)
    if mode_roots is not None:
        for root in {mode_roots.memory, mode_roots.pids}:
            for group in root.glob("dl-autograder-*"):
                if _dead_owner(group.name):
                    try:
                        group.rmdir()
                    except OSError:
                        pass


def _dead_owner(name: str) -> bool:
    parts = name.split("-")
    if len(parts) < 4 or not parts[2].isdigit():
        return False
    return not Path(f"/proc/{parts[2]}").exists()


def remove_scratch(path: Path) -> None:
    if os.path.ismount(path):
        subprocess.run(["umount", "--lazy", str(path)], capture_output=True, timeout=30)
    remove_tree(path)


def scratch_is_bounded(path: Path) -> bool:
    return os.path.ismount(path)
