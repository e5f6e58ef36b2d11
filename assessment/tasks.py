"""Background work and the report queue (Django Tasks API; backend django_tasks_db, worker: `manage.py worker`).

A `Report` row is the user's view of one PDF (its file, progress, attempts, fingerprint); the task it
queues is django-tasks-db's own record. `enqueue_report` keeps, reuses or queues a report;
`sweep_stale_reports` runs in the worker loop (`manage.py worker`) and re-queues a report whose
worker was killed mid-render. Nothing here runs in a GET. Imports only `reports` (rendering), which
imports neither this module nor submission: submission → tasks → reports has no cycle.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import TaskContext, task
from django.utils import timezone

from assessment import reports
from assessment.models import Assessment, Report
from organisations.models import Consultancy

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@task(takes_context=True)
def render_report_task(context: TaskContext[[int], str], report_id: int) -> str:
    # The task id lets a re-queued report ignore the stale job it replaced.
    return reports.run_report(report_id, str(context.task_result.id))


def stale_after() -> timedelta:
    return timedelta(minutes=settings.REPORT_STALE_MINUTES)


def is_stale(report: Report, now: Any = None) -> bool:
    """Running far longer than any render takes: the worker was killed."""
    now = now or timezone.now()
    return report.status == Report.Status.RUNNING and (
        report.started_at is None or report.started_at < now - stale_after()
    )


def enqueue_report(
    assessment: Assessment,
    language: str,
    user: Any,
    consultancy: Consultancy | None = None,
    kind: str = Report.Kind.PDF,
) -> Report:
    """The report (PDF or filing pack) for the assessment's current state: kept, in progress, or newly queued."""
    if kind not in Report.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    if kind == Report.Kind.FILING_PACK:
        consultancy = None  # a pack prints no consultancy: one pack serves the company and its consultants
    with transaction.atomic():
        # Lock the assessment row so two requests cannot both decide to queue a render.
        # (SQLite: the IMMEDIATE transaction mode already serialises writers.)
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        fp = reports.fingerprint(locked, language=language, consultancy=consultancy, kind=kind)
        report = Report.objects.filter(assessment=locked, fingerprint=fp).order_by("-created_at").first()
        if report is None:
            report = Report.objects.create(
                assessment=locked,
                kind=kind,
                language=language,
                fingerprint=fp,
                consultancy=consultancy,
                requested_by=user,
            )
            return _queue(report)
        if report.status == Report.Status.DONE or (
            report.status in (Report.Status.QUEUED, Report.Status.RUNNING) and not is_stale(report)
        ):
            return report
        return _queue(report)  # failed (retry asked for) or stale


def sweep_stale_reports(now: Any = None) -> list[Report]:
    """Re-queue (or, after MAX_ATTEMPTS, fail) every report left running by a killed worker."""
    now = now or timezone.now()
    candidates = Report.objects.filter(status=Report.Status.RUNNING).filter(
        started_at__lt=now - stale_after()
    ) | Report.objects.filter(status=Report.Status.RUNNING, started_at__isnull=True)
    swept = []
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            if not is_stale(report, now):
                continue  # finished or re-queued meanwhile
            logger.warning("report %s: running since %s, worker presumably gone; retrying", pk, report.started_at)
            swept.append(_queue(report))
    return swept


def _queue(report: Report) -> Report:
    """Queue (or re-queue) a render; call inside a transaction, so row and task commit together."""
    if report.attempts >= MAX_ATTEMPTS:
        report.status = Report.Status.FAILED
        report.error = f"gave up after {report.attempts} attempts: the render did not finish"
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        logger.error("report %s: %s", report.pk, report.error)
        return report
    result = render_report_task.enqueue(report.pk)
    report.status = Report.Status.QUEUED
    report.task_id = str(result.id)
    report.progress = 0
    report.error = ""
    report.started_at = None
    report.finished_at = None
    report.save(update_fields=["status", "task_id", "progress", "error", "started_at", "finished_at"])
    return report
