"""Report jobs: request → queue → db_worker → stored file → permission-checked download."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessment import reports, tasks
from assessment.models import Answer, Report
from organisations.models import AccessGrant, Consultancy, Consultant, Role
from tests.factories import make_user, member
from tests.report_world import make_assessment, make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    # The assertions below read the English messages; the site's default language is zh-hans.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def owner_and_assessment():
    company = make_company()
    owner = member(company, "owner@example.com", Role.OWNER)
    return owner, make_assessment(company=company, user=owner)


def test_request_then_worker_then_owner_downloads_and_others_get_404(client, owner_and_assessment, run_worker):
    owner, assessment = owner_and_assessment
    client.force_login(owner)
    response = client.post(reverse("report_request", args=[assessment.pk]), {"language": "en"})
    report = Report.objects.get(assessment=assessment)
    assert response.status_code == 302 and response["Location"] == reverse("report_status", args=[report.pk])
    assert report.status == Report.Status.QUEUED and report.language == "en" and report.requested_by == owner
    assert DBTaskResult.objects.filter(id=report.task_id).exists()

    run_worker()

    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    assert report.progress == 100 and report.pages >= 6 and report.attempts == 1
    assert default_storage.exists(report.file.name)
    assert DBTaskResult.objects.get(id=report.task_id).status == "SUCCESSFUL"

    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == report.file.size
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "-r1-en.pdf" in response["Content-Disposition"]

    other = member(make_company("别家公司", "91320500MA1TEST002"), "other@example.com", Role.OWNER)
    client.force_login(other)
    assert client.get(reverse("report_download", args=[report.pk])).status_code == 404
    assert client.get(reverse("report_status", args=[report.pk])).status_code == 404
    assert client.post(reverse("report_request", args=[assessment.pk]), {"language": "en"}).status_code == 404

    client.logout()
    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_status_fragment_polls_while_generating_and_links_when_done(client, owner_and_assessment, run_worker):
    owner, assessment = owner_and_assessment
    client.force_login(owner)
    report = tasks.enqueue_report(assessment, "zh-hans", owner)
    url = reverse("report_status", args=[report.pk])
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in html and "0 %" in html

    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=40, started_at=timezone.now())
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in html and "40 %" in html and 'value="40"' in html
    Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED)

    run_worker()
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in html
    assert reverse("report_download", args=[report.pk]) in html
    page = client.get(url)  # without htmx: a full page around the fragment
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_two_requests_make_one_report_and_one_job(owner_and_assessment):
    owner, assessment = owner_and_assessment
    first = tasks.enqueue_report(assessment, "en", owner)
    second = tasks.enqueue_report(assessment, "en", owner)
    assert first.pk == second.pk
    assert Report.objects.filter(assessment=assessment).count() == 1
    assert DBTaskResult.objects.filter(args_kwargs__args=[first.pk]).count() == 1
    # Another language is another report.
    assert tasks.enqueue_report(assessment, "zh-hans", owner).pk != first.pk


def test_finished_report_is_kept_until_the_assessment_changes(owner_and_assessment, run_worker):
    owner, assessment = owner_and_assessment
    report = tasks.enqueue_report(assessment, "en", owner)
    run_worker()
    again = tasks.enqueue_report(assessment, "en", owner)
    assert again.pk == report.pk and again.status == Report.Status.DONE
    assert DBTaskResult.objects.count() == 1

    answer = Answer.objects.get(assessment=assessment, code="T13")
    answer.choice = "met"
    answer.save()
    changed = tasks.enqueue_report(assessment, "en", owner)
    assert changed.pk != report.pk and changed.status == Report.Status.QUEUED
    report.refresh_from_db()
    assert report.file and default_storage.exists(report.file.name)  # the old PDF is kept


def test_failed_render_is_reported_logged_and_retryable(client, owner_and_assessment, run_worker, monkeypatch, caplog):
    owner, assessment = owner_and_assessment

    def broken(*args, **kwargs):
        raise RuntimeError("the font cache exploded")

    monkeypatch.setattr(reports, "html_to_pdf", broken)
    report = tasks.enqueue_report(assessment, "en", owner)
    first_task = report.task_id
    with caplog.at_level("ERROR", logger="assessment.reports"):
        run_worker()
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "RuntimeError: the font cache exploded"
    assert not report.file
    assert any("render failed" in r.getMessage() for r in caplog.records)
    assert DBTaskResult.objects.get(id=first_task).status == "FAILED"

    client.force_login(owner)
    html = client.get(
        reverse("report_status", args=[report.pk]), headers={"HX-Request": "true", "Accept-Language": "en"}
    ).content.decode()
    assert "The report could not be generated." in html and "the font cache exploded" in html
    assert reverse("report_request", args=[assessment.pk]) in html and "every 2s" not in html

    monkeypatch.undo()
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    response = client.post(
        reverse("report_request", args=[assessment.pk]), {"language": "en"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "every 2s" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED and report.error == "" and report.task_id != first_task
    run_worker()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.attempts == 2


def test_job_left_running_by_a_killed_worker_is_retried_by_the_worker_sweep(client, owner_and_assessment, run_worker):
    owner, assessment = owner_and_assessment
    report = tasks.enqueue_report(assessment, "en", owner)
    old_task = report.task_id
    # The worker claimed the job and died mid-render.
    DBTaskResult.objects.filter(id=old_task).update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=30))
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, progress=20, attempts=1, started_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.sweep_stale_reports() == []
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and report.task_id == old_task  # 5 minutes: still working

    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - timedelta(minutes=30))
    client.force_login(owner)
    # The status poll only reads: it never re-queues.
    client.get(reverse("report_status", args=[report.pk]), headers={"HX-Request": "true"})
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and report.task_id == old_task
    assert [r.pk for r in tasks.sweep_stale_reports()] == [report.pk]
    html = client.get(reverse("report_status", args=[report.pk]), headers={"HX-Request": "true"}).content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED and report.task_id != old_task and "every 2s" in html

    run_worker()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.attempts == 2
    # Should the old job ever run again, it finds itself superseded and leaves the report alone.
    assert reports.run_report(report.pk, old_task) == "skipped"


def test_stale_job_gives_up_after_three_attempts(owner_and_assessment):
    owner, assessment = owner_and_assessment
    report = tasks.enqueue_report(assessment, "en", owner)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, attempts=3, started_at=timezone.now() - timedelta(hours=1)
    )
    assert [r.pk for r in tasks.sweep_stale_reports()] == [report.pk]
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and "3 attempts" in report.error


def test_consultant_report_carries_the_consultancy(client, owner_and_assessment):
    owner, assessment = owner_and_assessment
    firm = Consultancy.objects.create(name="青松绿色咨询")
    consultant = make_user("consultant@example.com")
    Consultant.objects.create(user=consultant, consultancy=firm)
    AccessGrant.objects.create(company=assessment.company, consultancy=firm, granted_by=owner)
    client.force_login(consultant)
    client.post(reverse("report_request", args=[assessment.pk]), {"language": "zh-hans"})
    report = Report.objects.get(assessment=assessment)
    assert report.consultancy == firm and report.requested_by == consultant
    # The company's own request is a different report (no consultancy branding).
    assert tasks.enqueue_report(assessment, "zh-hans", owner).pk != report.pk


def test_request_rejects_get_and_unknown_language(client, owner_and_assessment):
    owner, assessment = owner_and_assessment
    client.force_login(owner)
    url = reverse("report_request", args=[assessment.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"language": "fr"}).status_code == 400
    assert not Report.objects.exists()


def test_download_of_an_unfinished_report_is_404(client, owner_and_assessment):
    owner, assessment = owner_and_assessment
    report = tasks.enqueue_report(assessment, "en", owner)
    client.force_login(owner)
    assert client.get(reverse("report_download", args=[report.pk])).status_code == 404


def test_submitting_queues_a_report(owner_and_assessment):
    from assessment.submission import submit

    owner, assessment = owner_and_assessment
    submit(assessment.pk, user=owner, language="zh-hans")
    report = Report.objects.get(assessment=assessment)
    assert report.language == "zh-hans" and report.status == Report.Status.QUEUED


def test_panel_lists_latest_report_per_language(client, owner_and_assessment):
    from django.template.loader import render_to_string

    owner, assessment = owner_and_assessment
    tasks.enqueue_report(assessment, "en", owner)
    html = render_to_string("reports/_report_panel.html", {"assessment": assessment})
    assert reverse("report_request", args=[assessment.pk]) in html
    assert 'name="language"' in html and html.count('class="report-status') == 1


def test_a_changed_data_sheet_makes_a_new_report(owner_and_assessment):
    from decimal import Decimal

    from ledger.models import DataSheet

    _owner, assessment = owner_and_assessment
    before = reports.fingerprint(assessment, language="en")
    sheet = DataSheet.objects.create(company=assessment.company, year=assessment.year, output_value=Decimal(1))
    with_sheet = reports.fingerprint(assessment, language="en")
    sheet.output_value = Decimal(2)
    sheet.save()
    assert len({before, with_sheet, reports.fingerprint(assessment, language="en")}) == 3


def test_the_worker_sweeps_on_its_own_schedule(monkeypatch):
    """manage.py worker runs tasks.sweep_stale_reports beside its polling loop, whatever the pages do."""
    import threading

    from assessment.management.commands import worker

    stop = threading.Event()
    rounds = []

    def sweep():
        rounds.append(1)
        if len(rounds) == 2:
            stop.set()
        return []

    monkeypatch.setattr(worker, "sweep_stale_reports", sweep)
    monkeypatch.setattr(worker.connection, "close", lambda: None)
    worker.sweep_until(stop, 0.001)
    assert len(rounds) == 2
    assert 1.0 <= worker.sweep_interval() <= 60.0
