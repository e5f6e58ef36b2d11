"""The PDF report: context from an assessment, HTML from `reports/report.html`, PDF by WeasyPrint.

Rendering runs in the task worker (`assessment.tasks.render_report_task`), never in a request;
`enqueue_report` decides whether a new render is needed at all. The same functions serve
`manage.py render_report` and the benchmark in bench/.
"""

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessment.charts import ChartRow, category_bars
from assessment.formulas import FORMULAS
from assessment.models import (
    Assessment,
    Evidence,
    FocusArea,
    Gate,
    Indicator,
    IndicatorType,
    Report,
    SectorValue,
    Snapshot,
)
from assessment.scoring import AnswerData, Scorecard, Status, Verdict, reason_text, score, top_actions
from assessment.specs import criteria_spec
from assessment.submission import state_for
from greenmfg.bilingual import pick, unit_label
from organisations.models import Consultancy
from policies.models import Mark, PolicyDocument

logger = logging.getLogger(__name__)

# Bump when the template or context changes, so kept PDFs of unchanged assessments are re-rendered.
REPORT_LAYOUT_VERSION = "1"
TEMPLATE = "reports/report.html"
STYLESHEET = "css/report.css"


# --- Engine input: the submission snapshot, or the live answers of a draft --------------------


@dataclass(frozen=True)
class EngineInput:
    criteria: dict[str, Any]
    answers: dict[str, AnswerData]
    notes: dict[str, dict[str, str]]
    reference: Decimal | None
    reference_year: int | None
    reference_source: str
    frozen: bool  # True: from the snapshot taken at submission


def engine_input(assessment: Assessment) -> EngineInput:
    """The shared scoring state (assessment.submission.state_for) plus the notes of a snapshot."""
    state = state_for(assessment)
    notes = state.notes
    if state.from_snapshot:
        # Snapshots keep the notes inside the answers JSON (specs.answers_to_json).
        items = (Snapshot.objects.get(assessment=assessment).answers or {}).get("indicators") or {}
        notes = {
            code: {key: str(item.get(key) or "") for key in ("comment", "consultant_note")}
            for code, item in items.items()
            if isinstance(item, dict)
        }
    return EngineInput(
        criteria=state.criteria,
        answers=state.answers,
        notes=notes,
        reference=state.reference,
        reference_year=state.reference_year,
        reference_source=state.reference_source,
        frozen=state.from_snapshot,
    )


# --- Context ------------------------------------------------------------------------------------


