"""Reference-value libraries kept by their owners in the app: which indicators a row can serve, whether its unit
can be compared with the indicator's, and retiring a row without breaking the answers that chose it.

A consultancy's consultants keep the consultancy's libraries; a company's owners and editors keep the company's.
Platform libraries are kept by staff in the admin. A retired row is no longer offered (its `superseded` date is
set), but answers that chose it keep it, so their scores do not change behind the user's back.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessment.formulas import FORMULAS, UnitMismatch, conversion_factor
from assessment.models import CriteriaSet, Indicator, Library, SectorValue
from assessment.vocabulary import QUANTITATIVE, FocusArea


@dataclass(frozen=True)
class Target:
    """An indicator a library row can give leading and benchmark values for."""

    area: str
    code: str
    indicator_type: str
    unit: str
    formula: str
    name_zh: str
    name_en: str

    @property
    def key(self) -> str:
        return f"{self.area}:{self.code}"


def targets() -> dict[str, Target]:
    """The quantitative indicators of the latest published criteria set of every area, by "area:code"."""
    sets = [cs for area, _label in FocusArea.choices if (cs := CriteriaSet.objects.latest_published(area))]
    rows = Indicator.objects.filter(
        category__criteria_set__in=sets, indicator_type__in=QUANTITATIVE, children__isnull=True
    ).select_related("category__criteria_set")
    found = (
        Target(r.category.criteria_set.area, r.code, r.indicator_type, r.unit, r.formula, r.name_zh, r.name_en)
        for r in rows.order_by("category__criteria_set__area", "category__order", "order")
    )
    return {t.key: t for t in found}


def unit_problem(target: Target, unit: str) -> str:
    """A message when values in `unit` cannot be compared with the indicator's figures, else ""."""
    formula = FORMULAS.get(target.formula)
    if formula is not None and not formula.is_rate:
        try:
            conversion_factor(unit, formula.numerator_unit)
        except UnitMismatch:
            return _("Values in %(unit)s cannot be compared with this indicator (%(expected)s).") % {
                "unit": unit,
                "expected": target.unit,
            }
        return ""
    expected = "%" if formula is not None else target.unit
    if unit != expected:
        return _("This indicator is in %(expected)s: give the values in %(expected)s.") % {"expected": expected}
    return ""


def new_row_key(library: Library, code: str) -> str:
    return f"lib-{library.pk}-{code.lower()}-{uuid.uuid4().hex[:10]}"


def retire(row: SectorValue, today: datetime.date) -> None:
    """No longer offered from today; answers that chose the row keep it."""
    row.superseded = today
    row.save(update_fields=["superseded"])


def is_retired(row: SectorValue, today: datetime.date) -> bool:
    return row.superseded is not None and row.superseded <= today
