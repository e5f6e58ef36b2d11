"""Submission, results with the what-if simulator, revisions, re-assessment, export and import."""

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import exchange, submission
from assessment.access import get_assessment_for_user
from assessment.answers import Yardsticks, criteria_for, yardsticks_of_card, yardsticks_sentence
from assessment.charts import category_bars, radar, rows_from_scorecard
from assessment.models import Assessment, AuditEvent
from assessment.reasons import reason_text
from assessment.reports import points_text
from assessment.scorecards import ScoringState, live_state, state_for
from assessment.scoring import IndicatorResult, Scorecard
from assessment.views import AuthenticatedRequest
from assessment.vocabulary import Rating, Status, verdict_text
from greenmfg.bilingual import pick
from organisations.access import Access
from policies.models import PolicyDocument
from standing.positions import regional_bar

STATUS_CLASSES = {
    Status.MET: "success",
    Status.PARTLY: "warning",
    Status.NOT_MET: "danger",
    Status.NA: "secondary",
    Status.UNANSWERED: "light",
    Status.CANNOT_SCORE: "dark",
}


# --- Helpers shared by the pages --------------------------------------------------------------


def user_label(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.email or user.get_username())


def page_links(assessment: Assessment, access: Access) -> dict[str, Any]:
    pk = assessment.pk
    return {
        "company": reverse("company_detail", args=[assessment.company_id]),
        "overview": reverse("assessment_overview", args=[pk]),
        "gates": reverse("assessment_gates", args=[pk]),
        "results": reverse("assessment_results", args=[pk]),
        "indicators": reverse("assessment_indicators", args=[pk]),
        "submit": reverse("assessment_submit", args=[pk]),
        "history": reverse("assessment_history", args=[pk]),
        "plan": reverse("action_plan", args=[pk]),
        "export_json": reverse("assessment_export_json", args=[pk]),
        "export_xlsx": reverse("assessment_export_xlsx", args=[pk]),
        "import": reverse("assessment_import", args=[pk]),
        "reopen": reverse("assessment_reopen", args=[pk]),
        "reassess": reverse("assessment_reassess", args=[pk]),
        "can_edit": access.can_edit and assessment.status == Assessment.Status.DRAFT,
        "can_submit": access.can_edit and assessment.status == Assessment.Status.DRAFT,
        "can_reopen": access.can_reopen and assessment.status == Assessment.Status.SUBMITTED,
        "can_reassess": access.can_edit and assessment.status == Assessment.Status.SUBMITTED,
    }


def _indicator_link(assessment: Assessment, category: str, code: str) -> str:
    return reverse("assessment_category", args=[assessment.pk, category]) + f"#indicator-{code}"


def _gate_link(assessment: Assessment, code: str) -> str:
    return reverse("assessment_gates", args=[assessment.pk]) + f"#gate-{code}"


def _catalogue(criteria: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(category code → name, indicator code → its criteria data)."""
    categories = {c["code"]: pick(c, "name") for c in criteria["categories"]}
    indicators = {i["code"]: i for c in criteria["categories"] for i in c["indicators"]}
    return categories, indicators


# --- Results ----------------------------------------------------------------------------------


def _open_indicators(card: Scorecard, catalogue: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Required indicators that keep the verdict incomplete."""
    return [
        {
            "code": result.code,
            "name": pick(catalogue.get(result.code, {}), "name") or result.code,
            "status": Status(result.status).label,
            "reason": reason_text(result.reason),
        }
        for result in card.open_indicators
    ]


def _compliance(card: Scorecard, catalogue: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": pick(catalogue.get(code, {}), "name") or code,
            "gate": gate,
            "text": reason_text(why),
        }
        for code, gate, why in card.compliance
    ]


