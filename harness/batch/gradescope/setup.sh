#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the bundle is unpacked
# in /autograder/source. Pick the "Ubuntu 24.04" base image: the grader needs Python >= 3.11.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip util-linux  # util-linux: unshare
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "setup.sh: the grader needs Python >= 3.11; choose Gradescope's Ubuntu 24.04 base image" >&2
    exit 1
}
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
# Editable on purpose: the judge loads the answer key from the checkout (reference/), which is not
# part of the installed distribution (student code cannot import it).
"$ROOT/venv/bin/python" -m pip install -e "$ROOT/source"
