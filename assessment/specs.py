"""Between the database and the scoring engine: criteria and answers as plain data.

- `criteria_data(criteria_set)` → a JSON-able dict (what a snapshot stores, what export writes);
  `criteria_spec(data)` → the engine's CriteriaSpec.
- The answers JSON format (documented in README, "Answers JSON format"):

    {"criteria_set": "<code>",
     "gates": {"B1": true, ...},
     "indicators": {"F01": {"inputs": {"E": "1200", "Q": "15000"}, "sector_value": "<key>"},
                    "F03": {"inputs": {...}, "leading": "30", "benchmark": "10", "values_source": "..."},
                    "F04": {"count": 9}, "F09": {"choice": "met"}, "F10": {"na": true, "na_reason": "..."},
                    "D01": {"passed": true}, "F07": {"value": "92.5"}}}

  `parse_answers(data, ...)` validates it and raises AnswersError naming the offending key.
"""

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from assessment.formulas import accepted_inputs
from assessment.scoring import AnswerData, CategorySpec, CriteriaSpec, GateSpec, IndicatorSpec, SectorRef
from assessment.vocabulary import Choice, NaRule

CHOICES = frozenset(Choice.values)
NOT_INPUTS = frozenset({"options", "why"})  # keys of Answer.inputs that hold no formula figure
# The top-level keys of an answers document (docs/answers-format.md).
DOCUMENT_KEYS = frozenset({"criteria_set", "gates", "indicators", "company", "year", "note"})
# The keys of one indicator's answer in the JSON format (export, import, `score_answers`, snapshots), in the
# order the spreadsheet export shows them as columns: "options" are the ticked options of a count indicator.
ANSWER_KEYS = (
    "value",
    "choice",
    "count",
    "options",
    "passed",
    "na",
    "na_reason",
    "leading",
    "benchmark",
    "values_source",
    "sector_value",
    "comment",
    "consultant_note",
)
# The formula's figures and why one replaces the data sheet's (kept by import, not used in scoring) are
# columns of their own in the spreadsheet (input:X, why:X).
INDICATOR_KEYS = frozenset({*ANSWER_KEYS, "inputs", "input_reasons"})


class AnswersError(ValueError):
    """An answers file that cannot be scored; the message names the offending key."""


# --- Criteria ---------------------------------------------------------------------------------


def criteria_data(criteria_set: Any) -> dict[str, Any]:
    """A criteria set (with gates, categories and indicators) as plain, JSON-able data."""
    categories = []
    for category in criteria_set.categories.all():
        indicators = [
            {
                "code": i.code,
                "parent": i.parent.code if i.parent_id else None,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "indicator_type": i.indicator_type,
                "points": str(i.points),
                "required": i.required,
                "allows_na": i.allows_na,
                "unit": i.unit,
                "formula": i.formula,
                "rule": i.rule,
                "uses_sector_values": i.uses_sector_values,
                "provisional": i.provisional,
                "recommendation_zh": i.recommendation_zh,
                "recommendation_en": i.recommendation_en,
            }
            for i in category.indicators.all()
        ]
        categories.append(
            {
                "code": category.code,
                "name_zh": category.name_zh,
                "name_en": category.name_en,
                "weight": str(category.weight),
                "indicators": indicators,
            }
        )
    return {
        "code": criteria_set.code,
        "version": criteria_set.version,
        "area": criteria_set.area,
        "rating": criteria_set.rating,
        "rating_bands": criteria_set.rating_bands,
        "na_rule": criteria_set.na_rule,
        "provisional": criteria_set.provisional,
        "gates": [
            {"code": g.code, "kind": g.kind, "text_zh": g.text_zh, "text_en": g.text_en}
            for g in criteria_set.gates.all()
        ],
        "categories": categories,
    }


