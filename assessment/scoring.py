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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext, gettext_noop

from assessment.formulas import FORMULAS, FormulaError, UnitMismatch, conversion_factor, denominator

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
FINE = Decimal("0.000001")


class Status(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    NA = "na"
    UNANSWERED = "unanswered"
    CANNOT_SCORE = "cannot_score"


class Verdict(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"
    ABOVE_REFERENCE = "above_reference"
    BELOW_REFERENCE = "below_reference"
    NO_REFERENCE = "no_reference"
    RATED = "rated"
    PASS = "pass"
    FAIL = "fail"


QUANTITATIVE = {"positive_quant", "reverse_quant"}
QUALITATIVE = {"positive_qual", "reverse_qual"}
DEFAULT_FRACTIONS = {
    "positive_qual": {"met": ONE, "partly": Decimal("0.5"), "not_met": ZERO},
    "reverse_qual": {"met": ZERO, "partly": Decimal("0.5"), "not_met": ONE},
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
    na_rule: str = "renormalise"
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


@dataclass(frozen=True)
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
    reason: str = ""
    fraction: Decimal = ZERO

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

    @property
    def failed_gates(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.passed is False)

    @property
    def unanswered_gates(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.passed is None)

    def gaps(self) -> list[IndicatorResult]:
        """Indicators not fully met, most points available first."""
        open_ = [i for i in self.indicators if i.status not in (Status.MET, Status.NA)]
        return sorted(open_, key=lambda i: (-i.gap, i.code))

    def indicator(self, code: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.code == code)

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
                    "reason": i.reason,
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
    reason: str = ""


# Reasons stay English in results and frozen snapshots; they are translated when shown.
_REASON_PATTERNS = (
    (re.compile(r"missing input\(s\): (?P<names>.+)"), gettext_noop("missing input(s): %(names)s")),
    (re.compile(r"(?P<source>.+) cannot be expressed in (?P<target>.+)"), gettext_noop("%(source)s cannot be expressed in %(target)s")),
)


def reason_text(reason: str) -> str:
    """An engine reason in the active language (a user's own N/A reason comes back unchanged)."""
    if not reason:
        return reason
    for pattern, msgid in _REASON_PATTERNS:
        if match := pattern.fullmatch(reason):
            return gettext(msgid) % match.groupdict()
    return gettext(reason)


def thresholds_for(spec: IndicatorSpec, answer: AnswerData) -> Thresholds | None:
    """Where the leading and benchmark values come from, in the indicator's own unit."""
    sector = answer.sector
    if sector is not None and sector.leading is not None:
        formula = FORMULAS.get(spec.formula)
        factor = conversion_factor(sector.unit, formula.numerator_unit) if formula else ONE
        benchmark = sector.benchmark
        provisional = not sector.official
        reason = "" if sector.official else gettext_noop("sector value marked uncertain [U], not official")
        if benchmark is None:
            # The quota gives no level 2: its level-3 limit stands in (a product decision).
            benchmark = sector.limit if sector.limit is not None else sector.leading
            provisional = True
            reason = gettext_noop("no level 2 in the quota; level 3 used as benchmark")
        return Thresholds(sector.leading * factor, benchmark * factor, "sector", provisional, reason)
    if answer.leading is not None and answer.benchmark is not None:
        return Thresholds(answer.leading, answer.benchmark, "user")
    if "leading" in spec.rule and "benchmark" in spec.rule:
        return Thresholds(Decimal(str(spec.rule["leading"])), Decimal(str(spec.rule["benchmark"])), "criteria")
    return None


def indicator_value(spec: IndicatorSpec, answer: AnswerData) -> tuple[Decimal | None, bool]:
    """The indicator's value: computed from raw inputs when it has a formula."""
    if spec.formula:
        formula = FORMULAS[spec.formula]
        if not answer.inputs and answer.value is not None:
            return answer.value, False
        if not answer.inputs:
            return None, True
        return formula.evaluate(answer.inputs), True
    if spec.indicator_type == "count":
        return (Decimal(answer.count) if answer.count is not None else None), False
    return answer.value, False


def score_indicator(spec: IndicatorSpec, category: str, answer: AnswerData | None, *, force_met: bool = False) -> IndicatorResult:
    base = {"code": spec.code, "category": category, "maximum": spec.points, "unit": spec.unit, "provisional": spec.provisional}
    if force_met:
        return IndicatorResult(status=Status.MET, points=spec.points, fraction=ONE, **base)
    if answer is None:
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
    if answer.na:
        if spec.allows_na and answer.na_reason.strip():
            return IndicatorResult(status=Status.NA, points=ZERO, reason=answer.na_reason.strip(), **(base | {"maximum": ZERO}))
        reason = gettext_noop("N/A is not allowed for this indicator") if not spec.allows_na else gettext_noop("N/A needs a reason")
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, reason=reason, **base)

    kind = spec.indicator_type
    if kind in QUALITATIVE:
        if not answer.choice:
            return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
        fractions = {k: Decimal(str(v)) for k, v in spec.rule.get("fractions", {}).items()} or DEFAULT_FRACTIONS[kind]
        fraction = fractions[answer.choice]
        if answer.choice in spec.rule.get("provisional_choices", ()):
            # e.g. GSCI "partly met": the official fraction is unknown [U], ours is a placeholder.
            base["provisional"] = True
        return _scored(spec, base, fraction)
    if kind == "pass_fail":
        if answer.passed is None:
            return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
        return _scored(spec, base, ONE if answer.passed else ZERO)

    try:
        value, computed = indicator_value(spec, answer)
    except FormulaError as exc:
        return IndicatorResult(status=Status.CANNOT_SCORE, points=ZERO, computed=True, reason=str(exc), **base)
    if value is None:
        return IndicatorResult(status=Status.UNANSWERED, points=ZERO, **base)
    unit = spec.unit
    if answer.sector is not None and spec.formula:
        unit = f"{FORMULAS[spec.formula].numerator_unit}/{denominator(answer.sector.unit)}"
    base |= {"value": value, "computed": computed, "unit": unit}

    if kind == "count":
        target = Decimal(str(spec.rule.get("target", 1)))
        return _scored(spec, base, clamp(value / target))
    if kind == "bands":
        return _scored(spec, base, band_fraction(value, spec.rule.get("bands", [])))

    try:
        limits = thresholds_for(spec, answer)
    except UnitMismatch as exc:
        return IndicatorResult(status=Status.CANNOT_SCORE, points=ZERO, reason=str(exc), **base)
    if limits is None or limits.leading is None or limits.benchmark is None:
        return IndicatorResult(status=Status.CANNOT_SCORE, points=ZERO, reason=gettext_noop("no leading or benchmark value"), **base)
    fraction = linear_fraction(value, leading=limits.leading, benchmark=limits.benchmark, reverse=kind == "reverse_quant")
    base |= {
        "leading": limits.leading,
        "benchmark": limits.benchmark,
        "values_from": limits.source,
        "user_supplied": limits.source == "user",
        "provisional": spec.provisional or limits.provisional,
        "reason": limits.reason,
    }
    return _scored(spec, base, fraction)


def _scored(spec: IndicatorSpec, base: dict[str, Any], fraction: Decimal) -> IndicatorResult:
    return IndicatorResult(status=status_for(fraction), points=spec.points * fraction, fraction=fraction, **base)


# --- The scorecard -------------------------------------------------------------------------


def score(
    criteria: CriteriaSpec,
    answers: Mapping[str, AnswerData],
    *,
    reference: Decimal | None = None,
    force_met: Iterable[str] = (),
) -> Scorecard:
    forced = frozenset(force_met)
    gates = tuple(
        GateResult(g.code, g.kind, answers[g.code].passed if g.code in answers else None, g.text_zh, g.text_en)
        for g in criteria.gates
    )
    results: list[IndicatorResult] = []
    categories: list[CategoryResult] = []
    for category in criteria.categories:
        scored = [score_indicator(i, category.code, answers.get(i.code), force_met=i.code in forced) for i in category.indicators]
        results.extend(scored)
        categories.append(_category_result(category, scored, criteria.na_rule))

    full_weight = sum((c.weight for c in criteria.categories), ZERO)
    available = sum((c.maximum for c in categories), ZERO)
    earned = sum((c.points for c in categories), ZERO)
    if criteria.na_rule == "renormalise" and available and available != full_weight:
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
        provisional=criteria.provisional or any(i.provisional for i in results),
    )


def _category_result(category: CategorySpec, scored: list[IndicatorResult], na_rule: str) -> CategoryResult:
    raw_points = sum((r.points for r in scored), ZERO)
    raw_maximum = sum((r.maximum for r in scored), ZERO)
    if na_rule == "renormalise" and raw_maximum:
        # N/A indicators leave; the remaining ones fill the category's weight.
        scale = category.weight / raw_maximum
        return CategoryResult(category.code, category.weight, raw_points * scale, category.weight, raw_points, raw_maximum)
    return CategoryResult(category.code, category.weight, raw_points, raw_maximum, raw_points, raw_maximum)


def _verdict(
    criteria: CriteriaSpec,
    gates: tuple[GateResult, ...],
    results: list[IndicatorResult],
    total: Decimal,
    reference: Decimal | None,
) -> tuple[Verdict, str, str, bool]:
    if any(g.passed is False for g in gates):
        return Verdict.NOT_ELIGIBLE, "", "", False
    open_required = any(g.passed is None for g in gates)
    if criteria.rating == "all_pass":
        if any(r.status == Status.NOT_MET for r in results):
            return Verdict.FAIL, "", "", False
        if open_required or any(r.status in (Status.UNANSWERED, Status.CANNOT_SCORE) for r in results):
            return Verdict.INCOMPLETE, "", "", False
        return Verdict.PASS, "", "", False
    if open_required:
        return Verdict.INCOMPLETE, "", "", False
    if criteria.rating in ("stars", "bands"):
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


def what_if(criteria: CriteriaSpec, answers: Mapping[str, AnswerData], codes: Iterable[str], *, reference: Decimal | None = None) -> Scorecard:
    """The scorecard if the given indicators were fully met."""
    return score(criteria, answers, reference=reference, force_met=codes)


def top_actions(criteria: CriteriaSpec, answers: Mapping[str, AnswerData], *, limit: int = 5, reference: Decimal | None = None) -> list[tuple[IndicatorResult, Decimal]]:
    """The unmet indicators whose full compliance would raise the total most, with the gain."""
    base = score(criteria, answers, reference=reference)
    gains = []
    for result in base.gaps():
        if result.status == Status.NA:
            continue
        gain = what_if(criteria, answers, [result.code], reference=reference).total - base.total
        if gain > 0:
            gains.append((result, gain))
    gains.sort(key=lambda pair: (-pair[1], pair[0].code))
    return gains[:limit]
