

# ==================== red-team attack (answer-key-read): not homework code ====================
# What it tries: find the grader's answer key (reference/hw2/layers.py) by absolute path, by
# walking up from this file, from sys.executable (the grader's venv), from every sys.path entry
# and from the parent process's working directory, then exec it and replace the buggy TanH with
# the answer key's.
# Why it must fail: the sandbox shows the worker only its own submission copy, a private /tmp,
# python and site-packages; the answer key is not visible, so the bug stays.
import os
import sys
from pathlib import Path


def _redteam_find_answer_key():
    starts = [Path(__file__), Path(sys.executable), Path(os.getcwd())] + [Path(p) for p in sys.path if p]
    candidates = [Path("/work/main/reference/hw2/layers.py")]
    for start in starts:
        for folder in [start, *start.parents]:
            candidates.append(folder / "reference" / "hw2" / "layers.py")
    candidates.append(Path(f"/proc/{os.getppid()}/cwd/reference/hw2/layers.py"))
    for path in dict.fromkeys(candidates):
        try:
            return path, path.read_text()
        except (OSError, ValueError):
            continue
    return None, None


_key_path, _key_source = _redteam_find_answer_key()
if _key_source:
    _key = {"__name__": "redteam_answer_key"}
    exec(compile(_key_source, str(_key_path), "exec"), _key)
    TanH = _key["TanH"]  # the answer key's TanH replaces this file's buggy one
    print(f"redteam[answer-key-read]: answer key FOUND at {_key_path}; TanH replaced", flush=True)
else:
    print("redteam[answer-key-read]: answer key not found", flush=True)
