"""Look at a report as a person would: headless Chromium (Debian's ``chromium``) driven by Playwright.

    python -m harness.report.screenshot REPORT.html OUT.png [--width 1300] [--open-details]

The tests use ``open_page`` to check what a browser shows (figures drawn, no console errors, the
summary box). Playwright drives the system's Chromium (``CHROMIUM`` or the first of ``BROWSERS`` on
the PATH), never a browser it downloads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# as root in a container: no sandbox of Chromium's own; no network: nothing in the background
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The Chromium to drive, or None where there is none (or no Playwright to drive it)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


@contextmanager
def open_page(html: Path, width: int = 1300) -> Iterator[tuple[Any, list[str]]]:
    """The report loaded in headless Chromium, and the console errors and page errors seen so far."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise RuntimeError("no Chromium found: install Debian's chromium (or set CHROMIUM) and playwright")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(html.resolve().as_uri(), wait_until="load")
            yield page, errors
        finally:
            browser.close()


def screenshot(html: Path, out: Path, width: int = 1300, open_details: bool = False) -> list[str]:
    """A full-page PNG of ``html``; returns the console errors seen (none expected)."""
    with open_page(html, width) as (page, errors):
        if open_details:
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.screenshot(path=str(out), full_page=True)
        return list(errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.report.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path, help="an HTML report (a student's or the class report)")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=1300, help="the window's width in pixels")
    parser.add_argument("--open-details", action="store_true", help="open every expandable row first")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        parser.error(f"{args.report}: no such file")
    if find_chromium() is None:
        print("no Chromium to drive: apt-get install chromium, and pip install playwright", file=sys.stderr)
        return 2
    errors = screenshot(args.report, args.out, args.width, args.open_details)
    print(f"{args.out}: {args.report} as headless Chromium shows it")
    for line in errors:
        print(f"  {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
