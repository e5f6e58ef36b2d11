from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.access import get_assessment_for_user
from assessment.answers import context_for, criteria_for
from assessment.models import Assessment, CriteriaSet, FocusArea, Snapshot
from assessment.pdf import html_to_pdf
from assessment.scorecards import state_for
from greenmfg.bilingual import pick
from ledger.sheets import figures_for
from organisations.access import get_company_for_user
from organisations.forms import FIRST_LIST_YEAR
from organisations.models import Company, Province
from standing import charts, dynamic, series
from standing.impact import impact
from standing.models import ALL
from standing.positions import standing_for
from standing.tasks import refresh_company_task

REFUSALS = {
    "few_companies": gettext_lazy("fewer than 10 companies"),
    "few_groups": gettext_lazy("companies from fewer than 3 different consultancies (or none)"),
    "dominant": gettext_lazy("one consultancy works for more than half of the companies"),
    "few_changes": gettext_lazy(
        "too few companies changed since the figures were last shown (a new figure could reveal one company)"
    ),
    "complement": gettext_lazy(
        "a wider group shown here holds too few companies besides these (the difference could reveal one company)"
    ),
}


def _scope_label(sector: str, province: str, sector_name: str) -> str:
    where = dict(Province.choices).get(province, "") if province else _("all provinces")
    what = sector_name if sector else _("all sectors")
    return f"{what} · {where}"


