"""Answers of a questionnaire: loading them for scoring, validating what a user typed, saving it.

- `scorecard_for(assessment)` / `load_questionnaire(assessment)`: the engine input built from the
  database with a constant number of queries (criteria cached per criteria-set id + updated_at,
  answers in one query). Results, reports and the live score panel all use it.
- `fields_from_post(...)` reads only whitelisted answer fields; `parse_answer(...)` validates them
  and returns typed `AnswerValues` or per-field error messages (what the user typed is kept).
- `save_answer(...)` stores one answer with the ordering and conflict rules of autosave. The server
  decides the order: every accepted save bumps the answer's `version`; a save based on an older
  version is a conflict unless the newer version was written by the same page (`client` token: its
  own earlier save whose answer got lost on the way back). A save of what the server already holds
  changes nothing; a locked (submitted) assessment refuses every save.
- Incomplete pairs (a leading value without its benchmark, values without their source, N/A without
  a reason) are saved as drafts and reported as `pending`: the page shows them once the user leaves
  the question; submission and import refuse them.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.formulas import FORMULAS, PER_OUTPUT, Formula, FormulaError, accepted_inputs, formula_for
from assessment.models import Answer, Assessment, CriteriaSet, Indicator, Library, RegionalReference, SectorValue
from assessment.reasons import reason_text
from assessment.scoring import (
    AnswerData,
    Context,
    CriteriaSpec,
    GateSpec,
    IndicatorSpec,
    Scorecard,
    SectorRef,
    round_points,
    score,
    threshold_problem,
)
from assessment.specs import NOT_INPUTS, answer_data, criteria_data, criteria_spec
from assessment.vocabulary import QUALITATIVE, QUANTITATIVE, Choice, IndicatorType, Status
from greenmfg.bilingual import pick, split_bilingual
from ledger.sheets import figures_for
from organisations.models import Sector
from policies.models import PolicyDocument

DONE = frozenset({Status.MET, Status.PARTLY, Status.NOT_MET, Status.NA})
PLACES = 6  # Answer.value, leading and benchmark hold 6 decimal places; formula inputs keep the same
SIX_PLACES = Decimal(1).scaleb(-PLACES)
LIMIT = Decimal(10) ** 14  # Answer.value has 14 integer digits
COMMENT_MAX = 2000
NOTE_MAX = 2000
NA_REASON_MAX = 1000
SOURCE_MAX = 300
COUNT_MAX = 32767  # Answer.count is a PositiveSmallIntegerField
WHOLE = re.compile(r"^[0-9]{1,6}$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


# --- Criteria, cached per criteria-set version ------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """A criteria set as plain data plus the lookups the questionnaire needs."""

    data: dict[str, Any]
    spec: CriteriaSpec
    gates: dict[str, GateSpec]
    indicators: dict[str, IndicatorSpec]
    category_of: dict[str, str]  # scored indicator code → category code
    pk: int  # the criteria set's
    # Per-version memo of the questionnaire's page rows (see assessment.views.questionnaire).
    pages: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def policy_basis(self) -> dict[str, tuple[PolicyDocument, ...]]:
        """Each indicator's policy basis, code → documents in their own order (one instance per document),
        read on first use and kept with this version like the page rows: assessment.freshness bumps the
        version when a cited document or a citation changes."""
        documents: dict[int, PolicyDocument] = {}
        basis: dict[str, list[PolicyDocument]] = {}
        cited = PolicyDocument.objects.filter(indicators__category__criteria_set_id=self.pk).annotate(
            cited_by=F("indicators__code")
        )
        for doc in cited:  # in PolicyDocument.Meta.ordering
            basis.setdefault(doc.cited_by, []).append(documents.setdefault(doc.pk, doc))
        return {code: tuple(docs) for code, docs in basis.items()}


def criteria_for(criteria_set: CriteriaSet) -> Criteria:
    """The criteria set as engine data; rebuilt only when the set's updated_at changes.

    Every admin edit of a set bumps its updated_at (published sets are read-only), so the key
    (pk, updated_at) names one version; the newest 32 versions stay in memory (functools.lru_cache)."""
    return _criteria_version(criteria_set.pk, criteria_set.updated_at)


@lru_cache(maxsize=32)
def _criteria_version(pk: int, updated_at: datetime | None) -> Criteria:
    full = CriteriaSet.objects.prefetch_related(
        "gates", Prefetch("categories__indicators", queryset=Indicator.objects.select_related("parent"))
    ).get(pk=pk)
    data = criteria_data(full)
    spec = criteria_spec(data)
    return Criteria(
        pk=pk,
        data=data,
        spec=spec,
        gates={g.code: g for g in spec.gates},
        indicators={i.code: i for i in spec.indicators()},
        category_of={i.code: c.code for c in spec.categories for i in c.indicators},
    )


# --- Loading and scoring ----------------------------------------------------------------------


class StoredAnswer(Protocol):
    """One stored answer as the engine and the pages read it: a named row of ANSWER_COLUMNS
    (`read_answers`), or an Answer instance just saved."""

    @property
    def code(self) -> str: ...
    @property
    def value(self) -> Decimal | None: ...
    @property
    def inputs(self) -> dict[str, Any]: ...
    @property
    def choice(self) -> str: ...
    @property
    def count(self) -> int | None: ...
    @property
    def passed(self) -> bool | None: ...
    @property
    def na(self) -> bool: ...
    @property
    def na_reason(self) -> str: ...
    @property
    def sector_value_id(self) -> int | None: ...
    @property
    def leading(self) -> Decimal | None: ...
    @property
    def benchmark(self) -> Decimal | None: ...
    @property
    def values_source(self) -> str: ...
    @property
    def comment(self) -> str: ...
    @property
    def consultant_note(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def seq(self) -> int: ...


ANSWER_COLUMNS = tuple(name for name in StoredAnswer.__dict__ if not name.startswith("_"))


def read_answers(assessment_id: int) -> tuple[dict[str, StoredAnswer], dict[int, SectorValue]]:
    """Every answer row of an assessment by code, and the sector value rows they use by pk, with sector and
    library (a second query, only when an answer uses one).

    Named rows of the columns read, not model instances: a 200-indicator questionnaire reads in about
    a third of the time (bench/results_bench.py), and joined sector value columns would widen every row."""
    # order_by(): rows go into a dict, and the default ordering by assessment would join its table
    rows: dict[str, StoredAnswer] = {
        row.code: row
        for row in Answer.objects.filter(assessment_id=assessment_id)
        .order_by()
        .values_list(*ANSWER_COLUMNS, named=True)
    }
    ids = {row.sector_value_id for row in rows.values() if row.sector_value_id is not None}
    if not ids:
        return rows, {}
    # order_by(): into a dict too; the default ordering by sector would join its table once more
    found = SectorValue.objects.filter(pk__in=ids).select_related("sector", "library").order_by()
    return rows, {sv.pk: sv for sv in found}


@dataclass(frozen=True)
class Questionnaire:
    criteria: Criteria
    rows: dict[str, StoredAnswer]
    answers: dict[str, AnswerData]
    scorecard: Scorecard
    context: Context
    # The company-year data sheet's figures (drafts only): code → (value, unit), and the stored calculation.
    sheet: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    sheet_figures: dict[str, Any] = field(default_factory=dict)
    # Per indicator: the input codes the sheet supplied to its answer.
    from_sheet: dict[str, frozenset[str]] = field(default_factory=dict)
    # The regional reference row the score was compared with (relative rating only).
    reference: RegionalReference | None = None
    # The sector value rows the answers use, by pk (with sector and library).
    sector_values: dict[int, SectorValue] = field(default_factory=dict)


# Sheet unit → formula input unit: the factor between them (park water productivity is per CNY).
UNIT_SCALE: dict[tuple[str, str], Decimal] = {("10k CNY", "CNY"): Decimal(10000)}


def sheet_for(assessment: Assessment) -> dict[str, Any]:
    """The stored figures of the assessment's company-year data sheet (one query); {} for a submitted one,
    whose snapshot keeps the figures it was submitted with."""
    if assessment.is_locked:
        return {}
    return figures_for(assessment.company_id, assessment.year)


def sheet_values(figures: Mapping[str, Any]) -> dict[str, tuple[Decimal, str]]:
    return {code: (Decimal(value), unit) for code, (value, unit) in (figures.get("inputs") or {}).items()}


def sheet_for_indicator[V](sheet: Mapping[str, V], code: str) -> dict[str, V]:
    """The sheet's inputs as one indicator sees them: the shared ones (E, V, ...) and those computed for it
    alone ("X26.part" → "part": the parts and totals of share formulas differ per indicator). Its keys are
    the input codes the sheet supplies to that indicator."""
    prefix = f"{code}."
    return {k: v for k, v in sheet.items() if "." not in k} | {
        k.removeprefix(prefix): v for k, v in sheet.items() if k.startswith(prefix)
    }


def fill_from_sheet(
    spec: IndicatorSpec, own: Mapping[str, Decimal], sheet: Mapping[str, tuple[Decimal, str]]
) -> dict[str, Decimal]:
    """The inputs the sheet adds to an answer: those of the formula form in use that the answer lacks.
    The per-output form (B.2, B.4, ...) is used when the answer gives G without Q, or the sheet has no Q."""
    if spec.formula not in FORMULAS:
        return {}
    sheet = sheet_for_indicator(sheet, spec.code)
    alternative = PER_OUTPUT.get(spec.formula)
    per_output = alternative and "Q" not in own and ("G" in own or ("Q" not in sheet and "G" in sheet))
    formula = FORMULAS[alternative] if per_output and alternative else FORMULAS[spec.formula]
    added: dict[str, Decimal] = {}
    for item in formula.inputs:
        if item.code in own or item.code not in sheet:
            continue
        value, unit = sheet[item.code]
        if unit != item.unit:
            scale = UNIT_SCALE.get((unit, item.unit))
            if scale is None:
                continue
            value *= scale
        added[item.code] = value
    return added


def with_sheet(
    criteria: Criteria, answers: dict[str, AnswerData], sheet: Mapping[str, tuple[Decimal, str]]
) -> dict[str, frozenset[str]]:
    """Fill the formula inputs an answer leaves out from the data sheet (in place); returns what was filled."""
    filled: dict[str, frozenset[str]] = {}
    for code, spec in criteria.indicators.items():
        if not spec.formula:
            continue
        current = answers.get(code)
        if current is not None and (current.na or current.value is not None):
            continue
        added = fill_from_sheet(spec, current.inputs if current else {}, sheet)
        if added:
            answers[code] = (
                replace(current, inputs={**current.inputs, **added}) if current else AnswerData(inputs=added)
            )
            filled[code] = frozenset(added)
    return filled


def reference_row(assessment: Assessment) -> RegionalReference | None:
    """The regional reference (relative rating only): the latest year up to the reporting year."""
    if assessment.criteria_set.rating != CriteriaSet.Rating.RELATIVE:
        return None
    return (
        RegionalReference.objects.filter(
            area=assessment.criteria_set.area, province=assessment.company.province, year__lte=assessment.year
        )
        .order_by("-year")
        .first()
    )


def context_for(assessment: Assessment, rows: Iterable[SectorValue] | None = None) -> Context:
    """What the engine needs beyond the answers: the evaluation year (which quota edition applies), and the
    sectors a chosen quota row may be keyed to: the company's and its kin (Sector.is_kin).

    `rows`: the sector value rows a draft's answers use, read with them (sector selected). The engine looks up
    only their sectors, so the kin among them is the whole answer, with no query. Without them (a snapshot's
    answers name sectors by code only) the company's sector's parent and children are read.
    The assessment needs its company's sector selected."""
    sector = assessment.company.sector
    if rows is None:
        kin = set(Sector.objects.filter(Q(pk=sector.parent_id) | Q(parent_id=sector.pk)).values_list("code", flat=True))
    else:
        kin = {row.sector.code for row in rows if sector.is_kin(row.sector)}
    return Context(year=assessment.year, sector_codes=frozenset({sector.code, *kin}), company_sector=sector.code)


