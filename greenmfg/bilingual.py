"""Content fields stored in both languages as `<name>_zh` and `<name>_en`."""

import re
from typing import Any

from django.utils.translation import get_language, gettext_lazy


def is_chinese(language: str | None = None) -> bool:
    return (language or get_language() or "zh-hans").lower().startswith("zh")


def pick(obj: Any, field: str, language: str | None = None) -> str:
    """The value of `field` in the active (or given) language, falling back to the other."""
    zh = getattr(obj, f"{field}_zh", "") if not isinstance(obj, dict) else obj.get(f"{field}_zh", "")
    en = getattr(obj, f"{field}_en", "") if not isinstance(obj, dict) else obj.get(f"{field}_en", "")
    first, second = (zh, en) if is_chinese(language) else (en, zh)
    return first or second or ""


# Units are stored in English (the scoring engine compares them); these words are shown translated.
# Symbols (t, tce, kgce, m³, kWh, …) are the same in both languages.
UNIT_WORDS = {
    "product unit": gettext_lazy("product unit"),
    "material unit": gettext_lazy("material unit"),
    "100M CNY": gettext_lazy("100M CNY"),
    "10k CNY": gettext_lazy("10k CNY"),
    "CNY": gettext_lazy("CNY"),
    "person": gettext_lazy("person"),
    "count": gettext_lazy("count"),
    "weight case": gettext_lazy("weight case"),
    "energy factor": gettext_lazy("energy factor"),
}
_UNIT_WORD = re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True)) + r")(?![\w])")


def unit_label(unit: str | None) -> str:
    """A unit such as "tce/product unit" in the active language."""
    return _UNIT_WORD.sub(lambda m: str(UNIT_WORDS[m.group(1)]), unit or "")