def _num(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def _figure(value: Decimal | None, places: int = 6) -> str:
    """A figure without trailing zeros, thousands separated, at most `places` decimals."""
    if value is None:
        return "–"
    normal = value.quantize(Decimal(1).scaleb(-places)).normalize() if value.as_tuple().exponent < -places else value.normalize()
    if normal == normal.to_integral():
        normal = normal.quantize(Decimal(1))
    return f"{normal:,f}"


def status_label(status: str) -> str:
    return {
        Status.MET: _("Met"),
        Status.PARTLY: _("Partly met"),
        Status.NOT_MET: _("Not met"),
        Status.NA: _("Not applicable"),
        Status.UNANSWERED: _("Not answered"),
        Status.CANNOT_SCORE: _("Cannot be scored"),
    }[Status(status)]


def verdict_text(card: Scorecard) -> tuple[str, str]:
    """A short verdict and the sentence explaining it."""
    reference = _num(card.reference)
    texts = {
        Verdict.NOT_ELIGIBLE: (_("Not eligible"), _("A basic requirement or an item of the negative list is not met; the score does not count until it is.")),
        Verdict.INCOMPLETE: (_("Incomplete"), _("Some basic requirements or indicators are still unanswered.")),
        Verdict.ABOVE_REFERENCE: (_("At or above the regional reference"), _("The total reaches the regional reference value of %(ref)s points.") % {"ref": reference}),
        Verdict.BELOW_REFERENCE: (_("Below the regional reference"), _("The total is below the regional reference value of %(ref)s points.") % {"ref": reference}),
        Verdict.NO_REFERENCE: (_("Scored"), _("Selection is relative: no regional reference value has been entered yet, so the score cannot be compared.")),
        Verdict.RATED: (_("Rated"), _("The rating follows the score bands of the criteria set.")),
        Verdict.PASS: (_("Pass"), _("Every indicator is met.")),
        Verdict.FAIL: (_("Fail"), _("At least one indicator is not met.")),
    }
    return texts[card.verdict]


def _policy_row(doc: PolicyDocument) -> dict[str, Any]:
    return {
        "code": doc.code,
        "number": doc.number,
        "title": pick(doc, "title"),
        "issuer": pick(doc, "issuer"),
        "issued": doc.issued,
        "kind": doc.get_kind_display(),
        "uncertain": doc.mark == Mark.UNCERTAIN,
    }


def _policy_label(doc: PolicyDocument) -> str:
    title = pick(doc, "title")
    return f"{doc.number} {title}".strip() if doc.number and doc.number not in title else title


def _answer_text(spec: Mapping[str, Any], answer: AnswerData | None, status: str) -> str:
    if answer is None:
        return _("Not answered")
    if answer.na:
        return _("Not applicable: %(reason)s") % {"reason": answer.na_reason} if answer.na_reason else _("Not applicable")
    kind = spec["indicator_type"]
    if kind in (IndicatorType.POSITIVE_QUAL, IndicatorType.REVERSE_QUAL):
        return {"met": _("Met"), "partly": _("Partly met"), "not_met": _("Not met")}.get(answer.choice, _("Not answered"))
    if kind == IndicatorType.PASS_FAIL:
        return {True: _("Yes"), False: _("No")}.get(answer.passed, _("Not answered"))  # type: ignore[arg-type]
    if kind == IndicatorType.COUNT:
        target = (spec.get("rule") or {}).get("target")
        if answer.count is None:
            return _("Not answered")
        return _("%(count)s of %(target)s") % {"count": answer.count, "target": target} if target else str(answer.count)
    if answer.value is None and not answer.inputs:
        return _("Not answered")
    return ""  # quantitative: the figures and computed value say it


def _inputs(spec: Mapping[str, Any], answer: AnswerData | None) -> list[dict[str, str]]:
    if answer is None or not answer.inputs:
        return []
    formula = FORMULAS.get(spec.get("formula") or "")
    labels = {i.code: (pick(i, "label"), i.unit) for i in formula.inputs} if formula else {}
    return [
        {"code": code, "label": labels.get(code, (code, ""))[0], "value": _figure(value), "unit": unit_label(labels.get(code, ("", ""))[1])}
        for code, value in answer.inputs.items()
    ]


def _thresholds_source(result: Any, answer: AnswerData | None, sector_values: Mapping[str, SectorValue]) -> str:
    if result.values_from == "sector" and answer is not None and answer.sector is not None:
        row = sector_values.get(answer.sector.key)
        label = f"{row.standard_edition} {pick(row, 'product')}" if row else answer.sector.label
        return _("Sector value: %(label)s") % {"label": label}
    if result.values_from == "user" and answer is not None:
        return _("User-supplied: %(source)s") % {"source": answer.values_source}
    if result.values_from == "criteria":
        return _("Default of the criteria set")
    return ""


def build_context(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> dict[str, Any]:
    """Everything the report template shows, computed here; the template only loops and branches.

    Call inside `translation.override(language)` (render_html does).
    """
    source = engine_input(assessment)
    spec = criteria_spec(source.criteria)
    card = score(spec, source.answers, reference=source.reference)
    actions = top_actions(spec, source.answers, limit=5, reference=source.reference)
    criteria_set = assessment.criteria_set
    company = assessment.company

    indicator_rows = {
        i.code: i
        for i in Indicator.objects.filter(category__criteria_set=criteria_set).prefetch_related("policy_basis")
    }
    gate_rows = {g.code: g for g in Gate.objects.filter(criteria_set=criteria_set).prefetch_related("policy_basis")}
    sector_keys = [a.sector.key for a in source.answers.values() if a.sector is not None]
    sector_values = {v.key: v for v in SectorValue.objects.filter(key__in=sector_keys)}
    evidence: dict[str, list[str]] = {}
    for item in Evidence.objects.filter(assessment=assessment).only("code", "original_name"):
        evidence.setdefault(item.code, []).append(item.original_name)

    specs_by_code = {i["code"]: (i, c) for c in source.criteria["categories"] for i in c["indicators"]}
    category_names = {c["code"]: pick(c, "name") for c in source.criteria["categories"]}

    def basis(code: str) -> list[str]:
        row = indicator_rows.get(code)
        return [_policy_label(d) for d in row.policy_basis.all()] if row else []

    # Summary
    verdict, verdict_reason = verdict_text(card)
    gates = [
        {
            "code": g.code,
            "kind": Gate.Kind(g.kind).label if g.kind in Gate.Kind.values else g.kind,
            "text": pick(g, "text"),
            "passed": g.passed,
            "state": {True: _("Met"), False: _("Not met"), None: _("Not answered")}[g.passed],
            "basis": [_policy_label(d) for d in gate_rows[g.code].policy_basis.all()] if g.code in gate_rows else [],
        }
        for g in card.gates
    ]
    top = [
        {
            "code": result.code,
            "name": pick(specs_by_code[result.code][0], "name"),
            "category": category_names.get(result.category, ""),
            "gain": _num(gain),
            "recommendation": pick(specs_by_code[result.code][0], "recommendation"),
        }
        for result, gain in actions
    ]

    # Scores per category
    categories = []
    for result in card.categories:
        share = (result.points / result.maximum * 100) if result.maximum else Decimal(0)
        categories.append(
            {
                "code": result.code,
                "name": category_names.get(result.code, result.code),
                "weight": _num(result.weight),
                "points": _num(result.points),
                "maximum": _num(result.maximum),
                "percent": _num(share, 0),
                "share": share,
            }
        )
    chart_rows = [ChartRow(c["name"], r.points, r.maximum) for c, r in zip(categories, card.categories, strict=True)]

    # Indicators: detail for all, gaps for the open ones
    details_by_category: dict[str, list[dict[str, Any]]] = {c["code"]: [] for c in categories}
    details: dict[str, dict[str, Any]] = {}
    for result in card.indicators:
        ind_spec, _category = specs_by_code[result.code]
        answer = source.answers.get(result.code)
        notes = source.notes.get(result.code, {})
        parent = specs_by_code.get(ind_spec.get("parent") or "")
        row = {
            "code": result.code,
            "name": pick(ind_spec, "name"),
            "parent": f"{parent[0]['code']} {pick(parent[0], 'name')}" if parent else "",
            "type": IndicatorType(ind_spec["indicator_type"]).label,
            "status": str(result.status),
            "status_label": status_label(result.status),
            "answer": _answer_text(ind_spec, answer, result.status),
            "inputs": _inputs(ind_spec, answer),
            # Counts are shown in the answer; computed ratios need no more than 4 decimals.
            "value": _figure(result.value, 4) if result.value is not None and ind_spec["indicator_type"] != IndicatorType.COUNT else "",
            "computed": result.computed,
            "unit": unit_label(result.unit),
            "leading": _figure(result.leading) if result.leading is not None else "",
            "benchmark": _figure(result.benchmark) if result.benchmark is not None else "",
            "thresholds_source": _thresholds_source(result, answer, sector_values),
            "points": _num(result.points),
            "maximum": _num(result.maximum),
            "lost": _num(result.gap),
            "provisional": result.provisional,
            "user_supplied": result.user_supplied,
            "reason": reason_text(result.reason),
            "evidence": evidence.get(result.code, []),
            "comment": notes.get("comment", ""),
            "consultant_note": notes.get("consultant_note", ""),
            "recommendation": pick(ind_spec, "recommendation"),
            "basis": basis(result.code),
        }
        details[result.code] = row
        details_by_category.setdefault(result.category, []).append(row)
    gaps = [details[r.code] for r in card.gaps()]

    # Policy basis: governing documents, then everything cited by gates and indicators
    governing = list(criteria_set.governing_documents.all())
    cited_ids = set(PolicyDocument.objects.filter(indicators__category__criteria_set=criteria_set).values_list("id", flat=True))
    cited_ids |= set(PolicyDocument.objects.filter(gates__criteria_set=criteria_set).values_list("id", flat=True))
    cited = list(PolicyDocument.objects.filter(id__in=cited_ids - {d.id for d in governing}))

    draft = not source.frozen
    today = timezone.localdate()
    return {
        "language": language,
        "lang_attr": "zh-Hans" if language.startswith("zh") else "en",
        "stylesheet_url": static_file_url(STYLESHEET),
        "draft": draft,
        "company": {
            "name": company.name,
            "credit_code": company.credit_code,
            "sector": pick(company.sector, "name"),
            "province": company.get_province_display(),
        },
        "area": FocusArea(criteria_set.area).label,
        "criteria_set": {
            "name": pick(criteria_set, "name"),
            "standard": criteria_set.standard,
            "version": source.criteria.get("version") or criteria_set.version,
            "provisional": criteria_set.provisional,
            "note": pick(criteria_set, "note"),
        },
        "assessment": {
            "title": assessment.title,
            "year": assessment.year,
            "revision": assessment.revision,
            "status": assessment.get_status_display(),
            "submitted_at": formats.date_format(timezone.localtime(assessment.submitted_at), "DATE_FORMAT") if assessment.submitted_at else "",
        },
        "date": formats.date_format(today, "DATE_FORMAT"),
        "consultancy": _consultancy_context(consultancy),
        "summary": {
            "verdict": verdict,
            "verdict_reason": verdict_reason,
            "verdict_code": str(card.verdict),
            "total": _num(card.total),
            "maximum": _num(card.maximum),
            "rating": card.rating_zh if language.startswith("zh") and card.rating_zh else card.rating,
            "rating_provisional": card.rating_provisional,
            "reference": _num(card.reference) if card.reference is not None else "",
            "reference_year": source.reference_year or "",
            "reference_source": source.reference_source,
            "provisional": card.provisional,
            "failed_gates": len(card.failed_gates),
            "open_gates": len(card.unanswered_gates),
        },
        "gates": gates,
        "top_actions": top,
        "categories": categories,
        # charts escapes every label itself and returns SafeString markup.
        "chart_svg": category_bars(chart_rows, title=_("Scores by category")) if chart_rows else "",
        "gaps": gaps,
        "detail_groups": [
            {"code": c["code"], "name": c["name"], "points": c["points"], "maximum": c["maximum"], "indicators": details_by_category[c["code"]]}
            for c in categories
        ],
        "governing_documents": [_policy_row(d) for d in governing],
        "cited_documents": [_policy_row(d) for d in cited],
    }


def _consultancy_context(consultancy: Consultancy | None) -> dict[str, str] | None:
    if consultancy is None:
        return None
    logo_url = ""
    if consultancy.logo:
        try:
            logo_url = Path(consultancy.logo.path).resolve().as_uri()
        except (NotImplementedError, ValueError):
            logo_url = ""  # remote storage: no local file for WeasyPrint to read
    return {"name": consultancy.name, "logo_url": logo_url}


def static_file_url(path: str) -> str:
    found = finders.find(path)
    if not found:
        found = str(Path(settings.STATIC_ROOT) / path)
    return Path(found).resolve().as_uri()


# --- Rendering ----------------------------------------------------------------------------------


def render_html(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> str:
    with translation.override(language):
        return render_to_string(TEMPLATE, build_context(assessment, language=language, consultancy=consultancy))


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def html_to_pdf(html: str) -> RenderedPdf:
    # Imported here: WeasyPrint (and Pango behind it) takes a second to load, and only the worker
    # and the render_report command need it.
    from assessment import pdf

    data, pages = pdf.html_to_pdf(html)
    return RenderedPdf(data, pages)


def render_pdf(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> RenderedPdf:
    return html_to_pdf(render_html(assessment, language=language, consultancy=consultancy))


def download_name(report: Report) -> str:
    assessment = report.assessment
    area = slugify(assessment.criteria_set.area)
    return f"{assessment.company.name}-{area}-{assessment.year}-r{assessment.revision}-{report.language}.pdf"


# --- Jobs: one render per assessment state, kept until the assessment changes -------------------


def stale_after() -> timedelta:
    return timedelta(minutes=settings.REPORT_STALE_MINUTES)


MAX_ATTEMPTS = 3


def fingerprint(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> str:
    """Changes whenever anything the PDF shows could have changed."""
    answers = assessment.answers.aggregate(latest=Max("updated_at"))
    evidence = sorted(Evidence.objects.filter(assessment=assessment).values_list("id", "code", "original_name"))
    snapshot = getattr(assessment, "snapshot", None)
    parts = [
        REPORT_LAYOUT_VERSION,
        assessment.pk,
        assessment.revision,
        assessment.status,
        assessment.updated_at.isoformat() if assessment.updated_at else "",
        answers["latest"].isoformat() if answers["latest"] else "",
        assessment.answers.count(),
        evidence,
        snapshot.created_at.isoformat() if snapshot is not None else "",
        language,
        consultancy.pk if consultancy else "",
        consultancy.name if consultancy else "",
        consultancy.logo.name if consultancy and consultancy.logo else "",
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def is_stale(report: Report, now: Any = None) -> bool:
    """Running far longer than any render takes: the worker was killed."""
    now = now or timezone.now()
    return report.status == Report.Status.RUNNING and (report.started_at is None or report.started_at < now - stale_after())


def enqueue_report(assessment: Assessment, language: str, user: Any, consultancy: Consultancy | None = None) -> Report:
    """The report for the assessment's current state: kept, in progress, or newly queued."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    with transaction.atomic():
        # Lock the assessment row so two requests cannot both decide to queue a render.
        # (SQLite: the IMMEDIATE transaction mode already serialises writers.)
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        fp = fingerprint(locked, language=language, consultancy=consultancy)
        report = Report.objects.filter(assessment=locked, fingerprint=fp).order_by("-created_at").first()
        if report is None:
            report = Report.objects.create(
                assessment=locked, language=language, fingerprint=fp, consultancy=consultancy, requested_by=user
            )
            return _queue(report)
        if report.status == Report.Status.DONE or (report.status in (Report.Status.QUEUED, Report.Status.RUNNING) and not is_stale(report)):
            return report
        return _queue(report)  # failed (retry asked for) or stale


def retry_if_stale(report: Report) -> Report:
    """Called on every status poll: a job left running by a killed worker is queued again."""
    if not is_stale(report):
        return report
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if not is_stale(report):
            return report
        logger.warning("report %s: running since %s, worker presumably gone; retrying", report.pk, report.started_at)
        return _queue(report)


def _queue(report: Report) -> Report:
    """Queue (or re-queue) a render; call inside a transaction, so row and task commit together."""
    from assessment.tasks import render_report_task

    if report.attempts >= MAX_ATTEMPTS:
        report.status = Report.Status.FAILED
        report.error = _mark_error(f"gave up after {report.attempts} attempts: the render did not finish")
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


def _mark_error(message: str) -> str:
    return message[:2000]


def run_report(report_id: int, task_id: str) -> str:
    """The worker's job: render, store the file, record the outcome. Returns the final status."""
    now = timezone.now()
    claimed = Report.objects.filter(pk=report_id, task_id=task_id, status=Report.Status.QUEUED)
    if not claimed.update(status=Report.Status.RUNNING, started_at=now, progress=5, attempts=F("attempts") + 1):
        logger.info("report %s: task %s is no longer current; skipped", report_id, task_id)
        return "skipped"
    # Every later write is conditional on the task id, so a superseded job cannot overwrite the row.
    mine = Report.objects.filter(pk=report_id, task_id=task_id)
    report = Report.objects.select_related("assessment__company__sector", "assessment__criteria_set", "consultancy").get(pk=report_id)
    try:
        html = render_html(report.assessment, language=report.language, consultancy=report.consultancy)
        mine.update(progress=30)
        pdf = html_to_pdf(html)
        mine.update(progress=90)
        name = f"assessment-{report.assessment_id}-r{report.assessment.revision}-{report.language}.pdf"
        report.file.save(name, ContentFile(pdf.data), save=False)
    except Exception as exc:
        logger.exception("report %s: render failed", report_id)
        mine.update(
            status=Report.Status.FAILED,
            error=_mark_error(f"{type(exc).__name__}: {exc}"),
            finished_at=timezone.now(),
        )
        raise
    if not mine.update(status=Report.Status.DONE, file=report.file.name, pages=pdf.pages, progress=100, finished_at=timezone.now()):
        report.file.delete(save=False)  # re-queued meanwhile: the newer task owns the row
        return "skipped"
    return Report.Status.DONE
