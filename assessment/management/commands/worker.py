"""The task worker, kept alive across database outages.

django-tasks-db's `db_worker` exits on a database error it does not expect (for example while
PostgreSQL restarts). This command runs the same worker and, when the database goes away,
closes the broken connections, waits with a growing back-off and starts polling again.
A job left RUNNING by a killed worker is re-queued by assessment.reports (stale-job retry).
"""

import logging
import time
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

logger = logging.getLogger("assessment.worker")


class Command(DbWorkerCommand):
    help = "Run the task worker (db_worker) and reconnect after database outages."

    def handle(self, *args: Any, **options: Any) -> None:
        delay = 1.0
        while True:
            try:
                super().handle(*args, **options)
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning("database unavailable (%s); worker retries in %.0f s", exc, delay)
                for connection in connections.all():
                    try:
                        connection.close()
                    except (OperationalError, InterfaceError):
                        pass  # already broken; the next query opens a new connection
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