def load_questionnaire(assessment: Assessment, *, figures: dict[str, Any] | None = None) -> Questionnaire:
    """Criteria (cached), every answer row (one query), the sector value rows they use and the scorecard they
    give. `figures` (the company-year data sheet's) may be passed in when several assessments of one
    company-year are scored."""
    criteria = criteria_for(assessment.criteria_set)
    rows, sector_values = read_answers(assessment.pk)
    answers = {
        code: answer_data(row, sector_values[row.sector_value_id] if row.sector_value_id is not None else None)
        for code, row in rows.items()
    }
    figures = sheet_for(assessment) if figures is None or assessment.is_locked else figures
    sheet = sheet_values(figures)
    from_sheet = with_sheet(criteria, answers, sheet) if sheet else {}
    context = context_for(assessment, sector_values.values())
    reference = reference_row(assessment)
    card = score(criteria.spec, answers, reference=reference.value if reference else None, context=context)
    return Questionnaire(
        criteria=criteria,
        rows=rows,
        answers=answers,
        scorecard=card,
        context=context,
        sheet=sheet,
        sheet_figures=figures,
        from_sheet=from_sheet,
        reference=reference,
        sector_values=sector_values,
    )


def rescore_year(company_id: int, year: int) -> dict[int, Scorecard]:
    """Every draft of a company-year scored on its data sheet (after a change of the sheet): the sheet's
    figures are read once for all of them."""
    drafts = list(
        Assessment.objects.filter(company_id=company_id, year=year, status=Assessment.Status.DRAFT)
        .select_related("company__sector", "criteria_set")
        .order_by("pk")
    )
    if not drafts:
        return {}
    figures = figures_for(company_id, year)
    return {a.pk: load_questionnaire(a, figures=figures).scorecard for a in drafts}


