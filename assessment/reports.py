"""The PDF report: context from an assessment, HTML from `reports/report.html`, PDF by WeasyPrint.

Rendering runs in the task worker (`assessment.tasks.render_report_task`), never in a request;
`assessment.tasks.enqueue_report` decides whether a new render is needed at all (by `fingerprint`).
The same functions serve
`manage.py render_report` and the benchmark in bench/.
"""

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db.models import Count, F, Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessment import actionplan, vocabulary
from assessment.answers import count_yardsticks, quota_source, reference_row, yardsticks_sentence
from assessment.charts import ChartRow, category_bars
from assessment.formulas import FORMULAS
from assessment.models import (
    ActionItem,
    Assessment,
    CriteriaSet,
    Evidence,
    Gate,
    Indicator,
    Report,
    SectorValue,
)
from assessment.reasons import Reason, reason_text
from assessment.scorecards import ScoringState, state_for
from assessment.scoring import AnswerData, IndicatorResult, Scorecard, gains, top_actions
from assessment.vocabulary import Choice, FocusArea, IndicatorType, Status, Verdict
from greenmfg.bilingual import has_cjk, is_chinese, pick, split_bilingual, unit_html
from greenmfg.filenames import file_part
from ledger.energy import Carrier
from ledger.models import DataSheet
from organisations import branding
from organisations.certificates import certificate_rows
from organisations.models import Company, Consultancy, ManagementCertificate
from policies.models import Mark, PolicyDocument

logger = logging.getLogger(__name__)

# Bump when the template or context changes, so kept PDFs of unchanged assessments are re-rendered.
REPORT_LAYOUT_VERSION = "5"
TEMPLATE = "reports/report.html"
STYLESHEET = "css/report.css"


# --- Figures: one precision rule per kind of number ---------------------------------------------


def _num(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def points_text(value: Decimal | None) -> str:
    """Points: two decimals, as the engine rounds them."""
    return _num(value, 2)


def share_text(points: Decimal, maximum: Decimal) -> str:
    """A share of the maximum: one decimal, so 12.50 of 20 reads 62.5%, not 62%."""
    share = (points / maximum * 100) if maximum else Decimal(0)
    return f"{_num(share, 1)}%"


def _figure(value: Decimal | None, places: int = 6) -> str:
    """A raw figure as entered: thousands separated, no trailing zeros, at most `places` decimals."""
    if value is None:
        return "–"
    exponent = value.as_tuple().exponent  # "n", "N" or "F" only for NaN and infinity
    too_fine = isinstance(exponent, int) and exponent < -places
    normal = value.quantize(Decimal(1).scaleb(-places)).normalize() if too_fine else value.normalize()
    if normal == normal.to_integral():
        normal = normal.quantize(Decimal(1))
    return f"{normal:,f}"


def measure_text(value: Decimal | None, unit: str) -> str:
    """An indicator value or yardstick: rates (%) one decimal, everything else three significant figures."""
    if value is None:
        return "–"
    if unit.strip() == "%":
        return _num(value, 1)
    if value == 0:
        return "0"
    exponent = value.adjusted() - 2
    rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return f"{rounded:,f}" if exponent < 0 else f"{rounded.quantize(Decimal(1)):,f}"


# --- Reference text for print: no internal marks, no broken document numbers ---------------------

_MARK = re.compile(r"\s*\[([UVS])\]")
# Standard codes (GB/T 33635-2017, JC/T 2770, DB21/T 3662-2022, T/CAGP 0001) and document numbers (工信部节〔2024〕13号).
_CODE = re.compile(
    r"(?:GB|JB|JC|YB|HG|QB|HJ|SJ|DB\d*|T/[A-Z]+|ISO|IEC)(?:/[TZ])?\s\d+(?:\.\d+)*(?:-\d{4})?|[\u4e00-\u9fff]{2,6}〔\d{4}〕\d+号"
)
_DOC_NUMBER = re.compile(r"^(?P<prefix>[\u4e00-\u9fff]+)〔(?P<year>\d{4})〕(?P<no>\d+)号$")
DOC_PREFIXES = {
    "工信部节": "MIIT Energy Conservation",
    "工信厅节": "MIIT General Office, Energy Conservation",
    "工信厅节函": "MIIT General Office Letter, Energy Conservation",
    "国发": "State Council",
}


_CJK_ASIDE = re.compile(r"\s*[（(][^（）()]*[\u4e00-\u9fff][^（）()]*[）)]")


def plain(text: str, language: str | None = None) -> str:
    """Reference text for print: the reference's confidence marks said in words ([U]) or dropped
    ([V], [S]); in English, Chinese asides in brackets ("quota standards (能耗限额)") left out."""
    text = _MARK.sub(lambda m: _(" (unverified)") if m.group(1) == "U" else "", text or "").strip()
    return text if is_chinese(language) else _CJK_ASIDE.sub("", text)


def bracket(text: str, language: str) -> str:
    """Text in brackets, full-width in Chinese."""
    return f"（{text}）" if is_chinese(language) else f"({text})"


def nobr(text: str) -> SafeString:
    """Escaped text in which standard codes and document numbers never break across lines, and CO₂
    has a subscript drawn by the report font (which has no ₂ glyph)."""
    out, last = [], 0
    for match in _CODE.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f'<span class="nobr">{escape(match.group(0))}</span>')
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe(re.sub(r"CO2(?!\d)", "CO<sub>2</sub>", "".join(out)))  # noqa: S308 - every piece escaped above


