"""Charts drawn on the server as inline SVG: no JavaScript, no style attributes (CSP-safe).

Colours are SVG presentation attributes (`fill`, `stroke`), so they need no stylesheet; classes let
app.css adjust them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessment import vocabulary
from greenmfg.bilingual import pick
from policies.models import FocusArea, ListCount, ListRelease, Mark

# Colour-blind-safe palette (Okabe–Ito), one colour per focus area.
AREA_COLOURS: dict[str, str] = {
    vocabulary.FocusArea.FACTORY: "#009E73",
    vocabulary.FocusArea.DESIGN_PRODUCT: "#E69F00",
    vocabulary.FocusArea.PARK: "#0072B2",
    vocabulary.FocusArea.SUPPLY_CHAIN: "#CC79A7",
}


@dataclass(frozen=True)
class Bar:
    value: int
    label: str = ""  # tooltip text, e.g. "≈194 [D]"
    uncertain: bool = False  # drawn dashed


@dataclass(frozen=True)
class Series:
    key: str  # used in the CSS class, e.g. "factory"
    name: str
    colour: str


@dataclass
class GroupedBars:
    title: str
    groups: list[tuple[str, str]]  # (key, label)
    series: list[Series]
    bars: dict[tuple[str, str], Bar] = field(default_factory=dict)  # (group key, series key) → bar


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 × 10^n) so that about `ticks` steps cover `maximum`."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def grouped_bar_svg(chart: GroupedBars, *, width: int = 760, height: int = 400, missing: str = "–") -> SafeString:
    """An accessible grouped bar chart. Each bar is a `<rect class="bar bar-<series>">` with a `<title>`."""
    left, right, top, bottom = 56, 12, 16, 130
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max((bar.value for bar in chart.bars.values()), default=0)
    step = nice_step(maximum)
    top_value = max(step, -(-maximum // step) * step)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(chart.title)}</title>',
    ]
    for tick in range(0, top_value + 1, step):
        ty = y(tick)
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#dee2e6" stroke-width="1"/>'
            f'<text class="tick" x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#495057">{tick:,}</text>'
        )
    group_w = plot_w / max(len(chart.groups), 1)
    bar_w = group_w * 0.8 / max(len(chart.series), 1)
    for g_index, (g_key, g_label) in enumerate(chart.groups):
        gx = left + g_index * group_w + group_w * 0.1
        out.append(f'<g class="group" data-group="{escape(g_key)}">')
        for s_index, series in enumerate(chart.series):
            bx = gx + s_index * bar_w
            bar = chart.bars.get((g_key, series.key))
            if bar is None:
                out.append(
                    f'<text class="missing" x="{bx + bar_w / 2:.1f}" y="{y(0) - 3:.1f}" text-anchor="middle" '
                    f'font-size="10" fill="#adb5bd">{escape(missing)}</text>'
                )
                continue
            by = y(bar.value)
            dash = (
                ' stroke="#212529" stroke-width="1" stroke-dasharray="3 2" fill-opacity="0.45"' if bar.uncertain else ""
            )
            out.append(
                f'<rect class="bar bar-{escape(series.key)}" x="{bx:.1f}" y="{by:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{y(0) - by:.1f}" fill="{series.colour}"{dash}>'
                f"<title>{escape(g_label)} · {escape(series.name)}: {escape(bar.label or f'{bar.value:,}')}</title></rect>"
            )
        lx = left + g_index * group_w + group_w / 2
        out.append(
            f'<text class="group-label" x="{lx:.1f}" y="{y(0) + 14:.1f}" text-anchor="end" font-size="11" fill="#212529" '
            f'transform="rotate(-35 {lx:.1f} {y(0) + 14:.1f})">{escape(g_label)}</text></g>'
        )
    out.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#212529"/>'
    )
    out.append(_legend(chart.series, x=left, y=height - 26, width=width - right))
    out.append("</svg>")
    return mark_safe("".join(out))  # every interpolated text above is escaped


def _legend(series: Sequence[Series], *, x: int, y: int, width: int) -> str:
    """Two legend entries per row, so long (Chinese or English) names never overflow."""
    column = (width - x) // 2
    parts = ['<g class="legend">']
    for index, item in enumerate(series):
        lx, ly = x + (index % 2) * column, y + (index // 2) * 18
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{item.colour}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12" fill="#212529">{escape(item.name)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def list_numbers_chart(releases: Sequence[ListRelease], areas: Sequence[FocusArea], *, title: str) -> GroupedBars:
    """Units listed per release and area; `releases` must have their `counts` prefetched."""
    chart = GroupedBars(
        title=title,
        groups=[(release.key, pick(release, "label")) for release in releases],
        series=[Series(area.code, pick(area, "title"), AREA_COLOURS.get(area.code, "#6c757d")) for area in areas],
    )
    for release in releases:
        for count in release.counts.all():
            if count.measure == ListCount.Measure.LISTED and count.area:
                label = f"{'≈' if count.approximate else ''}{count.value:,} [{count.mark}]"
                chart.bars[(release.key, count.area)] = Bar(count.value, label, uncertain=count.mark == Mark.UNCERTAIN)
    return chart