def scorecard_for(assessment: Assessment) -> Scorecard:
    """The live scorecard of an assessment (the assessment needs company and criteria_set selected)."""
    return load_questionnaire(assessment).scorecard


# Who answers for a yardstick, as the results page and the CLI name it.
YARDSTICK_OWNERS: dict[str, Any] = {
    "platform": gettext_lazy("Platform library"),
    "consultancy": gettext_lazy("Consultancy library"),
    "company": gettext_lazy("Company library (self-set)"),
    "quota": gettext_lazy("Quota standard"),
    "user": gettext_lazy("Typed by the company (self-set)"),
    "criteria": gettext_lazy("Default of the criteria set"),
}


@dataclass(frozen=True)
class YardstickSource:
    """Where one indicator's leading and benchmark values come from."""

    code: str
    # "platform", "consultancy" or "company" (a library), "quota" (a shipped quota row), "user" (typed), "criteria"
    owner: str
    name_zh: str  # the library's name or the quota row's product; empty for typed values and criteria defaults
    name_en: str
    source: str  # the library's source, the quota's standard and edition, or the typed source

    @property
    def self_set(self) -> bool:
        return self.owner in ("user", "company", "consultancy")

    def text(self, language: str | None = None) -> str:
        """'Name (source)' in the reader's language (typed sources are shown as typed)."""
        name, source = pick(self, "name", language), split_bilingual(self.source, language)
        return f"{name} ({source})" if name and source else name or source

    @property
    def owner_label(self) -> str:
        return str(YARDSTICK_OWNERS.get(self.owner, self.owner))


