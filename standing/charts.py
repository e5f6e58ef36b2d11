"""Server-drawn SVG for the standing pages: the peer distribution and the scores over the years.

Same rules as assessment.charts: every label escaped here, presentation attributes only (no style
attribute, no script), so the strict CSP needs no exception.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from assessment.charts import FONT, FONT_SIZE, GREEN, GREY, MUTED, TEXT, fit

PALETTE = (GREEN, "#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#6c757d")


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(width: int, height: int, title: str, body: Sequence[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{_t(title)}" font-family="{FONT}" font-size="{FONT_SIZE}" class="chart"><title>{_t(title)}</title>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text escaped above


def distribution(
    bins: Sequence[int | None], *, marker: Decimal | None, maximum: Decimal, title: str, few_label: str, you_label: str
) -> SafeString:
    """Bars of companies per score band; a band with 1–2 companies is drawn hatched-grey, unnumbered."""
    width, height, left, bottom, top = 640, 220, 36, 30, 16
    plot_w, plot_h = width - left - 10, height - top - bottom
    shown = [b for b in bins if b]
    peak = max(shown) if shown else 1
    step = plot_w / max(len(bins), 1)
    body: list[str] = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GREY}"/>'
    ]
    for n, count in enumerate(bins):
        x = left + n * step
        low = maximum * n / len(bins)
        body.append(
            f'<text x="{x:.1f}" y="{height - 12}" fill="{MUTED}" font-size="10">{low.quantize(Decimal(1))}</text>'
        )
        if count is None:
            h = plot_h * 0.08
            body.append(
                f'<g class="few"><title>{_t(few_label)}</title><rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{step - 4:.1f}" height="{h:.1f}" fill="{GREY}" stroke="{MUTED}" stroke-dasharray="2 2"/></g>'
            )
        elif count:
            h = plot_h * count / peak
            body.append(
                f'<g class="bin"><title>{count}</title><rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{step - 4:.1f}" height="{h:.1f}" fill="{GREEN}" fill-opacity="0.7"/>'
                f'<text x="{x + step / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" fill="{TEXT}" '
                f'font-size="10">{count}</text></g>'
            )
    if marker is not None and maximum > 0:
        x = left + plot_w * float(max(Decimal(0), min(marker, maximum)) / maximum)
        body.append(
            f'<line class="you" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{TEXT}" '
            f'stroke-width="2" stroke-dasharray="5 3"/><text x="{x + 4:.1f}" y="{top + 8}" fill="{TEXT}" '
            f'font-size="11">{_t(you_label)} {marker}</text>'
        )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Line:
    label: str
    points: tuple[Decimal | None, ...]  # one per year; None where the year has no such item
    maximum: Decimal


def year_lines(years: Sequence[int], lines: Sequence[Line], *, title: str) -> SafeString:
    """Share of maximum per year, one line per series (total first); a legend beside the plot."""
    width, left, top, legend_w = 680, 40, 14, 200
    plot_w, plot_h = width - left - legend_w - 20, 200
    height = max(top + plot_h + 30, top + 20 * len(lines) + 10)
    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GREY}" stroke-width="0.8"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="10">{tick}%</text>'
        )
    gap = plot_w / max(len(years) - 1, 1)

    def xy(n: int, value: Decimal, maximum: Decimal) -> tuple[float, float]:
        share = float(value / maximum) if maximum > 0 else 0.0
        x = left + (n * gap if len(years) > 1 else plot_w / 2)
        return x, top + plot_h * (1 - max(0.0, min(1.0, share)))

    for n, year in enumerate(years):
        x = xy(n, Decimal(0), Decimal(1))[0]
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" fill="{TEXT}" font-size="11">{year}</text>'
        )
    for k, line in enumerate(lines):
        colour = PALETTE[k % len(PALETTE)]
        dots = [(n, v) for n, v in enumerate(line.points) if v is not None]
        coords = [xy(n, v, line.maximum) for n, v in dots]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{3 if k == 0 else 1.5}"/>'
            )
        for (n, value), (x, y) in zip(dots, coords, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{_t(line.label)} {years[n]}: '
                f"{value} / {line.maximum}</title></circle>"
            )
        ly = top + 20 * k + 8
        lx = left + plot_w + 24
        body.append(
            f'<rect x="{lx}" y="{ly - 8}" width="12" height="3" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="{ly}" fill="{TEXT}" font-size="11">{_t(fit(line.label, legend_w - 30))}</text>'
        )
    return _svg(width, height, title, body)
