"""The eight demo reports (four focus areas × Chinese and English), read as a client would:
the extracted text of each PDF is checked for every defect a consultant found in them."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from assessment import reports
from assessment.charts import ChartRow, category_bars
from assessment.models import Answer, Assessment
from assessment.reasons import ReasonCode, reason, reason_text
from greenmfg.bilingual import split_bilingual, unit_html

# Every test shares the session's test database (the module fixture renders from it).
from tests.report_world import CJK, make_assessment, pdftotext
from tests.report_world import DEMO_COMPANY as COMPANY

pytestmark = pytest.mark.django_db

AREAS = {"factory": 9001, "supply_chain": 9002, "park": 9003, "design_product": 9004}
LANGUAGES = ("zh-hans", "en")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Each demo report rendered once from the test database: {(area, language): (html, pdf bytes, text)}."""
    rendered = {}
    with django_db_blocker.unblock():
        for area, pk in AREAS.items():
            assessment = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=pk)
            for language in LANGUAGES:
                html = reports.render_html(assessment, language=language)
                pdf = reports.html_to_pdf(html)
                rendered[area, language] = (html, pdf.data, pdftotext(pdf.data))
    return rendered


ALL = [(area, language) for area in AREAS for language in LANGUAGES]


@pytest.mark.parametrize(("area", "language"), ALL)
def test_demo_texts_are_printed_in_the_report_language_only(demo, area, language):
    """Defect 1: "演示数据 / demo figures…" printed both languages at once."""
    _html, _pdf, text = demo[area, language]
    assert "/ demo" not in text and "演示数据 /" not in text and "/ per tonne" not in text
    if language == "en":
        assert "演示数据" not in text
    else:
        assert "demo figures" not in text and "per tonne of clinker" not in text and "Cement uses no energy" not in text
    if area == "factory":
        assert (
            "演示数据：省级行业标杆（示意）" if language == "zh-hans" else "demo figures: provincial industry benchmark"
        ) in text.replace("\n", " ")


@pytest.mark.parametrize("area", AREAS)
def test_english_reports_have_no_chinese_but_the_company_name_and_glossary_terms(demo, area):
    """Defects 2 and 10: English covers printed Chinese-only standard names; language purity."""
    _html, _pdf, text = demo[area, "en"]
    rest = text.replace(COMPANY, "").replace("(引领值)", "").replace("(基准值)", "")
    assert not CJK.findall(rest), sorted(set(CJK.findall(rest)))
    assert "version" not in text.split("Contents")[0]  # the cover: no "version 586"


@pytest.mark.parametrize("area", AREAS)
def test_chinese_reports_use_chinese_data_texts_and_full_width_punctuation(demo, area):
    """Defect 10 (Chinese side): reference and user texts are Chinese, lists and brackets full width."""
    html, _pdf, text = demo[area, "zh-hans"]
    for english in ("None of the following", "sector value marked", "Not applicable:", "(GB/T 4754"):
        assert english not in text
    assert "（GB/T 4754：30）" in text and "分（" in text.replace(" ", "")
    if area == "factory":
        assert "；合格产品产量 Q" in text  # raw figures joined with a full-width semicolon


@pytest.mark.parametrize("area", AREAS)
def test_chinese_reports_have_no_english_words_after_the_catalogue_merge(demo, area):
    _html, _pdf, text = demo[area, "zh-hans"]
    words = set(re.findall(r"\b[A-Za-z]{4,}\b", text)) - {"DRAFT", "GSCI"}  # GSCI: the criteria's own index name
    assert not words, [text[max(0, text.index(w) - 60) : text.index(w) + 30] for w in sorted(words)]


@pytest.mark.parametrize(("area", "language"), ALL)
def test_no_internal_marks_placeholder_units_or_form_help(demo, area, language):
    """Defects 3 and 4: [U] shown to clients; "850,000 产品单位"; an input's help text as its name."""
    _html, _pdf, text = demo[area, language]
    for bad in (
        "[U]",
        "[S]",
        "[V]",
        "产品单位",
        "物料单位",
        "product unit",
        "material unit",
        "in the product unit of",
        "按所选定额",
    ):
        assert bad not in text, bad