def criteria_spec(data: Mapping[str, Any]) -> CriteriaSpec:
    parents = {i["parent"] for c in data["categories"] for i in c["indicators"] if i.get("parent")}
    categories = tuple(
        CategorySpec(
            code=c["code"],
            weight=Decimal(c["weight"]),
            name_zh=c.get("name_zh", ""),
            name_en=c.get("name_en", ""),
            # A level-2 indicator with level-3 children is a heading: its children are scored.
            indicators=tuple(
                IndicatorSpec(
                    code=i["code"],
                    indicator_type=i["indicator_type"],
                    points=Decimal(i["points"]),
                    required=i.get("required", True),
                    allows_na=i.get("allows_na", False),
                    unit=i.get("unit", ""),
                    formula=i.get("formula", ""),
                    rule=i.get("rule") or {},
                    uses_sector_values=i.get("uses_sector_values", False),
                    provisional=i.get("provisional", False),
                    name_zh=i.get("name_zh", ""),
                    name_en=i.get("name_en", ""),
                    recommendation_zh=i.get("recommendation_zh", ""),
                    recommendation_en=i.get("recommendation_en", ""),
                )
                for i in c["indicators"]
                if i["code"] not in parents
            ),
        )
        for c in data["categories"]
    )
    return CriteriaSpec(
        code=data["code"],
        version=data.get("version", ""),
        rating=data["rating"],
        rating_bands=tuple(data.get("rating_bands") or ()),
        na_rule=data.get("na_rule", NaRule.RENORMALISE),
        provisional=data.get("provisional", False),
        gates=tuple(GateSpec(g["code"], g["kind"], g.get("text_zh", ""), g.get("text_en", "")) for g in data["gates"]),
        categories=categories,
    )


# --- Sector values ----------------------------------------------------------------------------


def library_label(sector_value: Any) -> str:
    """ "<library> (<source>): " for a row of a consultancy's or company's library, else ""."""
    if not sector_value.library_id:
        return ""
    library = sector_value.library
    return f"{library.name_en} ({library.source}): "


def sector_ref(sector_value: Any) -> SectorRef:
    return SectorRef(
        key=sector_value.key,
        unit=sector_value.unit,
        leading=sector_value.leading,
        benchmark=sector_value.benchmark,
        limit=sector_value.limit,
        official=sector_value.is_official,
        label=library_label(sector_value) + f"{sector_value.standard_edition} {sector_value.product_en}",
        sector=sector_value.sector.code if sector_value.sector_id else "",
        edition=sector_value.standard_edition,
        in_force=sector_value.in_force,
        superseded=sector_value.superseded,
    )


