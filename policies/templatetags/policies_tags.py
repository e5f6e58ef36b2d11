from typing import Any

from django import template

from policies.models import Mark

register = template.Library()


@register.filter
def lines(text: str) -> list[str]:
    """Non-empty lines of a `points_*` / `measures_*` field, for `{% for p in obj|tr:"points"|lines %}`."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.inclusion_tag("policies/_mark.html")
def mark(obj: Any) -> dict[str, Any]:
    """The confidence mark of a content row as a badge; verified rows get a quiet badge."""
    value = getattr(obj, "mark", "") or ""
    return {"value": value, "label": Mark(value).label if value in Mark.values else ""}