def document_number(number: str, language: str) -> str:
    """A Chinese document number, rendered in English for English reports (工信厅节函〔2016〕586号 → … [2016] No. 586)."""
    match = _DOC_NUMBER.match(number or "")
    if match is None or is_chinese(language):
        return number or ""
    prefix = DOC_PREFIXES.get(match["prefix"], "MIIT")
    return f"{prefix} [{match['year']}] No. {match['no']}"


# --- Small texts ---------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return str(Status(status).label)


def verdict_text(card: Scorecard) -> tuple[str, str]:
    """A short verdict and the sentence explaining it."""
    return str(Verdict(card.verdict).label), vocabulary.verdict_text(card.verdict)


# Negative-list items are stored as statements to confirm; the report lists them under one heading.
NEGATIVE_PREFIXES = ("None of the following applies:", "不存在以下情形：")


def reason_words(reason: Reason | None) -> str:
    return plain(reason_text(reason))


def _gate_text(text: str) -> str:
    for prefix in NEGATIVE_PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix) :].strip()
            return rest[:1].upper() + rest[1:]
    return text


def _policy_label(doc: PolicyDocument, language: str) -> str:
    title = plain(pick(doc, "title"), language)
    number = document_number(doc.number, language)
    return f"{number} {title}".strip() if number and doc.number not in title else title


def _answer_text(spec: Mapping[str, Any], answer: AnswerData | None, language: str) -> str:
    if answer is None:
        return _("Not answered")
    if answer.na:
        reason = split_bilingual(answer.na_reason, language)
        return _("Not applicable: %(reason)s") % {"reason": reason} if reason else _("Not applicable")
    kind = spec["indicator_type"]
    if kind in (IndicatorType.POSITIVE_QUAL, IndicatorType.REVERSE_QUAL):
        return str(Choice(answer.choice).label) if answer.choice in Choice.values else _("Not answered")
    if kind == IndicatorType.PASS_FAIL:
        if answer.passed is None:
            return _("Not answered")
        return _("Yes") if answer.passed else _("No")
    if kind == IndicatorType.COUNT:
        target = (spec.get("rule") or {}).get("target")
        if answer.count is None:
            return _("Not answered")
        return _("%(count)s of %(target)s") % {"count": answer.count, "target": target} if target else str(answer.count)
    if answer.value is None and not answer.inputs:
        return _("Not answered")
    return ""  # quantitative: the figures and computed value say it


_HELP = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _short_label(label: str) -> str:
    """An input's name without the form's help in brackets ("Qualified output Q (in the product unit …)" → "Qualified output Q")."""
    return _HELP.sub("", label)


# --- Products: the real unit behind "product unit" -----------------------------------------------


def _product_name(row: SectorValue, language: str) -> str:
    name = pick(row, "product", language)
    name = re.sub(r"[（(].*?[）)]", "", name).split(",")[0].strip()
    return name if is_chinese(language) else name.lower()


MEASURES = {"t", "kg", "m³", "m²", "kWh", "MWh", "GJ"}


def product_units(
    answers: Mapping[str, AnswerData], sector_values: Mapping[str, SectorValue], language: str
) -> dict[str, str]:
    """Per indicator code, the unit of its output Q ("t cement"), from the quota row chosen for it or,
    failing that, from the quota row of another indicator with the same output figure."""
    own: dict[str, str] = {}
    by_output: dict[Decimal, str] = {}
    for code, answer in answers.items():
        row = sector_values.get(answer.sector.key) if answer.sector is not None else None
        if row is None:
            continue
        # "kgce/t" and "m³/t clinker" are per tonne of the row's product; "kgce/weight case" is its own unit.
        per = row.unit.split("/")[-1].strip() if "/" in row.unit else "t"
        measure = per.split(" ")[0]
        own[code] = f"{measure} {_product_name(row, language)}" if measure in MEASURES else per
        if answer.inputs.get("Q") is not None:
            by_output.setdefault(answer.inputs["Q"], own[code])
    default = next(iter(by_output.values()), "")
    units = dict(own)
    for code, answer in answers.items():
        if code not in units and answer.inputs.get("Q") is not None:
            units[code] = by_output.get(answer.inputs["Q"], default)
    return units


def indicator_unit(unit: str, product: str) -> str:
    """The engine's unit with the real product in the report's language: "tce/t" of a cement quota reads
    "tce/t cement", "m³/t clinker" reads "m³/t 水泥熟料" in Chinese."""
    if not product or "/" not in unit:
        return unit
    head, per = unit.rsplit("/", 1)
    return f"{head}/{product}" if per.strip().split(" ")[0] == product.split(" ")[0] else unit


def _quantity(figure: str, unit_markup: str) -> SafeString:
    """A figure and its unit as HTML ("9,600 万元", "9,600 × 10<sup>4</sup> CNY", "87.7%")."""
    if not unit_markup:
        return mark_safe(escape(figure))  # noqa: S308
    joiner = "" if unit_markup == "%" else "\u00a0"
    return mark_safe(f'<span class="nobr">{escape(figure)}{joiner}{unit_markup}</span>')  # noqa: S308 - unit_html escapes


def _inputs(spec: Mapping[str, Any], answer: AnswerData | None, language: str, product: str) -> list[dict[str, Any]]:
    if answer is None or not answer.inputs:
        return []
    formula = FORMULAS.get(spec.get("formula") or "")
    labels = {i.code: (_short_label(pick(i, "label")), i.unit) for i in formula.inputs} if formula else {}
    rows = []
    for code, value in answer.inputs.items():
        if not isinstance(value, Decimal):
            continue  # option lists of counts: the answer shows the count
        label, unit = labels.get(code, (code, ""))
        rows.append(
            {
                "code": code,
                "label": nobr(label),
                "quantity": _quantity(_figure(value), unit_html(unit, language, product=product)),
            }
        )
    return rows


