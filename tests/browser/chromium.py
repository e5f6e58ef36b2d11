"""Debian's headless chromium as this project runs it: the browser tests launch it through Playwright and
bench/report_bench.py times its --print-to-pdf, both with these flags (no sandbox or GPU in CI containers,
no background traffic, updates or sync). Plain constants: the bench's child processes import it cheaply."""

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
