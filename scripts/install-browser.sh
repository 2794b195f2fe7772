#!/usr/bin/env bash
# Install Debian's Chromium, which the report tests drive headless through Playwright
# (tests/report/test_in_browser.py) and `python -m harness.report.screenshot` uses.
# Never fails: without it those tests are skipped.
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n"
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq chromium >/dev/null 2>&1; }
fi
command -v chromium >/dev/null 2>&1 \
    || echo "install-browser: chromium could not be installed; the in-browser report tests will be skipped" >&2
exit 0
