from typing import Any

from django import template

from greenmfg.bilingual import pick, unit_label

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """`{{ indicator|tr:"name" }}` shows name_zh or name_en for the active language."""
    return pick(obj, field)


@register.filter
def unit(value: str | None) -> str:
    """`{{ item.unit|unit }}`: the unit's words (product unit, 10k CNY, …) in the active language."""
    return unit_label(value)
