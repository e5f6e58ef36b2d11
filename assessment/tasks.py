"""Background tasks (Django Tasks API; backend django_tasks_db, worker: `manage.py db_worker`)."""

from django.tasks import TaskContext, task

from assessment import reports


@task(takes_context=True)
def render_report_task(context: TaskContext, report_id: int) -> str:
    # The task id lets a re-queued report ignore the stale job it replaced.
    return reports.run_report(report_id, str(context.task_result.id))
