"""The scoring engine: criteria as plain data plus answers in, a scorecard out.

No ORM and no HTTP here. Arithmetic is exact `Decimal`; every figure is rounded once, when
the scorecard is turned into output (`Scorecard.to_dict`).

Rules (GB/T 36132-2025 §5 for quantitative indicators):
- positive quantitative: s = clamp((x − benchmark) / (leading − benchmark), 0, 1)
- reverse quantitative:  s = clamp((benchmark − x) / (benchmark − leading), 0, 1)
  When leading == benchmark there is no interpolation: s = 1 at or better, 0 worse.
  When the benchmark is missing, the quota's level-3 limit stands in, flagged provisional.
- bands: the first band whose [min, max) holds x gives the fraction.
- qualitative: the answer's choice (met / partly / not_met) gives the fraction from the rule.
- count: s = min(count / target, 1).
- pass/fail: 1 if passed, else 0.
Points = indicator points × s. N/A (only where allowed, with a reason) leaves the maximum; with
the "renormalise" rule a category's remaining indicators are scaled to the category weight, and
the total is scaled back to the full weight when whole categories drop out.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assessment.formulas import (
    FORMULAS,
    KWH_IN_KGCE,
    PER_OUTPUT,
    FormulaError,
    UnitMismatch,
    conversion_factor,
    denominator,
    formula_for,
)
from assessment.reasons import Reason, ReasonCode, reason
from assessment.vocabulary import (
    QUALITATIVE,
    VETO_GATE_KINDS,
    Choice,
    GateKind,
    IndicatorType,
    NaRule,
    Rating,
    Status,
    Verdict,
)
from greenmfg.bilingual import is_chinese

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
FINE = Decimal("0.000001")


DEFAULT_FRACTIONS: dict[str, dict[str, Decimal]] = {
    IndicatorType.POSITIVE_QUAL: {Choice.MET: ONE, Choice.PARTLY: Decimal("0.5"), Choice.NOT_MET: ZERO},
    IndicatorType.REVERSE_QUAL: {Choice.MET: ZERO, Choice.PARTLY: Decimal("0.5"), Choice.NOT_MET: ONE},
}


# --- Input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateSpec:
    code: str
    kind: str
    text_zh: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    indicator_type: str
    points: Decimal
    required: bool = True
    allows_na: bool = False
    unit: str = ""
    formula: str = ""
    rule: Mapping[str, Any] = field(default_factory=dict)
    uses_sector_values: bool = False
    provisional: bool = False
    name_zh: str = ""
    name_en: str = ""
    recommendation_zh: str = ""
    recommendation_en: str = ""

    @property
    def listed_options(self) -> tuple[str, ...]:
        """The options a count indicator lists to tick (F04: twelve platform functions); () for any other."""
        options = self.rule.get("options_en") or self.rule.get("options_zh")
        return tuple(options) if isinstance(options, list) else ()


@dataclass(frozen=True)
class CategorySpec:
    code: str
    weight: Decimal
    indicators: tuple[IndicatorSpec, ...]
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class CriteriaSpec:
    code: str
    rating: str
    gates: tuple[GateSpec, ...]
    categories: tuple[CategorySpec, ...]
    rating_bands: tuple[Mapping[str, Any], ...] = ()
    na_rule: str = NaRule.RENORMALISE
    provisional: bool = False
    version: str = ""

    def indicators(self) -> Iterable[IndicatorSpec]:
        for category in self.categories:
            yield from category.indicators


@dataclass(frozen=True)
class SectorRef:
    """A sector value resolved to plain data (leading = level 1, benchmark = level 2)."""

    key: str
    unit: str
    leading: Decimal | None
    benchmark: Decimal | None
    limit: Decimal | None = None
    official: bool = True
    label: str = ""
    sector: str = ""  # GB/T 4754 code of the quota's product, e.g. "30"
    edition: str = ""  # e.g. "GB 21256-2025"
    in_force: date | None = None
    superseded: date | None = None


# One per stored answer on every draft page: slots and not frozen, as the result records below (a frozen
# dataclass pays for every field in __init__: four times the cost for 200 answers, bench/results_bench.py).
@dataclass(slots=True)
class AnswerData:
    value: Decimal | None = None
    inputs: Mapping[str, Decimal] = field(default_factory=dict)
    choice: str = ""
    count: int | None = None
    passed: bool | None = None
    na: bool = False
    na_reason: str = ""
    leading: Decimal | None = None
    benchmark: Decimal | None = None
    values_source: str = ""
    sector: SectorRef | None = None


# --- Output ------------------------------------------------------------------------------------


# Result records use slots and are not frozen: hundreds are made per scoring and a frozen
# dataclass pays for every field in __init__ (measured: about half the time of score()).
@dataclass(slots=True)
class GateResult:
    code: str
    kind: str
    passed: bool | None
    text_zh: str = ""
    text_en: str = ""

    @property
    def vetoes(self) -> bool:
        return self.kind in VETO_GATE_KINDS


@dataclass(slots=True)
class IndicatorResult:
    code: str
    category: str
    status: Status
    points: Decimal
    maximum: Decimal
    value: Decimal | None = None
    computed: bool = False
    unit: str = ""
    leading: Decimal | None = None
    benchmark: Decimal | None = None
    values_from: str = ""  # "sector", "user", "criteria" or ""
    provisional: bool = False
    user_supplied: bool = False
    reason: Reason | None = None
    fraction: Decimal = ZERO
    # Warnings that do not stop scoring (shown with `reasons.reason_text`).
    flags: list[Reason] = field(default_factory=list)
    required: bool = True

    @property
    def open(self) -> bool:
        """A required indicator without a score: the assessment is incomplete."""
        return self.required and self.status in (Status.UNANSWERED, Status.CANNOT_SCORE)

    @property
    def gap(self) -> Decimal:
        return self.maximum - self.points


@dataclass(slots=True)
class CategoryResult:
    code: str
    weight: Decimal
    points: Decimal
    maximum: Decimal
    raw_points: Decimal
    raw_maximum: Decimal


@dataclass(frozen=True)
class Scorecard:
    criteria_code: str
    gates: tuple[GateResult, ...]
    indicators: tuple[IndicatorResult, ...]
    categories: tuple[CategoryResult, ...]
    total: Decimal
    maximum: Decimal
    verdict: Verdict
    rating: str = ""
    rating_zh: str = ""
    rating_provisional: bool = False
    reference: Decimal | None = None
    provisional: bool = False
    # (indicator code, gate code, reason): figures that breach a mandatory limit.
    compliance: tuple[tuple[str, str, Reason], ...] = ()

    @property
    def failed_gates(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.passed is False and g.vetoes)

    @property
    def unanswered_gates(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.passed is None and g.vetoes)

    @property
    def open_indicators(self) -> tuple[IndicatorResult, ...]:
        """Required indicators unanswered or that cannot be scored: they keep the verdict incomplete."""
        return tuple(i for i in self.indicators if i.open)

    def gaps(self) -> list[IndicatorResult]:
        """Indicators not fully met, most points available first."""
        open_ = [i for i in self.indicators if i.status not in (Status.MET, Status.NA)]
        return sorted(open_, key=lambda i: (-i.gap, i.code))

    def indicator(self, code: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.code == code)

    def rating_for(self, language: str | None = None) -> str:
        """The rating band's name in the given (or active) language; the English one where the band has no
        Chinese name."""
        return self.rating_zh if is_chinese(language) and self.rating_zh else self.rating

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria_set": self.criteria_code,
            "total": _out(self.total),
            "maximum": _out(self.maximum),
            "verdict": str(self.verdict),
            "rating": self.rating,
            "rating_zh": self.rating_zh,
            "rating_provisional": self.rating_provisional,
            "reference": _out(self.reference),
            "provisional": self.provisional,
            "gates": [
                {"code": g.code, "kind": g.kind, "passed": g.passed, "text_zh": g.text_zh, "text_en": g.text_en}
                for g in self.gates
            ],
            "failed_gates": [g.code for g in self.failed_gates],
            "open_gates": [g.code for g in self.unanswered_gates],
            "open_indicators": [i.code for i in self.open_indicators],
            "compliance_problems": [
                {"indicator": code, "gate": gate, "reason": why.encode()} for code, gate, why in self.compliance
            ],
            "categories": [
                {"code": c.code, "weight": _out(c.weight), "points": _out(c.points), "maximum": _out(c.maximum)}
                for c in self.categories
            ],
            "indicators": [
                {
                    "code": i.code,
                    "category": i.category,
                    "status": str(i.status),
                    "points": _out(i.points),
                    "maximum": _out(i.maximum),
                    "value": _out(i.value, places=FINE),
                    "computed": i.computed,
                    "unit": i.unit,
                    "leading": _out(i.leading, places=FINE),
                    "benchmark": _out(i.benchmark, places=FINE),
                    "values_from": i.values_from,
                    "provisional": i.provisional,
                    "user_supplied": i.user_supplied,
                    "reason": i.reason.encode() if i.reason else "",
                    "flags": [flag.encode() for flag in i.flags],
                }
                for i in self.indicators
            ],
            "gaps": [i.code for i in self.gaps()],
        }


def _out(value: Decimal | None, places: Decimal = CENT) -> str | None:
    return None if value is None else str(value.quantize(places, rounding=ROUND_HALF_UP))


def round_points(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Rules -------------------------------------------------------------------------------------


def clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def linear_fraction(x: Decimal, *, leading: Decimal, benchmark: Decimal, reverse: bool) -> Decimal:
    """Share of full points between benchmark (0) and leading value (1), GB/T 36132-2025 §5."""
    if leading == benchmark:
        better = x <= leading if reverse else x >= leading
        return ONE if better else ZERO
    if reverse:
        return clamp((benchmark - x) / (benchmark - leading))
    return clamp((x - benchmark) / (leading - benchmark))


def band_fraction(x: Decimal, bands: Iterable[Mapping[str, Any]]) -> Decimal:
    for band in bands:
        low = band.get("min")
        high = band.get("max")
        if (low is None or x >= Decimal(str(low))) and (high is None or x < Decimal(str(high))):
            return Decimal(str(band["fraction"]))
    return ZERO


def status_for(fraction: Decimal) -> Status:
    if fraction >= ONE:
        return Status.MET
    if fraction <= ZERO:
        return Status.NOT_MET
    return Status.PARTLY


@dataclass(slots=True)
class Thresholds:
    leading: Decimal | None
    benchmark: Decimal | None
    source: str  # "sector", "user", "criteria"
    provisional: bool = False
    reason: Reason | None = None


def _plain(value: Decimal) -> str:
    """A number as printed in a standard: 120, 2.64, never 1.2E+2."""
    return format(value.normalize(), "f")


# --- Checks the answers layer can call before saving (pure, return a Reason or None) ---------


def threshold_problem(indicator_type: str, leading: Decimal, benchmark: Decimal) -> Reason | None:
    """Why not, when leading and benchmark are the wrong way round for the indicator's direction."""
    if indicator_type == IndicatorType.REVERSE_QUANT and leading > benchmark:
        return reason(ReasonCode.REVERSED_THRESHOLDS, leading=leading, benchmark=benchmark, direction="reverse")
    if indicator_type == IndicatorType.POSITIVE_QUANT and leading < benchmark:
        return reason(ReasonCode.REVERSED_THRESHOLDS, leading=leading, benchmark=benchmark, direction="positive")
    return None