@login_required
def standing(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    # Only the figures the page needs: a real scorecard is large.
    head = (
        Snapshot.objects.filter(assessment=assessment)
        .values("total", "scorecard__maximum", "scorecard__provisional")
        .first()
    )
    context = {
        "assessment": assessment,
        "company": assessment.company,
        "criteria_name": pick(assessment.criteria_set, "name"),
    }
    if head is None:
        return render(request, "standing/standing.html", context)
    result = standing_for(
        assessment,
        total=head["total"] if head["total"] is not None else Decimal(0),
        maximum=Decimal(str(head["scorecard__maximum"] or 100)),
        provisional=bool(head["scorecard__provisional"]),
    )
    sector_name = f"{assessment.company.sector.code} {pick(assessment.company.sector, 'name')}"
    scopes = [
        {
            "label": _scope_label(s.sector, s.province, sector_name),
            "scope": s,
            "refusal": REFUSALS.get(s.stat.refusal, "") if s.stat is not None else _("no submission counted yet"),
            "chart": charts.distribution(
                s.stat.histogram,
                marker=result.total,
                maximum=result.maximum,
                title=_("Totals of %(n)s companies") % {"n": s.stat.companies},
                few_label=_("fewer than 3 companies"),
                you_label=_("You"),
            )
            if s.published and s.stat is not None
            else "",
        }
        for s in result.scopes
    ]
    context.update(result=result, scopes=scopes, sector_scope=result.scopes[1], ALL=ALL)
    return render(request, "standing/standing.html", context)


@login_required
@require_POST
def opt_in(request: HttpRequest, pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk, "manage")
    company.peer_opt_in = request.POST.get("peer_opt_in") == "on"
    company.save(update_fields=["peer_opt_in"])
    refresh_company_task.enqueue(company.pk)
    if company.peer_opt_in:
        messages.success(request, _("Your submitted scores are counted in the peer statistics."))
    else:
        messages.success(request, _("Your submitted scores are no longer counted in the peer statistics."))
    return redirect("company_detail", company.pk)


@login_required
def years(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    submitted = (
        Assessment.objects.filter(
            company_id=assessment.company_id,
            criteria_set__area=assessment.criteria_set.area,
            status=Assessment.Status.SUBMITTED,
            snapshot__isnull=False,
        )
        .select_related("snapshot", "criteria_set")
        .order_by("year", "-submitted_at")
    )
    points = series.one_per_year(
        [
            series.YearScore(a.year, a.pk, a.criteria_set.code, a.snapshot.criteria, a.snapshot.scorecard)
            for a in submitted
        ]
    )
    language = get_language()
    rows = series.rows(points, language=language, total_label=_("Total score"))
    lines = [charts.Line(r.label, tuple(r.cells), r.maximum) for r in rows if r.kind in ("total", "category")]
    chart = (
        charts.year_lines([p.year for p in points], lines, title=_("Score over the years (share of maximum)"))
        if points
        else ""
    )
    return render(
        request,
        "standing/years.html",
        {
            "assessment": assessment,
            "company": assessment.company,
            "criteria_name": pick(assessment.criteria_set, "name"),
            "area": assessment.criteria_set.get_area_display(),
            "points": points,
            "rows": rows,
            "chart": chart,
            "changes": series.changes(points),
        },
    )


@login_required
def criteria_impact(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    others = list(
        CriteriaSet.objects.published().filter(area=assessment.criteria_set.area).exclude(pk=assessment.criteria_set_id)
    )
    target = next((c for c in others if c.code == request.GET.get("target")), None)
    context = {
        "assessment": assessment,
        "company": assessment.company,
        "criteria_name": pick(assessment.criteria_set, "name"),
        "others": [(c.code, pick(c, "name"), c.version) for c in others],
        "target": target,
        "target_name": pick(target, "name") if target else "",
    }
    if target is not None:
        state = state_for(assessment)
        context["impact"] = impact(
            state.answers,
            state.card,
            source=state.criteria,
            target=criteria_for(target).data,
            context=context_for(assessment),
            language=get_language(),
        )
        context["zero"] = Decimal(0)
    return render(request, "standing/impact.html", context)


def _dynamic_form(request: HttpRequest, pk: int, year: int) -> tuple[Company, dynamic.DynamicForm]:
    company, _access = get_company_for_user(request.user, pk)
    if not FIRST_LIST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    found = {
        a.year: {
            "criteria": a.snapshot.criteria,
            "scorecard": a.snapshot.scorecard,
            "criteria_set": a.criteria_set.code,
        }
        for a in Assessment.objects.filter(
            company=company,
            criteria_set__area=FocusArea.FACTORY,
            status=Assessment.Status.SUBMITTED,
            year__in=[year, year - 1],
            snapshot__isnull=False,
        )
        .select_related("snapshot", "criteria_set")
        .order_by("submitted_at")
    }
    return company, dynamic.build(
        year,
        found.get(year),
        found.get(year - 1),
        sheet=figures_for(company.pk, year),
        previous_sheet=figures_for(company.pk, year - 1),
    )


def _company_block(company: Company) -> dict[str, str]:
    return {
        _("Company name"): company.name,
        _("Unified social credit code"): company.credit_code,
        _("Industry sector"): f"{company.sector.code} {pick(company.sector, 'name')}",
        _("Province"): company.get_province_display(),
        _("Green manufacturing list"): company.get_list_level_display(),
        _("Year listed"): str(company.listed_year or ""),
    }


@login_required
def dynamic_form(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, form = _dynamic_form(request, pk, year)
    return render(
        request,
        "standing/dynamic_form.html",
        {
            "company": company,
            "form": form,
            "company_block": _company_block(company),
            "years": list(range(timezone.localdate().year, FIRST_LIST_YEAR - 1, -1)),
        },
    )


@login_required
def dynamic_form_xlsx(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, form = _dynamic_form(request, pk, year)
    headings = {
        "title": _("Dynamic management form"),
        "total": _("Total score"),
        "previous": _("Previous year"),
        "code": _("Code"),
        "unit": _("Unit"),
        "change": _("Change (%)"),
    }
    content = dynamic.to_xlsx(form, company=_company_block(company), headings=headings)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dynamic-management-{company.pk}-{year}.xlsx"'
    return response


@login_required
def dynamic_form_pdf(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, form = _dynamic_form(request, pk, year)
    html = render_to_string(
        "standing/dynamic_form_pdf.html",
        {
            "company": company,
            "form": form,
            "company_block": _company_block(company),
            "lang_attr": get_language(),
        },
    )
    content, _pages = html_to_pdf(html)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dynamic-management-{company.pk}-{year}.pdf"'
    return response
