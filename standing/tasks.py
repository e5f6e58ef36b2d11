"""Background tasks: peer statistics are refreshed by the worker, never on a page view."""

from django.tasks import task

from standing import refresh


@task()
def refresh_after_submission_task(assessment_id: int) -> int:
    return refresh.refresh_after_submission(assessment_id)


@task()
def refresh_company_task(company_id: int) -> int:
    return refresh.refresh_company(company_id)
