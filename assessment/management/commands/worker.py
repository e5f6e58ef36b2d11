"""The task worker, kept alive across database outages, sweeping reports left by a killed worker.

django-tasks-db's `db_worker` exits on a database error it does not expect (for example while
PostgreSQL restarts). This command runs the same worker and, when the database goes away,
closes the broken connections, waits with a growing back-off and starts polling again.

Beside the polling loop, a sweeper thread calls `assessment.tasks.sweep_stale_reports` every
quarter of REPORT_STALE_MINUTES (between 1 s and 60 s): a report left RUNNING by a worker that was
killed mid-render is queued again, with no page request involved.
"""

import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from assessment.tasks import stale_after, sweep_stale_reports

logger = logging.getLogger("assessment.worker")


def sweep_interval() -> float:
    return min(60.0, max(1.0, stale_after().total_seconds() / 4))


def sweep_until(stop: threading.Event, every: float) -> None:
    """Sweep every `every` seconds until `stop` is set; a database error waits for the next round."""
    while not stop.wait(every):
        try:
            sweep_stale_reports()
        except DatabaseError as exc:
            logger.warning("stale-report sweep failed (%s); next round in %.0f s", exc, every)
        finally:
            connection.close()  # this thread's own connection


class Command(DbWorkerCommand):
    help = "Run the task worker (db_worker) and reconnect after database outages; re-queue stale reports."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        sweeper = threading.Thread(
            target=sweep_until, args=(stop, sweep_interval()), name="stale-report-sweep", daemon=True
        )
        sweeper.start()
        try:
            self._poll(*args, **options)
        finally:
            stop.set()

    def _poll(self, *args: Any, **options: Any) -> None:
        delay = 1.0
        while True:
            try:
                super().handle(*args, **options)
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning("database unavailable (%s); worker retries in %.0f s", exc, delay)
                for conn in connections.all():
                    try:
                        conn.close()
                    except (OperationalError, InterfaceError):
                        pass  # already broken; the next query opens a new connection
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