def _verdict(state: ScoringState, catalogue: dict[str, dict[str, Any]]) -> dict[str, Any]:
    card = state.card
    stars = 0
    bands = state.criteria.get("rating_bands") or []
    if state.criteria.get("rating") == Rating.STARS and card.rating:
        labels = [b.get("label_en") for b in bands]
        if card.rating in labels:
            stars = len(bands) - labels.index(card.rating)
    return {
        "code": card.verdict,
        "rating": card.rating_for(),
        "stars": range(stars),
        "rating_provisional": card.rating_provisional,
        "failed_gates": [{"code": g.code, "text": pick(g, "text")} for g in card.failed_gates],
        "open_gates": [{"code": g.code, "text": pick(g, "text")} for g in card.unanswered_gates],
        "open_indicators": _open_indicators(card, catalogue),
        "compliance": _compliance(card, catalogue),
        "text": verdict_text(card.verdict),
        "reference": card.reference,
        "reference_year": state.reference_year,
        "reference_source": state.reference_source,
        "relative": state.criteria.get("rating") == Rating.RELATIVE,
        "provisional": card.provisional,
    }


def _what_if(state: ScoringState, chosen: list[str], names: dict[str, str]) -> dict[str, Any] | None:
    card, codes = state.what_if(chosen)
    if not codes:
        return None
    base = {c.code: c.points for c in state.card.categories}
    return {
        "chosen": codes,
        "total": card.total,
        "maximum": card.maximum,
        "gain": card.total - state.card.total,
        "verdict": card.verdict,
        "rating": card.rating_for(),
        "categories": [
            {
                "name": names.get(c.code, c.code),
                "points": c.points,
                "gain": c.points - base.get(c.code, Decimal(0)),
            }
            for c in card.categories
        ],
    }


def _result_row(result: IndicatorResult, info: dict[str, Any], category: str) -> dict[str, Any]:
    """One indicator as the results page shows it (links, policies and what-if state added by the caller)."""
    return {
        "code": result.code,
        "name": pick(info, "name") or result.code,
        "category": category,
        "status": result.status,
        "status_label": Status(result.status).label,
        "status_class": STATUS_CLASSES.get(result.status, "secondary"),
        "points": result.points,
        "maximum": result.maximum,
        "gap": result.gap,
        "value": result.value,
        "unit": result.unit,
        "leading": result.leading,
        "benchmark": result.benchmark,
        "values_from": result.values_from,
        "user_supplied": result.user_supplied,
        "provisional": result.provisional,
        "reason": reason_text(result.reason),
        "flags": [reason_text(flag) for flag in result.flags],
        "recommendation": pick(info, "recommendation"),
        "simulable": result.status != Status.NA,
    }


def _gap_basis(assessment: Assessment, codes: list[str]) -> dict[str, tuple[PolicyDocument, ...]]:
    """The policy basis of each open indicator (reference information), from the criteria set as it stands
    (read once per version of the set)."""
    basis = criteria_for(assessment.criteria_set).policy_basis
    return {code: basis[code] for code in codes if code in basis}


def shared_basis(
    basis: Mapping[str, Sequence[PolicyDocument]],
) -> tuple[list[PolicyDocument], dict[str, list[PolicyDocument]]]:
    """The documents every open indicator cites (shown once above the gap list) and, per indicator, the
    ones it cites besides; with fewer than two open indicators nothing is shared."""
    lists = [list(docs) for docs in basis.values()]
    if len(lists) < 2:
        return [], {code: list(docs) for code, docs in basis.items()}
    shared = set.intersection(*({doc.pk for doc in docs} for docs in lists))
    common = [doc for doc in lists[0] if doc.pk in shared]
    return common, {code: [doc for doc in docs if doc.pk not in shared] for code, docs in basis.items()}


# The results page lists the largest gaps; the rest of the list is one click away (?gaps=all), and
# every indicator's figures are on their own page, so a large criteria set keeps the page light.
GAPS_SHOWN = 10