@dataclass(frozen=True)
class Yardsticks:
    """How many of the scored points rest on values the company or its consultancy chose, not official rows."""

    total: Decimal
    self_set: Decimal  # the company's own values: typed, or its own library
    consultancy: Decimal
    sources: tuple[YardstickSource, ...] = ()  # every scored indicator that has a yardstick

    @property
    def not_official(self) -> Decimal:
        return self.self_set + self.consultancy

    def source_of(self, code: str) -> YardstickSource | None:
        return next((s for s in self.sources if s.code == code), None)


def count_yardsticks(
    results: Iterable[tuple[str, str, Decimal]],
    answers: Mapping[str, AnswerData],
    rows: Mapping[str, SectorValue],
    total: Decimal,
) -> Yardsticks:
    """The one count of points by yardstick owner, for the questionnaire, results page, PDF and CLI.
    `results`: (indicator code, values_from, points) per scored indicator; `rows`: the sector value rows the
    answers use, by key, with their library (`sector_rows_for`); a row without one is a shipped quota row."""
    self_set = consultancy = Decimal(0)
    sources: list[YardstickSource] = []
    for code, values_from, points in results:
        answer = answers.get(code)
        if values_from == "user":
            self_set += points
            sources.append(YardstickSource(code, "user", "", "", answer.values_source if answer else ""))
        elif values_from == "sector" and answer is not None and answer.sector is not None:
            row = rows.get(answer.sector.key)
            library = row.library if row is not None and row.library_id else None
            if library is None:
                sources.append(quota_source(code, answer.sector, row))
                continue
            if library.owner == Library.Owner.CONSULTANCY:
                consultancy += points
            elif library.owner == Library.Owner.COMPANY:
                self_set += points
            sources.append(YardstickSource(code, library.owner, library.name_zh, library.name_en, library.source))
        elif values_from == "criteria":
            sources.append(YardstickSource(code, "criteria", "", "", ""))
    return Yardsticks(total, self_set, consultancy, tuple(sources))


def quota_source(code: str, ref: SectorRef, row: SectorValue | None) -> YardstickSource:
    """A shipped quota row: its product in both languages, and its standard with the edition once."""
    if row is not None:
        return YardstickSource(code, "quota", row.product_zh, row.product_en, row.standard_edition)
    # A snapshot's row since deleted: its stored label is "<standard-edition> <product>" in English.
    name = ref.label.removeprefix(ref.edition).strip()
    return YardstickSource(code, "quota", name, name, ref.edition)


def sector_rows_for(answers: Mapping[str, AnswerData]) -> dict[str, SectorValue]:
    """The sector value row of every answer that uses one, by key, with its library (one query)."""
    keys = {a.sector.key for a in answers.values() if a.sector is not None}
    if not keys:
        return {}
    # order_by(): the default ordering by sector would join its table for rows that go into a dict
    return {row.key: row for row in SectorValue.objects.filter(key__in=keys).select_related("library").order_by()}


def yardsticks_of(questionnaire: Questionnaire) -> Yardsticks:
    """The points of every scored indicator, by where its leading and benchmark values come from."""
    rows = {sv.key: sv for sv in questionnaire.sector_values.values()}
    results = ((r.code, r.values_from, r.points) for r in questionnaire.scorecard.indicators)
    return count_yardsticks(results, questionnaire.answers, rows, questionnaire.scorecard.total)


def yardsticks_of_card(
    card: Scorecard, answers: Mapping[str, AnswerData], rows: Mapping[str, SectorValue] | None = None
) -> Yardsticks:
    """The same count from any scorecard, a submitted one re-scored from its snapshot included (results
    page, PDF, CLI). `rows`: the answers' sector value rows by key when already read (a draft's,
    `ScoringState.sector_rows`); else one query reads them."""
    results = ((r.code, r.values_from, r.points) for r in card.indicators)
    return count_yardsticks(results, answers, sector_rows_for(answers) if rows is None else rows, card.total)


def yardsticks_sentence(found: Yardsticks) -> str:
    """'31.2 of 54.5 points rest on self-set yardsticks …', or '' when every yardstick is official."""
    if not found.not_official:
        return ""
    return _(
        "%(part)s of %(total)s points rest on self-set yardsticks (%(consultancy)s of them on consultancy values)."
    ) % {
        "part": round_points(found.not_official),
        "total": round_points(found.total),
        "consultancy": round_points(found.consultancy),
    }