def count_limit(spec: IndicatorSpec) -> int | None:
    """The most a count can be: the rule's "max", or the number of listed options (F04: 12)."""
    if isinstance(spec.rule.get("max"), int):
        return int(spec.rule["max"])
    return len(spec.listed_options) or None


def count_problem(spec: IndicatorSpec, count: int) -> Reason | None:
    """Why not, when a count is more than the listed options allow (F04 above 12)."""
    limit = count_limit(spec)
    if limit is not None and count > limit:
        return reason(ReasonCode.COUNT_ABOVE_MAX, count=count, max=limit)
    return None


def values_problem(answer: AnswerData) -> Reason | None:
    """Why not, when a quota row and the user's own leading/benchmark are both given."""
    if answer.sector is not None and (answer.leading is not None or answer.benchmark is not None):
        return reason(ReasonCode.SECTOR_AND_USER_VALUES)
    return None


def thresholds_for(spec: IndicatorSpec, answer: AnswerData) -> Thresholds | None:
    """Where the leading and benchmark values come from, in the indicator's own unit."""
    sector = answer.sector
    if sector is not None and sector.leading is not None:
        formula = FORMULAS.get(spec.formula)
        factor = conversion_factor(sector.unit, formula.numerator_unit) if formula and not formula.is_rate else ONE
        benchmark = sector.benchmark
        provisional = not sector.official
        why = None if sector.official else reason(ReasonCode.SECTOR_UNOFFICIAL)
        if benchmark is None:
            # The quota gives no level 2: its level-3 limit stands in (a product decision).
            benchmark = sector.limit if sector.limit is not None else sector.leading
            provisional = True
            why = reason(ReasonCode.LIMIT_AS_BENCHMARK)
        return Thresholds(sector.leading * factor, benchmark * factor, "sector", provisional, why)
    if answer.leading is not None and answer.benchmark is not None:
        return Thresholds(answer.leading, answer.benchmark, "user")
    if "leading" in spec.rule and "benchmark" in spec.rule:
        return Thresholds(Decimal(str(spec.rule["leading"])), Decimal(str(spec.rule["benchmark"])), "criteria")
    return None


