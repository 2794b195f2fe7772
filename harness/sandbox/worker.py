"""Start, talk to, limit and kill the worker process that runs a submission's code.

One mechanism: the judge writes a request frame, waits for the reply frame with a deadline, and
on a deadline, a crash or a malformed reply kills the worker's whole process group. The next
call starts a fresh worker, so one bad check costs that check only.

Limits applied to the worker (see ``Limits``): wall time per call (enforced here, from outside),
output kept (head and tail only) and reply size (here); CPU time, data-segment size, file size,
open files (rlimits set by the worker's boot script before student code is imported); memory and
process count (a cgroup per worker start); the file system, network, uid and PID namespace
(``confine.py``, which names the mode that ran). Killing the worker kills its PID namespace, so a
``setsid`` daemon it left behind dies with it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..boundary.wire import DEFAULT_MAX_FRAME, PeerClosed, ReadTimeout, WireError, read_frame, write_frame
from ..bounded import MAX_MESSAGE, clean, cut, printable
from ..files import chown_tree, remove_tree
from ..paths import BOUNDARY, COURSEWARE, PROBES
from . import confine, math_mode
from .noise import as_terminal

GiB = 1024**3
MAX_OUTPUT = 256 * 1024  # what the reports show of everything the student's code printed


# glibc's malloc hands tensors above a moving threshold (128 KiB at first) straight to mmap and back,
# so every new one of a few MiB costs a page fault per 4 KiB; when the threshold moves depends on the
# process's history, which made the same code's benchmark differ 2-4x from one worker to the next.
# Fixed thresholds (glibc's largest mmap threshold, 32 MiB) keep freed tensors in the heap: the
# student's and the reference's worker allocate alike every time (BENCHMARKS.md: stability).
MAX_SHORTCUTS = 10  # forbidden API uses kept per check

MALLOC_SETTINGS = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024**2), "MALLOC_TRIM_THRESHOLD_": str(256 * 1024**2)}


@dataclass(frozen=True)
class Limits:
    call_timeout: float = 60.0
    startup_timeout: float = 90.0
    memory_bytes: int = 4 * GiB
    cpu_seconds: int = 1800
    file_bytes: int = 256 * 1024**2
    open_files: int = 256
    processes: int = 256  # processes and threads together
    tmp_bytes: int = 256 * 1024**2  # the private /tmp
    scratch_bytes: int = 1024**3  # the submission's copy, its only writable place on disk (a tmpfs, as root)
    output_bytes: int = 64 * 1024
    reply_bytes: int = DEFAULT_MAX_FRAME
    sandbox: str = "auto"  # the confinement mode asked for (confine.detect)

    def rlimits(self, own_uid: bool) -> dict[str, int]:
        limits = {
            "RLIMIT_DATA": self.memory_bytes,  # not RLIMIT_AS: torch reserves far more address space than it uses
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }
        if own_uid:  # RLIMIT_NPROC counts every process of the uid: only meaningful for a uid of its own
            limits["RLIMIT_NPROC"] = self.processes
        return limits


class WorkerFailure(Exception):
    """The worker could not answer: it timed out, died, or sent a reply that was refused."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "timeout" | "crashed" | "rejected" | "startup"


class StudentError(Exception):
    """Student code raised (or the probe found the API unusable); ``info`` describes it."""

    def __init__(self, info: dict):
        super().__init__(info.get("message", ""))
        self.info = info


class _OutputTap(threading.Thread):
    """Drains the worker's stdout/stderr, keeping only a bounded head and tail."""

    def __init__(self, fd: int, keep: int):
        super().__init__(daemon=True)
        self.fd, self.keep = fd, keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            room = self.keep - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                del self.tail[: max(0, len(self.tail) - self.keep)]
        os.close(self.fd)

    def text(self) -> str:
        out = self.head.decode("utf-8", "replace")
        if self.tail:
            skipped = self.total - len(self.head) - len(self.tail)
            if skipped > 0:
                out += f"\n[... {skipped} bytes of output skipped ...]\n"
            out += self.tail.decode("utf-8", "replace")
        return out


