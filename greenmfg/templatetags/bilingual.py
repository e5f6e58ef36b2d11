from typing import Any

from django import template

from greenmfg.bilingual import pick

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """`{{ indicator|tr:"name" }}` shows name_zh or name_en for the active language."""
    return pick(obj, field)