def indicator_value(spec: IndicatorSpec, answer: AnswerData) -> tuple[Decimal | None, bool]:
    """The indicator's value: computed from raw inputs when it has a formula."""
    if spec.formula:
        formula = formula_for(spec.formula, answer.inputs) or FORMULAS[spec.formula]
        if not answer.inputs and answer.value is not None:
            return answer.value, False
        if not answer.inputs:
            return None, True
        return formula.evaluate(answer.inputs), True
    if spec.indicator_type == IndicatorType.COUNT:
        return (Decimal(answer.count) if answer.count is not None else None), False
    return answer.value, False


@dataclass(frozen=True)
class Context:
    """What the engine knows about the assessment beyond its answers."""

    year: int | None = None  # the evaluation year: which quota edition applies
    sector_codes: frozenset[str] | None = None  # the company's sector with its parents and children
    company_sector: str = ""
    limit_gate: str = ""  # the gate a breach of a mandatory limit points at (factory: B1)


def score_indicator(
    spec: IndicatorSpec,
    category: str,
    answer: AnswerData | None,
    *,
    force_met: bool = False,
    context: Context | None = None,
) -> IndicatorResult:
    base: dict[str, Any] = {
        "code": spec.code,
        "category": category,
        "maximum": spec.points,
        "unit": spec.unit,
        "provisional": spec.provisional,
        "required": spec.required,
    }
    if force_met:
        return IndicatorResult(status=Status.MET, points=spec.points, fraction=ONE, **base)
    if answer is None:
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
    if answer.na:
        return _not_applicable(spec, answer, base)
    kind = spec.indicator_type
    if kind in QUALITATIVE:
        return _qualitative(spec, answer, base)
    if kind == IndicatorType.PASS_FAIL:
        if answer.passed is None:
            return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
        return _scored(spec, base, ONE if answer.passed else ZERO)
    return _measured(spec, answer, base, context or Context())