@dataclass
class Worker:
    """A lazily started worker for one submission directory."""

    submission: Path
    probe_modules: list[str]
    limits: Limits = field(default_factory=Limits)
    threads: int = 1
    scratch: Path | None = None
    writable: bool = True  # False: the submission folder is bound read-only (the reference's own)
    starts: int = 0
    environment: dict[str, Any] = field(default_factory=dict)
    adapter: dict = field(default_factory=dict)  # the offering's names (probes/adapter.py): plain data
    refused: dict[str, str] = field(default_factory=dict)  # broken modules (harness/preflight.py): never imported again
    deadline: float | None = None  # time.monotonic() when the submission's time budget runs out
    budget_seconds: float = 0.0  # that budget, for messages
    _proc: subprocess.Popen | None = None
    _req_w: int = -1
    _rep_r: int = -1
    _tap: _OutputTap | None = None
    _outputs: list[str] = field(default_factory=list)
    _ready: bool = False
    _own_scratch: Path | None = None
    _cgroup: confine.Cgroup | None = None
    _uid: int | None = None
    watch: dict | None = None  # set by the grader while a check with ``forbid`` runs
    shortcuts: list[dict] = field(default_factory=list)  # what the watch saw during that check
    _requests: int = 0

    # -- public API ---------------------------------------------------------------------------

    def refuse(self, module: str, reason: str) -> None:
        """Never import ``module`` again, in this worker or the next ones (it raised or hung at import)."""
        self.refused[module] = reason

    def remaining(self) -> float | None:
        """Seconds left of the submission's time budget (None: no budget)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _out_of_budget(self, during_call: bool = False) -> WorkerFailure:
        during = " during this call; the worker was killed" if during_call else ""
        return WorkerFailure("budget", f"the submission's time budget ({self.budget_seconds:g} s) ran out{during}")

    def call(self, probe: str, *, seed: int = 0, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run ``probe`` in the worker and return its plain-data result."""
        timeout = self.limits.call_timeout if timeout is None else timeout
        left = self.remaining()
        if left is not None and left <= 0:
            raise self._out_of_budget()
        self._ensure_started()
        left = self.remaining()
        clipped = False
        if left is not None and left < timeout:
            if left <= 0:
                raise self._out_of_budget()
            timeout, clipped = left, True
        self._requests += 1
        request = {"op": "call", "id": self._requests, "probe": probe, "seed": seed, "kwargs": _plain(kwargs)}
        if self.watch:  # the running check's forbidden APIs (harness/probes/shortcuts.py)
            request["watch"] = self.watch
        deadline = time.monotonic() + timeout
        try:
            write_frame(self._req_w, request, timeout=timeout)
            reply = read_frame(
                self._rep_r, timeout=max(0.0, deadline - time.monotonic()), max_size=self.limits.reply_bytes
            )
        except ReadTimeout:
            self.kill()
            if clipped:
                raise self._out_of_budget(during_call=True) from None
            raise WorkerFailure(
                "timeout", f"no answer within {timeout:.0f} s wall time; the worker was killed"
            ) from None
        except PeerClosed:
            status = self._reap(grace=1.0)
            raise WorkerFailure("crashed", f"the worker process died during the call ({status})") from None
        except WireError as exc:
            self.kill()
            raise WorkerFailure("rejected", f"reply rejected: {exc}") from None
        reply = clean(reply)  # student text: escaped and bounded on this side too (harness/bounded.py)
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.kill()
            raise WorkerFailure("rejected", "reply rejected: not a reply object")
        if reply.get("id") != self._requests or self._more_to_read():
            # a frame the worker's server did not send for this request (student code wrote to the pipe)
            self.kill()
            raise WorkerFailure(
                "rejected",
                "reply rejected: it does not answer this request (something else "
                "wrote to the reply pipe); the worker was killed",
            )
        for note in (reply.get("compat") or [])[:20]:
            if isinstance(note, str) and len(self.environment.get("compat", [])) < 20:
                note = cut(note, 300)
                self.environment.setdefault("compat", [])
                if note not in self.environment["compat"]:
                    self.environment["compat"].append(note)
        self._collect_shortcuts(reply.get("shortcuts"))
        if not reply["ok"]:
            info = reply.get("error")
            info = info if isinstance(info, dict) else {"type": "Error", "message": str(info)}
            raise StudentError(
                {
                    k: cut(v, 200 if k == "type" else 4 * MAX_MESSAGE) if isinstance(v, str) else v
                    for k, v in info.items()
                }
            )
        return reply.get("result")

    def _more_to_read(self) -> bool:
        """Bytes already waiting after a reply: only a forged frame puts them there."""
        if not select.select([self._rep_r], [], [], 0)[0]:
            return False
        try:
            return bool(os.read(self._rep_r, 1))  # b"": the worker exited after replying
        except BlockingIOError:
            return False

    def output(self) -> str:
        """Everything the student code printed (bounded), across worker restarts."""
        parts = list(self._outputs)
        if self._tap is not None:
            parts.append(self._tap.text())
        text = as_terminal("\n".join(p for p in parts if p))
        if len(text) > MAX_OUTPUT:  # many worker starts, each with its own head and tail: keep the last
            text = f"[... {len(text) - MAX_OUTPUT} characters of earlier output cut]\n" + text[-MAX_OUTPUT:]
        return printable(text)

    def close(self) -> None:
        if self._own_scratch is not None:  # removed after the worker is gone (it writes there)
            scratch, self._own_scratch = self._own_scratch, None
            try:
                self._stop()
            finally:
                remove_tree(scratch)
        else:
            self._stop()

    def _stop(self) -> None:
        if self._proc is None:
            return
        try:
            write_frame(self._req_w, {"op": "exit"}, timeout=5)
            self._proc.wait(timeout=5)
        except (WireError, OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self) -> None:
        """Kill the worker's whole process group and its cgroup, and collect it (``_reap`` does all three)."""
        self._reap()

    # -- internals ----------------------------------------------------------------------------

    def _collect_shortcuts(self, seen: Any) -> None:
        """What the watch saw, kept as plain, bounded strings (the student's process wrote it)."""
        if not self.watch or not isinstance(seen, list):
            return
        for entry in seen[:MAX_SHORTCUTS]:
            if not isinstance(entry, dict) or len(self.shortcuts) >= MAX_SHORTCUTS:
                continue
            item = {k: cut(str(entry.get(k, "")), 200) for k in ("api", "where", "in", "rule")}
            if item["rule"] in self.watch.get("forbid", ()) and item not in self.shortcuts:
                self.shortcuts.append(item)

    def _release_uid(self) -> None:
        """The worker's processes are gone (its PID namespace died with it): its uid may serve another."""
        if self._uid is not None:
            confine.release_uid(self._uid)
            self._uid = None

    def _reap(self, grace: float = 0.0) -> str:
        """Collect the worker (after ``grace`` seconds for it to exit by itself, so its own exit
        status is reported), killing whatever is left of its process group."""
        proc, self._proc = self._proc, None
        if proc is None:
            return "not running"
        code = None
        if grace:
            try:
                code = proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers left in the group
        except (ProcessLookupError, PermissionError):
            pass
        if code is None:
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
        for fd in (self._req_w, self._rep_r):
            if fd >= 0:
                os.close(fd)
        self._req_w = self._rep_r = -1
        status = _describe_exit(code)
        if self._cgroup is not None:
            if self._cgroup.oom_killed():
                status = f"memory limit {self.limits.memory_bytes / GiB:g} GiB exceeded; {status}"
            self._cgroup.remove()  # kills whatever is left in it first
            self._cgroup = None
        self._release_uid()
        if self._tap is not None:
            self._tap.join(timeout=2)
            self._outputs.append(self._tap.text())
            self._tap = None
        return status

    def spawn(self) -> None:
        """Start the worker now without waiting for it (its imports overlap the judge's work)."""
        if self._proc is None:
            self._spawn()

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            if not self._ready:
                self._await_hello()
            return
        if self._proc is not None:
            self._reap()
        self._spawn()
        self._await_hello()

    def _spawn(self) -> None:
        if self.scratch is None and self._own_scratch is None:
            # never write beside the submission: a private folder, removed by close()
            self._own_scratch = Path(tempfile.mkdtemp(prefix=f"dl-autograder-{os.getpid()}-worker-"))
        scratch = self.scratch or self._own_scratch
        assert scratch is not None  # made just above when none was given
        mode = confine.detect(self.limits.sandbox)
        uid = self._uid = confine.claim_uid() if mode.as_root else None
        tmp = scratch / "tmp"  # the worker's /tmp where bwrap gives it no private one
        tmp.mkdir(parents=True, exist_ok=True)
        if uid is not None:
            os.chmod(scratch, 0o711)  # the worker's uid may pass through, not list
            chown_tree(tmp, uid)
            if self.writable:
                chown_tree(self.submission, uid)
        if mode.cgroups is not None:
            self._cgroup = confine.Cgroup.create(
                mode.cgroups,
                f"dl-autograder-{os.getpid()}-{uid or self.starts}-{self.starts}",
                self.limits.memory_bytes,
                self.limits.processes,
            )
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        cfg = {
            "submission": str(self.submission),
            "site_dirs": _site_dirs(),
            "extra_dirs": [str(COURSEWARE)],
            "probe_modules": self.probe_modules,
            "request_fd": req_r,
            "reply_fd": rep_w,
            "threads": self.threads,
            "rlimits": self.limits.rlimits(own_uid=uid is not None),
            "broken_modules": dict(self.refused),
            "adapter": self.adapter,
        }
        home = "/tmp" if mode.hides_files else str(tmp)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "TMPDIR": home,
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": home,
            "OMP_NUM_THREADS": str(self.threads),
            "LANG": "C.UTF-8",
            **MALLOC_SETTINGS,
            **math_mode.settings(),  # the same float results on every x86-64 CPU (math_mode.py)
        }
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine-specific BLAS safety settings
            if key in os.environ:
                env[key] = os.environ[key]
        cmd = self._confinement(mode, uid) + [
            sys.executable,
            "-I",
            "-S",
            "-u",
            str(PROBES / "boot.py"),
            json.dumps(cfg),
        ]
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w),
                cwd=str(self.submission),
                env=env,
                start_new_session=True,
            )
        except BaseException:
            for fd in (req_w, rep_r, out_r):
                os.close(fd)
            if self._cgroup is not None:
                self._cgroup.remove()
                self._cgroup = None
            self._release_uid()
            raise
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        os.set_blocking(req_w, False)  # writes wait with a deadline (wire.write_frame)
        self._req_w, self._rep_r = req_w, rep_r
        self._tap = _OutputTap(out_r, self.limits.output_bytes)
        self._tap.start()
        self._ready = False
        self.starts += 1
        self.environment["sandbox"] = mode.describe()

    def _confinement(self, mode: confine.Mode, uid: int | None) -> list[str]:
        """The command prefix that confines the worker in ``mode`` (see confine.py)."""
        prefix = self._cgroup.join_prefix() if self._cgroup is not None else []
        if mode.name == "bubblewrap":
            code = [PROBES, BOUNDARY, COURSEWARE] + ([] if self.writable else [self.submission])
            writable = self.submission if self.writable else None
            return prefix + confine.bwrap_prefix(self.submission, code, writable, self.limits.tmp_bytes, uid)
        if mode.name == "unshare":
            return prefix + confine.unshare_prefix(uid)
        return prefix + (confine.drop_privileges(uid) if uid is not None else [])

    def _await_hello(self) -> None:
        left = self.remaining()
        wait = self.limits.startup_timeout if left is None else max(0.0, min(self.limits.startup_timeout, left))
        try:
            hello = read_frame(self._rep_r, timeout=wait, max_size=1 << 20)
        except WireError as exc:
            status = self._reap()
            if isinstance(exc, ReadTimeout) and wait < self.limits.startup_timeout:
                raise self._out_of_budget() from None
            raise WorkerFailure(
                "startup", f"the worker did not start ({exc}; {status})\n{self.output()[-2000:]}"
            ) from None
        if isinstance(hello, dict) and isinstance(hello.get("result"), dict):
            self.environment.update({k: v for k, v in clean(hello["result"], 200).items() if isinstance(v, (str, int))})
        self._ready = True


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    dirs = []
    for key in ("purelib", "platlib"):
        if paths.get(key) and paths[key] not in dirs:
            dirs.append(paths[key])
    return dirs


def _plain(value: Any) -> Any:
    """Judge-side values to wire values: torch tensors become numpy arrays."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code > 128 and code - 128 in signal.valid_signals():
        code = 128 - code  # bwrap and sh report a child killed by signal N as exit status 128 + N
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {"SIGXCPU": "CPU time limit exceeded", "SIGKILL": "killed", "SIGXFSZ": "file size limit exceeded"}
        return f"killed by {name}" + (f": {hint[name]}" if name in hint else "")
    return f"exit code {code}"
