"""PDF reports and filing packs: request one (queued for the worker), poll its status, download it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assessment import reports, tasks
from assessment.access import get_assessment_for_user, get_report_for_user
from assessment.models import Report
from assessment.views import AuthenticatedRequest
from organisations.models import Consultancy


@login_required
@require_POST
def report_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest("unknown language")
    kind = request.POST.get("kind") or Report.Kind.PDF
    if kind not in Report.Kind.values:
        return HttpResponseBadRequest("unknown kind")
    # A consultant's report carries the consultancy's name and logo on its cover.
    firm = access.consultancy_id if access.is_consultant else None
    consultancy = Consultancy.objects.filter(pk=firm).first() if firm is not None else None
    report = tasks.enqueue_report(assessment, language, request.user, consultancy, kind=kind)
    if request.htmx:
        return render(request, "reports/_report_list.html", {"assessment": assessment})
    return redirect("report_status", pk=report.pk)


@login_required
@require_GET
def report_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # Read only: a report left running by a killed worker is re-queued by the worker loop (tasks.sweep_stale_reports).
    report, _access = get_report_for_user(request.user, pk)
    template = "reports/_status.html" if request.htmx else "reports/status.html"
    return render(request, template, {"report": report, "assessment": report.assessment})


@login_required
@require_GET
def report_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    report, _access = get_report_for_user(request.user, pk)
    if report.status != Report.Status.DONE or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=reports.download_name(report),
        content_type="application/zip" if report.kind == Report.Kind.FILING_PACK else "application/pdf",
    )
