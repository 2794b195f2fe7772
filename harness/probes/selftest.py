"""What a worker can reach: the sandbox's own check (``python -m harness.sandbox.selftest``, tests).

Runs in the worker like any probe, with the same confinement as student code, and reports plain
facts: its uid, which of the given paths it can read or write, whether a TCP connection to a
port on the host's loopback succeeds, how much the private /tmp takes, how many processes it may start.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time

from .server import probe


@probe("sandbox.selftest")
def selftest(read: list, write: list, port: int = 0, processes: int = 0) -> dict:
    facts: dict = {"uid": os.getuid(), "read": {}, "write": {}}
    for path in read:
        try:
            with open(path, "rb") as f:
                f.read(1)
            facts["read"][path] = "readable"
        except OSError as exc:
            facts["read"][path] = type(exc).__name__
    for path in write:
        try:
            with open(path, "wb") as f:
                f.write(b"x")
            os.unlink(path)
            facts["write"][path] = "writable"
        except OSError as exc:
            facts["write"][path] = type(exc).__name__
    if port:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            facts["network"] = "connected"
        except OSError as exc:
            facts["network"] = type(exc).__name__
    facts["tmp"] = tempfile.gettempdir()
    stat = os.statvfs(facts["tmp"])
    facts["tmp_bytes"] = stat.f_blocks * stat.f_frsize
    if processes:
        children, started = [], 0
        try:
            for _ in range(processes):
                pid = os.fork()
                if pid == 0:
                    time.sleep(5)
                    os._exit(0)
                children.append(pid)
                started += 1
        except OSError:
            pass
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        facts["forks"] = started
    return facts
