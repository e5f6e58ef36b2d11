"""Criteria-change impact: the same answers scored against another published set of the same area.

Items map by code when the code names the same kind of item (gate / scored indicator) with the same
indicator type and formula, and the answer validates against the other set. Everything else is
listed as unmapped with its reason; indicators of the other set without a mapped answer score as
unanswered there.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assessment.scoring import AnswerData, Context, Scorecard, round_points, score
from assessment.specs import AnswersError, answers_to_json, criteria_spec, parse_answers
from greenmfg.bilingual import pick


@dataclass(frozen=True)
class Unmapped:
    code: str
    name: str
    reason: str  # "missing" (no such item), "changed" (other type or formula), "invalid" (+ detail)
    detail: str = ""


@dataclass(frozen=True)
class ImpactRow:
    code: str
    name: str
    before: Decimal | None  # None: not in the assessment's own set
    after: Decimal | None  # None: not in the other set
    maximum_before: Decimal | None
    maximum_after: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Impact:
    total_before: Decimal
    total_after: Decimal
    maximum_before: Decimal
    maximum_after: Decimal
    verdict_after: str
    rows: list[ImpactRow]
    unmapped: list[Unmapped]
    unanswered: list[str]  # codes of the other set that no answer maps to

    @property
    def difference(self) -> Decimal:
        return self.total_after - self.total_before


def _index(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {g["code"]: {**g, "kind": "gate"} for g in data.get("gates", [])}
    parents = {i.get("parent") for c in data.get("categories", []) for i in c.get("indicators", []) if i.get("parent")}
    for c in data.get("categories", []):
        for i in c.get("indicators", []):
            index[i["code"]] = {**i, "kind": "indicator", "leaf": i["code"] not in parents}
    return index


def carry(
    answers: Mapping[str, AnswerData], *, source: Mapping[str, Any], target: Mapping[str, Any], language: str
) -> tuple[dict[str, AnswerData], list[Unmapped]]:
    """Answers of `source` that map onto `target` by code, and the ones that do not (with a reason)."""
    old, new = _index(source), _index(target)
    spec = criteria_spec(target)
    gate_codes = {g.code for g in spec.gates}
    mapped: dict[str, AnswerData] = {}
    unmapped: list[Unmapped] = []
    for code, answer in sorted(answers.items()):
        before = old.get(code, {"kind": "indicator"})
        after = new.get(code)
        name = pick(before, "name", language) or pick(before, "text", language)
        if after is None or after["kind"] != before["kind"] or (after["kind"] == "indicator" and not after["leaf"]):
            unmapped.append(Unmapped(code, name, "missing"))
            continue
        if after["kind"] == "indicator" and (
            after.get("indicator_type") != before.get("indicator_type")
            or after.get("formula", "") != before.get("formula", "")
        ):
            unmapped.append(Unmapped(code, name, "changed"))
            continue
        try:
            parsed = parse_answers(
                answers_to_json(spec.code, {code: answer}, gate_codes=gate_codes, embed_sector=True), spec
            )
        except AnswersError as exc:
            unmapped.append(Unmapped(code, name, "invalid", str(exc)))
            continue
        mapped[code] = parsed[code]
    return mapped, unmapped


def impact(
    answers: Mapping[str, AnswerData],
    scorecard: Scorecard,
    *,
    source: Mapping[str, Any],
    target: Mapping[str, Any],
    context: Context,
    language: str,
) -> Impact:
    """`scorecard` is the assessment's own; the other set is scored here. Points are rounded as printed."""
    mapped, unmapped = carry(answers, source=source, target=target, language=language)
    card = score(criteria_spec(target), mapped, context=context)
    before = {i.code: i for i in scorecard.indicators}
    after = {i.code: i for i in card.indicators}
    names = {code: pick(item, "name", language) for code, item in {**_index(source), **_index(target)}.items()}
    codes = list(before) + [code for code in after if code not in before]
    rows = [
        ImpactRow(
            code=code,
            name=names.get(code, ""),
            before=round_points(before[code].points) if code in before else None,
            after=round_points(after[code].points) if code in after else None,
            maximum_before=round_points(before[code].maximum) if code in before else None,
            maximum_after=round_points(after[code].maximum) if code in after else None,
        )
        for code in codes
    ]
    return Impact(
        total_before=round_points(scorecard.total),
        total_after=round_points(card.total),
        maximum_before=round_points(scorecard.maximum),
        maximum_after=round_points(card.maximum),
        verdict_after=card.verdict,
        rows=rows,
        unmapped=unmapped,
        unanswered=[code for code in after if code not in mapped],
    )