def _cannot_score(why: Reason | None, base: dict[str, Any], **extra: Any) -> IndicatorResult:
    return IndicatorResult(status=Status.CANNOT_SCORE, points=ZERO, reason=why, **(base | extra))


def _not_applicable(spec: IndicatorSpec, answer: AnswerData, base: dict[str, Any]) -> IndicatorResult:
    if spec.allows_na and answer.na_reason.strip():
        # N/A permissions are this app's rule, not the standard's [U]: always provisional.
        return IndicatorResult(
            status=Status.NA,
            points=ZERO,
            reason=reason(ReasonCode.NA_GIVEN, text=answer.na_reason.strip()),
            flags=[reason(ReasonCode.NA_APP_RULE)],
            **(base | {"maximum": ZERO, "provisional": True}),
        )
    why = reason(ReasonCode.NA_NEEDS_REASON if spec.allows_na else ReasonCode.NA_NOT_ALLOWED)
    return IndicatorResult(status=Status.UNANSWERED, points=ZERO, reason=why, **base)


def _qualitative(spec: IndicatorSpec, answer: AnswerData, base: dict[str, Any]) -> IndicatorResult:
    rule = spec.rule
    if rule.get("coverage"):
        part, total = answer.inputs.get("part"), answer.inputs.get("total")
        if part is not None and total is not None:
            # F13: scored by coverage of product categories (our reading; the standard gives no formula).
            if total == 0:
                return _cannot_score(reason(ReasonCode.ZERO_DENOMINATOR), base)
            flag = reason(ReasonCode.COVERAGE_SHARE, part=_plain(part), total=_plain(total))
            return _scored(spec, base | {"value": part / total * 100, "unit": "%"}, clamp(part / total), flags=[flag])
    if not answer.choice:
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
    if not rule:  # the usual case: the default fractions, nothing provisional
        return _scored(spec, base, DEFAULT_FRACTIONS[spec.indicator_type][answer.choice])
    fractions = {k: Decimal(str(v)) for k, v in rule.get("fractions", {}).items()}
    fraction = (fractions or DEFAULT_FRACTIONS[spec.indicator_type])[answer.choice]
    flags: list[Reason] = []
    if answer.choice in rule.get("provisional_choices", ()):
        # The standard gives no partial rule [U]: the fraction is a placeholder.
        base["provisional"] = True
        flags.append(reason(ReasonCode.PARTIAL_RULE_PROVISIONAL))
    return _scored(spec, base, fraction, flags=flags)