@pytest.mark.parametrize(
    ("language", "cement", "money"),
    [("zh-hans", "850,000 t 水泥", "9,600 万元"), ("en", "850,000 t cement", "9,600 × 10")],
)
def test_factory_report_prints_the_products_real_unit_and_multipliers_per_language(demo, language, cement, money):
    """Defects 4 and 5: the product's real unit, and no number running into "10k CNY"."""
    html, _pdf, text = demo["factory", language]
    flat = re.sub(r"\s+", " ", text)
    assert cement in flat and money in flat
    assert "10k CNY" not in text and "tce/t cement" in flat.replace("tce/t 水泥", "tce/t cement")
    if language == "en":
        assert "× 10<sup>4</sup> CNY" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_uncertain_sector_value_is_said_in_words(demo, language):
    """Defect 3: "sector value marked uncertain [U], not official" becomes a sentence."""
    html, _pdf, _text = demo["factory", language]
    with translation.override(language):
        sentence = reason_text(reason(ReasonCode.SECTOR_UNOFFICIAL))
    assert sentence in html and "[U]" not in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_table_and_chart_print_the_same_figures(demo, language):
    """Defect 6: the table said 15.95 and the chart 15.9; 12.50 of 20 read 62 %."""
    html, pdf, text = demo["factory", language]
    assert "15.95 / 30.00 · 53.2%" in html  # chart label
    assert re.search(r"15\.95\s+30\.00\s+53\.2%", pdftotext(pdf, "-layout"))  # table row
    assert "15.9 /" not in text
    assert reports.share_text(Decimal("12.50"), Decimal("20")) == "62.5%"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("87.66634"), "%", "87.7"),
        (Decimal("4"), "%", "4.0"),
        (Decimal("0.082"), "tce/t", "0.0820"),
        (Decimal("0.00030"), "t/t", "0.000300"),
        (Decimal("1.4"), "t/t", "1.40"),
        (Decimal("595.238"), "m³/10k CNY", "595"),
        (Decimal("12345.6"), "kWh/t", "12,300"),
    ],
)
def test_one_precision_rule_per_kind_of_number(value, unit, expected):
    assert reports.measure_text(value, unit) == expected


@pytest.mark.parametrize(("area", "language"), ALL)
def test_standard_codes_and_document_numbers_never_break(demo, area, language):
    """Defect 7: "GB/T | 33635-2017" split over two lines."""
    html, _pdf, text = demo[area, language]
    for line in text.splitlines():
        assert not re.search(r"\b(GB|GB/T|JC/T|DB\d+/T)\s*$", line), line
        assert not re.search(r"〔\d{0,4}$", line), line
        assert not re.search(r"\[\d{4}\] No\.$", line), line
    codes = set(re.findall(r'<span class="(?:code )?nobr">([^<]+)</span>', html))
    flat_lines = set(text.splitlines())
    for code in codes:
        if re.match(r"^(GB|JC|T/|工信)", code):
            assert any(code in line for line in flat_lines), code


@pytest.mark.parametrize(("area", "language"), ALL)
def test_policy_basis_is_printed_once(demo, area, language):
    """Defect 8: the park report printed the policy basis in every gap block (19 times)."""
    html, _pdf, _text = demo[area, language]
    label = "政策依据" if language == "zh-hans" else "Policy basis"
    assert html.count(f'<span class="k">{label}</span>') == 0
    assert html.count(f"<h2>{label}</h2>") == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_report_without_gaps_has_no_empty_gap_chapter(demo, language):
    """Defect 9: "0 项指标未完全满足…" alone on a page; design product demo meets every indicator."""
    html, _pdf, text = demo["design_product", language]
    assert 'id="gaps"' not in html and "0 项" not in text and "0 indicators" not in text