# --- Context ------------------------------------------------------------------------------------


def _yardstick(
    result: Any,
    answer: AnswerData | None,
    sector_values: Mapping[str, SectorValue],
    spec: Mapping[str, Any],
    language: str,
) -> dict[str, str]:
    """Where the leading and benchmark values come from, and who answers for them."""
    if result.values_from == "sector" and answer is not None and answer.sector is not None:
        row = sector_values.get(answer.sector.key)
        quota = quota_source(result.code, answer.sector, row)
        source = f"{quota.source} {plain(pick(quota, 'name', language))}"
        library = row.library if row is not None and row.library_id else None
        if library is not None and library.self_set:
            # A consultancy's or the company's own library: its research, not an official row.
            owner = (
                _("The consultancy's library")
                if library.owner == library.Owner.CONSULTANCY
                else _("The company (self-set yardstick)")
            )
            return {
                "source": f"{pick(library, 'name', language)} · {split_bilingual(library.source, language)}",
                "owner": owner,
                "kind": "library",
            }
        official = answer.sector.official
        owner = _("Quota standard") if official else _("Quota standard, not yet confirmed")
        return {"source": source, "owner": owner, "kind": "sector"}
    if result.values_from == "user" and answer is not None:
        return {
            "source": split_bilingual(answer.values_source, language) or _("not stated"),
            "owner": _("The company (self-set yardstick)"),
            "kind": "user",
        }
    if result.values_from == "criteria":
        return {"source": _("Default of the criteria set"), "owner": _("Criteria set"), "kind": "criteria"}
    return {"source": "", "owner": "", "kind": ""}


def _standard_line(criteria_set: Any, governing: list[PolicyDocument], language: str) -> str:
    """The governing standard in the report's language: Chinese document titles only in Chinese reports."""
    standard = criteria_set.standard or ""
    if not is_chinese(language) and criteria_set.standard_en:
        return str(criteria_set.standard_en)
    if is_chinese(language) or not has_cjk(standard):
        return standard
    for doc in governing:
        if doc.number and doc.number in standard:
            return _policy_label(doc, language)
    return pick(criteria_set, "name", language)


def _previous(assessment: Assessment) -> Assessment | None:
    previous_id = assessment.previous_id or assessment.prefilled_from_id
    if previous_id is None:
        return None
    # Same company only: a revision chain never crosses companies, but the report must not either.
    return (
        Assessment.objects.select_related("criteria_set")
        .filter(pk=previous_id, company_id=assessment.company_id)
        .first()
    )


def _comparison(
    assessment: Assessment, card: Scorecard, names: Mapping[str, str], indicator_names: Mapping[str, str]
) -> dict[str, Any] | None:
    previous = _previous(assessment)
    if previous is None:
        return None
    before = state_for(previous).card
    old_categories = {c.code: c for c in before.categories}
    rows = []
    for c in card.categories:
        old = old_categories.get(c.code)
        change = c.points - old.points if old is not None else None
        rows.append(
            {
                "name": names.get(c.code, c.code),
                "before": points_text(old.points) if old else "–",
                "now": points_text(c.points),
                "change": (f"{change:+.2f}" if change is not None else "–"),
            }
        )
    old_status = {r.code: r for r in before.indicators}
    changed = [
        {
            "code": r.code,
            "name": indicator_names.get(r.code, r.code),
            "before": status_label(old_status[r.code].status),
            "now": status_label(r.status),
            "change": f"{r.points - old_status[r.code].points:+.2f}",
        }
        for r in card.indicators
        if r.code in old_status and (old_status[r.code].status != r.status or old_status[r.code].points != r.points)
    ]
    return {
        "label": _("%(year)s, revision %(revision)s") % {"year": previous.year, "revision": previous.revision},
        "same_criteria": previous.criteria_set_id == assessment.criteria_set_id,
        "categories": rows,
        "total_before": points_text(before.total),
        "total_now": points_text(card.total),
        "total_change": f"{card.total - before.total:+.2f}",
        "indicators": changed,
    }


def report_number(assessment: Assessment) -> str:
    """Stable for one assessment revision: the same document keeps its number when printed again."""
    return f"GM-{assessment.year}-{assessment.company_id:05d}-{assessment.pk:05d}-R{assessment.revision}"


@dataclass(frozen=True)
class ReportSources:
    """What the report's sections read, fetched once: the scored state, the sector values used, the evidence
    file names and the names of categories and indicators."""

    state: ScoringState
    language: str
    specs: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # indicator code → (indicator, category) data
    category_names: dict[str, str]
    indicator_names: dict[str, str]
    sector_values: dict[str, SectorValue]
    evidence: dict[str, list[str]]
    products: dict[str, str]

    @property
    def zh(self) -> bool:
        return is_chinese(self.language)


def report_sources(assessment: Assessment, language: str) -> ReportSources:
    # Scored once, with the evaluation year and sector (quota editions, sector fit, limit values);
    # a submitted assessment re-scored from its snapshot.
    source = state_for(assessment)
    sector_keys = [a.sector.key for a in source.answers.values() if a.sector is not None]
    sector_values = {v.key: v for v in SectorValue.objects.filter(key__in=sector_keys).select_related("library")}
    evidence: dict[str, list[str]] = {}
    for item in (
        Evidence.objects.filter(assessment=assessment).only("code", "original_name").order_by("code", "original_name")
    ):
        evidence.setdefault(item.code, []).append(item.original_name)
    specs = {i["code"]: (i, c) for c in source.criteria["categories"] for i in c["indicators"]}
    return ReportSources(
        state=source,
        language=language,
        specs=specs,
        category_names={c["code"]: pick(c, "name") for c in source.criteria["categories"]},
        indicator_names={code: pick(s, "name") for code, (s, _c) in specs.items()},
        sector_values=sector_values,
        evidence=evidence,
        products=product_units(source.answers, sector_values, language),
    )


