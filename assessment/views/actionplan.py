"""The action plan page: per gap, priority, action, owner, due date, cost and saving, and the score
projected once the planned gaps are met. Anyone who reads the assessment sees it; owners, editors and
the company's consultants edit it. A form with an error is shown again with everything typed."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessment import actionplan
from assessment.access import get_assessment_for_user
from assessment.forms import ActionItemForm
from assessment.models import ActionItem, Assessment
from assessment.scorecards import ScoringState, state_for
from assessment.scoring import gains
from assessment.views.results import STATUS_CLASSES, page_links
from assessment.vocabulary import Status
from greenmfg.bilingual import pick
from organisations.access import Access


def _plan_context(
    assessment: Assessment,
    access: Access,
    source: ScoringState,
    items: dict[str, ActionItem],
    forms: dict[str, ActionItemForm] | None,
) -> dict[str, Any]:
    spec, card = source.spec, source.card
    gain = gains(spec, card)
    names = {i["code"]: pick(i, "name") for c in source.criteria["categories"] for i in c["indicators"]}
    rows = []
    for result in card.gaps():
        form = (forms or {}).get(result.code) or ActionItemForm(instance=items.get(result.code), prefix=result.code)
        if not access.can_edit:
            for field in form.fields.values():
                field.disabled = True
        rows.append(
            {
                "code": result.code,
                "name": names.get(result.code, result.code),
                "status_label": Status(result.status).label,
                "status_class": STATUS_CLASSES.get(result.status, "secondary"),
                "gain": gain.get(result.code, Decimal(0)),
                "form": form,
            }
        )
    plan = actionplan.plan_items(items.values(), card)  # the rows shown: the totals count these only
    projection = actionplan.project(
        spec, source.answers, card, [i.code for i in plan], reference=source.reference, context=source.context
    )
    cost, saving = actionplan.totals(plan)
    return {
        "assessment": assessment,
        "access": access,
        "links": page_links(assessment, access),
        "criteria_name": pick(assessment.criteria_set, "name"),
        "rows": rows,
        "total": card.total,
        "maximum": card.maximum,
        "projection": projection,
        "projected_rating": projection.card.rating_for() if projection else "",
        "cost": cost,
        "saving": saving,
        "payback": actionplan.payback_years(cost, saving),
        "errors": sum(1 for f in (forms or {}).values() if f.errors),
    }


@login_required
@require_http_methods(["GET", "POST"])
def action_plan(request: HttpRequest, pk: int) -> HttpResponse:
    need = "edit" if request.method == "POST" else "read"
    assessment, access = get_assessment_for_user(request.user, pk, need=need)
    source = state_for(assessment)  # scored once per request: the POST's check and its page again alike
    items = actionplan.items_for(assessment)
    if request.method == "GET":
        return render(request, "assessment/action_plan.html", _plan_context(assessment, access, source, items, None))
    codes = [code for code in request.POST.getlist("code") if isinstance(code, str)]
    known = {r.code for r in source.card.gaps()}
    forms = {
        code: ActionItemForm(request.POST, instance=items.get(code), prefix=code) for code in codes if code in known
    }
    if not all([form.is_valid() for form in forms.values()]):  # every form validated, every error shown
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
        context = _plan_context(assessment, access, source, items, forms)
        return render(request, "assessment/action_plan.html", context, status=400)
    actionplan.save_plan(assessment, {code: form.cleaned_data for code, form in forms.items()}, request.user)
    messages.success(request, _("Action plan saved."))
    return redirect("action_plan", pk=pk)
