import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from assessment.charts import ChartRow, category_bars, radar, rows_from_scorecard, text_width
from assessment.scoring import CategoryResult, Scorecard
from assessment.vocabulary import Verdict

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [
    ChartRow('<script>alert("x")</script> & co', Decimal("12.5"), Decimal("20")),
    ChartRow("能源与资源投入", Decimal("30"), Decimal("30")),
    ChartRow("Products", Decimal("0"), Decimal("25")),
    ChartRow("Overflow", Decimal("40"), Decimal("25")),
]


@pytest.mark.parametrize("draw", [category_bars, radar])
def test_charts_escape_user_text_and_parse_as_svg(draw):
    markup = draw(ROWS, title='Title "quoted" <b>')
    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "&amp; co" in markup
    root = ET.fromstring(markup)  # well-formed XML: nothing injected broke out of an attribute
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text == 'Title "quoted" <b>'
    assert "style=" not in markup and "<style" not in markup and not re.search(r"\son[a-z]+=", markup)


def test_bars_draw_one_bar_per_category_proportional_to_points():
    root = ET.fromstring(category_bars(ROWS, width=640))
    bars = root.findall(f"{SVG}g")
    assert len(bars) == 4
    widths = [float(g.findall(f"{SVG}rect")[1].get("width")) for g in bars]
    track = float(bars[0].findall(f"{SVG}rect")[0].get("width"))
    assert widths == pytest.approx([track * 0.625, track, 0.0, track], abs=0.05)  # clamped at the maximum
    assert bars[1].find(f"{SVG}text").text == "能源与资源投入"


def test_long_labels_are_shortened_but_kept_in_the_tooltip():
    label = "A very long category name that does not fit in the label column of the chart at all"
    root = ET.fromstring(category_bars([ChartRow(label, Decimal(1), Decimal(2))], width=640))
    group = root.find(f"{SVG}g")
    shown = group.find(f"{SVG}text").text
    assert group.find(f"{SVG}title").text.startswith(label)
    assert shown.endswith("…") and label.startswith(shown[:-1])
    assert text_width(shown) <= 640 * 0.45 - 16


@pytest.mark.parametrize(
    "label", ["Green information disclosure", "Green supplier management", "绿色供应链管理战略与目标"]
)
def test_category_names_of_the_criteria_sets_are_shown_whole(label):
    root = ET.fromstring(
        category_bars([ChartRow(label, Decimal(1), Decimal(2)), ChartRow("GSCM", Decimal(1), Decimal(2))])
    )
    assert root.find(f"{SVG}g/{SVG}text").text == label


def test_radar_has_one_axis_and_one_vertex_per_category():
    root = ET.fromstring(radar(ROWS[1:]))
    assert len(root.findall(f"{SVG}line")) == 3
    area = root.find(f"{SVG}polygon[@class='radar-area']")
    assert len(area.get("points").split()) == 3
    assert len(root.findall(f"{SVG}circle")) == 3


def test_rows_from_a_scorecard_round_as_printed():
    card = Scorecard(
        "t",
        (),
        (),
        (
            CategoryResult("A", Decimal(10), Decimal("4.996"), Decimal(10), Decimal(5), Decimal(10)),
            CategoryResult("B", Decimal(0), Decimal(1), Decimal(0), Decimal(1), Decimal(0)),
        ),
        Decimal(6),
        Decimal(10),
        Verdict.RATED,
    )
    rows = rows_from_scorecard(card, {"A": "Energy"})
    assert rows == [
        ChartRow("Energy", Decimal("5.00"), Decimal("10.00")),
        ChartRow("B", Decimal("1.00"), Decimal("0.00")),
    ]
    assert [r.share for r in rows] == [Decimal("0.5"), Decimal(0)]
