"""The questionnaire: start an assessment, the overview, the gates page, one page per category,
autosave of one answer (htmx) and evidence upload / download / delete.

Pages are built with a constant number of queries: criteria and each page's rows (indicators with
their policy basis) come from the per-version cache in assessment.answers, answers in one query,
sector values and evidence in one query each.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from assessment import vocabulary
from assessment.access import get_assessment_for_user, get_evidence_for_user
from assessment.answers import (
    DONE,
    Criteria,
    Outcome,
    ParsedAnswer,
    Progress,
    Questionnaire,
    SaveResult,
    StoredAnswer,
    criteria_for,
    fields_from_post,
    incomplete,
    load_questionnaire,
    parse_answer,
    plain_number,
    progress_of,
    raw_from_values,
    save_answer,
    sheet_for,
    sheet_for_indicator,
    sheet_values,
    start_assessment,
    values_from_row,
    yardsticks_of,
    yardsticks_sentence,
)
from assessment.evidence import ACCEPT, EvidenceError, delete_evidence, evidence_labels, store_evidence
from assessment.forms import EvidenceUploadForm, StartAssessmentForm
from assessment.formulas import FORMULAS, PER_OUTPUT, accepted_inputs
from assessment.models import (
    Answer,
    Assessment,
    Category,
    ContextFigure,
    CriteriaSet,
    Evidence,
    Gate,
    Indicator,
    SectorValue,
)
from assessment.reasons import reason_text
from assessment.scoring import GateResult, IndicatorResult, Scorecard, round_points
from assessment.views import AuthenticatedRequest
from assessment.vocabulary import QUALITATIVE, QUANTITATIVE, IndicatorType, Status, verdict_text
from greenmfg.bilingual import is_chinese, pick, split_bilingual, unit_label
from ledger.sheets import explain, per_product_note
from organisations.access import Access, get_company_for_user
from organisations.models import AccessGrant, Sector
from policies.models import Mark

# --- Start ------------------------------------------------------------------------------------


@login_required
def assessment_start(request: AuthenticatedRequest, company_pk: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, company_pk, need="edit")
    form = StartAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assessment = start_assessment(
            company,
            form.cleaned_data["area"],
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            user=request.user,
        )
        return redirect(_first_page_url(assessment))
    return render(request, "assessment/questionnaire_start.html", {"company": company, "form": form})


def _first_page_url(assessment: Assessment) -> str:
    criteria = criteria_for(assessment.criteria_set)
    if criteria.gates or not criteria.spec.categories:
        return reverse("assessment_gates", args=[assessment.pk])
    return reverse("assessment_category", args=[assessment.pk, criteria.spec.categories[0].code])


# --- Overview and pages -----------------------------------------------------------------------


@login_required
def assessment_overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk)
    questionnaire = load_questionnaire(assessment)
    context = _common_context(assessment, access, questionnaire, current="")
    return render(request, "assessment/questionnaire_overview.html", context)


@login_required
def assessment_gates(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _page(request, pk, None)


@login_required
def assessment_category(request: AuthenticatedRequest, pk: int, category_code: str) -> HttpResponse:
    return _page(request, pk, category_code)


def _page(request: AuthenticatedRequest, pk: int, category_code: str | None) -> HttpResponse:
    """One page of the questionnaire; a POST (no JavaScript) saves every answer on it."""
    assessment, access = get_assessment_for_user(request.user, pk, need="edit" if request.method == "POST" else "read")
    questionnaire = load_questionnaire(assessment)
    page = _load_page(assessment, access, questionnaire.criteria, category_code)
    page.sheet = questionnaire.sheet
    states: dict[str, tuple[Any, SaveResult | None]] = {}
    if request.method == "POST":
        if assessment.is_locked:
            messages.error(request, _("This assessment has been submitted; it can no longer be changed."))
            return redirect(request.get_full_path())
        states = _save_page(request, assessment, access, page)
        if all(result is not None and result.ok for _parsed, result in states.values()):
            if any(parsed.pending for parsed, _result in states.values()):
                messages.warning(
                    request,
                    _(
                        "Your answers on this page are saved; some are not complete yet: see the messages next to the fields."
                    ),
                )
            else:
                messages.success(request, _("Your answers on this page are saved."))
            return redirect(request.get_full_path())
        questionnaire = load_questionnaire(assessment, figures=questionnaire.sheet_figures)
        messages.error(request, _("Some answers were not saved: see the messages next to the fields."))
    unanswered_only = request.GET.get("unanswered") == "1"
    items = _items(page, questionnaire, states)
    shown = [i for i in items if not unanswered_only or i.open or i.is_heading]
    context = _common_context(assessment, access, questionnaire, current=category_code or "gates")
    context |= {
        "page": page,
        "items": shown,
        "hidden_count": len(items) - len(shown),
        "evidence_labels": evidence_labels(),
        "unanswered_only": unanswered_only,
        "page_url": request.path,
    }
    return render(request, "assessment/questionnaire_page.html", context)


def _save_page(
    request: HttpRequest, assessment: Assessment, access: Access, page: "Page"
) -> dict[str, tuple[Any, SaveResult | None]]:
    states: dict[str, tuple[Any, SaveResult | None]] = {}
    for code, target in page.targets.items():
        states[code] = _save_one(request, assessment, access, page, code, target)
    return states


def _save_one(
    request: HttpRequest, assessment: Assessment, access: Access, page: "Page", code: str, target: Any
) -> tuple[ParsedAnswer, SaveResult | None]:
    """Validate and store one question's posted fields (the page form and autosave alike)."""
    formula = FORMULAS.get(getattr(target, "formula", ""))
    parsed = parse_answer(
        target,
        fields_from_post(request.POST, code, formula=formula),
        sector_value_ids=page.sector_value_ids(code),
        can_note=access.is_consultant,
        sheet=sheet_for_indicator(page.sheet, code),
    )
    if parsed.values is None:
        return parsed, None
    if assessment.is_locked:
        return parsed, SaveResult(Outcome.LOCKED, None)
    result = save_answer(
        assessment,
        code,
        parsed.values,
        version=_int(request.POST.get(f"{code}-version")),
        client=request.POST.get("client", ""),
        base=request.POST.get(f"{code}-base", ""),
        user=request.user,
    )
    return parsed, result