def _row_builder(
    assessment: Assessment,
    access: Access,
    state: ScoringState,
    chosen: Sequence[str],
    *,
    basis: Mapping[str, Any],
    yardsticks: Yardsticks,
    catalogue: tuple[dict[str, str], dict[str, dict[str, Any]]],
) -> Callable[[IndicatorResult], dict[str, Any]]:
    """A function giving one indicator as the results and indicator pages show it."""
    names, indicators = catalogue
    editable = assessment.status == Assessment.Status.DRAFT and access.can_edit
    chosen_set = set(chosen)

    def row(result: IndicatorResult) -> dict[str, Any]:
        info = indicators.get(result.code, {})
        return _result_row(result, info, names.get(result.category, result.category)) | {
            "policies": basis.get(result.code, []),
            "link": _indicator_link(assessment, result.category, result.code) if editable else None,
            "checked": result.code in chosen_set,
            "yardstick": yardsticks.source_of(result.code),
        }

    return row


def _points_of(result: IndicatorResult) -> str:
    """'2.00 of 8.00 points': one string per gap, not a blocktranslate per row of the list."""
    return _("%(points)s of %(maximum)s points") % {
        "points": points_text(result.points),
        "maximum": points_text(result.maximum),
    }


def results_context(
    assessment: Assessment, access: Access, state: ScoringState, chosen: list[str], *, all_gaps: bool = False
) -> dict[str, Any]:
    card = state.card
    catalogue = _catalogue(state.criteria)
    names = catalogue[0]
    ranked = state.ranked_gaps()
    shown = ranked if all_gaps else ranked[:GAPS_SHOWN]
    common_basis, basis = shared_basis(_gap_basis(assessment, [r.code for r, _gain in ranked]))
    yardsticks = yardsticks_of_card(card, state.answers, state.sector_rows)
    row = _row_builder(assessment, access, state, chosen, basis=basis, yardsticks=yardsticks, catalogue=catalogue)
    # Ticked indicators of the list's hidden part stay ticked when the what-if is sent again.
    hidden = {r.code for r, _gain in ranked[len(shown) :]}
    chart_rows = rows_from_scorecard(card, names)
    return {
        "assessment": assessment,
        "access": access,
        "links": page_links(assessment, access),
        "criteria_name": pick(assessment.criteria_set, "name"),
        "state": state,
        "total": card.total,
        "maximum": card.maximum,
        "verdict": _verdict(state, catalogue[1]),
        "categories": _category_rows(card, names),
        "indicator_count": len(card.indicators),
        # What meeting each open indicator adds to the total: the figure the what-if and the PDF show.
        "gaps": [row(result) | {"gap": gain, "points_text": _points_of(result)} for result, gain in shown],
        "gap_count": len(ranked),
        "all_gaps": all_gaps and len(ranked) > GAPS_SHOWN,
        "chosen_hidden": [code for code in dict.fromkeys(chosen) if code in hidden],
        "common_basis": common_basis,
        "bars": category_bars(chart_rows, title=_("Scores by category")),
        "radar": radar(chart_rows, title=_("Share of each category's maximum")) if len(chart_rows) >= 3 else "",
        "what_if": _what_if(state, chosen, names),
        "yardsticks_sentence": yardsticks_sentence(yardsticks),
        "snapshot": getattr(assessment, "snapshot", None) if state.from_snapshot else None,
    }


@login_required
@require_GET
def results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk)
    state = state_for(assessment)
    chosen = request.GET.getlist("whatif")
    if request.htmx and not request.htmx.history_restore_request:
        # The what-if card alone: the total it would bring, nothing else of the page.
        card = {"what_if": _what_if(state, chosen, _catalogue(state.criteria)[0])} | _totals(state)
        return render(request, "assessment/_results_whatif.html", card)
    context = results_context(assessment, access, state, chosen, all_gaps=request.GET.get("gaps") == "all")
    # Which relative bar applies (as the standing page says): the staff figure, else the platform's estimate.
    context["relative_bar"] = regional_bar(assessment) if context["verdict"]["relative"] else None
    return render(request, "assessment/results.html", context)


def _category_rows(card: Scorecard, names: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"name": names.get(c.code, c.code), "points": c.points, "maximum": c.maximum} for c in card.categories]


