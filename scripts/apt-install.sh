#!/usr/bin/env bash
# apt-install.sh COMMAND PACKAGE MESSAGE: install Debian's PACKAGE unless COMMAND is already on the
# PATH (as root, or with passwordless sudo). Never fails: prints MESSAGE when COMMAND is still missing.
command="$1" package="$2" message="$3"
if command -v "$command" >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n"
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq "$package" >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq "$package" >/dev/null 2>&1; }
fi
command -v "$command" >/dev/null 2>&1 || echo "$message" >&2
exit 0
