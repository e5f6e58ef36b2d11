"""Content fields stored in both languages as `<name>_zh` and `<name>_en`."""

import re
from html import escape
from typing import Any

from django.utils.translation import get_language, gettext_lazy, override


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
_UNIT_WORD = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True)) + r")(?![\w])"
)


def unit_label(unit: str | None) -> str:
    """A unit such as "tce/product unit" in the active language."""
    return _UNIT_WORD.sub(lambda m: str(UNIT_WORDS[m.group(1)]), unit or "")


# --- Free text entered in both languages, and units for print --------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def split_bilingual(text: str, language: str | None = None) -> str:
    """The part of a "中文 / English" entry in the given language; any other text unchanged.

    Single-language fields (a comment, the source of self-set values) hold both languages this way.
    """
    parts = (text or "").split(" / ")
    if len(parts) == 2 and has_cjk(parts[0]) and not has_cjk(parts[1]) and parts[1].strip():
        return (parts[0] if is_chinese(language) else parts[1]).strip()
    return text or ""


# How a unit is printed after a figure. Chinese: the multiplier word is part of the unit (9,600 万元,
# from the catalogue); English: the power of ten is a factor (9,600 × 10⁴ CNY), so no two numbers run together.
_PRINT_EN = {"10k CNY": "× 10<sup>4</sup> CNY", "100M CNY": "× 10<sup>8</sup> CNY"}


def unit_html(unit: str | None, language: str | None = None, *, product: str = "", material: str = "") -> str:
    """A unit as HTML for the PDF: CO₂ with a subscript, powers of ten as superscripts.

    `product` replaces the placeholder "product unit" (e.g. "t cement"), `material` "material unit";
    without them the placeholder is left out rather than printed as if it were a unit.
    """
    out = escape(unit or "")
    for placeholder, real in (("product unit", product), ("material unit", material)):
        if placeholder in out:
            if not real:
                return ""  # an unknown unit is left out, never printed as a placeholder word
            out = out.replace(placeholder, escape(real))
    if is_chinese(language):
        with override(language or get_language()):
            out = unit_label(out)  # the catalogue's words: 万元, 亿元, 元 …
    else:
        for key, value in _PRINT_EN.items():
            out = re.sub(r"(?<![\w])" + re.escape(key) + r"(?![\w])", value, out)
    return out.replace("CO2", "CO<sub>2</sub>")
