"""``python -m harness.dev materialise CASE OUT``: write the whole submission a test case stands for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cases import CaseError, materialise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.dev")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("materialise", help="write the whole submission a case folder (an overlay) stands for")
    make.add_argument("case", type=Path, help="a case folder, e.g. submissions/broken/linear-dw-overwritten")
    make.add_argument("out", type=Path, help="a folder that does not exist yet")
    args = parser.parse_args(argv)
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