@dataclass(frozen=True)
class Progress:
    code: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def progress_of(card: Scorecard) -> tuple[Progress, list[Progress], Progress]:
    """(gates, per category, overall): answered items out of all items."""
    gates = Progress("gates", sum(1 for g in card.gates if g.passed is not None), len(card.gates))
    categories = []
    for category in {c.code: None for c in card.categories}:
        results = [r for r in card.indicators if r.category == category]
        categories.append(Progress(category, sum(1 for r in results if r.status in DONE), len(results)))
    overall = Progress(
        "all", gates.done + sum(p.done for p in categories), gates.total + sum(p.total for p in categories)
    )
    return gates, categories, overall


# --- What a user may change -------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerValues:
    """Every user-editable field of one answer; `consultant_note` is None when the user may not set it."""

    value: Decimal | None = None
    inputs: tuple[tuple[str, str], ...] = ()
    options: tuple[int, ...] = ()
    choice: str = ""
    count: int | None = None
    passed: bool | None = None
    na: bool = False
    na_reason: str = ""
    sector_value_id: int | None = None
    leading: Decimal | None = None
    benchmark: Decimal | None = None
    values_source: str = ""
    comment: str = ""
    consultant_note: str | None = None
    # (input code, reason) for inputs typed over a figure of the company's data sheet
    reasons: tuple[tuple[str, str], ...] = ()

    def digest(self) -> str:
        """A short fingerprint: the page remembers what it showed, to spot fields a user did not touch."""
        data: dict[str, Any] = {
            "value": _plain(self.value),
            "inputs": [[k, _plain(Decimal(v))] for k, v in self.inputs],
            "options": list(self.options),
            "choice": self.choice,
            "count": self.count,
            "passed": self.passed,
            "na": self.na,
            "na_reason": self.na_reason,
            "sector_value": self.sector_value_id,
            "leading": _plain(self.leading),
            "benchmark": _plain(self.benchmark),
            "values_source": self.values_source,
            "comment": self.comment,
            "consultant_note": self.consultant_note,
        }
        if self.reasons:  # only when present, so digests of answers without reasons stay as they were
            data["reasons"] = [[code, why] for code, why in self.reasons]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]

    def same_as(self, other: "AnswerValues") -> bool:
        return self.digest() == other.digest()


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def plain_number(value: Decimal | None) -> str:
    """A decimal as the user would type it (no trailing zeros, no exponent)."""
    return _plain(value) or ""


def values_from_row(row: StoredAnswer | None, *, with_note: bool) -> AnswerValues:
    if row is None:
        return AnswerValues(consultant_note="" if with_note else None)
    stored = row.inputs or {}
    return AnswerValues(
        value=row.value,
        inputs=tuple(sorted((k, str(v)) for k, v in stored.items() if k not in NOT_INPUTS and v not in (None, ""))),
        reasons=tuple(sorted((str(k), str(v)) for k, v in (stored.get("why") or {}).items())),
        options=tuple(int(i) for i in stored.get("options", [])),
        choice=row.choice,
        count=row.count,
        passed=row.passed,
        na=row.na,
        na_reason=row.na_reason,
        sector_value_id=row.sector_value_id,
        leading=row.leading,
        benchmark=row.benchmark,
        values_source=row.values_source,
        comment=row.comment,
        consultant_note=row.consultant_note if with_note else None,
    )


def raw_from_values(values: AnswerValues) -> dict[str, Any]:
    """What the form fields show for stored values (the inverse of `parse_answer`)."""
    raw: dict[str, Any] = {
        "value": plain_number(values.value),
        "options": [str(i) for i in values.options] or (["none"] if values.count == 0 else []),
        "choice": values.choice,
        "count": "" if values.count is None else str(values.count),
        "passed": {True: "yes", False: "no", None: ""}[values.passed],
        "na": values.na,
        "na_reason": values.na_reason,
        "sector_value": "" if values.sector_value_id is None else str(values.sector_value_id),
        "leading": plain_number(values.leading),
        "benchmark": plain_number(values.benchmark),
        "values_source": values.values_source,
        "comment": values.comment,
        "consultant_note": values.consultant_note or "",
    }
    for key, value in values.inputs:
        raw[f"in-{key}"] = plain_number(Decimal(value))
    for key, reason in values.reasons:
        raw[f"why-{key}"] = reason
    return raw


# Only these names are ever read from a POST: scores, status or criteria cannot be forged.
TEXT_FIELDS = (
    "value",
    "choice",
    "count",
    "passed",
    "na",
    "na_reason",
    "sector_value",
    "leading",
    "benchmark",
    "values_source",
    "comment",
    "consultant_note",
)


