"""Is a criteria set fit to publish? Plain checks on `specs.criteria_data` output; no ORM.

`validate_criteria(data)` returns the list of problems (empty = publishable). Each message names
the code it is about so an admin can find it, in the active language (staff read them in the admin).
"""

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from assessment.formulas import FORMULAS
from assessment.vocabulary import Choice, GateKind, IndicatorType, Rating

TYPES = frozenset(IndicatorType.values)
RATINGS = frozenset(Rating.values)
CHOICES = frozenset(Choice.values)
# Ratings whose total is a sum of points: category weights must equal their indicators' points
# and add up to 100. "all_pass" only asks whether every indicator passes.
ADDITIVE_RATINGS = {Rating.RELATIVE, Rating.STARS, Rating.BANDS}
FULL_SCORE = Decimal(100)
GATE_KINDS = frozenset(GateKind.values)
UNCERTAIN = "U"


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def validate_criteria(data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    rating = data.get("rating")
    if rating not in RATINGS:
        problems.append(_("rating: unknown rating rule %(rating)r") % {"rating": rating})

    gates = data.get("gates") or []
    categories = data.get("categories") or []
    indicators = [i for c in categories for i in c.get("indicators", [])]
    if not categories:
        problems.append(_("the set has no categories"))
    if not indicators:
        problems.append(_("the set has no indicators"))

    problems.extend(_code_and_gate_problems(gates, categories, indicators))

    parents = {i["parent"] for i in indicators if i.get("parent")}
    total = Decimal(0)
    for category in categories:
        ccode = category["code"]
        weight = _number(category.get("weight"))
        if weight is None or weight < 0:
            problems.append(
                _("category %(code)s: weight %(weight)r is not a number ≥ 0")
                % {"code": ccode, "weight": category.get("weight")}
            )
            weight = Decimal(0)
        total += weight
        if not (category.get("name_zh") or "").strip() or not (category.get("name_en") or "").strip():
            problems.append(_("category %(code)s: name is needed in both Chinese and English") % {"code": ccode})
        own = {i["code"] for i in category.get("indicators", [])}
        points_sum = Decimal(0)
        scored = 0
        for item in category.get("indicators", []):
            if item.get("parent") and item["parent"] not in own:
                problems.append(
                    _("%(code)s: parent %(parent)s is not an indicator of category %(category)s")
                    % {"code": item["code"], "parent": item["parent"], "category": ccode}
                )
            if item["code"] in parents:
                continue  # a heading: its level-3 children carry the points
            scored += 1
            problems.extend(_indicator_problems(item))
            points_sum += _number(item.get("points")) or Decimal(0)
        if not scored:
            problems.append(_("category %(code)s: no scored indicators") % {"code": ccode})
        if rating in ADDITIVE_RATINGS and points_sum != weight:
            problems.append(
                _("category %(code)s: weight %(weight)s ≠ sum of its indicators' points %(points)s")
                % {"code": ccode, "weight": f"{weight.normalize():f}", "points": f"{points_sum.normalize():f}"}
            )
    if rating in ADDITIVE_RATINGS and categories and total != FULL_SCORE:
        problems.append(_("the category weights add up to %(total)s, not 100") % {"total": f"{total.normalize():f}"})
    if rating in (Rating.STARS, Rating.BANDS):
        problems.extend(_band_problems(data.get("rating_bands")))
    return problems


def _code_and_gate_problems(
    gates: list[Mapping[str, Any]], categories: list[Mapping[str, Any]], indicators: list[Mapping[str, Any]]
) -> list[str]:
    """Codes used twice, gates without text in both languages or of an unknown kind."""
    problems = []
    codes = Counter([g["code"] for g in gates] + [i["code"] for i in indicators])
    for code, n in sorted(codes.items()):
        if n > 1:
            problems.append(
                _("%(code)s: code used %(n)d times (gate and indicator codes must be unique within a set)")
                % {"code": code, "n": n}
            )
    for code, n in sorted(Counter(c["code"] for c in categories).items()):
        if n > 1:
            problems.append(_("category %(code)s: code used %(n)d times") % {"code": code, "n": n})
    for g in gates:
        if not (g.get("text_zh") or "").strip() or not (g.get("text_en") or "").strip():
            problems.append(_("%(code)s: gate text is needed in both Chinese and English") % {"code": g["code"]})
        if g.get("kind") not in GATE_KINDS:
            problems.append(_("%(code)s: unknown gate kind %(kind)r") % {"code": g["code"], "kind": g.get("kind")})
    return problems


def _indicator_problems(item: Mapping[str, Any]) -> list[str]:
    code = item["code"]
    kind = item.get("indicator_type")
    rule = item.get("rule") or {}
    problems: list[str] = []
    if kind not in TYPES:
        return [_("%(code)s: unknown indicator type %(kind)r") % {"code": code, "kind": kind}]
    if not (item.get("name_zh") or "").strip() or not (item.get("name_en") or "").strip():
        problems.append(_("%(code)s: name is needed in both Chinese and English") % {"code": code})
    points = _number(item.get("points"))
    if points is None or points <= 0:
        problems.append(_("%(code)s: points must be a number > 0") % {"code": code})
    formula = item.get("formula") or ""
    if formula and formula not in FORMULAS:
        problems.append(_("%(code)s: unknown formula %(formula)r") % {"code": code, "formula": formula})
    if not isinstance(rule, Mapping):
        return [*problems, _("%(code)s: rule must be an object") % {"code": code}]

    return problems + RULE_CHECKS.get(kind, _no_rule_problems)(code, item, rule)


def _no_rule_problems(code: str, item: Mapping[str, Any], rule: Mapping[str, Any]) -> list[str]:
    return []


def _quantitative_rule_problems(code: str, item: Mapping[str, Any], rule: Mapping[str, Any]) -> list[str]:
    problems = []
    kind = item.get("indicator_type")
    has_defaults = "leading" in rule and "benchmark" in rule
    leading, benchmark = (_number(rule["leading"]), _number(rule["benchmark"])) if has_defaults else (None, None)
    if has_defaults and (leading is None or benchmark is None):
        problems.append(_("%(code)s: rule leading/benchmark must be numbers") % {"code": code})
    elif leading is not None and benchmark is not None:
        reverse = kind == IndicatorType.REVERSE_QUANT
        if (reverse and leading > benchmark) or (not reverse and leading < benchmark):
            wrong_way = (
                _("%(code)s: leading %(leading)s and benchmark %(benchmark)s are the wrong way round (lower is better)")
                if reverse
                else _(
                    "%(code)s: leading %(leading)s and benchmark %(benchmark)s are the wrong way round "
                    "(higher is better)"
                )
            )
            problems.append(wrong_way % {"code": code, "leading": leading, "benchmark": benchmark})
    if not (has_defaults or item.get("uses_sector_values") or rule.get("user_values")):
        problems.append(
            _(
                "%(code)s: quantitative indicator without a rule: give leading and benchmark in the rule, "
                'use sector values, or set "user_values": true'
            )
            % {"code": code}
        )
    return problems


def _count_rule_problems(code: str, item: Mapping[str, Any], rule: Mapping[str, Any]) -> list[str]:
    problems = []
    target = rule.get("target")
    if isinstance(target, bool) or not isinstance(target, int) or target <= 0:
        problems.append(_("%(code)s: count rule needs a whole-number target > 0") % {"code": code})
    options_zh, options_en = rule.get("options_zh"), rule.get("options_en")
    if options_zh is not None or options_en is not None:
        if not isinstance(options_zh, list) or not isinstance(options_en, list) or len(options_zh) != len(options_en):
            problems.append(_("%(code)s: options_zh and options_en must be lists of the same length") % {"code": code})
        elif isinstance(target, int) and target > len(options_zh):
            problems.append(
                _("%(code)s: target %(target)s is more than the %(n)d options")
                % {"code": code, "target": target, "n": len(options_zh)}
            )
        elif rule.get("max") is not None and rule.get("max") != len(options_zh):
            problems.append(
                _("%(code)s: max %(max)r differs from the %(n)d options")
                % {"code": code, "max": rule.get("max"), "n": len(options_zh)}
            )
    return problems


def _bands_rule_problems(code: str, item: Mapping[str, Any], rule: Mapping[str, Any]) -> list[str]:
    bands = rule.get("bands")
    if not isinstance(bands, list) or not bands:
        return [_("%(code)s: bands rule needs a non-empty list of bands") % {"code": code}]
    problems = []
    for n, band in enumerate(bands, start=1):
        fraction = _number(band.get("fraction")) if isinstance(band, Mapping) else None
        if fraction is None or not 0 <= fraction <= 1:
            problems.append(_("%(code)s: band %(n)d needs a fraction between 0 and 1") % {"code": code, "n": n})
            continue
        for key in ("min", "max"):
            if band.get(key) is not None and _number(band[key]) is None:
                problems.append(_("%(code)s: band %(n)d %(key)s is not a number") % {"code": code, "n": n, "key": key})
        if band.get("min") is None and band.get("max") is None:
            problems.append(_("%(code)s: band %(n)d needs a min or a max") % {"code": code, "n": n})
    return problems


def _qualitative_rule_problems(code: str, item: Mapping[str, Any], rule: Mapping[str, Any]) -> list[str]:
    problems = []
    fractions = rule.get("fractions")
    if fractions is not None:
        if not isinstance(fractions, Mapping) or set(fractions) != CHOICES:
            problems.append(_("%(code)s: fractions must give met, partly and not_met") % {"code": code})
        elif any(_number(v) is None or not 0 <= (_number(v) or 0) <= 1 for v in fractions.values()):
            problems.append(_("%(code)s: fractions must be numbers between 0 and 1") % {"code": code})
    if not set(rule.get("provisional_choices", [])) <= CHOICES:
        problems.append(_("%(code)s: provisional_choices must be among met, partly, not_met") % {"code": code})
    if rule.get("coverage") and item.get("formula") != "share":
        problems.append(_('%(code)s: a coverage rule needs the "share" formula (part and total)') % {"code": code})
    return problems


RULE_CHECKS = {
    IndicatorType.POSITIVE_QUANT: _quantitative_rule_problems,
    IndicatorType.REVERSE_QUANT: _quantitative_rule_problems,
    IndicatorType.COUNT: _count_rule_problems,
    IndicatorType.BANDS: _bands_rule_problems,
    IndicatorType.POSITIVE_QUAL: _qualitative_rule_problems,
    IndicatorType.REVERSE_QUAL: _qualitative_rule_problems,
}


def mark_problems(criteria_set: Mapping[str, Any], items: list[Mapping[str, Any]]) -> list[str]:
    """Items marked uncertain [U] must be flagged provisional, or results would look official.

    `criteria_set` and each of `items` (indicators) give "code", "mark" and "provisional".
    """
    problems = []
    if criteria_set.get("mark") == UNCERTAIN and not criteria_set.get("provisional"):
        problems.append(
            _("%(code)s: the set is marked uncertain [U] but not provisional") % {"code": criteria_set.get("code")}
        )
    for item in items:
        if item.get("mark") == UNCERTAIN and not item.get("provisional"):
            problems.append(_("%(code)s: marked uncertain [U] but not provisional") % {"code": item.get("code")})
    return problems


def _band_problems(bands: Any) -> list[str]:
    if not isinstance(bands, list) or not bands:
        return [_("rating_bands: star or score bands are required for this rating rule")]
    problems = []
    previous = None
    for n, band in enumerate(bands, start=1):
        if not isinstance(band, Mapping):
            problems.append(_("rating_bands[%(n)d]: expected an object") % {"n": n})
            continue
        low = _number(band.get("min"))
        if low is None:
            problems.append(_("rating_bands[%(n)d]: min is not a number") % {"n": n})
            continue
        if not band.get("label_zh") or not band.get("label_en"):
            problems.append(_("rating_bands[%(n)d]: label_zh and label_en are required") % {"n": n})
        if previous is not None and low >= previous:
            problems.append(_("rating_bands[%(n)d]: bands must be listed highest first") % {"n": n})
        previous = low
    return problems
