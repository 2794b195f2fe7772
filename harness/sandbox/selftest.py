"""Show what the worker sandbox confines on this machine: ``python -m harness.sandbox.selftest``.

Starts a worker exactly as for grading (an empty submission copy) and asks it what it can reach:
the answer key, the rubric, the repository, the host's loopback, how many processes it may start,
how large its /tmp is. Each line says whether the mode that ran keeps that from student code.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..paths import CHECKOUT as REPO
from . import confine
from .worker import Limits, Worker


def probe_worker(mode: str = "auto", limits: Limits | None = None) -> dict[str, Any]:
    """The facts a worker in ``mode`` reports, plus what was asked (paths, port)."""
    limits = limits or Limits(sandbox=mode)
    scratch = Path(tempfile.mkdtemp(prefix="dl-autograder-selftest-"))
    listener = socket.socket()
    try:
        (scratch / "submission").mkdir()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0)
        port = listener.getsockname()[1]
        secrets = [str(REPO / "reference" / "hw2" / "layers.py"), str(REPO / "rubrics" / "hw2.toml")]
        outside = [str(REPO / "selftest-write.tmp"), str(scratch / "outside-the-copy.tmp")]
        inside = [str(scratch / "submission" / "inside.tmp")]
        worker = Worker(scratch / "submission", ["probes.selftest"], limits, 1, scratch)
        try:
            facts = worker.call(
                "sandbox.selftest", read=secrets, write=outside + inside, port=port, processes=limits.processes + 64
            )
            facts["forks_asked"] = limits.processes + 64
        finally:
            worker.close()
        try:
            listener.accept()[0].close()
            facts["host_loopback_reached"] = True
        except OSError:
            facts["host_loopback_reached"] = False
        facts.update(
            mode=confine.detect(mode).name,
            secrets=secrets,
            outside=outside,
            inside=inside,
            description=worker.environment.get("sandbox", ""),
        )
        return facts
    finally:
        listener.close()
        shutil.rmtree(scratch, ignore_errors=True)


def verdicts(facts: dict[str, Any]) -> list[tuple[str, bool]]:
    """(what, confined?) for each thing the sandbox is meant to keep from student code."""
    return [
        ("answer key and rubric hidden", all(facts["read"][p] != "readable" for p in facts["secrets"])),
        (
            "nothing outside the submission copy writable",
            all(facts["write"][p] != "writable" for p in facts["outside"]),
        ),
        ("the submission copy writable", all(facts["write"][p] == "writable" for p in facts["inside"])),
        ("host network unreachable", not facts["host_loopback_reached"] and facts.get("network") != "connected"),
        ("unprivileged uid", facts["uid"] != 0),
        ("process count capped", facts["forks"] < facts["forks_asked"]),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", choices=("auto", *confine.MODES), default="auto")
    args = parser.parse_args(argv)
    facts = probe_worker(args.sandbox)
    print(f"mode: {facts['mode']} ({facts['description']})")
    for what, ok in verdicts(facts):
        print(f"  {'yes' if ok else 'NO '}  {what}")
    print(f"  private /tmp: {facts['tmp_bytes'] / 1024**2:.0f} MiB; processes started: {facts.get('forks')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