def fields_from_post(post: Any, code: str, *, formula: Formula | None) -> dict[str, Any]:
    """The whitelisted fields of one answer from a form posted with `<code>-<field>` names."""
    data: dict[str, Any] = {name: post.get(f"{code}-{name}", "") for name in TEXT_FIELDS}
    data["options"] = post.getlist(f"{code}-options")
    for item in accepted_inputs(formula.key).values() if formula else ():
        data[f"in-{item.code}"] = post.get(f"{code}-in-{item.code}", "")
        data[f"why-{item.code}"] = post.get(f"{code}-why-{item.code}", "")
    return data


# --- Validation -------------------------------------------------------------------------------


@dataclass
class ParsedAnswer:
    """What one question's fields gave: values to store, or errors; `pending` names what a saved
    draft still lacks (shown once the user leaves the question; import and submission refuse it)."""

    raw: dict[str, Any]
    values: AnswerValues | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def complete(self) -> bool:
        return self.values is not None and not self.pending

    def all_messages(self) -> dict[str, list[str]]:
        merged = {name: list(messages) for name, messages in self.errors.items()}
        for name, messages in self.pending.items():
            merged.setdefault(name, []).extend(messages)
        return merged


class _Invalid(ValueError):
    pass


THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(raw: str) -> Decimal | None:
    """A number as people type it: full-width and other decimal digits, thousands separators and spaces.

    Refused with a message rather than guessed: superscripts and fractions ("²", "½"), a comma that
    could be a decimal comma ("12,5"), more decimal places or digits than an answer can hold.
    """
    text = str(raw).strip()
    if not text:
        return None
    if len(text) > 60:
        raise _Invalid(_("Enter a number, for example 1234.5."))
    if any(ch.isdigit() and not ch.isdecimal() for ch in text) or any(unicodedata.category(ch) == "No" for ch in text):
        raise _Invalid(_("Type the number with plain digits (no superscripts or fractions)."))
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    text = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u00a0", "")
    if "," in text:
        if not THOUSANDS.match(text):
            raise _Invalid(_("Use a point for decimals (12.5, not 12,5); commas may only separate thousands."))
        text = text.replace(",", "")
    if not NUMBER.match(text):
        raise _Invalid(_("Enter a number, for example 1234.5."))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Invalid(_("Enter a number, for example 1234.5.")) from None
    if not value.is_finite() or abs(value) >= LIMIT:
        raise _Invalid(_("This number is too large."))
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PLACES:
        raise _Invalid(_("Use at most %(places)d decimal places.") % {"places": PLACES})
    return value


def _is_rate(spec: IndicatorSpec) -> bool:
    formula = FORMULAS.get(spec.formula)
    return spec.unit.strip() == "%" or bool(formula and formula.is_rate)


def _check_rate(value: Decimal) -> None:
    if value < 0 or value > 100:
        raise _Invalid(_("A rate must be between 0 and 100 %."))


def clean_text(raw: Any) -> str:
    """Text as stored: line breaks as \\n; control characters and lone surrogates (invisible, and
    refused by PostgreSQL and by spreadsheets) removed."""
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()


def _text(parsed: ParsedAnswer, name: str, limit: int) -> str:
    raw = str(parsed.raw.get(name, ""))
    text = clean_text(raw) if len(raw) <= 4 * limit else raw
    if len(text) > limit:
        parsed.add(
            name, _("Keep this under %(limit)d characters (it has %(count)d).") % {"limit": limit, "count": len(text)}
        )
    return text


def _number(parsed: ParsedAnswer, name: str, *, negative_ok: bool = False, rate: bool = False) -> Decimal | None:
    try:
        value = parse_number(parsed.raw.get(name, ""))
        if value is None:
            return None
        if rate:
            _check_rate(value)
        elif value < 0 and not negative_ok:
            raise _Invalid(_("This quantity cannot be negative."))
        return value
    except _Invalid as exc:
        parsed.add(name, str(exc))
        return None


def parse_answer(
    target: IndicatorSpec | GateSpec,
    raw: Mapping[str, Any],
    *,
    sector_value_ids: Collection[int] = (),
    can_note: bool = False,
    sheet: Collection[str] = (),
) -> ParsedAnswer:
    """Validate the fields of one gate or indicator; fields its type does not use are ignored.
    `sheet`: the formula inputs the company's data sheet supplies (typing one over it needs a reason)."""
    parsed = ParsedAnswer(raw=dict(raw))
    values: dict[str, Any] = {"comment": _text(parsed, "comment", COMMENT_MAX)}
    values["consultant_note"] = _text(parsed, "consultant_note", NOTE_MAX) if can_note else None

    if isinstance(target, GateSpec):
        values["passed"] = _yes_no(parsed, "passed")
    else:
        values |= _indicator_values(parsed, target, sector_value_ids)
        if target.allows_na and str(raw.get("na", "")) in ("on", "1", "true", "True"):
            values["na"] = True
            values["na_reason"] = _text(parsed, "na_reason", NA_REASON_MAX)
    if not parsed.errors:
        parsed.values = AnswerValues(**values)
        parsed.pending = incomplete(parsed.values, getattr(target, "indicator_type", ""), sheet=sheet)
    return parsed