def _measured(spec: IndicatorSpec, answer: AnswerData, base: dict[str, Any], context: Context) -> IndicatorResult:
    """Counts, bands and quantitative indicators: a value (typed or computed), then its rule."""
    kind = spec.indicator_type
    if kind == IndicatorType.COUNT and answer.count is not None and (problem := count_problem(spec, answer.count)):
        return _cannot_score(problem, base)
    try:
        value, computed = indicator_value(spec, answer)
    except FormulaError as exc:
        return _cannot_score(exc.reason, base, computed=True)
    if value is None:
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
    unit = spec.unit
    form_flags: list[Reason] = []
    if (
        spec.formula in PER_OUTPUT
        and (form := formula_for(spec.formula, answer.inputs)) is not None
        and form.key != spec.formula
    ):
        # Annex B per-output form: tce/10k CNY etc. No quota is per output value.
        unit = form.unit
        form_flags.append(reason(ReasonCode.FORM_PER_OUTPUT))
        if answer.sector is not None:
            base |= {"value": value, "computed": computed, "unit": unit}
            return _cannot_score(reason(ReasonCode.PER_OUTPUT_WITH_QUOTA), base, flags=form_flags)
    elif answer.sector is not None and spec.formula and not FORMULAS[spec.formula].is_rate:
        unit = f"{FORMULAS[spec.formula].numerator_unit}/{denominator(answer.sector.unit)}"
    base |= {"value": value, "computed": computed, "unit": unit}
    if kind == IndicatorType.COUNT:
        target = Decimal(str(spec.rule.get("target", 1)))
        return _scored(spec, base, clamp(value / target))
    if kind == IndicatorType.BANDS:
        return _scored(spec, base, band_fraction(value, spec.rule.get("bands", [])))
    return _linear(spec, answer, value, base, form_flags, context)