def _gate_rows(card: Scorecard) -> list[dict[str, Any]]:
    return [
        {
            "code": g.code,
            "negative": g.kind == Gate.Kind.NEGATIVE,
            "encouraged": g.kind == Gate.Kind.ENCOURAGED,
            "text": nobr(plain(_gate_text(pick(g, "text")))),
            "passed": g.passed,
            "state": {True: _("Met"), False: _("Not met"), None: _("Not answered")}[g.passed],
        }
        for g in card.gates
    ]


def _top_action_rows(src: ReportSources) -> list[dict[str, Any]]:
    return [
        {
            "code": result.code,
            "name": nobr(src.indicator_names[result.code]),
            "category": src.category_names.get(result.category, ""),
            "gain": points_text(gain),
            "recommendation": nobr(plain(pick(src.specs[result.code][0], "recommendation"))),
        }
        for result, gain in top_actions(src.state.spec, src.state.card, limit=5)
    ]


def _category_rows(src: ReportSources) -> list[dict[str, Any]]:
    return [
        {
            "code": result.code,
            "name": src.category_names.get(result.code, result.code),
            "points": points_text(result.points),
            "maximum": points_text(result.maximum),
            "percent": share_text(result.points, result.maximum),
        }
        for result in src.state.card.categories
    ]


def _indicator_row(src: ReportSources, result: IndicatorResult, yard: dict[str, Any]) -> dict[str, Any]:
    """One indicator's detail block: its answer, figures, yardstick, points, notes and evidence."""
    language = src.language
    ind_spec, _category = src.specs[result.code]
    answer = src.state.answers.get(result.code)
    notes = src.state.notes.get(result.code, {})
    parent = src.specs.get(ind_spec.get("parent") or "")
    product = src.products.get(result.code, "")
    unit = unit_html(indicator_unit(result.unit, product), language, product=product, material="t")
    quantitative = ind_spec["indicator_type"] in (IndicatorType.POSITIVE_QUANT, IndicatorType.REVERSE_QUANT)
    reason = reason_words(result.reason)
    if (
        answer is not None
        and answer.na
        and reason.strip() in (answer.na_reason.strip(), split_bilingual(answer.na_reason, language))
    ):
        reason = ""  # the N/A reason is already the answer
    reason = split_bilingual(reason, language)
    return {
        "code": result.code,
        "name": nobr(src.indicator_names[result.code]),
        "parent": f"{parent[0]['code']} {pick(parent[0], 'name')}" if parent else "",
        "type": IndicatorType(ind_spec["indicator_type"]).label,
        "status": str(result.status),
        "status_label": status_label(result.status),
        "answer": _answer_text(ind_spec, answer, language),
        "inputs": _inputs(ind_spec, answer, language, product),
        "value": _quantity(measure_text(result.value, result.unit), unit)
        if result.value is not None and quantitative
        else "",
        "computed": result.computed,
        "yardstick": (
            mark_safe(
                f"{_quantity(measure_text(result.leading, result.unit), unit)} / {_quantity(measure_text(result.benchmark, result.unit), unit)}"
            )  # noqa: S308
            if result.leading is not None
            else ""
        ),
        "yardstick_source": nobr(yard["source"]),
        "points": points_text(result.points),
        "maximum": points_text(result.maximum),
        "lost": points_text(result.gap),
        "provisional": result.provisional,
        "user_supplied": result.user_supplied,
        "reason": nobr(reason),
        "flags": [nobr(reason_words(flag)) for flag in result.flags],
        "evidence": src.evidence.get(result.code, []),
        "comment": split_bilingual(notes.get("comment", ""), language),
        "consultant_note": split_bilingual(notes.get("consultant_note", ""), language),
        "recommendation": nobr(plain(pick(ind_spec, "recommendation"))),
    }


@dataclass(frozen=True)
class IndicatorSections:
    details: dict[str, dict[str, Any]]  # code → detail block
    by_category: dict[str, list[dict[str, Any]]]
    yardsticks: list[dict[str, Any]]  # the assumptions table
    provisional_rules: dict[SafeString, list[str]]  # reason → indicator codes, so each rule is stated once


def _indicator_sections(src: ReportSources) -> IndicatorSections:
    """Detail for every indicator, and from it the assumptions: yardsticks and provisional rules."""
    card = src.state.card
    sections = IndicatorSections({}, {c.code: [] for c in card.categories}, [], {})
    for result in card.indicators:
        ind_spec, _category = src.specs[result.code]
        yard = _yardstick(result, src.state.answers.get(result.code), src.sector_values, ind_spec, src.language)
        row = _indicator_row(src, result, yard)
        sections.details[result.code] = row
        sections.by_category.setdefault(result.category, []).append(row)
        if row["yardstick"]:
            sections.yardsticks.append(
                {
                    "code": result.code,
                    "name": row["name"],
                    "values": row["yardstick"],
                    "source": row["yardstick_source"],
                    "owner": yard["owner"],
                    "provisional": result.provisional,
                }
            )
        if result.provisional:
            why = cast(SafeString, row["reason"]) or nobr(
                _("The standard gives no official rule for this case; the rule used is this app's.")
            )
            sections.provisional_rules.setdefault(why, []).append(result.code)
    return sections


