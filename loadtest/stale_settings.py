"""The production settings with a short "stale report" window, for the worker-kill test only.

assessment.reports treats a report RUNNING for longer than settings.REPORT_STALE_MINUTES (default 10)
as left behind by a dead worker and re-queues it on the next status poll. The test cannot wait ten
minutes, so the app server that answers its polls uses this module instead; everything else is
greenmfg.settings unchanged.
"""

import os

from greenmfg.settings import *  # noqa: F403

REPORT_STALE_MINUTES = float(os.environ.get("LOADTEST_STALE_SECONDS", "20")) / 60
