"""Numbers on the pages as the PDF report prints them: the report's own precision rules, one per kind.

points: two decimals (as the engine rounds); measure: an indicator value or yardstick in its unit
(rates one decimal, everything else three significant figures). See assessment.reports.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from assessment.reports import measure_text, points_text

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def points(value: Any) -> str:
    return points_text(_decimal(value))


@register.filter
def measure(value: Any, unit: str = "") -> str:
    return measure_text(_decimal(value), unit or "")