@pytest.mark.parametrize(("area", "language"), ALL)
def test_no_page_is_almost_empty(demo, area, language):
    """Defect 9: no two lines alone on a last page, no chapter wasting most of a page."""
    _html, pdf, _text = demo[area, language]
    pages = pdftotext(pdf, "-layout").split("\f")
    for number, page in enumerate(pages[1:-1], start=2):
        lines = [line for line in page.splitlines() if line.strip() and not re.fullmatch(r"\s*[DRAFT草稿\s]*", line)]
        assert len(lines) >= 8, (number, lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_na_reason_is_printed_once(demo, language):
    html, _pdf, text = demo["design_product", language]
    reason = "水泥在使用阶段不消耗能源" if language == "zh-hans" else "Cement uses no energy in use"
    assert text.count(reason) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_negative_list_reads_as_sentences(demo, language):
    """Defect 10: "None of the following applies: Deregistered" per item."""
    html, _pdf, text = demo["factory", language]
    assert "None of the following applies: Deregistered" not in text and "不存在以下情形：已注销" not in text
    assert ("已注销" if language == "zh-hans" else "Deregistered, production stopped") in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_co2_has_a_subscript_in_the_report_font_only(demo, language):
    """Defect 10: CO₂ with a subscript, and no fallback font (the CJK font has no ₂ glyph)."""
    html, pdf, _text = demo["factory", language]
    assert "CO<sub>2</sub>" in html and "₂" not in html and "CO2" not in html
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            fonts.add(str(ref.get_object().get("/BaseFont", "")))
    assert fonts and all("NotoSansCJK" in name.replace("-", "") for name in fonts), fonts


@pytest.mark.parametrize(
    ("area", "language", "subject"),
    [
        ("park", "en", "Zhejiang demonstration green building-materials park"),
        ("park", "zh-hans", "浙江示范绿色建材产业园"),
        ("design_product", "en", "product standard GB 175-2023"),
        ("design_product", "zh-hans", "产品标准 GB 175-2023"),
    ],
)
def test_park_and_product_covers_name_their_subject(demo, area, language, subject):
    """Defect 11."""
    _html, pdf, _text = demo[area, language]
    cover = pdftotext(pdf, "-l", "1")
    assert subject in re.sub(r"\s+", " ", cover)


def test_chart_has_a_scale_a_reference_line_and_a_caption(demo):
    """Defect 12: the chart adds what the table does not."""
    html, _pdf, _text = demo["factory", "en"]
    assert 'class="reference"' in html and ">50%</text>" in html and "<figcaption>" in html
    svg = category_bars(
        [ChartRow("A", Decimal("12.5"), Decimal("20"))], reference=Decimal("0.5"), reference_label="Overall"
    )
    assert "12.50 / 20.00 · 62.5%" in svg and "Overall 50.0%" in svg


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultant_sections_are_present(demo, language):
    html, _pdf, text = demo["factory", language]
    for anchor in (
        "profile",
        "method",
        "summary",
        "scores",
        "gaps",
        "detail",
        "assumptions",
        "evidence",
        "policies",
        "signoff",
    ):
        assert f'id="{anchor}"' in html
    flat = re.sub(r"\s+", " ", text)
    assert "GM-2025-09001-09001-R1" in flat  # report number on the cover and the sign-off page
    assert flat.count("GM-2025-09001-09001-R1") == 2
    assert "91330106MA2H7K8X19" in flat and ("850,000 t 水泥" in flat or "850,000 t cement" in flat)  # profile
    assert ("引领值" in flat) and ("基准值" in flat) and "tce" in flat  # glossary


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("演示数据 / demo figures", "en", "demo figures"),
        ("演示数据 / demo figures", "zh-hans", "演示数据"),
        ("tCO2 / t", "zh-hans", "tCO2 / t"),  # not a bilingual entry
        ("只有中文", "en", "只有中文"),
    ],
)
def test_split_bilingual(text, language, expected):
    assert split_bilingual(text, language) == expected


@pytest.mark.parametrize(
    ("unit", "language", "expected"),
    [
        ("10k CNY", "zh-hans", "万元"),
        ("10k CNY/m²", "en", "× 10<sup>4</sup> CNY/m²"),
        ("tCO2/product unit", "en", "tCO<sub>2</sub>/t cement"),
        ("material unit/product unit", "zh-hans", ""),  # unknown: left out, never a placeholder
        ("10k CNY/person", "en", "× 10<sup>4</sup> CNY/person"),
        ("CNY/m³", "zh-hans", "元/m³"),
        ("100M CNY/km²", "zh-hans", "亿元/km²"),
    ],
)
def test_units_for_print(unit, language, expected):
    assert unit_html(unit, language, product="t cement") == expected


