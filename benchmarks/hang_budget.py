"""Wall time of submissions that hang, under the default time budget (issue 17), beside the clean ones.

Each kind is the example submission with one edit (made in a temporary copy):
- ``import-loop``: an endless loop at the end of ``hw2/layers.py`` (module level);
- ``import-sleep-noterm``: a long sleep at module level that ignores SIGTERM;
- ``backward-loop``: an endless loop inside every ``backward`` of ``hw2/layers.py``;
- ``sleep-under-limit``: every method of ``hw2/layers.py`` sleeps just under the call limit;
- ``syntax-error``: a SyntaxError in ``hw2/layers.py``, beside ``skeleton`` (the untouched course skeleton,
  which fails every check cleanly) and ``example`` (the complete submission it was made from): the
  SyntaxError must cost no more time than they do.
The whole rubric is graded with the default limits (60 s per call, the rubric's budget), as course
staff would run it. Goal: none takes more than the budget plus 30 s; the SyntaxError no longer than
the skeleton.

Usage: python benchmarks/hang_budget.py [KIND ...] [--jobs N] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pytest_command import PYTEST

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "submissions" / "example"
SKELETON = REPO / "submissions" / "skeleton"
METHOD = re.compile(r"^(    def \w+\(self[^)]*\):\n(?:        \"\"\"(?:.|\n)*?\"\"\"\n)?)", re.M)


def _append(text: str) -> callable:
    return lambda source: source + text


def _every_method(body: str, only: str = "") -> callable:
    def edit(source: str) -> str:
        return METHOD.sub(lambda m: m[1] + body if not only or f"def {only}(" in m[1] else m[1], source)

    return edit


KINDS = {
    "import-loop": _append("\nwhile True:\n    pass\n"),
    "import-sleep-noterm": _append(
        "\nimport signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(100000)\n"
    ),
    "backward-loop": _every_method("        while True:\n            pass\n", only="backward"),
    "sleep-under-limit": _every_method("        import time; time.sleep(58)\n"),
    "syntax-error": lambda source: source.replace("class Sigmoid(Layer):", "class Sigmoid(Layer)", 1),
}


def grade(folder: Path, extra: list[str]) -> tuple[float, str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            *PYTEST,
            f"--submission={folder}",
            f"--report={tmp}/report.html",
            *extra,
        ]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        try:
            results = json.loads((Path(tmp) / "results.json").read_text())
        except (OSError, ValueError):
            return wall, "no results.json", ""
        lines = results["output"].splitlines()
        problem = next((line for line in lines if line.startswith("Problem:")), "")
        return wall, lines[0].split(": ", 1)[-1], problem[:150]


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kinds", nargs="*", default=["skeleton", "example", *KINDS])
    ap.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="gradings at once (the hanging kinds mostly wait; compare times of one --jobs only)",
    )
    args = ap.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    with tempfile.TemporaryDirectory() as tmp:
        folders = {}
        for kind in args.kinds:
            if kind in ("skeleton", "example"):
                folders[kind] = SKELETON if kind == "skeleton" else EXAMPLE
                continue
            folder = Path(tmp) / kind
            shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", "expected.toml"))
            layers = folder / "hw2" / "layers.py"
            layers.write_text(KINDS[kind](layers.read_text()))
            folders[kind] = folder
        with ThreadPoolExecutor(args.jobs) as pool:
            results = dict(zip(folders, pool.map(lambda f: grade(f, extra), folders.values())))
    for kind, (wall, score, problem) in results.items():
        print(f"{kind:22s} {wall:7.1f} s  {score}")
        if problem:
            print(f"{'':22s} {problem}")


if __name__ == "__main__":
    main()