def _linear(
    spec: IndicatorSpec,
    answer: AnswerData,
    value: Decimal,
    base: dict[str, Any],
    form_flags: list[Reason],
    context: Context,
) -> IndicatorResult:
    """A quantitative indicator between its benchmark and leading value (GB/T 36132-2025 §5)."""
    if problem := values_problem(answer):
        return _cannot_score(problem, base)
    try:
        limits = thresholds_for(spec, answer)
    except UnitMismatch as exc:
        return _cannot_score(exc.reason, base)
    if limits is None or limits.leading is None or limits.benchmark is None:
        return _cannot_score(reason(ReasonCode.NO_THRESHOLDS), base)
    if problem := threshold_problem(spec.indicator_type, limits.leading, limits.benchmark):
        return _cannot_score(problem, base)
    reverse = spec.indicator_type == IndicatorType.REVERSE_QUANT
    fraction = linear_fraction(value, leading=limits.leading, benchmark=limits.benchmark, reverse=reverse)
    flags, provisional = _sector_flags(spec, answer, value, context)
    base |= {
        "leading": limits.leading,
        "benchmark": limits.benchmark,
        "values_from": limits.source,
        "user_supplied": limits.source == "user",
        "provisional": spec.provisional or limits.provisional or provisional,
        "reason": limits.reason,
    }
    return _scored(spec, base, fraction, flags=form_flags + flags)


def _sector_flags(
    spec: IndicatorSpec, answer: AnswerData, value: Decimal, context: Context
) -> tuple[list[Reason], bool]:
    """Warnings about the quota row used: limit breached, wrong sector, edition not in force."""
    sector = answer.sector
    if sector is None:
        return [], False
    flags: list[Reason] = []
    provisional = False
    formula = FORMULAS.get(spec.formula)
    if sector.unit.split("/", 1)[0].strip() == "kWh":
        flags.append(reason(ReasonCode.ELECTRICITY_CONVERTED, factor=KWH_IN_KGCE))
    if sector.limit is not None:
        factor = conversion_factor(sector.unit, formula.numerator_unit) if formula and not formula.is_rate else ONE
        limit = sector.limit * factor
        worse = value > limit if spec.indicator_type == IndicatorType.REVERSE_QUANT else value < limit
        if worse:
            flags.append(
                reason(
                    ReasonCode.WORSE_THAN_LIMIT,
                    limit=_plain(sector.limit),
                    unit=sector.unit,
                    gate=context.limit_gate or "—",
                )
            )
    if sector.sector and context.sector_codes is not None and sector.sector not in context.sector_codes:
        flags.append(
            reason(ReasonCode.SECTOR_MISMATCH, quota_sector=sector.sector, company_sector=context.company_sector or "—")
        )
    if context.year is not None:
        edition = sector.edition or sector.key
        if sector.in_force is not None and sector.in_force.year > context.year:
            flags.append(
                reason(
                    ReasonCode.EDITION_NOT_IN_FORCE,
                    edition=edition,
                    in_force=sector.in_force.isoformat(),
                    year=context.year,
                )
            )
            provisional = True
        if sector.superseded is not None and sector.superseded.year <= context.year:
            flags.append(
                reason(
                    ReasonCode.EDITION_SUPERSEDED,
                    edition=edition,
                    superseded=sector.superseded.isoformat(),
                    year=context.year,
                )
            )
            provisional = True
    return flags, provisional


