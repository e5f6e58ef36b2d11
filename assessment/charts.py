"""Server-drawn SVG charts of category scores, for the results page and the PDF report.

    rows = [ChartRow("Energy", Decimal("12.5"), Decimal("20")), ...]
    category_bars(rows)  -> SVG markup (horizontal bars, points of maximum)
    radar(rows)          -> SVG markup (share of maximum per category)

Both return markup safe to put in a template as is: every label is escaped here, and only
presentation attributes are used (no `style` attribute, no script), so the page's
Content-Security-Policy needs no exception and WeasyPrint draws the same picture.
"""

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from assessment.scoring import Scorecard, round_points

GREEN = "#198754"
GREY = "#dee2e6"
TEXT = "#212529"
MUTED = "#6c757d"
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
FONT_SIZE = 13
RADAR_LABEL_WIDTH = 160  # px of label beside each radar axis


@dataclass(frozen=True)
class ChartRow:
    label: str
    points: Decimal
    maximum: Decimal

    @property
    def share(self) -> Decimal:
        if self.maximum <= 0:
            return Decimal(0)
        return max(Decimal(0), min(Decimal(1), self.points / self.maximum))


def rows_from_scorecard(card: Scorecard, names: Mapping[str, str]) -> list[ChartRow]:
    """Chart rows from a scorecard's categories, rounded as printed; `names` maps category code → label."""
    return [
        ChartRow(names.get(c.code, c.code), round_points(c.points), round_points(c.maximum)) for c in card.categories
    ]


def _text(value: str) -> str:
    return escape(value, quote=True)


def text_width(label: str, size: int = FONT_SIZE) -> float:
    """Rough rendered width in px: CJK and other wide characters one em, the rest a little over half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in label)


def fit(label: str, max_width: float) -> str:
    """The label, cut with an ellipsis where it would be wider than `max_width`."""
    if text_width(label) <= max_width:
        return label
    while label and text_width(label + "…") > max_width:
        label = label[:-1]
    return label.rstrip() + "…"


def _num(value: Decimal | float) -> str:
    """Points as the report and results tables print them: two decimals."""
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):.2f}"


def _percent(share: Decimal) -> str:
    """A share of the maximum, one decimal, rounded like the tables (half up)."""
    return f"{(share * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _svg(width: int, height: int, title: str, body: Iterable[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_text(title)}" font-family="{FONT}" font-size="{FONT_SIZE}" class="chart">'
        f"<title>{_text(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - all text escaped above


def category_bars(
    rows: Sequence[ChartRow],
    *,
    title: str = "Category scores",
    width: int = 640,
    reference: Decimal | None = None,
    reference_label: str = "",
) -> SafeString:
    """One horizontal bar per category: share of the category's maximum, on a 0–100 % scale.

    `reference` (a share, 0–1) draws a dashed line across every bar, e.g. the overall score's share,
    so a reader sees at once which categories pull the total down.
    """
    value_w, bar_h, gap, top, axis_h = 150, 22, 12, 8, 18
    # The label column is as wide as the longest label needs, within a third to 45 % of the chart.
    label_w = math.ceil(min(width * 0.45, max([width / 3.4, *(text_width(row.label) + 17 for row in rows)])))
    track = width - label_w - value_w
    plot_h = len(rows) * (bar_h + gap)
    height = top + plot_h + axis_h + (16 if reference is not None else 0)
    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        x = label_w + track * tick / 100
        body.append(
            f'<line class="tick" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + plot_h - gap + 4}" stroke="{GREY}" stroke-width="0.8"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 8}" text-anchor="middle" fill="{MUTED}" font-size="10">{tick}%</text>'
        )
    for n, row in enumerate(rows):
        y = top + n * (bar_h + gap)
        filled = float(row.share) * track
        figures = f"{_num(row.points)} / {_num(row.maximum)} · {_percent(row.share)}"
        body.append(
            f'<g class="bar"><title>{_text(row.label)}: {figures}</title>'
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" fill="{TEXT}">{_text(fit(row.label, label_w - 16))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{track}" height="{bar_h}" rx="3" fill="{GREY}" fill-opacity="0.6"/>'
            f'<rect x="{label_w}" y="{y}" width="{filled:.1f}" height="{bar_h}" rx="3" fill="{GREEN}"/>'
            f'<text x="{label_w + track + 8}" y="{y + bar_h * 0.7:.1f}" fill="{TEXT}" font-size="12">{figures}</text>'
            "</g>"
        )
    if reference is not None:
        share = max(Decimal(0), min(Decimal(1), reference))
        x = label_w + float(share) * track
        body.append(
            f'<line class="reference" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + plot_h - gap + 6}" '
            f'stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + axis_h + 8}" text-anchor="middle" fill="{TEXT}" font-size="11">'
            f"{_text(reference_label)} {_percent(share)}</text>"
        )
    return _svg(width, max(height, 40), title, body)


def radar(rows: Sequence[ChartRow], *, title: str = "Category profile", size: int = 360) -> SafeString:
    """The share of each category's maximum on its own axis; rings at 25 %, 50 %, 75 % and 100 %."""
    side = 120  # room left and right of the plot for the axis labels
    width = size + 2 * side
    cx, cy = width / 2, size / 2
    radius = size / 2 - 40
    count = max(len(rows), 1)

    def point(index: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    def polygon(shares: Sequence[float]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, s) for i, s in enumerate(shares)))

    body: list[str] = []
    for ring in (0.25, 0.5, 0.75, 1.0):
        body.append(f'<polygon points="{polygon([ring] * count)}" fill="none" stroke="{GREY}" stroke-width="1"/>')
    for n, row in enumerate(rows):
        x, y = point(n, 1.0)
        lx, ly = point(n, 1.12)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GREY}" stroke-width="1"/>')
        body.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" fill="{TEXT}" font-size="12">'
            f"<title>{_text(row.label)}</title>{_text(fit(row.label, RADAR_LABEL_WIDTH))}</text>"
        )
    shares = [float(r.share) for r in rows]
    if rows:
        body.append(
            f'<polygon class="radar-area" points="{polygon(shares)}" fill="{GREEN}" fill-opacity="0.25" '
            f'stroke="{GREEN}" stroke-width="2"/>'
        )
        for n, share in enumerate(shares):
            x, y = point(n, share)
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{GREEN}"/>')
    body.append(f'<text x="{cx + 4:.1f}" y="{cy - radius + 12:.1f}" fill="{MUTED}" font-size="10">100%</text>')
    return _svg(width, size, title, body)
