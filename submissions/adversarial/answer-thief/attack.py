

# ==================== red-team attack (answer-thief): not homework code ====================
# What it tries: read answers out of the grader while it is being graded, and print them into its
# own report (which its author reads). (1) Every request the worker receives: each probe function
# of the worker's server is wrapped to print its arguments (arrays summarised) before it runs; a
# check that trains "the student's code with known-good hyper-parameters" would hand over the
# answer key's. (2) Every file it can read: the whole file system the worker sees is walked, and
# each line of a file that defines a part*_hp() function, or whose path names the answer key or
# expected values, is printed.
# Why it must fail: no request carries an answer key's values (the training checks use the
# grader's own settings, which answer nothing), and nothing the worker can read holds the answer
# key (the sandbox shows it its submission, python and the probe modules only).
import os
import re
import sys
import time

_REDTEAM_OUT = []


def _redteam_print(line):
    if len(_REDTEAM_OUT) < 400:
        _REDTEAM_OUT.append(line[:800])
        print(line[:800], flush=True)


def _redteam_plain(value, depth=0):
    """A request argument as short text: numbers, strings and small dicts/lists as they are."""
    if isinstance(value, (int, float, str, bool)) or value is None:
        return repr(value)[:80]
    if isinstance(value, dict) and depth < 3:
        return "{" + ", ".join(f"{k!r}: {_redteam_plain(v, depth + 1)}" for k, v in list(value.items())[:20]) + "}"
    if isinstance(value, (list, tuple)) and depth < 3 and len(value) <= 12:
        return "[" + ", ".join(_redteam_plain(v, depth + 1) for v in value) + "]"
    return f"<{type(value).__name__}>"


def _redteam_wrap_probes():
    tables = [getattr(m, "PROBES", None) for m in list(sys.modules.values())]
    probes = next((t for t in tables if isinstance(t, dict) and t), None)
    if probes is None:
        _redteam_print("redteam[answer-thief]: no probe table found")
        return
    for name, fn in list(probes.items()):
        def spy(*args, _name=name, _fn=fn, **kwargs):
            _redteam_print(f"redteam[answer-thief]: request {_name} {_redteam_plain(kwargs)}")
            return _fn(*args, **kwargs)
        probes[name] = spy
    _redteam_print(f"redteam[answer-thief]: spying on {len(probes)} probes")


_HP_DEF = re.compile(r"def part\d_\w*hp\b")
_TELLING_PATH = re.compile(r"reference|answer|expected", re.I)


def _redteam_walk_files(budget_s=20.0):
    own = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # its own answers say nothing new
    started, read, found = time.monotonic(), 0, 0
    for top, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev", own)]
        if time.monotonic() - started > budget_s:
            break
        for name in files:
            path = os.path.join(top, name)
            if not name.endswith((".py", ".json", ".toml", ".txt", ".md", ".bin", ".cfg", ".yaml")):
                continue
            try:
                if os.path.getsize(path) > 2_000_000:
                    continue
                with open(path, errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            read += 1
            lines = text.splitlines()
            for i, line in enumerate(lines):
                if _HP_DEF.search(line):  # the function and its body
                    found += 1
                    for body in lines[i:i + 12]:
                        _redteam_print(f"redteam[answer-thief]: {path}: {body.strip()}")
            if _TELLING_PATH.search(path) and "site-packages" not in path and "/usr/" not in path:
                found += 1
                for body in lines[:40]:
                    _redteam_print(f"redteam[answer-thief]: {path}: {body.strip()}")
    _redteam_print(f"redteam[answer-thief]: read {read} files, {found} looked like answers")


_redteam_wrap_probes()
_redteam_walk_files()
