"""Content fields stored in both languages as `<name>_zh` and `<name>_en`."""

from typing import Any

from django.utils.translation import get_language


def is_chinese(language: str | None = None) -> bool:
    return (language or get_language() or "zh-hans").lower().startswith("zh")


def pick(obj: Any, field: str, language: str | None = None) -> str:
    """The value of `field` in the active (or given) language, falling back to the other."""
    zh = getattr(obj, f"{field}_zh", "") if not isinstance(obj, dict) else obj.get(f"{field}_zh", "")
    en = getattr(obj, f"{field}_en", "") if not isinstance(obj, dict) else obj.get(f"{field}_en", "")
    first, second = (zh, en) if is_chinese(language) else (en, zh)
    return first or second or ""