def _scored(
    spec: IndicatorSpec, base: dict[str, Any], fraction: Decimal, *, flags: list[Reason] | None = None
) -> IndicatorResult:
    return IndicatorResult(
        status=status_for(fraction), points=spec.points * fraction, fraction=fraction, flags=flags or [], **base
    )


# --- The scorecard -------------------------------------------------------------------------


def score(
    criteria: CriteriaSpec,
    answers: Mapping[str, AnswerData],
    *,
    reference: Decimal | None = None,
    force_met: Iterable[str] = (),
    context: Context | None = None,
    scored: Scorecard | None = None,
) -> Scorecard:
    """The scorecard of the answers. `scored`: the scorecard of the same answers, reference and context
    without `force_met`, whose indicator results are taken as they are; only the forced ones are scored
    again (a what-if of two indicators does not score the other 198 twice)."""
    forced = frozenset(force_met)
    before = {r.code: r for r in scored.indicators} if scored is not None else {}
    context = _with_limit_gate(criteria, context or Context())
    gates = tuple(
        GateResult(g.code, g.kind, answers[g.code].passed if g.code in answers else None, g.text_zh, g.text_en)
        for g in criteria.gates
    )
    results: list[IndicatorResult] = []
    categories: list[CategoryResult] = []
    for category in criteria.categories:
        in_category = [
            before[i.code]
            if i.code in before and i.code not in forced
            else score_indicator(i, category.code, answers.get(i.code), force_met=i.code in forced, context=context)
            for i in category.indicators
        ]
        results.extend(in_category)
        categories.append(_category_result(category, in_category, criteria.na_rule))

    full_weight = sum((c.weight for c in criteria.categories), ZERO)
    available = sum((c.maximum for c in categories), ZERO)
    earned = sum((c.points for c in categories), ZERO)
    if criteria.na_rule == NaRule.RENORMALISE and available and available != full_weight:
        total, maximum = earned * full_weight / available, full_weight
    else:
        total, maximum = earned, available

    verdict, rating, rating_zh, rating_provisional = _verdict(criteria, gates, results, total, reference)
    return Scorecard(
        criteria_code=criteria.code,
        gates=gates,
        indicators=tuple(results),
        categories=tuple(categories),
        total=total,
        maximum=maximum,
        verdict=verdict,
        rating=rating,
        rating_zh=rating_zh,
        rating_provisional=rating_provisional,
        reference=reference,
        provisional=criteria.provisional or rating_provisional or any(i.provisional for i in results),
        compliance=tuple(
            (r.code, context.limit_gate, flag)
            for r in results
            for flag in r.flags
            if flag.code == ReasonCode.WORSE_THAN_LIMIT
        ),
    )


def _with_limit_gate(criteria: CriteriaSpec, context: Context) -> Context:
    """The gate a breach of a mandatory limit points at, when the context names none: B1, else the first basic one."""
    if context.limit_gate:
        return context
    veto = [g.code for g in criteria.gates if g.kind == GateKind.BASIC]
    return replace(context, limit_gate="B1" if "B1" in veto else (veto[0] if veto else ""))


def _category_result(category: CategorySpec, scored: list[IndicatorResult], na_rule: str) -> CategoryResult:
    raw_points = sum((r.points for r in scored), ZERO)
    raw_maximum = sum((r.maximum for r in scored), ZERO)
    if na_rule == NaRule.RENORMALISE and raw_maximum:
        # N/A indicators leave; the remaining ones fill the category's weight.
        scale = category.weight / raw_maximum
        return CategoryResult(
            category.code, category.weight, raw_points * scale, category.weight, raw_points, raw_maximum
        )
    return CategoryResult(category.code, category.weight, raw_points, raw_maximum, raw_points, raw_maximum)