@pytest.mark.django_db
def test_evidence_index_and_comparison_with_the_previous_revision():
    first = make_assessment()
    second = Assessment.objects.create(
        company=first.company, criteria_set=first.criteria_set, year=first.year, revision=2, previous=first
    )
    for answer in Answer.objects.filter(assessment=first):
        answer.pk = None
        answer.assessment = second
        answer.save()
    Answer.objects.filter(assessment=second, code="T13").update(choice="met")
    with translation.override("en"):
        ctx = reports.build_context(second, language="en")
        first_ctx = reports.build_context(first, language="en")
    assert first_ctx["comparison"] is None
    comparison = ctx["comparison"]
    assert (
        comparison["total_change"]
        == f"{Decimal(ctx['summary']['total']) - Decimal(first_ctx['summary']['total']):+.2f}"
    )
    assert [i["code"] for i in comparison["indicators"]] == ["T13"]
    assert comparison["indicators"][0]["before"] == "Not met" and comparison["indicators"][0]["now"] == "Met"
    # Evidence is per assessment: the second revision has none yet, so every answered indicator is listed.
    assert ctx["evidence_index"] == []
    assert "T01" in [w["code"] for w in ctx["without_evidence"]]
    assert [e["code"] for e in first_ctx["evidence_index"]] == ["T01", "T09"]
    assert "T01" not in [w["code"] for w in first_ctx["without_evidence"]]
    text = pdftotext(reports.render_pdf(second, language="en").data)
    assert "Comparison with the previous assessment" in text and "Indicators that changed" in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_company_profile_shows_products_output_and_energy_from_the_data_sheet(language):
    from ledger.models import DataSheet, EnergyUse, ProductOutput
    from ledger.sheets import recompute

    assessment = make_assessment()
    sheet = DataSheet.objects.create(company=assessment.company, year=assessment.year, output_value=Decimal("96000"))
    ProductOutput.objects.create(
        sheet=sheet, name_zh="精密铸件", name_en="Precision castings", unit="t", quantity=Decimal("15000"), main=True
    )
    EnergyUse.objects.create(sheet=sheet, carrier="natural_gas", quantity=Decimal("120000"))
    recompute(sheet)
    with translation.override(language):
        ctx = reports.build_context(assessment, language=language)
    profile = ctx["data_sheet"]
    assert [p["name"] for p in profile["products"]] == ["精密铸件" if language == "zh-hans" else "Precision castings"]
    assert profile["products"][0]["quantity"] == '<span class="nobr">15,000\xa0t</span>'
    assert "120,000" in profile["energy"][0]["quantity"] and "m³" in profile["energy"][0]["quantity"]
    assert ("96,000\xa0万元" if language == "zh-hans" else "96,000\xa0× 10<sup>4</sup> CNY") in profile["money"][0][
        "quantity"
    ]
    text = pdftotext(reports.render_pdf(assessment, language=language).data)
    assert ("精密铸件" if language == "zh-hans" else "Precision castings") in text


@pytest.mark.django_db
def test_company_profile_without_a_data_sheet_uses_the_assessments_figures():
    assessment = make_assessment()
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    assert ctx["data_sheet"] is None
    assert [f["label"] for f in ctx["key_figures"]][:2] == ["Qualified output Q", "Comprehensive energy consumption E"]


@pytest.mark.django_db
def test_assumptions_name_a_consultancy_library_as_the_owner_of_its_yardsticks():
    from assessment.models import SectorValue
    from tests.factories import consultancy_library

    assessment = make_assessment()
    library = consultancy_library(
        "绿色顾问能耗研究", "Green Advisors energy study", "Survey of 30 Jiangsu foundries, 2025"
    )
    SectorValue.objects.filter(key="report-test-machinery").update(library=library)
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    rows = {y["code"]: y for y in ctx["yardsticks"]}
    assert rows["T01"]["owner"] == "The consultancy's library"
    assert "Green Advisors energy study · Survey of 30 Jiangsu foundries, 2025" in rows["T01"]["source"]
    assert rows["T02"]["owner"] == "The company (self-set yardstick)"  # typed values with their source


@pytest.mark.django_db
@pytest.mark.parametrize("area", AREAS)
def test_an_empty_draft_renders_in_both_languages(area):
    demo_assessment = Assessment.objects.get(pk=AREAS[area])
    empty = Assessment.objects.create(
        company=demo_assessment.company, criteria_set=demo_assessment.criteria_set, year=2024
    )
    for language in LANGUAGES:
        with translation.override(language):
            ctx = reports.build_context(empty, language=language)
        assert ctx["summary"]["total"] == "0.00" and ctx["yardsticks"] == [] and ctx["comparison"] is None
    text = pdftotext(reports.render_pdf(empty, language="en").data)
    assert "Sign-off" in text and "Not answered" in text
