"""``python -m harness.dev materialise CASE OUT``: write the whole submission a test case stands for;
``python -m harness.dev overlay COPY --base BASE``: shrink a whole copy into an overlay of BASE."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cases import CaseError, materialise, shrink_to_overlay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.dev")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("materialise", help="write the whole submission a case folder (an overlay) stands for")
    make.add_argument("case", type=Path, help="a case folder, e.g. submissions/broken/linear-dw-overwritten")
    make.add_argument("out", type=Path, help="a folder that does not exist yet")
    shrink = commands.add_parser("overlay", help="turn a whole copy into an overlay of a base (in place)")
    shrink.add_argument("case", type=Path, help="a folder holding a whole submission and its expected.toml")
    shrink.add_argument("--base", required=True, help="the folder under submissions/ it is a copy of, e.g. example")
    args = parser.parse_args(argv)
    if args.command == "overlay":
        try:
            spec = shrink_to_overlay(args.case, args.base)
        except (CaseError, OSError) as exc:
            print(f"cannot shrink {args.case}: {exc}", file=sys.stderr)
            return 1
        print(f"{args.case}: an overlay of {args.base}: {len(spec['edit'])} edit(s), {len(spec['remove'])} removal(s)")
        return 0
    if args.out.exists():
        parser.error(f"{args.out} exists already")
    try:
        materialise(args.case, args.out)
    except (CaseError, OSError) as exc:
        print(f"cannot materialise {args.case}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {args.case} over its base; grade it with pytest --submission={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