def _verdict(
    criteria: CriteriaSpec,
    gates: tuple[GateResult, ...],
    results: list[IndicatorResult],
    total: Decimal,
    reference: Decimal | None,
) -> tuple[Verdict, str, str, bool]:
    """Never more than the answers support: open gates or open required indicators → incomplete."""
    if any(g.passed is False and g.vetoes for g in gates):
        return Verdict.NOT_ELIGIBLE, "", "", False
    incomplete = any(g.passed is None and g.vetoes for g in gates) or any(r.open for r in results)
    if criteria.rating == Rating.ALL_PASS:
        # One failed indicator is a definite fail even while others are open.
        if any(r.status == Status.NOT_MET for r in results):
            return Verdict.FAIL, "", "", False
        return (Verdict.INCOMPLETE if incomplete else Verdict.PASS), "", "", False
    if incomplete:
        return Verdict.INCOMPLETE, "", "", False
    if criteria.rating in (Rating.STARS, Rating.BANDS):
        rounded = round_points(total)
        for band in criteria.rating_bands:
            if rounded >= Decimal(str(band["min"])):
                return Verdict.RATED, band.get("label_en", ""), band.get("label_zh", ""), bool(band.get("provisional"))
        return Verdict.RATED, "", "", False
    if reference is None:
        return Verdict.NO_REFERENCE, "", "", False
    if round_points(total) >= reference:
        return Verdict.ABOVE_REFERENCE, "", "", False
    return Verdict.BELOW_REFERENCE, "", "", False


def what_if(
    criteria: CriteriaSpec,
    answers: Mapping[str, AnswerData],
    codes: Iterable[str],
    *,
    reference: Decimal | None = None,
    context: Context | None = None,
    scored: Scorecard | None = None,
) -> Scorecard:
    """The scorecard if the given indicators were fully met; `scored`: the answers' scorecard, if at hand
    (its other indicators are not scored again)."""
    return score(criteria, answers, reference=reference, force_met=codes, context=context, scored=scored)


def gains(criteria: CriteriaSpec, card: Scorecard) -> dict[str, Decimal]:
    """What meeting each open indicator fully would add to the total, computed from the scorecard.

    The same figure `what_if` gives for that one indicator (a test holds them equal): its missing
    points, scaled as the category scales them (N/A renormalised within the category) and as the
    total scales the categories (when whole categories drop out). One pass, no re-scoring.
    """
    full_weight = sum((c.weight for c in criteria.categories), ZERO)
    available = sum((c.maximum for c in card.categories), ZERO)
    overall = (
        full_weight / available
        if criteria.na_rule == NaRule.RENORMALISE and available and available != full_weight
        else ONE
    )
    scale = {
        c.code: (c.weight / c.raw_maximum if criteria.na_rule == NaRule.RENORMALISE and c.raw_maximum else ONE)
        * overall
        for c in card.categories
    }
    return {
        r.code: (r.maximum - r.points) * scale[r.category]
        for r in card.indicators
        if r.status not in (Status.MET, Status.NA) and r.category in scale
    }


def ranked_gaps(criteria: CriteriaSpec, card: Scorecard) -> list[tuple[IndicatorResult, Decimal]]:
    """Every indicator not fully met with what meeting it would add (`gains`), largest gain first.

    The one ranking the gap list, the what-if page, the PDF report and the CLI show."""
    gain = gains(criteria, card)
    ranked = [(result, gain.get(result.code, ZERO)) for result in card.gaps()]
    return sorted(ranked, key=lambda pair: (-pair[1], pair[0].code))


def top_actions(criteria: CriteriaSpec, card: Scorecard, *, limit: int = 5) -> list[tuple[IndicatorResult, Decimal]]:
    """The unmet indicators whose full compliance would raise the total most, with the gain."""
    return [pair for pair in ranked_gaps(criteria, card) if pair[1] > 0][:limit]