def incomplete(values: AnswerValues, indicator_type: str = "", *, sheet: Collection[str] = ()) -> dict[str, list[str]]:
    """What a saved draft still lacks or gets wrong, per field: the second half of a pair, a source,
    an N/A reason, a pair the wrong way round, a quota row and own values at once."""
    gaps: dict[str, list[str]] = {}
    if values.na and not values.na_reason:
        gaps["na_reason"] = [_("Say why this indicator does not apply.")]
    if (values.leading is None) != (values.benchmark is None):
        gaps["benchmark" if values.benchmark is None else "leading"] = [
            _("Give both the leading and the benchmark value.")
        ]
    if values.leading is not None and values.benchmark is not None:
        if not values.values_source:
            gaps["values_source"] = [_("Say where your leading and benchmark values come from.")]
        if problem := threshold_problem(indicator_type, values.leading, values.benchmark):
            gaps.setdefault("benchmark", []).append(reason_text(problem))
    if values.sector_value_id is not None and (values.leading is not None or values.benchmark is not None):
        gaps["sector_value"] = [_("Choose a sector value or enter your own values, not both.")]
    reasons = dict(values.reasons)
    for code, _value in values.inputs:
        if code in sheet and not reasons.get(code):
            gaps[f"why-{code}"] = [_("Say why this figure replaces the one from the data sheet.")]
    return gaps


def _yes_no(parsed: ParsedAnswer, name: str) -> bool | None:
    raw = str(parsed.raw.get(name, ""))
    if raw not in ("", "yes", "no"):
        parsed.add(name, _("Choose one of the options."))
        return None
    return {"yes": True, "no": False}.get(raw)


def _indicator_values(parsed: ParsedAnswer, spec: IndicatorSpec, sector_value_ids: Collection[int]) -> dict[str, Any]:
    kind = spec.indicator_type
    values: dict[str, Any] = {}
    if kind in QUALITATIVE:
        choice = str(parsed.raw.get("choice", ""))
        if choice and choice not in Choice.values:
            parsed.add("choice", _("Choose one of the options."))
        else:
            values["choice"] = choice
        return values
    if kind == IndicatorType.PASS_FAIL:
        values["passed"] = _yes_no(parsed, "passed")
        return values
    if kind == IndicatorType.COUNT:
        return _count_values(parsed, spec)

    formula = FORMULAS.get(spec.formula)
    if formula:
        values["inputs"] = _formula_inputs(parsed, formula)
        typed = {code for code, _value in values["inputs"]}
        accepted = accepted_inputs(formula.key).values()
        reasons = (
            (item.code, _text(parsed, f"why-{item.code}", SOURCE_MAX)) for item in accepted if item.code in typed
        )
        values["reasons"] = tuple((code, reason) for code, reason in reasons if reason)
    else:
        values["value"] = _quantized(_number(parsed, "value", rate=_is_rate(spec)))
    if kind in QUANTITATIVE:
        values |= _threshold_values(parsed, spec, sector_value_ids)
    return values


def _count_values(parsed: ParsedAnswer, spec: IndicatorSpec) -> dict[str, Any]:
    options = spec.listed_options
    if not options:
        raw = str(parsed.raw.get("count", "")).strip()
        if not raw:
            return {"count": None}
        most = int(spec.rule.get("max", COUNT_MAX))
        if not WHOLE.match(raw) or int(raw) > most:
            parsed.add("count", _("Enter a whole number from 0 to %(most)d.") % {"most": most})
            return {}
        return {"count": int(raw)}
    raw_items = [str(item) for item in parsed.raw.get("options") or []]
    if "none" in raw_items:
        # "None of these" is an answer (0 of the target); an untouched list stays unanswered.
        return {"options": (), "count": 0}
    ticked = set()
    for item in raw_items:
        if not WHOLE.match(item) or int(item) >= len(options):
            parsed.add("options", _("Choose one of the options."))
            return {}
        ticked.add(int(item))
    return {"options": tuple(sorted(ticked)), "count": len(ticked) if ticked else None}


def _formula_inputs(parsed: ParsedAnswer, formula: Formula) -> tuple[tuple[str, str], ...]:
    """The formula's inputs, and the output value G of its per-output form (Annex B) where it has one:
    G without Q scores the per-output form."""
    inputs: dict[str, Decimal] = {}
    for item in accepted_inputs(formula.key).values():
        value = _number(parsed, f"in-{item.code}", negative_ok=item.allow_negative)
        if value is not None:
            inputs[item.code] = value
    formula = formula_for(formula.key, inputs) or formula
    if all(item.code in inputs for item in formula.inputs) and not parsed.errors:
        first, last = f"in-{formula.inputs[0].code}", f"in-{formula.inputs[-1].code}"
        try:
            result = formula.evaluate(inputs)
        except FormulaError:
            parsed.add(last, _("These figures cannot be computed: the total (denominator) is zero."))
        else:
            if formula.is_rate and not Decimal(0) <= result <= Decimal(100):
                parsed.add(
                    first,
                    _("These figures give %(value)s %%; a rate must be between 0 and 100 %%.")
                    % {"value": plain_number(result.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))},
                )
    return tuple(sorted((k, format(v, "f")) for k, v in inputs.items()))


