"""The action plan: per gap of an assessment, what is done, by whom, by when, at what cost and saving,
and the score the company would reach once the planned gaps are met.

A gap is "planned" when it has a priority. The projection is the engine's own what-if over the planned
gaps (`scoring.what_if`) and the figure per gap the engine's `gains`: this module orders, sums and
stores, it never scores. The page (assessment.views.actionplan) and the PDF report both read it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from assessment.models import ActionItem, Assessment
from assessment.scoring import AnswerData, Context, CriteriaSpec, Scorecard, what_if

PRIORITY_ORDER: dict[str, int] = {
    ActionItem.Priority.HIGH: 0,
    ActionItem.Priority.MEDIUM: 1,
    ActionItem.Priority.LOW: 2,
}
PLAN_FIELDS = ("priority", "action", "owner", "due", "cost", "saving")


@dataclass(frozen=True)
class Projection:
    """Today's total and the engine's scorecard once the planned gaps are met."""

    before: Decimal
    card: Scorecard  # the what-if scorecard
    planned: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return self.card.total

    @property
    def maximum(self) -> Decimal:
        return self.card.maximum

    @property
    def gain(self) -> Decimal:
        return self.card.total - self.before


def project(
    spec: CriteriaSpec,
    answers: Mapping[str, AnswerData],
    card: Scorecard,
    planned: Iterable[str],
    *,
    reference: Decimal | None = None,
    context: Context | None = None,
) -> Projection | None:
    """The engine's what-if over the planned codes that are still gaps; None when none is."""
    open_codes = {r.code for r in card.gaps()}
    chosen = tuple(sorted(code for code in planned if code in open_codes))
    if not chosen:
        return None
    after = what_if(spec, answers, chosen, reference=reference, context=context, scored=card)
    return Projection(before=card.total, card=after, planned=chosen)


def sort_key(item: ActionItem) -> tuple[int, date, str]:
    """Planned first by priority, then the earliest due date, then the code."""
    return (PRIORITY_ORDER.get(item.priority, 3), item.due or date.max, item.code)


def plan_items(items: Iterable[ActionItem], card: Scorecard) -> list[ActionItem]:
    """The plan as the page and the report show it: the planned items of indicators that are still gaps, in
    plan order. An item kept for an indicator met since is neither shown nor summed."""
    open_codes = {r.code for r in card.gaps()}
    return sorted((i for i in items if i.planned and i.code in open_codes), key=sort_key)


def totals(items: Iterable[ActionItem]) -> tuple[Decimal | None, Decimal | None]:
    """Summed estimated cost and expected yearly saving of the plan's items (`plan_items`; None when none
    is given)."""
    items = list(items)
    costs = [i.cost for i in items if i.cost is not None]
    savings = [i.saving for i in items if i.saving is not None]
    return (sum(costs, Decimal(0)) if costs else None, sum(savings, Decimal(0)) if savings else None)


def payback_years(cost: Decimal | None, saving: Decimal | None) -> Decimal | None:
    """Simple payback in years, one decimal; None without both figures or without a saving."""
    if cost is None or not saving:
        return None
    return (cost / saving).quantize(Decimal("0.1"))


# --- Storage ------------------------------------------------------------------------------------


def items_for(assessment: Assessment) -> dict[str, ActionItem]:
    return {item.code: item for item in ActionItem.objects.filter(assessment=assessment)}


def is_empty(values: Mapping[str, Any]) -> bool:
    return all(values.get(name) in (None, "") for name in PLAN_FIELDS)


def save_plan(assessment: Assessment, rows: Mapping[str, Mapping[str, Any]], user: Any) -> int:
    """Store the cleaned rows (code → field values): an empty row removes its item. Returns rows kept."""
    kept = 0
    with transaction.atomic():
        existing = items_for(assessment)
        for code, values in rows.items():
            item = existing.get(code)
            if is_empty(values):
                if item is not None:
                    item.delete()
                continue
            item = item or ActionItem(assessment=assessment, code=code)
            for name in PLAN_FIELDS:
                default = "" if name in ("priority", "action", "owner") else None
                setattr(item, name, values.get(name, default))
            item.updated_by = user if getattr(user, "is_authenticated", False) else None
            item.save()
            kept += 1
    return kept


def copy_plan(old: Assessment, new: Assessment) -> None:
    """A new revision starts with the plan of the revision it reopens (call inside its transaction)."""
    ActionItem.objects.bulk_create(
        ActionItem(
            assessment=new, code=item.code, updated_by=item.updated_by, **{n: getattr(item, n) for n in PLAN_FIELDS}
        )
        for item in ActionItem.objects.filter(assessment=old)
    )
