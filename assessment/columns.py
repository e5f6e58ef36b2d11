"""Column widths for a long table of the PDF report, worked out from its text.

WeasyPrint's automatic table layout measures every cell twice before it places a row: its widest line,
and its narrowest, which for Chinese text means laying out the rest of the cell once per character. For a
table that runs to pages that is most of its cost. Such a table is laid out with fixed column widths
instead, shared out as the automatic layout shares them (CSS 2.1, 17.5.2.2: each column gets its
narrowest width plus a part of the rest in proportion to how much wider its widest line is), from an
estimate of the text's width in ems.
"""

import re
from collections.abc import Sequence
from html import unescape

_TAG = re.compile(r"<[^>]*>")
_LINE_BREAK = re.compile(r"<br\s*/?>")
# The pieces a line may not break inside: a no-wrap span, one Chinese character, or a run of other
# characters up to a space or a tag (the no-break space of "850,000\xa0t" is part of a run).
_PIECE = re.compile(r'<span class="nobr">(.*?)</span>|[\u2e80-\uffff]|[^ \t\n<\u2e80-\uffff]+|<[^>]*>|[ \t\n]+')
_WIDE = "mwMW%"
_NARROW = "iljft.,:;|!'"


def _char_em(char: str) -> float:
    """A character's advance in ems in Noto Sans CJK SC, near enough to share out column widths."""
    if char >= "\u2e80":
        return 1.0
    if char in " \xa0":
        return 0.22
    if char in _WIDE:
        return 0.85
    if char in _NARROW:
        return 0.3
    if char.isupper():
        return 0.62
    return 0.54 if char.isalnum() else 0.36


def text_em(html: str) -> float:
    """The width of a fragment of HTML on one line, in ems."""
    return sum(_char_em(char) for char in unescape(_TAG.sub("", html)))


def cell_em(html: str) -> tuple[float, float]:
    """A cell's narrowest and widest width in ems: its widest unbreakable piece, and its longest line."""
    widest = max(text_em(line) for line in _LINE_BREAK.split(html))
    pieces = (m.group(0) for m in _PIECE.finditer(html) if not m.group(0).startswith("<") or m.group(1) is not None)
    narrowest = max((text_em(piece) for piece in pieces if piece.strip()), default=0.0)
    return narrowest, widest


def percentages(rows: Sequence[Sequence[str]], *, width_em: float, padding_em: float) -> list[float]:
    """Each column's share of the table's width, in percent, for rows of cell HTML (the header row too).

    `width_em` is the table's width and `padding_em` a cell's left and right padding, in ems of the cells' font.
    """
    columns = [cell_em(cell) for cell in rows[0]]
    for row in rows[1:]:
        columns = [(max(a[0], b[0]), max(a[1], b[1])) for a, b in zip(columns, map(cell_em, row), strict=True)]
    low = [narrowest + padding_em for narrowest, _ in columns]
    high = [widest + padding_em for _, widest in columns]
    if sum(high) <= width_em:  # everything fits on one line: the spare width goes in proportion to the widest
        widths = [h * width_em / sum(high) for h in high]
    elif sum(low) >= width_em:
        widths = low
    else:
        ratio = (width_em - sum(low)) / (sum(high) - sum(low))
        widths = [lo + (hi - lo) * ratio for lo, hi in zip(low, high, strict=True)]
    total = sum(widths)
    return [round(100 * w / total, 1) for w in widths]