def _totals(state: ScoringState) -> dict[str, Any]:
    return {"total": state.card.total, "maximum": state.card.maximum}


@login_required
@require_GET
def indicators(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every indicator with its value, yardsticks, status and points, by category."""
    assessment, access = get_assessment_for_user(request.user, pk)
    state = state_for(assessment)
    catalogue = _catalogue(state.criteria)
    names = catalogue[0]
    yardsticks = yardsticks_of_card(state.card, state.answers, state.sector_rows)
    row = _row_builder(assessment, access, state, [], basis={}, yardsticks=yardsticks, catalogue=catalogue)
    groups = [
        group | {"rows": [row(i) for i in state.card.indicators if i.category == c.code]}
        for c, group in zip(state.card.categories, _category_rows(state.card, names), strict=True)
    ]
    context = {
        "assessment": assessment,
        "links": page_links(assessment, access),
        "criteria_name": pick(assessment.criteria_set, "name"),
        "state": state,
        "groups": groups,
        "yardsticks_sentence": yardsticks_sentence(yardsticks),
    } | _totals(state)
    return render(request, "assessment/indicators.html", context)


# --- Submit -----------------------------------------------------------------------------------


def problem_rows(
    assessment: Assessment, problems: list[submission.Problem], names: dict[str, str]
) -> list[dict[str, Any]]:
    """The completeness problems grouped for the page: gates first, then one group per category."""
    groups: dict[str, dict[str, Any]] = {}
    for problem in problems:
        key = problem.category or "_gates"
        if key not in groups:
            gates = key == "_gates"
            groups[key] = {
                "name": _("Basic requirements and negative list") if gates else names.get(key, key),
                "link": reverse("assessment_gates", args=[assessment.pk])
                if gates
                else reverse("assessment_category", args=[assessment.pk, key]),
                "items": [],
            }
        group = groups[key]
        group["items"].append(
            {
                "code": problem.code,
                "name": pick({"name_zh": problem.name_zh, "name_en": problem.name_en}, "name") or problem.code,
                "reason": problem.reason.label,
                "detail": reason_text(problem.why)
                if problem.reason == submission.Missing.CANNOT_SCORE
                else _("inputs: %(codes)s") % {"codes": problem.detail}
                if problem.reason == submission.Missing.OVERRIDE_REASON
                else problem.detail,
                "link": _gate_link(assessment, problem.code)
                if problem.kind == "gate"
                else _indicator_link(assessment, problem.category, problem.code),
            }
        )
    return list(groups.values())  # gates come first: completeness lists them first


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = "edit" if request.method == "POST" else "read"
    assessment, access = get_assessment_for_user(request.user, pk, need=need)
    status = 200
    if request.method == "POST":
        try:
            submission.submit(assessment.pk, user=request.user, language=get_language() or "zh-hans")
        except submission.AlreadySubmitted:
            messages.info(request, _("This assessment was already submitted; nothing was changed."))
            return redirect("assessment_results", pk=pk)
        except submission.Incomplete:
            messages.error(request, _("The assessment is not complete yet. Answer the items listed below first."))
            status = 400
        else:
            messages.success(
                request, _("Submitted. The answers are locked and the results are final for this revision.")
            )
            return redirect("assessment_results", pk=pk)
        assessment.refresh_from_db(fields=["status"])
    context: dict[str, Any] = {
        "assessment": assessment,
        "access": access,
        "links": page_links(assessment, access),
        "criteria_name": pick(assessment.criteria_set, "name"),
    }
    if assessment.status == Assessment.Status.DRAFT:
        state = live_state(assessment)
        names = _catalogue(state.criteria)[0]
        problems = submission.completeness(state)
        context |= {
            "groups": problem_rows(assessment, problems, names),
            "problem_count": len(problems),
            "total": state.card.total,
            "maximum": state.card.maximum,
        }
    else:
        context["submitted_by"] = user_label(assessment.submitted_by)
    return render(request, "assessment/submit.html", context, status=status)


# --- Reopen, history, re-assessment -------------------------------------------------------------


@login_required
@require_POST
def reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk, need="reopen")
    try:
        new = submission.reopen(assessment.pk, user=request.user)
    except submission.NotSubmitted:
        messages.error(request, _("Only a submitted assessment can be reopened."))
        return redirect("assessment_history", pk=pk)
    messages.success(
        request, _("Revision %(revision)s opened as a draft with the same answers.") % {"revision": new.revision}
    )
    return redirect(reverse("assessment_overview", args=[new.pk]))


@login_required
@require_GET
def history(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk)
    chain = submission.revisions(assessment)
    events = AuditEvent.objects.filter(
        object_type="assessment", object_id__in=[str(a.pk) for a in chain]
    ).select_related("actor")
    by_revision = {str(a.pk): a.revision for a in chain}
    rows = [
        {
            "assessment": a,
            "snapshot": getattr(a, "snapshot", None),
            "submitted_by": user_label(a.submitted_by),
            "created_by": user_label(a.created_by),
            "current": a.pk == assessment.pk,
            "results": reverse("assessment_results", args=[a.pk]),
        }
        for a in reversed(chain)
    ]
    timeline = [{"event": e, "revision": by_revision.get(e.object_id), "actor": user_label(e.actor)} for e in events]
    followups = Assessment.objects.filter(prefilled_from__in=[a.pk for a in chain]).select_related("criteria_set")
    return render(
        request,
        "assessment/history.html",
        {
            "assessment": assessment,
            "access": access,
            "links": page_links(assessment, access),
            "rows": rows,
            "timeline": timeline,
            "followups": followups,
            "criteria_name": pick(assessment.criteria_set, "name"),
        },
    )


@login_required
@require_POST
def reassess(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk, need="edit")
    try:
        new, created = submission.start_reassessment(assessment.pk, user=request.user)
    except submission.NotSubmitted:
        messages.error(request, _("A re-assessment starts from a submitted assessment."))
        return redirect("assessment_results", pk=pk)
    except submission.NoCriteriaSet:
        messages.error(request, _("No published criteria set exists for this focus area."))
        return redirect("assessment_results", pk=pk)
    if not created:
        messages.info(request, _("The re-assessment was already started; here it is."))
    elif new.carryover_unmapped:
        messages.warning(
            request,
            _("Re-assessment started. %(count)s answer(s) could not be carried over; they are listed on the overview.")
            % {"count": len(new.carryover_unmapped)},
        )
    else:
        messages.success(request, _("Re-assessment started with every answer carried over."))
    return redirect(reverse("assessment_overview", args=[new.pk]))


# --- Export and import ------------------------------------------------------------------------


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def export_json(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    body = json.dumps(exchange.export_json(assessment), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _attachment(response, exchange.export_filename(assessment, "json"))


@login_required
@require_GET
def export_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, _access = get_assessment_for_user(request.user, pk)
    response = HttpResponse(
        exchange.export_xlsx(assessment),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, exchange.export_filename(assessment, "xlsx"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Answers file (JSON or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.xlsx,application/json", "class": "form-control"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > exchange.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": exchange.MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def import_answers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk, need="edit")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[exchange.RowError] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = exchange.import_answers(
                assessment.pk, upload.read(), user=request.user, may_note=access.is_consultant, filename=upload.name
            )
        except exchange.ImportFailed as exc:
            errors, status = exc.errors, 400
        else:
            messages.success(request, _("%(count)s answer(s) imported.") % {"count": count})
            return redirect(reverse("assessment_overview", args=[pk]))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "assessment/import.html",
        {
            "assessment": assessment,
            "access": access,
            "links": page_links(assessment, access),
            "form": form,
            "errors": errors,
            "criteria_name": pick(assessment.criteria_set, "name"),
            "locked": assessment.status != Assessment.Status.DRAFT,
        },
        status=status,
    )
