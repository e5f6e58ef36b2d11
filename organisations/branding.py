"""A consultancy's report template: brand colours and contact lines printed on all its clients' reports.

Colours are checked here, not only in the form, because they go into the report's stylesheet: only
"#rrggbb" (or "#rgb") ever reaches it, and a colour too light to read on white paper is refused.
"""

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from organisations.models import Consultancy

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MIN_CONTRAST = 3.0  # WCAG's minimum for large text and rules; headings and lines are what the colour draws
MAX_CONTACT_LINES = 4
MAX_CONTACT_LINE = 80


def normalise_colour(value: str) -> str:
    """ "#ABC" → "#aabbcc"; anything else unchanged (the validator refuses it)."""
    value = value.strip()
    if HEX.match(value) and len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a "#rrggbb" colour against white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def validate_hex_colour(value: str) -> None:
    if not value:
        return
    if not HEX.match(value.strip()):
        raise ValidationError(_("Enter a colour as # and six hexadecimal digits, for example #17613a."), code="format")
    if contrast_on_white(normalise_colour(value)) < MIN_CONTRAST:
        raise ValidationError(
            _("This colour is too light to read on white paper; choose a darker one."), code="contrast"
        )


def contact_lines(text: str) -> list[str]:
    """The non-empty lines of the contact text, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def validate_contact_lines(text: str) -> None:
    lines = contact_lines(text)
    if len(lines) > MAX_CONTACT_LINES:
        raise ValidationError(_("Use at most %(n)s lines of contact details.") % {"n": MAX_CONTACT_LINES}, code="lines")
    if any(len(line) > MAX_CONTACT_LINE for line in lines):
        raise ValidationError(_("Keep each contact line to %(n)s characters.") % {"n": MAX_CONTACT_LINE}, code="length")


def report_template(consultancy: "Consultancy") -> dict[str, Any]:
    """What the PDF report takes from the consultancy: colours (checked again, since only a valid hex
    colour may reach the stylesheet; the accent falls back to the brand colour) and contact lines."""
    brand = normalise_colour(consultancy.brand_colour or "")
    brand = brand if HEX.match(brand) else ""
    accent = normalise_colour(consultancy.accent_colour or "")
    accent = accent if HEX.match(accent) else brand
    return {"brand": brand, "accent": accent, "contact": contact_lines(consultancy.contact_lines)}