def _threshold_values(parsed: ParsedAnswer, spec: IndicatorSpec, sector_value_ids: Collection[int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    raw_sector = str(parsed.raw.get("sector_value", "")).strip()
    if raw_sector:
        if not raw_sector.isdigit() or int(raw_sector) not in sector_value_ids:
            parsed.add("sector_value", _("Choose a value from the list."))
        else:
            values["sector_value_id"] = int(raw_sector)
    rate = _is_rate(spec)
    leading = _number(parsed, "leading", rate=rate, negative_ok=True)
    benchmark = _number(parsed, "benchmark", rate=rate, negative_ok=True)
    source = _text(parsed, "values_source", SOURCE_MAX)
    values |= {"leading": _quantized(leading), "benchmark": _quantized(benchmark), "values_source": source}
    return values


def _quantized(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


# --- Saving -----------------------------------------------------------------------------------


class Outcome(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"  # nothing to store: the server already holds these values, or the user did not touch them
    CONFLICT = "conflict"  # based on a version someone else has since replaced
    LOCKED = "locked"  # the assessment is submitted


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    row: Answer | None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SAVED, Outcome.UNCHANGED)

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0


def writer_id(client: str) -> int:
    """A page's random token as a stored number (0: no token, e.g. a form posted without JavaScript).

    Derived by the server (a hash), so no client-sent number decides the order of saves.
    """
    token = client.strip()[:100]
    if not token:
        return 0
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:7], "big") or 1


def save_answer(
    assessment: Assessment,
    code: str,
    values: AnswerValues,
    *,
    version: int,
    client: str = "",
    base: str = "",
    user: User | AnonymousUser | None = None,
) -> SaveResult:
    """Store one answer; the server decides the order of saves.

    `version` is the answer version the user's page was based on; `client` the page's token (the
    page saves one question at a time, so a newer version written by the same page was its own
    earlier save, whose answer was lost on the way back); `base` the digest of the values the page
    showed (when the values equal it, this user did not touch the question and it is left alone).
    """
    with transaction.atomic():
        # Serialises saves of one assessment with each other and with submission (which locks the row too).
        status = (
            Assessment.objects.select_for_update(no_key=True)
            .filter(pk=assessment.pk)
            .values_list("status", flat=True)
            .get()
        )
        row = (
            Answer.objects.select_for_update(of=("self",))
            .select_related("sector_value")
            .filter(assessment_id=assessment.pk, code=code)
            .first()
        )
        if status != Assessment.Status.DRAFT:
            return SaveResult(Outcome.LOCKED, row)
        with_note = values.consultant_note is not None
        current = values_from_row(row, with_note=with_note)
        if values.same_as(current) or (base and values.digest() == base):
            return SaveResult(Outcome.UNCHANGED, row)
        writer = writer_id(client)
        stored_version = row.version if row is not None else 0
        own_newer = row is not None and writer != 0 and row.seq == writer and version < stored_version
        if version != stored_version and not own_newer:
            return SaveResult(Outcome.CONFLICT, row)

        if row is None:
            row = Answer(assessment_id=assessment.pk, code=code)
        write_answer(row, values)
        row.seq = writer
        row.version += 1
        row.updated_by = user if isinstance(user, User) else None
        row.save()
        if row.sector_value_id:
            row = Answer.objects.select_related("sector_value").get(pk=row.pk)
        return SaveResult(Outcome.SAVED, row)


# What write_answer sets: the whitelisted fields plus the formula inputs (posted as in-<input>).
WRITTEN_FIELDS = (*TEXT_FIELDS, "inputs")


def write_answer(row: Answer, values: AnswerValues) -> None:
    """Every answer field of `row` from validated values (the one writer: autosave, page, import)."""
    inputs: dict[str, Any] = dict(values.inputs)
    if values.options:
        inputs["options"] = list(values.options)
    if values.reasons:
        inputs["why"] = dict(values.reasons)
    row.value = values.value
    row.inputs = inputs
    row.choice = values.choice
    row.count = values.count
    row.passed = values.passed
    row.na = values.na
    row.na_reason = values.na_reason
    row.sector_value_id = values.sector_value_id
    row.leading = values.leading
    row.benchmark = values.benchmark
    row.values_source = values.values_source
    row.comment = values.comment
    if values.consultant_note is not None:
        row.consultant_note = values.consultant_note


def start_assessment(company: Any, criteria_set: CriteriaSet, *, year: int, title: str, user: User) -> Assessment:
    """A new draft against the given (latest published) criteria set; it records that version for good."""
    return Assessment.objects.create(
        company=company, criteria_set=criteria_set, year=year, title=title, created_by=user
    )