# POST-only views check permission before the method, so another company's object is a 404 whatever the method.

# --- Autosave ---------------------------------------------------------------------------------


@login_required
def assessment_answer(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """Save one answer. The page's script gets JSON: the outcome, the new version, messages per
    field and the fragments to refresh (status, points, score panel, tabs), never the inputs the
    user may be typing in. Without JavaScript the question's form posts here and is sent back."""
    assessment, access = get_assessment_for_user(request.user, pk, need="edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    criteria = criteria_for(assessment.criteria_set)
    target = criteria.gates.get(code) or criteria.indicators.get(code)
    if target is None:
        raise Http404
    # The page rows do not depend on the answers: loaded once, for validation and for the re-render.
    category = criteria.category_of.get(code)
    page = _load_page(assessment, access, criteria, category, only=code)
    figures = sheet_for(assessment)  # read once: for validation, and for the score after the save
    page.sheet = sheet_values(figures)
    parsed, result = _save_one(request, assessment, access, page, code, target)
    if request.headers.get("X-Autosave") != "1":
        _message_for(request, parsed, result)
        return redirect(_page_url_for(assessment, category) + f"#ind-{code}")

    questionnaire = load_questionnaire(assessment, figures=figures)
    item = _items(page, questionnaire, {code: (parsed, result)})[0]
    context = _common_context(assessment, access, questionnaire, current=category or "gates")
    fragments = {
        f"q-head-{code}": render_to_string("assessment/_indicator_head.html", {"item": item}, request),
        f"q-result-{code}": render_to_string("assessment/_indicator_result.html", {"item": item}, request),
        f"q-state-{code}": render_to_string("assessment/_indicator_state.html", {"item": item}, request),
        "score-panel": render_to_string("assessment/_score_panel.html", context, request),
        "q-tabs": render_to_string("assessment/_page_tabs.html", context | {"page": page}, request),
    }
    status = 422 if parsed.values is None else 200 if result is None or result.ok else 409
    return JsonResponse(
        {
            "state": item.state,
            "version": item.version,
            "base": item.base,
            "errors": parsed.errors,
            "pending": parsed.pending,
            "html": fragments,
        },
        status=status,
    )


def _message_for(request: AuthenticatedRequest, parsed: ParsedAnswer, result: SaveResult | None) -> None:
    problems = " ".join(m for ms in parsed.all_messages().values() for m in ms)
    if parsed.values is None:
        messages.error(request, _("Not saved: %(errors)s") % {"errors": problems})
    elif result is not None and not result.ok:
        messages.error(request, _("Not saved: this answer was changed by someone else, or the assessment is locked."))
    elif problems:
        messages.warning(request, _("Saved, but not complete yet: %(errors)s") % {"errors": problems})
    else:
        messages.success(request, _("Saved."))


def _int(raw: str | None, default: Any = 0) -> Any:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return default


# --- Evidence ---------------------------------------------------------------------------------


@login_required
def evidence_upload(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    assessment, access = get_assessment_for_user(request.user, pk, need="edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    criteria = criteria_for(assessment.criteria_set)
    if code not in criteria.gates and code not in criteria.indicators:
        raise Http404
    error = ""
    form = EvidenceUploadForm(request.POST, request.FILES)
    if assessment.is_locked:
        error = _("This assessment has been submitted; evidence can no longer be changed.")
    elif not form.is_valid():
        error = " ".join(str(e) for e in form.errors.get("file", [])) or _("Choose a file to upload.")
    else:
        try:
            evidence = store_evidence(assessment, code, form.cleaned_data["file"], user=request.user)
        except EvidenceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("“%(name)s” was uploaded.") % {"name": evidence.original_name})
    return _evidence_response(request, assessment, access, code, criteria.category_of.get(code), error)


@login_required
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    evidence, _access = get_evidence_for_user(request.user, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def evidence_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evidence, access = get_evidence_for_user(request.user, pk, need="edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    assessment = Assessment.objects.select_related("company", "criteria_set").get(pk=evidence.assessment_id)
    error = ""
    if assessment.is_locked:
        error = _("This assessment has been submitted; evidence can no longer be changed.")
    else:
        delete_evidence(evidence)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": evidence.original_name})
    category = criteria_for(assessment.criteria_set).category_of.get(evidence.code)
    return _evidence_response(request, assessment, access, evidence.code, category, error)


def _evidence_response(
    request: AuthenticatedRequest, assessment: Assessment, access: Access, code: str, category: str | None, error: str
) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_page_url_for(assessment, category) + f"#ind-{code}")
    # htmx: the messages are shown inline instead; drop them from the session
    list(messages.get_messages(request))
    context = {
        "code": code,
        "upload_url": reverse("evidence_upload", args=[assessment.pk, code]),
        "files": Evidence.objects.filter(assessment=assessment, code=code),
        "error": error,
        "done": not error,
        "editable": access.can_edit and not assessment.is_locked,
        "assessment": assessment,
        "accept": ACCEPT,
        "evidence_labels": evidence_labels(),
    }
    return HttpResponse(
        render_to_string("assessment/evidence_block.html", context, request), status=400 if error else 200
    )


# --- Building pages ---------------------------------------------------------------------------


def _page_url_for(assessment: Assessment, category: str | None) -> str:
    if category is None:
        return reverse("assessment_gates", args=[assessment.pk])
    return reverse("assessment_category", args=[assessment.pk, category])


@dataclass
class Page:
    """The models shown on one page: gates, or the indicators of one category."""

    category: Category | None
    rows: list[Gate | Indicator]
    static: "PageRows"
    targets: dict[str, Any]  # code → GateSpec / IndicatorSpec of every answerable item
    sector_values: dict[str, list[SectorValue]]
    evidence: dict[str, list[Evidence]]
    company_sector: Sector
    access: Access
    locked: bool
    answer_base_url: str
    upload_base_url: str
    company_id: int = 0
    year: int = 0
    # The company-year data sheet's figures: the formula inputs it supplies (answers.sheet_for_indicator).
    sheet: Mapping[str, tuple[Decimal, str]] = field(default_factory=dict)

    def sector_value_ids(self, code: str) -> set[int]:
        return {sv.pk for sv in self.sector_values.get(code, [])}


@dataclass(frozen=True)
class PageRows:
    """The criteria rows of one page, shared read-only by every assessment on that criteria version.

    Kept on the cached criteria version; assessment.freshness bumps the version whenever a policy
    document or a context figure shown here changes, so it is rebuilt and never served stale."""

    category: Category | None
    rows: list[Gate | Indicator]
    guidance: dict[tuple[str, str], str] = field(default_factory=dict)  # (language, code) → rendered HTML
    context: dict[str, list[ContextFigure]] = field(default_factory=dict)  # code → national policy figures

    def guidance_html(self, row: Gate | Indicator) -> str:
        """The guidance, expected evidence and policy basis of a row, rendered once per language."""
        key = (get_language(), row.code)
        html = self.guidance.get(key)
        if html is None:
            html = self.guidance[key] = render_to_string(
                "assessment/_indicator_guidance.html",
                {
                    "guidance": pick(row, "guidance"),
                    "evidence_text": pick(row, "evidence"),
                    "policy": [f"{p.number or p.code} {pick(p, 'title')}".strip() for p in row.policy_basis.all()],
                },
            )
        return html


def _page_rows(criteria_set: CriteriaSet, criteria: Criteria, category_code: str | None) -> PageRows:
    """Gates or one category's indicators with their policy basis, memoised on the cached `criteria`
    (keyed by the set's pk + updated_at, which every admin edit of a draft set bumps)."""
    key = category_code or ""
    cached: PageRows | None = criteria.pages.get(key)
    if cached is not None:
        return cached
    category = None
    rows: list[Gate | Indicator]
    if category_code is None:
        # explicit order_by: the models' default ordering joins the criteria set for nothing
        rows = list(
            Gate.objects.filter(criteria_set=criteria_set).order_by("order", "code").prefetch_related("policy_basis")
        )
    else:
        category = Category.objects.filter(criteria_set=criteria_set, code=category_code).first()
        if category is None:
            raise Http404
        rows = list(
            Indicator.objects.filter(category=category).order_by("order", "code").prefetch_related("policy_basis")
        )
    context: dict[str, list[ContextFigure]] = {}
    if category is not None:
        codes = [r.code for r in rows]
        for figure in ContextFigure.objects.filter(area=criteria_set.area, indicator_code__in=codes):
            context.setdefault(figure.indicator_code, []).append(figure)
    page_rows = PageRows(category, rows, context=context)
    criteria.pages[key] = page_rows
    return page_rows


def _load_page(
    assessment: Assessment, access: Access, criteria: Criteria, category_code: str | None, *, only: str | None = None
) -> Page:
    page_rows = _page_rows(assessment.criteria_set, criteria, category_code)
    category = page_rows.category
    rows = [r for r in page_rows.rows if r.code == only] if only else page_rows.rows
    targets = {r.code: criteria.gates.get(r.code) or criteria.indicators.get(r.code) for r in rows}
    targets = {code: t for code, t in targets.items() if t is not None}
    # Quota rows where the criteria use them; library rows (platform, the company's, its consultancies') on every
    # quantitative indicator.
    sv_codes = [r.code for r in rows if getattr(r, "indicator_type", "") in QUANTITATIVE]
    sector_values: dict[str, list[SectorValue]] = {}
    if sv_codes:
        consultancies = AccessGrant.objects.active().filter(company_id=assessment.company_id).values("consultancy_id")
        visible = (
            SectorValue.objects.filter(indicator_code__in=sv_codes, area=assessment.criteria_set.area)
            .visible_to(assessment.company_id, consultancies)
            .offered(
                Answer.objects.filter(assessment_id=assessment.pk, sector_value__isnull=False).values("sector_value_id")
            )
            .select_related("sector", "library__consultancy")
        )
        uses_quotas = {r.code for r in rows if getattr(r, "uses_sector_values", False)}
        for sv in visible:
            if sv.library_id is None and sv.indicator_code not in uses_quotas:
                continue
            sector_values.setdefault(sv.indicator_code, []).append(sv)
    evidence: dict[str, list[Evidence]] = {}
    # explicit order_by: the default ordering by assessment would join its table for nothing
    for ev in Evidence.objects.filter(assessment_id=assessment.pk, code__in=list(targets)).order_by(
        "code", "uploaded_at"
    ):
        evidence.setdefault(ev.code, []).append(ev)
    return Page(
        category=category,
        rows=rows,
        static=page_rows,
        targets=targets,
        sector_values=sector_values,
        evidence=evidence,
        company_sector=assessment.company.sector,
        access=access,
        locked=assessment.is_locked,
        answer_base_url=reverse("assessment_answer", args=[assessment.pk, "CODE"]),
        upload_base_url=reverse("evidence_upload", args=[assessment.pk, "CODE"]),
        company_id=assessment.company_id,
        year=assessment.year,
    )


@dataclass
class InputField:
    name: str
    label: str
    unit: str
    value: str
    errors: list[str]
    # A figure of the company's data sheet: shown, used unless typed over (with a reason).
    sheet: str = ""
    calc: list[str] = field(default_factory=list)
    reason: str = ""
    reason_errors: list[str] = field(default_factory=list)
    sheet_url: str = ""


@dataclass
class Choice:
    value: str
    label: str
    checked: bool
    dom_id: str = ""  # radio buttons and check boxes: the input's id, which its label points to


@dataclass
class SectorGroup:
    label: str
    options: list[Choice]


class FieldErrors(dict[str, list[str]]):
    """Messages per field name; a field without any gives [] (templates look up every field)."""

    def __missing__(self, key: str) -> list[str]:
        return []


@dataclass
class Item:
    """What the template shows for one gate or indicator (computed here, templates only loop)."""

    code: str
    kind: str
    name: str
    is_heading: bool = False
    is_child: bool = False
    guidance: str = ""
    guidance_html: str = ""  # guidance, expected evidence and policy basis (safe HTML)
    unit: str = ""
    requirement: str = ""
    required: bool = True
    allows_na: bool = False
    points: Decimal | None = None
    points_text: str = ""  # "scored / maximum" once scored, else the points available
    provisional: bool = False
    formula: str = ""
    formula_words: str = ""  # a share's "qualifying part / total" said with the indicator's own quantities
    inputs: list[InputField] = field(default_factory=list)
    value_field: InputField | None = None
    choices: list[Choice] = field(default_factory=list)
    choice_name: str = ""  # the radio group's field name, "<code>-choice" or "<code>-passed"
    choice_errors: list[str] = field(default_factory=list)
    options: list[Choice] = field(default_factory=list)
    sector_groups: list[SectorGroup] = field(default_factory=list)
    has_sector_values: bool = False
    own_values_open: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    errors: FieldErrors = field(default_factory=FieldErrors)
    status: str = ""
    status_label: str = ""
    scored: str = ""
    computed: str = ""
    thresholds: str = ""
    open: bool = True
    state: str = ""
    conflict: str = ""
    version: int = 0
    seq: int = 0
    base: str = ""
    note: str = ""
    editable: bool = False
    can_note: bool = False
    answer_url: str = ""
    upload_url: str = ""
    files: list[Evidence] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # national policy figures, shown beside the inputs
    sheet_note: str = ""  # a design-product check: the data sheet's figure per product, not scored


def _items(page: Page, questionnaire: Questionnaire, states: dict[str, tuple[Any, SaveResult | None]]) -> list[Item]:
    card = questionnaire.scorecard
    results: dict[str, IndicatorResult | GateResult] = {r.code: r for r in card.indicators}
    results |= {g.code: g for g in card.gates}
    parents = {r.parent_id for r in page.rows if isinstance(r, Indicator) and r.parent_id}
    items = []
    for row in page.rows:
        if isinstance(row, Indicator) and row.pk in parents:
            items.append(
                Item(
                    code=row.code,
                    kind="heading",
                    name=pick(row, "name"),
                    is_heading=True,
                    guidance=pick(row, "guidance"),
                )
            )
            continue
        target = page.targets.get(row.code)
        if target is None:
            continue
        items.append(_item(page, questionnaire, row, target, results.get(row.code), states.get(row.code)))
    return items


def _item_kind(row: Gate | Indicator) -> str:
    return "" if isinstance(row, Gate) else row.indicator_type


def _item(
    page: Page,
    questionnaire: Questionnaire,
    row: Gate | Indicator,
    target: Any,
    result: Any,
    state: tuple[Any, SaveResult | None] | None,
) -> Item:
    access = page.access
    answer: StoredAnswer | None = questionnaire.rows.get(row.code)
    parsed, saved = state if state else (None, None)
    if saved is not None and saved.row is not None:
        answer = saved.row
    stored = values_from_row(answer, with_note=access.is_consultant)
    # After an error or a conflict the fields keep exactly what the user typed.
    keep_typed = parsed is not None and (parsed.values is None or (saved is not None and not saved.ok))
    raw = dict(parsed.raw) if keep_typed and parsed is not None else raw_from_values(stored)
    indicator = row if isinstance(row, Indicator) else None
    item = Item(
        code=row.code,
        kind=indicator.indicator_type if indicator else "gate",
        name=pick(row, "name" if indicator else "text"),
        is_child=indicator is not None and bool(indicator.parent_id),
        guidance_html=page.static.guidance_html(row),
        context=[f"{pick(f, 'text')} ({f.document}) [{f.mark}]" for f in page.static.context.get(row.code, [])],
        unit=indicator.unit if indicator else "",
        required=indicator.required if indicator else True,
        allows_na=indicator is not None and indicator.allows_na,
        points=indicator.points if indicator else None,
        provisional=(indicator is not None and indicator.provisional) or row.mark == Mark.UNCERTAIN,
        raw=raw,
        errors=FieldErrors(
            parsed.all_messages()
            if parsed is not None
            else incomplete(stored, _item_kind(row), sheet=sheet_for_indicator(page.sheet, row.code))
            if answer
            else {}
        ),
        version=answer.version if answer else 0,
        seq=answer.seq if answer else 0,
        base=stored.digest(),
        note=answer.consultant_note if answer else "",
        editable=access.can_edit and not page.locked,
        can_note=access.is_consultant,
        answer_url=page.answer_base_url.replace("CODE", quote(row.code)),
        upload_url=page.upload_base_url.replace("CODE", quote(row.code)),
        files=page.evidence.get(row.code, []),
    )
    _fill_fields(item, row, page, raw, item.errors)
    if questionnaire.sheet and item.inputs:
        _fill_sheet(item, page, questionnaire, raw)
    if questionnaire.sheet and item.kind == IndicatorType.PASS_FAIL:
        item.sheet_note = per_product_note(questionnaire.sheet_figures, row.code)
    _fill_result(item, result, answer)
    _fill_state(item, parsed, saved, stored, answer)
    _name_inputs(item)
    if item.points is not None:
        item.points_text = item.scored or floatformat(item.points, "-2")
    return item


def _name_inputs(item: Item) -> None:
    """The DOM ids of the choice and option inputs (the labels and the page's script refer to them)."""
    for choice in item.choices:
        choice.dom_id = f"f-{item.code}-{choice.value}"
    for option in item.options:
        option.dom_id = f"f-{item.code}-o{option.value}"


def _fill_fields(
    item: Item, row: Gate | Indicator, page: Page, raw: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """The inputs a question shows, by its kind: choices, ticked options, a count, formula inputs or a value."""
    radio = "choice" if item.kind in QUALITATIVE else "passed"
    item.choice_name = f"{row.code}-{radio}"
    item.choice_errors = errors.get(radio, [])
    if isinstance(row, Gate):
        _fill_gate_choices(item, row, raw)
        return
    kind = row.indicator_type
    if kind in QUALITATIVE:
        labels = (
            (_("Met"), _("Partly met"), _("Not met"))
            if kind == IndicatorType.POSITIVE_QUAL
            else (_("Occurs"), _("Partly"), _("Does not occur"))
        )
        item.choices = [
            Choice(v, label, raw.get("choice") == v) for v, label in zip(vocabulary.Choice.values, labels, strict=True)
        ]
    elif kind == IndicatorType.PASS_FAIL:
        item.requirement = pick(row.rule, "requirement")
        item.choices = [
            Choice("yes", _("Pass"), raw.get("passed") == "yes"),
            Choice("no", _("Fail"), raw.get("passed") == "no"),
        ]
    elif kind == IndicatorType.COUNT:
        _fill_count(item, row, raw, errors)
    else:
        if FORMULAS.get(row.formula):
            _fill_formula_inputs(item, row, raw, errors)
        else:
            value = str(raw.get("value", ""))
            item.value_field = InputField("value", _("Value"), row.unit, value, errors.get("value", []))
        if kind in QUANTITATIVE:
            _fill_sector_values(item, row, page, raw)


def _fill_gate_choices(item: Item, row: Gate, raw: dict[str, Any]) -> None:
    # negative-list items are worded as statements to confirm ("None of the following applies: …")
    question = (
        (_("Yes, this statement is true for us"), _("No, an item of this list applies to us"))
        if row.kind == Gate.Kind.NEGATIVE
        else (_("Yes, we meet this requirement"), _("No, not yet"))
    )
    item.choices = [
        Choice("yes", question[0], raw.get("passed") == "yes"),
        Choice("no", question[1], raw.get("passed") == "no"),
    ]


def _fill_count(item: Item, row: Indicator, raw: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Ticked options when the rule lists them (F04's twelve functions), else a number achieved."""
    options = (
        row.rule.get("options_zh" if is_chinese() else "options_en")
        or row.rule.get("options_en")
        or row.rule.get("options_zh")
        or []
    )
    ticked = {str(o) for o in raw.get("options") or []}
    item.options = [Choice(str(i), label, str(i) in ticked) for i, label in enumerate(options)]
    if options:
        item.options.append(Choice("none", _("None of these"), "none" in ticked))
    else:
        item.value_field = InputField(
            "count", _("Number achieved"), "", str(raw.get("count", "")), errors.get("count", [])
        )
    item.requirement = _("Target: %(target)s") % {"target": row.rule.get("target", 1)}


def _fill_formula_inputs(item: Item, row: Indicator, raw: dict[str, Any], errors: dict[str, list[str]]) -> None:
    formula = FORMULAS[row.formula]
    item.formula = formula.expression
    own = {spec.code for spec in formula.inputs}
    # A generic formula's inputs (the "share" formula's part and total) named by the indicator's rule.
    named = row.rule.get("inputs") if isinstance(row.rule.get("inputs"), dict) else {}
    for spec in accepted_inputs(row.formula).values():
        name = f"in-{spec.code}"
        label = pick(named.get(spec.code) or {}, "label") or (spec.label_zh if is_chinese() else spec.label_en)
        unit = (named.get(spec.code) or {}).get("unit", spec.unit)
        if spec.code not in own:  # Annex B's per-output form: G instead of Q
            label = _("%(input)s, instead of Q for the per-output form") % {"input": label}
            item.formula = _("%(formula)s, or per output %(alternative)s") % {
                "formula": formula.expression,
                "alternative": FORMULAS[PER_OUTPUT[row.formula]].expression,
            }
        item.inputs.append(InputField(name, label, unit, str(raw.get(name, "")), errors.get(name, [])))
    if row.formula == "share" and len(item.inputs) == 2:
        item.formula_words = _("%(part)s as a share of %(total)s: the first divided by the second, × 100 %%") % {
            "part": item.inputs[0].label,
            "total": item.inputs[1].label,
        }


def _fill_sheet(item: Item, page: Page, questionnaire: Questionnaire, raw: dict[str, Any]) -> None:
    """Mark the inputs the data sheet supplies, with the figure, its calculation and the override reason."""
    url = reverse("data_sheet", args=[page.company_id, page.year])
    sheet = sheet_for_indicator(questionnaire.sheet, item.code)
    for input_field in item.inputs:
        code = input_field.name.removeprefix("in-")
        if code not in sheet:
            continue
        value, unit = sheet[code]
        input_field.sheet = f"{plain_number(value)} {unit_label(unit)}".strip()
        own = f"{item.code}.{code}"
        input_field.calc = explain(questionnaire.sheet_figures, own if own in questionnaire.sheet else code)
        input_field.reason = str(raw.get(f"why-{code}", ""))
        input_field.reason_errors = item.errors.get(f"why-{code}", [])
        input_field.sheet_url = url


def _fill_sector_values(item: Item, row: Indicator, page: Page, raw: dict[str, Any]) -> None:
    values = page.sector_values.get(row.code, [])
    selected = str(raw.get("sector_value", ""))
    own: list[Choice] = []
    other: list[Choice] = []
    # outside the f-string: makemessages cannot see gettext calls inside one
    leading_word, benchmark_word = _("leading"), _("benchmark")
    for sv in values:
        mine = page.company_sector.is_kin(sv.sector)
        owner = (
            f"{pick(sv.library, 'name')} ({split_bilingual(sv.library.source)}) · " if sv.library is not None else ""
        )
        label = f"{owner}{sv.standard_edition} · {pick(sv, 'product')} · {leading_word} {plain_number(sv.leading)} / {benchmark_word} {plain_number(sv.benchmark) or '—'} {unit_label(sv.unit)} [{sv.mark}]"
        if not sv.is_official:
            label += " " + _("(provisional)")
        (own if mine else other).append(Choice(str(sv.pk), label, selected == str(sv.pk)))
    item.has_sector_values = bool(values)
    item.sector_groups = [
        g for g in (SectorGroup(_("Your sector"), own), SectorGroup(_("Other sectors"), other)) if g.options
    ]
    item.own_values_open = not values or bool(
        raw.get("leading") or raw.get("benchmark") or item.errors.get("values_source")
    )


VALUES_FROM = {
    "sector": gettext_lazy("sector value"),
    "user": gettext_lazy("your own values"),
    "criteria": gettext_lazy("the criteria's default values"),
}


def _fill_result(item: Item, result: Any, answer: StoredAnswer | None) -> None:
    if isinstance(result, GateResult):
        item.status = {True: Status.MET, False: Status.NOT_MET, None: Status.UNANSWERED}[result.passed]
        item.status_label = {True: _("Passed"), False: _("Failed"), None: _("Open")}[result.passed]
        item.open = result.passed is None
        return
    if result is None:
        return
    item.status = str(result.status)
    item.status_label = str(Status(result.status).label)
    item.open = result.status not in DONE
    item.scored = f"{round_points(result.points)} / {round_points(result.maximum)}"
    if result.value is not None and result.computed:
        item.computed = f"{_short(result.value)} {unit_label(result.unit)}".strip()
    if result.leading is not None and result.benchmark is not None:
        item.thresholds = _("leading %(leading)s · benchmark %(benchmark)s (%(source)s)") % {
            "leading": _short(result.leading),
            "benchmark": _short(result.benchmark),
            "source": str(VALUES_FROM.get(result.values_from, "")),
        }
    if result.provisional:
        item.provisional = True
    if result.status == Status.CANNOT_SCORE and result.reason:
        item.thresholds = item.thresholds or _("Cannot be scored yet: %(reason)s") % {
            "reason": reason_text(result.reason)
        }


def _short(value: Decimal) -> str:
    return plain_number(value.quantize(Decimal("0.0001")) if abs(value) < 10**9 else value)


def _fill_state(item: Item, parsed: Any, saved: SaveResult | None, stored: Any, answer: StoredAnswer | None) -> None:
    if parsed is None:
        return
    if parsed.values is None:
        item.state = "error"
    elif saved is None:
        item.state = "locked"
    elif saved.outcome == Outcome.LOCKED:
        item.state = "locked"
    elif saved.ok:
        item.state = "saved"
    else:
        item.state = "conflict"
        item.conflict = _describe(item, stored, answer)


def _describe(item: Item, stored: Any, answer: StoredAnswer | None) -> str:
    """The stored answer in words, for the conflict message."""
    if answer is None:
        return _("(no answer)")
    parts = []
    if stored.na:
        parts.append(_("N/A: %(reason)s") % {"reason": stored.na_reason})
    for field_ in item.inputs:
        value = dict(stored.inputs).get(field_.name.removeprefix("in-"))
        if value is not None:
            parts.append(f"{field_.name.removeprefix('in-')} = {plain_number(Decimal(value))}")
    if stored.value is not None:
        parts.append(f"{plain_number(stored.value)} {unit_label(item.unit)}".strip())
    for choice in item.choices:
        if (stored.choice or {True: "yes", False: "no"}.get(stored.passed)) == choice.value:
            parts.append(str(choice.label))
    if stored.count is not None and item.kind == IndicatorType.COUNT:
        parts.append(_("%(count)s ticked") % {"count": stored.count})
    if stored.comment:
        parts.append(_("comment: %(comment)s") % {"comment": stored.comment[:80]})
    return "; ".join(parts) or _("(empty)")


# --- Score panel and navigation ---------------------------------------------------------------


@dataclass
class PageLink:
    key: str
    label: str
    url: str
    done: int
    total: int
    percent: int
    points: Decimal | None = None
    maximum: Decimal | None = None
    weight: Decimal | None = None
    current: bool = False
    failed: int = 0


def _yardsticks_text(questionnaire: Questionnaire) -> str:
    return yardsticks_sentence(yardsticks_of(questionnaire))


def _page_links(
    assessment: Assessment,
    questionnaire: Questionnaire,
    counts: tuple[Progress, list[Progress], Progress],
    *,
    current: str,
) -> list[PageLink]:
    """The gates page and one page per category, each with its progress (`progress_of`) and points."""
    card: Scorecard = questionnaire.scorecard
    gates, categories, _overall = counts
    names = {c.code: c for c in questionnaire.criteria.spec.categories}
    links = []
    if card.gates:
        links.append(
            PageLink(
                "gates",
                _("Basic requirements and negative list"),
                reverse("assessment_gates", args=[assessment.pk]),
                gates.done,
                gates.total,
                gates.percent,
                current=current == "gates",
                failed=len(card.failed_gates),
            )
        )
    for progress, result in zip(categories, card.categories, strict=True):
        links.append(
            PageLink(
                result.code,
                pick(names[result.code], "name"),
                reverse("assessment_category", args=[assessment.pk, result.code]),
                progress.done,
                progress.total,
                progress.percent,
                points=round_points(result.points),
                maximum=round_points(result.maximum),
                weight=result.weight,
                current=current == result.code,
            )
        )
    return links


def _common_context(
    assessment: Assessment, access: Access, questionnaire: Questionnaire, *, current: str
) -> dict[str, Any]:
    card: Scorecard = questionnaire.scorecard
    progress = progress_of(card)
    links = _page_links(assessment, questionnaire, progress, current=current)
    index = next((i for i, link in enumerate(links) if link.current), None)
    return {
        "assessment": assessment,
        "access": access,
        "criteria_set": assessment.criteria_set,
        "criteria_name": pick(assessment.criteria_set, "name"),
        "card": card,
        "total": round_points(card.total),
        "maximum": round_points(card.maximum),
        "yardsticks": _yardsticks_text(questionnaire),
        "verdict": verdict_text(card.verdict),
        "rating": card.rating_for(),
        "failed_gates": [g.code for g in card.failed_gates],
        "overall": progress[2],
        "links": links,
        "title": links[index].label if index is not None else "",
        "previous_link": links[index - 1] if index else None,
        "next_link": links[index + 1]
        if index is not None and index + 1 < len(links)
        else (links[0] if index is None and links else None),
        "editable": access.can_edit and not assessment.is_locked,
        "submit_url": reverse("assessment_submit", args=[assessment.pk]),
        "results_url": reverse("assessment_results", args=[assessment.pk]),
        "overview_url": reverse("assessment_overview", args=[assessment.pk]),
        "accept": ACCEPT,
    }