def _evidence_sections(src: ReportSources, details: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    indicators = src.state.card.indicators
    return {
        "evidence_index": [
            {"code": r.code, "name": details[r.code]["name"], "files": src.evidence.get(r.code, [])}
            for r in indicators
            if src.evidence.get(r.code)
        ],
        "without_evidence": [
            {"code": r.code, "name": details[r.code]["name"]}
            for r in indicators
            if not src.evidence.get(r.code) and r.status not in (Status.NA, Status.UNANSWERED)
        ],
    }


def _policy_sections(criteria_set: CriteriaSet, governing: Sequence[PolicyDocument], language: str) -> dict[str, Any]:
    """Policy basis, once per document: governing documents, then everything cited, with who cites it."""
    cited_by: dict[int, list[str]] = {}
    documents: dict[int, PolicyDocument] = {}
    rows_with_basis: list[Gate | Indicator] = [
        *Gate.objects.filter(criteria_set=criteria_set).prefetch_related("policy_basis"),
        *Indicator.objects.filter(category__criteria_set=criteria_set).prefetch_related("policy_basis"),
    ]
    for row_obj in rows_with_basis:
        code = row_obj.code
        for doc in row_obj.policy_basis.all():
            documents[doc.id] = doc
            cited_by.setdefault(doc.id, []).append(code)
    governing_ids = {d.id for d in governing}
    cited = sorted(
        (d for d in documents.values() if d.id not in governing_ids), key=lambda d: (d.number or "~", d.code)
    )

    def policy_row(doc: PolicyDocument) -> dict[str, Any]:
        return {
            "number": document_number(doc.number, language),
            "title": nobr(plain(pick(doc, "title"), language)),
            "issuer": plain(pick(doc, "issuer")),
            "issued": doc.issued,
            "kind": doc.get_kind_display(),
            "unverified": doc.mark == Mark.UNCERTAIN,
            "cited_by": ", ".join(cited_by.get(doc.id, [])),
        }

    return {
        "governing_documents": [policy_row(d) for d in governing],
        "cited_documents": [policy_row(d) for d in cited],
    }


def _glossary(zh: bool) -> list[tuple[str, str]]:
    return [
        (
            _("Leading value") if zh else f"{_('Leading value')} (引领值)",
            _("The level of the best performers; reaching it earns full points."),
        ),
        (
            _("Benchmark value") if zh else f"{_('Benchmark value')} (基准值)",
            _("The level every unit should reach; at or below it an indicator earns no points."),
        ),
        ("tce", _("Tonnes of standard coal equivalent (29.3 GJ per tonne).")),
    ]


def _company_context(company: Company, language: str, today: date) -> dict[str, Any]:
    zh = is_chinese(language)
    colon = "：" if zh else ": "
    return {
        "name": company.name,
        "credit_code": company.credit_code,
        "verified": company.is_verified,
        "sector": pick(company.sector, "name"),
        "sector_code": ("" if zh else " ") + bracket(f"GB/T 4754{colon}{company.sector.code}", language),
        "province": company.get_province_display(),
        "size": company.get_size_display(),
        "staff": company.staff,
        # Standard codes in a system's label (ISO 14001, GB/T 24001) never break across lines.
        "certificates": [replace(row, system=nobr(row.system)) for row in certificate_rows(company, today)],
    }


def _criteria_set_context(
    criteria_set: CriteriaSet, governing: Sequence[PolicyDocument], language: str
) -> dict[str, Any]:
    return {
        "name": nobr(pick(criteria_set, "name")),
        "standard": nobr(_standard_line(criteria_set, list(governing), language)),
        "edition": formats.date_format(criteria_set.effective_date, "DATE_FORMAT")
        if criteria_set.effective_date
        else "",
        "provisional": criteria_set.provisional,
        "rating": CriteriaSet.Rating(criteria_set.rating).label
        if criteria_set.rating in CriteriaSet.Rating.values
        else "",
        "na_rule": CriteriaSet.NaRule(criteria_set.na_rule).label
        if criteria_set.na_rule in CriteriaSet.NaRule.values
        else "",
        "note": nobr(plain(pick(criteria_set, "note"))),
    }


def _assessment_context(assessment: Assessment) -> dict[str, Any]:
    return {
        "year": assessment.year,
        "revision": assessment.revision,
        "status": assessment.get_status_display(),
        "submitted_at": formats.date_format(timezone.localtime(assessment.submitted_at), "DATE_FORMAT")
        if assessment.submitted_at
        else "",
    }


def _summary_context(src: ReportSources, gap_count: int) -> dict[str, Any]:
    card, language, zh = src.state.card, src.language, src.zh
    verdict, verdict_reason = verdict_text(card)
    return {
        "verdict": verdict,
        "verdict_reason": verdict_reason,
        "verdict_code": str(card.verdict),
        "compliance": [
            {
                "code": code,
                "name": nobr(src.indicator_names.get(code, code)),
                "gate": gate,
                "text": nobr(reason_words(flag)),
            }
            for code, gate, flag in card.compliance
        ],
        "total": points_text(card.total),
        "maximum": points_text(card.maximum),
        "percent": share_text(card.total, card.maximum),
        "percent_note": ("" if zh else " ") + bracket(share_text(card.total, card.maximum), language),
        "rating": card.rating_for(language),
        "rating_provisional": card.rating_provisional,
        "reference": _num(card.reference) if card.reference is not None else "",
        "reference_year": src.state.reference_year or "",
        "reference_source": src.state.reference_source,
        "provisional": card.provisional,
        "gap_count": gap_count,
    }


def _subject(assessment: Assessment, language: str) -> dict[str, Any]:
    """A park's or a product's report names the park or the product (the assessment's title)."""
    area = str(assessment.criteria_set.area)
    named = area in (FocusArea.PARK, FocusArea.DESIGN_PRODUCT)
    return {
        "area": FocusArea(area).label,
        "area_code": area,
        "subject": nobr(split_bilingual(assessment.title, language)) if named else "",
        "subject_label": _("Park")
        if area == FocusArea.PARK
        else _("Product")
        if area == FocusArea.DESIGN_PRODUCT
        else "",
    }


def _chart(src: ReportSources, categories: Sequence[dict[str, Any]]) -> SafeString | str:
    card = src.state.card
    rows = [ChartRow(c["name"], r.points, r.maximum) for c, r in zip(categories, card.categories, strict=True)]
    overall = (card.total / card.maximum) if card.maximum else None
    # charts escapes every label itself and returns SafeString markup.
    if len(rows) <= 1:
        return ""
    return category_bars(rows, title=_("Scores by category"), reference=overall, reference_label=_("Overall"))


def _printed_sections(
    assessment: Assessment, src: ReportSources, indicators: IndicatorSections, governing: Sequence[PolicyDocument]
) -> dict[str, Any]:
    """What the PDF report and the filing pack's self-evaluation report both print: the company, the criteria
    set, the score and verdict, the requirements, every indicator and the evidence index."""
    card, language = src.state.card, src.language
    today = timezone.localdate()
    categories = _category_rows(src)
    gates = _gate_rows(card)
    return {
        "language": language,
        "lang_attr": "zh-Hans" if src.zh else "en",
        "stylesheet_url": static_file_url(STYLESHEET),
        "draft": not src.state.from_snapshot,
        "company": _company_context(assessment.company, language, today),
        **_subject(assessment, language),
        "data_sheet": data_sheet_profile(assessment.company.pk, assessment.year, language),
        "criteria_set": _criteria_set_context(assessment.criteria_set, governing, language),
        "assessment": _assessment_context(assessment),
        "report_number": report_number(assessment),
        "date": formats.date_format(today, "DATE_FORMAT"),
        "summary": _summary_context(src, len(card.gaps())),
        "basic_gates": [g for g in gates if not g["negative"]],
        "negative_gates": [g for g in gates if g["negative"]],
        "categories": categories,
        "detail_groups": [c | {"indicators": indicators.by_category[c["code"]]} for c in categories],
        **_evidence_sections(src, indicators.details),
    }


def self_evaluation_context(assessment: Assessment, src: ReportSources) -> dict[str, Any]:
    """What the filing pack's self-evaluation report (reports/self_evaluation.html) shows, from the sources
    the pack reads once. Call inside `translation.override(src.language)`."""
    governing = list(assessment.criteria_set.governing_documents.all())
    return _printed_sections(assessment, src, _indicator_sections(src), governing)


def build_context(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> dict[str, Any]:
    """Everything the report template shows, computed here; the template only loops and branches.

    Call inside `translation.override(language)` (render_html does).
    """
    src = report_sources(assessment, language)
    card, zh = src.state.card, src.zh
    indicators = _indicator_sections(src)
    governing = list(assessment.criteria_set.governing_documents.all())
    printed = _printed_sections(assessment, src, indicators, governing)
    points = ((r.code, r.values_from, r.points) for r in card.indicators)
    found = count_yardsticks(points, src.state.answers, src.sector_values, card.total)
    return printed | {
        "sep": "；" if zh else "; ",
        "colon": "：" if zh else ": ",
        "glossary": _glossary(zh),
        "key_figures": _key_figures(src.state.answers, src.specs, language, src.products),
        "consultancy": _consultancy_context(consultancy),
        "top_actions": _top_action_rows(src),
        "chart_svg": _chart(src, printed["categories"]),
        "gaps": [indicators.details[r.code] for r in card.gaps()],
        "yardsticks": indicators.yardsticks,
        "yardsticks_sentence": yardsticks_sentence(found),
        "provisional_rules": [
            {"why": why, "codes": ", ".join(codes)} for why, codes in indicators.provisional_rules.items()
        ],
        "comparison": _comparison(assessment, card, src.category_names, src.indicator_names),
        "action_plan": action_plan_context(
            assessment, src.state, indicator_names=src.indicator_names, language=language
        ),
        **_policy_sections(assessment.criteria_set, governing, language),
    }


def action_plan_context(
    assessment: Assessment, source: ScoringState, *, indicator_names: Mapping[str, str], language: str
) -> dict[str, Any] | None:
    """The planned gaps in plan order and the total projected once they are met (actionplan.project)."""
    items = actionplan.plan_items(actionplan.items_for(assessment).values(), source.card)
    if not items:
        return None
    gain = gains(source.spec, source.card)
    money = unit_html("10k CNY", language)
    projection = actionplan.project(
        source.spec,
        source.answers,
        source.card,
        [i.code for i in items],
        reference=source.reference,
        context=source.context,
    )
    cost, saving = actionplan.totals(items)
    payback = actionplan.payback_years(cost, saving)
    return {
        "money_unit": mark_safe(money.removeprefix("× ")),  # noqa: S308 - unit_html escapes; "in 10⁴ CNY"
        "rows": [
            {
                "code": item.code,
                "name": nobr(indicator_names.get(item.code, item.code)),
                "priority": item.get_priority_display(),
                "priority_code": item.priority,
                "action": nobr(item.action),
                "owner": item.owner,
                "due": formats.date_format(item.due, "DATE_FORMAT") if item.due else "",
                "cost": _figure(item.cost, 2) if item.cost is not None else "",
                "saving": _figure(item.saving, 2) if item.saving is not None else "",
                "gain": f"+{points_text(gain[item.code])}" if item.code in gain else "–",
            }
            for item in items
        ],
        "cost": _figure(cost, 2) if cost is not None else "",
        "saving": _figure(saving, 2) if saving is not None else "",
        "payback": _figure(payback, 1) if payback is not None else "",
        "projection": {
            "total": points_text(projection.total),
            "maximum": points_text(projection.maximum),
            "gain": f"+{points_text(projection.gain)}",
            "verdict": verdict_text(projection.card)[0],
            "rating": projection.card.rating_for(language),
            "count": len(projection.planned),
        }
        if projection
        else None,
    }


def data_sheet_profile(company_id: int, year: int, language: str) -> dict[str, Any] | None:
    """Products, output and energy use of the company-year from its data sheet (ledger), if it has one."""
    sheet = DataSheet.objects.filter(company_id=company_id, year=year).prefetch_related("products").first()
    if sheet is None:
        return None
    carriers = dict(Carrier.choices)
    steps = (sheet.figures or {}).get("steps") or []
    money = [
        (_("Output value"), sheet.output_value),
        (_("Industrial value added"), sheet.value_added),
    ]
    return {
        "products": [
            {
                "name": pick(p, "name", language),
                "quantity": _quantity(_figure(p.quantity), unit_html(p.unit, language))
                if p.quantity is not None
                else "–",
                "main": p.main,
            }
            for p in sheet.products.all()
        ],
        "energy": [
            {
                "carrier": carriers.get(carrier, carrier),
                "quantity": _quantity(_figure(Decimal(quantity)), unit_html(unit, language)),
                "tce": _quantity(_figure(Decimal(tce), 1), "tce"),
            }
            for carrier, quantity, unit, tce, *_rest in steps
        ],
        "energy_total": _quantity(_figure(sum((Decimal(step[3]) for step in steps), Decimal(0)), 1), "tce")
        if steps
        else "",
        "money": [
            {"label": label, "quantity": _quantity(_figure(value), unit_html("10k CNY", language))}
            for label, value in money
            if value is not None
        ],
    }


# Inputs that describe the company as a whole, shown once in the profile (first indicator that asks wins).
PROFILE_INPUTS = ("Q", "E", "C", "V", "G", "G3", "A", "GDP")


def _key_figures(
    answers: Mapping[str, AnswerData], specs_by_code: Mapping[str, Any], language: str, products: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The year's key figures as reported in the assessment: output, energy, emissions, water, land."""
    seen: dict[str, dict[str, Any]] = {}
    for code, answer in answers.items():
        if code not in specs_by_code or not answer.inputs:
            continue
        formula = FORMULAS.get(specs_by_code[code][0].get("formula") or "")
        if formula is None:
            continue
        for item in formula.inputs:
            value = answer.inputs.get(item.code)
            if item.code in PROFILE_INPUTS and item.code not in seen and isinstance(value, Decimal):
                unit = unit_html(item.unit, language, product=products.get(code, ""))
                seen[item.code] = {
                    "label": nobr(_short_label(pick(item, "label"))),
                    "quantity": _quantity(_figure(value), unit),
                    "source": code,
                }
    return [seen[k] for k in PROFILE_INPUTS if k in seen]


def _consultancy_context(consultancy: Consultancy | None) -> dict[str, Any] | None:
    if consultancy is None:
        return None
    logo_url = ""
    if consultancy.logo:
        try:
            logo_url = Path(consultancy.logo.path).resolve().as_uri()
        except (NotImplementedError, ValueError):
            logo_url = ""  # remote storage: no local file for WeasyPrint to read
    return {"name": consultancy.name, "logo_url": logo_url} | branding.report_template(consultancy)


def static_file_url(path: str) -> str:
    found = finders.find(path)
    if not found:
        found = str(Path(settings.STATIC_ROOT) / path)
    return Path(found).resolve().as_uri()


# --- Rendering ----------------------------------------------------------------------------------


# Tags that make block-level boxes in the report (its stylesheet turns none of them inline).
_BLOCK_TAGS = "html|head|body|title|meta|link|style|section|nav|div|figure|figcaption|h[1-6]|p|ul|ol|li|table|thead|tbody|tfoot|tr|th|td"
# The template's line breaks and indentation beside a block-level tag print nothing (white space at
# the start or end of a line collapses), but WeasyPrint's pure-Python HTML parser reads each run as a
# text node and makes a box of it. Runs between two inline elements or inside text are kept.
_SPACE_BEFORE_BLOCK = re.compile(rf"\s*\n\s*(?=</?(?:{_BLOCK_TAGS})[\s/>])")
_SPACE_AFTER_BLOCK = re.compile(rf"(</?(?:{_BLOCK_TAGS})(?:\s[^<>]*)?>)\s*\n\s*")


def compact_html(html: str) -> str:
    """The same document without the layout white space next to block-level tags."""
    return _SPACE_AFTER_BLOCK.sub(r"\1", _SPACE_BEFORE_BLOCK.sub("", html))


def render_html(assessment: Assessment, *, language: str, consultancy: Consultancy | None = None) -> str:
    with translation.override(language):
        html = render_to_string(TEMPLATE, build_context(assessment, language=language, consultancy=consultancy))
    return compact_html(html)


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
    stem = f"{file_part(assessment.company.name)}-{area}-{assessment.year}-r{assessment.revision}-{report.language}"
    return f"{stem}-filing.zip" if report.kind == Report.Kind.FILING_PACK else f"{stem}.pdf"


# --- Jobs: one render per assessment state, kept until the assessment changes -------------------


# What the PDF report prints of the company and its certificates; a filing pack prints the same but the
# company's verification and a certificate's certifier (REPORT_ONLY).
COMPANY_FIELDS = ("name", "credit_code", "sector_id", "province", "size", "staff", "verification")
CERTIFICATE_FIELDS = ("id", "system", "name", "number", "certifier", "valid_from", "valid_until")
REPORT_ONLY = frozenset({"verification", "certifier"})


def fingerprint(
    assessment: Assessment, *, language: str, consultancy: Consultancy | None = None, kind: str = Report.Kind.PDF
) -> str:
    """Changes whenever anything the file (the PDF, or the filing pack) shows could have changed. The filing
    pack prints no consultancy, earlier revision or action plan, and neither the company's verification nor
    a certificate's certifier: none of them counts for a pack."""
    pdf = kind == Report.Kind.PDF
    company_fields = [f for f in COMPANY_FIELDS if pdf or f not in REPORT_ONLY]
    certificate_fields = [f for f in CERTIFICATE_FIELDS if pdf or f not in REPORT_ONLY]
    answers = assessment.answers.aggregate(latest=Max("updated_at"))
    evidence = sorted(Evidence.objects.filter(assessment=assessment).values_list("id", "code", "original_name"))
    snapshot = getattr(assessment, "snapshot", None)
    today = timezone.localdate()
    # The company profile prints the year's data sheet, which changes without touching the answers.
    sheet = (
        DataSheet.objects.filter(company_id=assessment.company_id, year=assessment.year)
        .values_list("updated_at", flat=True)
        .first()
    )
    parts = [
        REPORT_LAYOUT_VERSION,
        kind,
        assessment.pk,
        assessment.revision,
        assessment.status,
        assessment.updated_at.isoformat() if assessment.updated_at else "",
        answers["latest"].isoformat() if answers["latest"] else "",
        assessment.answers.count(),
        evidence,
        snapshot.created_at.isoformat() if snapshot is not None else "",
        language,
        *(_consultancy_parts(consultancy) if pdf else ()),
        sheet.isoformat() if sheet else "",
        *((assessment.previous_id or assessment.prefilled_from_id or "",) if pdf else ()),
        # The cover and profile print the company's record and certificates, which change without touching the
        # assessment.
        Company.objects.filter(pk=assessment.company_id).values_list(*company_fields).first(),
        # Each with its state today: a kept file is made again once a certificate starts or expires.
        sorted(
            (*(getattr(c, f) for f in certificate_fields), c.state_on(today))
            for c in ManagementCertificate.objects.filter(company_id=assessment.company_id)
        ),
        # A draft of a relative listing prints the regional reference, which staff may record at any time.
        _reference_parts(assessment),
    ]
    if pdf:  # the action plan: any edit or removal changes the latest time or the count
        parts += (
            ActionItem.objects.filter(assessment=assessment).aggregate(latest=Max("updated_at"), n=Count("id")).values()
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _reference_parts(assessment: Assessment) -> tuple[Any, ...]:
    """The regional reference a draft is compared with (a submitted one keeps its own in the snapshot)."""
    if assessment.status != Assessment.Status.DRAFT:
        return ()
    row = reference_row(assessment)
    return (row.pk, row.year, row.value, row.source) if row else ()


def _consultancy_parts(consultancy: Consultancy | None) -> list[Any]:
    """What a PDF's cover prints of the consultancy that asked for it: name, logo and its report template."""
    if consultancy is None:
        return ["", "", ""]
    logo = consultancy.logo.name if consultancy.logo else ""
    return [consultancy.pk, consultancy.name, logo, *branding.report_template(consultancy).values()]


def _mark_error(message: str) -> str:
    return message[:2000]


def _render_file(report: Report, mine: Any) -> RenderedPdf:
    """The file the report row stands for: the PDF, or the filing pack (a ZIP; pages = its report's)."""
    if report.kind == Report.Kind.FILING_PACK:
        from assessment import filing  # imports openpyxl and the ledger workbook: only when a pack is made

        return RenderedPdf(filing.build_pack(report.assessment, language=report.language), 0)
    html = render_html(report.assessment, language=report.language, consultancy=report.consultancy)
    mine.update(progress=30)
    return html_to_pdf(html)


def run_report(report_id: int, task_id: str) -> str:
    """The worker's job: render, store the file, record the outcome. Returns the final status."""
    now = timezone.now()
    claimed = Report.objects.filter(pk=report_id, task_id=task_id, status=Report.Status.QUEUED)
    if not claimed.update(status=Report.Status.RUNNING, started_at=now, progress=5, attempts=F("attempts") + 1):
        logger.info("report %s: task %s is no longer current; skipped", report_id, task_id)
        return "skipped"
    # Every later write is conditional on the task id, so a superseded job cannot overwrite the row.
    mine = Report.objects.filter(pk=report_id, task_id=task_id)
    report = Report.objects.select_related(
        "assessment__company__sector", "assessment__criteria_set", "consultancy"
    ).get(pk=report_id)
    try:
        pdf = _render_file(report, mine)
        mine.update(progress=90)
        extension = "zip" if report.kind == Report.Kind.FILING_PACK else "pdf"
        name = f"assessment-{report.assessment_id}-r{report.assessment.revision}-{report.language}.{extension}"
        report.file.save(name, ContentFile(pdf.data), save=False)
    except Exception as exc:
        logger.exception("report %s: render failed", report_id)
        mine.update(
            status=Report.Status.FAILED,
            error=_mark_error(f"{type(exc).__name__}: {exc}"),
            finished_at=timezone.now(),
        )
        raise
    if not mine.update(
        status=Report.Status.DONE,
        file=report.file.name,
        pages=pdf.pages or None,
        progress=100,
        finished_at=timezone.now(),
    ):
        report.file.delete(save=False)  # re-queued meanwhile: the newer task owns the row
        return "skipped"
    return Report.Status.DONE
