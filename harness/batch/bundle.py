"""Build the Gradescope autograder bundle: a zip with ``setup.sh`` and ``run_autograder`` at its top
and the grader's source (harness, rubrics, answer key, pyproject) beside them.

    python -m harness.batch.bundle [--assignment hw2] [--offering 2023] [--out autograder.zip]

Gradescope unpacks it in ``/autograder/source``, runs ``setup.sh`` once when it builds the image,
and ``run_autograder`` for each submission (``/autograder/submission`` ->
``/autograder/results/results.json``). A Gradescope assignment is one of ours: the bundle's
``ASSIGNMENT`` file names it, so a submission is never graded as another assignment's; its
``OFFERING`` file (``--offering``) the course offering every submission is graded as; its
``BUDGET`` file (``--submission-timeout``, default 480 s) the wall time one submission may take: set it
under the Gradescope assignment's own timeout (600 s unless raised), so a submission that hangs still
ends with a results.json (what was graded, and why the rest was not).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from ..paths import CHECKOUT as REPO

SCRIPTS = Path(__file__).resolve().parent / "gradescope"
SOURCES = ("pyproject.toml", "README.md", "harness", "rubrics", "reference")
LEFT_OUT = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def _files(repo: Path) -> list[Path]:
    out = []
    for name in SOURCES:
        top = repo / name
        if top.is_file():
            out.append(top)
        elif top.is_dir():
            out += [
                p
                for p in sorted(top.rglob("*"))
                if p.is_file() and not LEFT_OUT.intersection(p.relative_to(repo).parts) and p.suffix != ".pyc"
            ]
    return out


def _add(zf: zipfile.ZipFile, path: Path, name: str, executable: bool = False) -> None:
    _add_bytes(zf, name, path.read_bytes(), executable)


def _add_text(zf: zipfile.ZipFile, name: str, line: str) -> None:
    _add_bytes(zf, name, (line + "\n").encode())


def _add_bytes(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same source, the same bundle
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


DEFAULT_BUDGET = 480.0  # seconds: under Gradescope's default timeout of 600 s, with room to start and write


def build_bundle(
    out: Path, repo: Path = REPO, assignment: str = "hw2", offering: str | None = None, budget: float = DEFAULT_BUDGET
) -> Path:
    if not (repo / "rubrics" / f"{assignment}.toml").is_file():
        raise ValueError(f"--assignment={assignment}: no rubrics/{assignment}.toml")
    if offering:
        from ..offerings import OfferingError, load_offerings, named

        try:
            if not named(load_offerings(repo / "rubrics" / f"{assignment}.toml"), offering).supported:
                raise ValueError(f"--offering={offering}: not graded by this grader")
        except OfferingError as exc:
            raise ValueError(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        _add_text(zf, "ASSIGNMENT", assignment)
        if offering:
            _add_text(zf, "OFFERING", offering)
        _add_text(zf, "BUDGET", f"{budget:g}")
        for script in ("setup.sh", "run_autograder"):
            _add(zf, SCRIPTS / script, script, executable=True)
        for path in _files(repo):
            _add(zf, path, path.relative_to(repo).as_posix())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m harness.batch.bundle", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=Path("autograder.zip"))
    ap.add_argument("--assignment", default="hw2", help="the assignment this Gradescope assignment grades")
    ap.add_argument(
        "--offering",
        default=None,
        help="the course offering every submission is graded as (default: recognised per submission)",
    )
    ap.add_argument(
        "--submission-timeout",
        type=float,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help="wall time one submission may take (default 480); keep it under the Gradescope assignment's timeout",
    )
    args = ap.parse_args(argv)
    if args.submission_timeout <= 0:
        print("bundle not built: --submission-timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    try:
        bundle = build_bundle(
            args.out, assignment=args.assignment, offering=args.offering, budget=args.submission_timeout
        )
    except ValueError as exc:
        print(f"bundle not built: {exc}", file=sys.stderr)
        return 2
    print(f"Gradescope autograder bundle for {args.assignment}: {bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