def sector_ref_data(ref: SectorRef) -> dict[str, Any]:
    return {
        "key": ref.key,
        "unit": ref.unit,
        "leading": _str(ref.leading),
        "benchmark": _str(ref.benchmark),
        "limit": _str(ref.limit),
        "official": ref.official,
        "label": ref.label,
        # what the engine's sector and edition checks read, so a re-scored snapshot warns as its draft did
        "sector": ref.sector,
        "edition": ref.edition,
        "in_force": ref.in_force.isoformat() if ref.in_force else None,
        "superseded": ref.superseded.isoformat() if ref.superseded else None,
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- Answers ----------------------------------------------------------------------------------


def answer_data(row: Any, sector_value: Any = None) -> AnswerData:
    """A stored answer (an Answer or a named row of its columns) with the sector value row it uses, if any
    (with its sector and library selected), as engine input."""
    return AnswerData(
        value=row.value,
        inputs={k: Decimal(str(v)) for k, v in row.inputs.items() if v not in (None, "") and k not in NOT_INPUTS}
        if row.inputs
        else {},
        choice=row.choice,
        count=row.count,
        passed=row.passed,
        na=row.na,
        na_reason=row.na_reason,
        leading=row.leading,
        benchmark=row.benchmark,
        values_source=row.values_source,
        sector=sector_ref(sector_value) if sector_value is not None else None,
    )


def answers_to_json(
    criteria_code: str,
    answers: Mapping[str, AnswerData],
    *,
    gate_codes: set[str],
    notes: Mapping[str, Mapping[str, str]] | None = None,
    embed_sector: bool = False,
) -> dict[str, Any]:
    """Engine answers back to the JSON format; `embed_sector` stores the full sector value (snapshots)."""
    gates: dict[str, Any] = {}
    indicators: dict[str, Any] = {}
    for code, a in sorted(answers.items()):
        if code in gate_codes:
            gates[code] = a.passed
            continue
        item: dict[str, Any] = {}
        if a.value is not None:
            item["value"] = str(a.value)
        if a.inputs:
            item["inputs"] = {k: str(v) for k, v in a.inputs.items()}
        if a.choice:
            item["choice"] = a.choice
        if a.count is not None:
            item["count"] = a.count
        if a.passed is not None:
            item["passed"] = a.passed
        if a.na:
            item["na"] = True
            item["na_reason"] = a.na_reason
        if a.leading is not None:
            item["leading"] = str(a.leading)
        if a.benchmark is not None:
            item["benchmark"] = str(a.benchmark)
        if a.values_source:
            item["values_source"] = a.values_source
        if a.sector is not None:
            item["sector_value"] = sector_ref_data(a.sector) if embed_sector else a.sector.key
        item.update({k: v for k, v in (notes or {}).get(code, {}).items() if v})
        indicators[code] = item
    return {"criteria_set": criteria_code, "gates": gates, "indicators": indicators}


def _decimal(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise AnswersError(f"{where}: expected a number, got {raw!r}")
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise AnswersError(f"{where}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise AnswersError(f"{where}: {raw!r} is not a finite number")
    return value


def parse_answers(
    data: Any,
    criteria: CriteriaSpec,
    *,
    sector_lookup: Callable[[str], SectorRef | None] | None = None,
) -> dict[str, AnswerData]:
    """Validate an answers document against a criteria spec; errors name the offending key."""
    if not isinstance(data, dict):
        raise AnswersError("the file must contain a JSON object")
    if data.get("criteria_set") != criteria.code:
        raise AnswersError(f"criteria_set: expected {criteria.code!r}, got {data.get('criteria_set')!r}")
    unknown_top = set(data) - DOCUMENT_KEYS
    if unknown_top:
        raise AnswersError(f"{sorted(unknown_top)[0]}: unknown key")
    gate_codes = {g.code for g in criteria.gates}
    specs = {i.code: i for i in criteria.indicators()}
    answers: dict[str, AnswerData] = {}

    gates = data.get("gates", {})
    if not isinstance(gates, dict):
        raise AnswersError("gates: expected an object of gate code → true/false")
    for code, passed in gates.items():
        if code not in gate_codes:
            raise AnswersError(f"gates.{code}: no such gate in {criteria.code}")
        if passed is not None and not isinstance(passed, bool):
            raise AnswersError(f"gates.{code}: expected true, false or null, got {passed!r}")
        answers[code] = AnswerData(passed=passed)

    indicators = data.get("indicators", {})
    if not isinstance(indicators, dict):
        raise AnswersError("indicators: expected an object of indicator code → answer")
    for code, item in indicators.items():
        where = f"indicators.{code}"
        spec = specs.get(code)
        if spec is None:
            raise AnswersError(f"{where}: no such indicator in {criteria.code}")
        if not isinstance(item, dict):
            raise AnswersError(f"{where}: expected an object")
        unknown = set(item) - INDICATOR_KEYS
        if unknown:
            raise AnswersError(f"{where}.{sorted(unknown)[0]}: unknown key")
        answers[code] = _parse_indicator(item, spec, where, sector_lookup)
    return answers


def _parse_indicator(
    item: Mapping[str, Any], spec: IndicatorSpec, where: str, sector_lookup: Callable[[str], SectorRef | None] | None
) -> AnswerData:
    fields: dict[str, Any] = {}
    if "value" in item and item["value"] is not None:
        fields["value"] = _decimal(item["value"], f"{where}.value")
    if "inputs" in item:
        fields["inputs"] = _parse_inputs(item["inputs"], spec, where)
    if item.get("choice"):
        if item["choice"] not in CHOICES:
            raise AnswersError(f"{where}.choice: expected one of {sorted(CHOICES)}, got {item['choice']!r}")
        fields["choice"] = item["choice"]
    if "count" in item and item["count"] is not None:
        count = item["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AnswersError(f"{where}.count: expected a whole number ≥ 0, got {count!r}")
        fields["count"] = count
    if item.get("options") is not None:
        fields["count"] = _ticked_count(item["options"], fields.get("count"), spec, where)
    if "passed" in item and item["passed"] is not None:
        if not isinstance(item["passed"], bool):
            raise AnswersError(f"{where}.passed: expected true or false")
        fields["passed"] = item["passed"]
    if item.get("na"):
        if not spec.allows_na:
            raise AnswersError(f"{where}.na: this indicator cannot be marked N/A")
        if not str(item.get("na_reason", "")).strip():
            raise AnswersError(f"{where}.na_reason: a reason is required for N/A")
        fields["na"] = True
        fields["na_reason"] = str(item["na_reason"]).strip()
    for key in ("leading", "benchmark"):
        if item.get(key) is not None:
            fields[key] = _decimal(item[key], f"{where}.{key}")
    if ("leading" in fields) != ("benchmark" in fields):
        raise AnswersError(f"{where}: leading and benchmark must be given together")
    if "leading" in fields and not str(item.get("values_source", "")).strip():
        raise AnswersError(f"{where}.values_source: say where your leading and benchmark values come from")
    if item.get("values_source"):
        fields["values_source"] = str(item["values_source"])
    if item.get("sector_value"):
        fields["sector"] = _parse_sector(item["sector_value"], where, sector_lookup)
    return AnswerData(**fields)


def _ticked_count(options: Any, count: int | None, spec: IndicatorSpec, where: str) -> int:
    """The count of an indicator answered by ticking its listed options, as the JSON export writes it (the
    options with the count); a count given with them must agree."""
    listed = spec.listed_options
    if not listed:
        raise AnswersError(f"{where}.options: this indicator has no options to tick")
    if not isinstance(options, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(listed) for i in options
    ):
        raise AnswersError(f"{where}.options: expected a list of option numbers 0–{len(listed) - 1}")
    ticked = len(set(options))
    if count is not None and count != ticked:
        raise AnswersError(f"{where}.count: {count} does not match the {ticked} ticked options")
    return ticked


def _parse_inputs(raw_inputs: Any, spec: IndicatorSpec, where: str) -> dict[str, Decimal]:
    if not isinstance(raw_inputs, dict):
        raise AnswersError(f"{where}.inputs: expected an object")
    allowed = accepted_inputs(spec.formula)  # with the Annex B per-output alternative (G)
    inputs = {}
    for key, raw in raw_inputs.items():
        if key not in allowed:
            raise AnswersError(f"{where}.inputs.{key}: not an input of this indicator's formula")
        value = _decimal(raw, f"{where}.inputs.{key}")
        if value < 0 and not allowed[key].allow_negative:
            raise AnswersError(f"{where}.inputs.{key}: must not be negative")
        inputs[key] = value
    return inputs


def _parse_sector(sector: Any, where: str, sector_lookup: Callable[[str], SectorRef | None] | None) -> SectorRef:
    """A sector value embedded in the document (snapshots), or a key looked up."""
    if isinstance(sector, dict):
        return SectorRef(
            key=sector["key"],
            unit=sector["unit"],
            leading=_opt(sector.get("leading")),
            benchmark=_opt(sector.get("benchmark")),
            limit=_opt(sector.get("limit")),
            official=sector.get("official", True),
            label=sector.get("label", ""),
            sector=sector.get("sector", ""),
            edition=sector.get("edition", ""),
            in_force=_opt_date(sector.get("in_force")),
            superseded=_opt_date(sector.get("superseded")),
        )
    ref = sector_lookup(sector) if sector_lookup else None
    if ref is None:
        raise AnswersError(f"{where}.sector_value: unknown sector value {sector!r}")
    return ref


def _opt_date(raw: Any) -> date | None:
    """An ISO date written by `sector_ref_data`; absent (older snapshots) or unreadable is none."""
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _opt(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))
