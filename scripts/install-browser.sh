#!/usr/bin/env bash
# Install Debian's Chromium, which the report tests drive headless through Playwright
# (tests/report/test_in_browser.py) and `python -m harness.report.screenshot` uses.
# Never fails: without it those tests are skipped.
exec bash "$(dirname "$0")/apt-install.sh" chromium chromium \
    "install-browser: chromium could not be installed; the in-browser report tests will be skipped"
