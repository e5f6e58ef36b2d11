"""The PDF report: context, HTML escaping, the PDF itself (text and fonts), the url_fetcher."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test.html import parse_html
from django.utils import translation
from pypdf import PdfReader

from assessment import pdf, reports
from assessment.models import (
    Answer,
    Assessment,
    Category,
    CriteriaSet,
    Evidence,
    Gate,
    Indicator,
    RegionalReference,
    SectorValue,
)
from organisations.models import Company, Consultancy, Membership, Role, Sector
from policies.models import PolicyDocument

pytestmark = pytest.mark.django_db

SET_CODE = "report-test-factory"
CATEGORIES = [
    # code, zh, en, weight, [(code, zh, en, type, points, formula/rule)]
    (
        "energy",
        "能源低碳化",
        "Energy low-carbon",
        "30",
        [
            ("T01", "能源消耗强度", "Energy consumption intensity", "reverse_quant", "8", "energy_intensity"),
            ("T02", "碳排放强度", "Carbon emission intensity", "reverse_quant", "8", "carbon_intensity"),
            ("T03", "可再生能源利用率", "Renewable energy utilisation rate", "positive_quant", "8", "renewable_share"),
            ("T04", "能碳管理系统平台功能符合数量", "Energy-carbon platform functions met", "count", "6", ""),
        ],
    ),
    (
        "resource",
        "资源高效化",
        "Resource efficiency",
        "30",
        [
            ("T05", "原材料消耗强度", "Raw material consumption intensity", "reverse_quant", "8", "material_intensity"),
            ("T06", "取水强度", "Water intake intensity", "reverse_quant", "8", "water_intensity"),
            ("T07", "工业用水重复利用率", "Industrial water reuse rate", "positive_quant", "8", "water_reuse_rate"),
            (
                "T08",
                "一般工业固体废物综合利用率",
                "Solid waste utilisation rate",
                "positive_quant",
                "6",
                "solid_waste_utilisation",
            ),
        ],
    ),
    (
        "clean",
        "生产洁净化",
        "Clean production",
        "16",
        [
            ("T09", "生产工艺和设备先进性", "Advanced process and equipment", "positive_qual", "6", ""),
            (
                "T10",
                "绿色低碳改造升级项目投资额占比",
                "Share of retrofit investment",
                "positive_quant",
                "4",
                "retrofit_investment_share",
            ),
            (
                "T11",
                "主要污染物产生或排放强度",
                "Main pollutant intensity",
                "reverse_quant",
                "6",
                "pollutant_intensity",
            ),
        ],
    ),
    (
        "product",
        "产品绿色化",
        "Green products",
        "16",
        [
            ("T12", "绿色设计", "Green design", "positive_qual", "8", ""),
            ("T13", "产品碳足迹", "Product carbon footprint", "positive_qual", "8", ""),
        ],
    ),
    (
        "land",
        "用地集约化",
        "Intensive land use",
        "8",
        [
            ("T14", "土地产出率", "Land output rate", "positive_quant", "8", "land_output"),
        ],
    ),
]
# Quantitative answers: inputs, then (leading, benchmark) supplied by the user or the criteria default.
QUANT = {
    "T01": ({"E": "1200", "Q": "15000"}, None),  # sector value
    "T02": ({"C": "3100", "Q": "15000"}, ("0.15", "0.25")),
    "T03": ({"E_re": "90", "E": "1200"}, ("20", "5")),
    "T05": ({"M": "15600", "Q": "15000"}, ("1.02", "1.10")),
    "T06": ({"V": "42000", "Q": "15000"}, ("2.2", "3.5")),
    "T07": ({"V_r": "180000", "V": "42000"}, ("95", "85")),
    "T08": ({"Z_r": "820", "Z": "1000", "Z_w": "0"}, ("95", "70")),
    "T10": ({"I3": "2100", "G3": "96000"}, ("3", "1")),
    "T11": ({"P": "5.4", "Q": "15000"}, ("0.0003", "0.0005")),
    "T14": ({"G": "32000", "A": "48000"}, ("1.2", "0.4")),
}
COMPANY_NAME = "绿源精密机械（苏州）有限公司"


def policy(code: str, number: str, title_zh: str, title_en: str, year: int) -> PolicyDocument:
    doc, _ = PolicyDocument.objects.get_or_create(
        code=code,
        defaults={"kind": "standard", "number": number, "title_zh": title_zh, "title_en": title_en, "year": year},
    )
    return doc


def make_criteria_set() -> CriteriaSet:
    """A copy of the GB/T 36132-2025 example table under its own code (fixtures may change)."""
    existing = CriteriaSet.objects.filter(code=SET_CODE).first()
    if existing:
        return existing
    standard = policy(
        "gbt-36132-2025", "GB/T 36132-2025", "绿色工厂评价通则", "General principles for green factory evaluation", 2025
    )
    measures = policy(
        "miit-2024-13",
        "工信部节〔2024〕13号",
        "绿色工厂梯度培育及管理暂行办法",
        "Interim Measures for Gradient Cultivation of Green Factories",
        2024,
    )
    gbt24067 = policy(
        "gbt-24067",
        "GB/T 24067",
        "温室气体 产品碳足迹 量化要求和指南",
        "Greenhouse gases — Carbon footprint of products",
        2024,
    )
    cs = CriteriaSet.objects.create(
        code=SET_CODE,
        area="factory",
        version="2025-test",  # the reference data publishes factory 2025
        name_zh="绿色工厂（测试用通则指标表）",
        name_en="Green factory (test copy of the general table)",
        standard="GB/T 36132-2025",
        status="published",
        effective_date=date(2025, 12, 31),
        rating="relative",
    )
    cs.governing_documents.set([standard, measures])
    gates = [
        (
            "B1",
            "basic",
            "近三年无重大安全、质量、环境违法行为",
            "No serious safety, quality or environmental violations in 3 years",
        ),
        (
            "B2",
            "basic",
            "明确绿色制造管理职责并制定中长期规划",
            "Green manufacturing responsibility and a mid/long-term plan",
        ),
        (
            "B3",
            "basic",
            "建立质量、环境、能源和职业健康安全管理体系",
            "Quality, environmental, energy and OH&S management systems",
        ),
        ("N1", "negative", "未被列入经营异常名录", "Not on the abnormal-operation list"),
    ]
    for n, (code, kind, zh, en) in enumerate(gates):
        gate = Gate.objects.create(criteria_set=cs, code=code, kind=kind, order=n, text_zh=zh, text_en=en)
        gate.policy_basis.set([measures])
    for n, (code, zh, en, weight, indicators) in enumerate(CATEGORIES):
        category = Category.objects.create(
            criteria_set=cs, code=code, order=n, name_zh=zh, name_en=en, weight=Decimal(weight)
        )
        for m, (icode, izh, ien, kind, points, formula) in enumerate(indicators):
            rule: dict = {}
            if kind == "count":
                rule = {"target": 8, "leading": "8", "benchmark": "0"}
            elif kind == "positive_qual":
                rule = {"fractions": {"met": "1", "partly": "0.5", "not_met": "0"}}
            indicator = Indicator.objects.create(
                category=category,
                code=icode,
                order=m,
                name_zh=izh,
                name_en=ien,
                indicator_type=kind,
                points=Decimal(points),
                formula=formula,
                rule=rule,
                uses_sector_values=icode == "T01",
                recommendation_zh=f"针对{izh}制定改进计划，对标行业先进水平。",
                recommendation_en=f"Plan improvements for {ien.lower()} against the industry's leading level.",
                provisional=icode == "T10",
            )
            indicator.policy_basis.set([standard, gbt24067] if icode == "T13" else [standard])
    return cs


def make_company(name: str = COMPANY_NAME, credit_code: str = "91320500MA1TEST001") -> Company:
    sector, _ = Sector.objects.get_or_create(
        code="C34", defaults={"name_zh": "通用设备制造业", "name_en": "General equipment manufacturing"}
    )
    return Company.objects.create(name=name, credit_code=credit_code, sector=sector, province="JS", size="medium")


def make_user(username: str, company: Company | None = None, role: str = Role.OWNER):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-123")
    if company is not None:
        Membership.objects.create(user=user, company=company, role=role)
    return user


def make_assessment(company: Company | None = None, user=None) -> Assessment:
    """A complete draft: every gate and indicator answered, with notes, evidence and a sector value."""
    cs = make_criteria_set()
    company = company or make_company()
    assessment = Assessment.objects.create(company=company, criteria_set=cs, year=2025, created_by=user)
    sector = Sector.objects.get(code="C34")
    sv, _ = SectorValue.objects.get_or_create(
        key="report-test-machinery",
        defaults={
            "indicator_code": "T01",
            "sector": sector,
            "product_zh": "精密铸件",
            "product_en": "Precision castings",
            "standard": "GB 99999",
            "edition": "2024",
            "unit": "kgce/t",
            "leading": Decimal("60"),
            "benchmark": Decimal("95"),
        },
    )
    RegionalReference.objects.get_or_create(
        area="factory", province="JS", year=2025, defaults={"value": Decimal("72.50"), "source": "江苏省工信厅 2025"}
    )
    for code in ("B1", "B2", "B3", "N1"):
        Answer.objects.create(assessment=assessment, code=code, passed=True)
    for code, (inputs, limits) in QUANT.items():
        fields: dict = {"inputs": inputs}
        if code == "T01":
            fields["sector_value"] = sv
        elif limits:
            fields |= {
                "leading": Decimal(limits[0]),
                "benchmark": Decimal(limits[1]),
                "values_source": "行业协会 2024 年统计公报",
            }
        Answer.objects.create(assessment=assessment, code=code, **fields)
    Answer.objects.create(assessment=assessment, code="T04", count=6)
    Answer.objects.create(assessment=assessment, code="T09", choice="met", comment="采用国家鼓励目录中的高效电机")
    Answer.objects.create(
        assessment=assessment,
        code="T12",
        choice="partly",
        consultant_note="设计评审记录不完整，需补充 <script>alert(1)</script>",
    )
    Answer.objects.create(assessment=assessment, code="T13", choice="not_met")
    Evidence.objects.create(
        assessment=assessment,
        code="T01",
        file="evidence/x/1",
        original_name="能源统计报表 B205-1.pdf",
        content_type="application/pdf",
        size=1000,
    )
    Evidence.objects.create(
        assessment=assessment,
        code="T09",
        file="evidence/x/2",
        original_name="设备清单.xlsx",
        content_type="application/vnd.ms-excel",
        size=1000,
    )
    return assessment


def demo_factory_assessment() -> Assessment | None:
    return (
        Assessment.objects.filter(is_demo=True, criteria_set__area="factory")
        .select_related("company", "criteria_set")
        .order_by("id")
        .first()
    )


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def embedded_fonts(reader: PdfReader) -> set[str]:
    names: set[str] = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")))
            for descendant in font.get("/DescendantFonts", []):
                d = descendant.get_object()
                descriptor = d.get("/FontDescriptor", {})
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(d.get("/BaseFont", "")))
    return names


# --- Context ----------------------------------------------------------------------------------


def test_context_has_every_indicator_and_the_gaps():
    assessment = make_assessment()
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    codes = [i["code"] for g in ctx["detail_groups"] for i in g["indicators"]]
    assert codes == [f"T{n:02d}" for n in range(1, 15)]
    assert ctx["draft"] is True
    assert [c["name"] for c in ctx["categories"]] == [
        "Energy low-carbon",
        "Resource efficiency",
        "Clean production",
        "Green products",
        "Intensive land use",
    ]
    gap_codes = [g["code"] for g in ctx["gaps"]]
    assert "T13" in gap_codes and "T09" not in gap_codes  # not met vs fully met
    t13 = next(g for g in ctx["gaps"] if g["code"] == "T13")
    assert t13["lost"] == "8.00"
    # The policy basis is printed once, in the policy chapter, with the indicators citing it.
    assert "basis" not in t13
    cited = {d["number"]: d["cited_by"] for d in ctx["cited_documents"]}
    assert "T13" in cited["GB/T 24067"]
    assert 3 <= len(ctx["top_actions"]) <= 5
    t02 = next(i for g in ctx["detail_groups"] for i in g["indicators"] if i["code"] == "T02")
    # Intensities: three significant figures, for the value and its yardsticks alike.
    assert t02["user_supplied"] is True and "0.150" in t02["yardstick"] and "0.250" in t02["yardstick"]
    assert t02["inputs"][0]["quantity"] == '<span class="nobr">3,100\xa0tCO<sub>2</sub></span>'
    t01 = next(i for g in ctx["detail_groups"] for i in g["indicators"] if i["code"] == "T01")
    assert t01["evidence"] == ["能源统计报表 B205-1.pdf"] and "GB 99999-2024" in t01["yardstick_source"]
    assert ctx["summary"]["reference"] == "72.50"
    assert "GB/T 36132-2025" in [d["number"] for d in ctx["governing_documents"]]
    assert "<svg" in ctx["chart_svg"]


def test_html_escapes_user_text():
    assessment = make_assessment(company=make_company(name="<b>Evil & Co</b>", credit_code="91320500MA1TEST00X"))
    html = reports.render_html(assessment, language="en")
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The draft watermark is one element, the cover names the company once as its heading.
    document = parse_html(html)
    assert document.count(parse_html('<div class="watermark" aria-hidden="true">DRAFT</div>')) == 1


# --- The PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf_has_the_content_in_the_right_language_and_a_cjk_font(language):
    assessment = make_assessment()
    with translation.override(language):
        ctx = reports.build_context(assessment, language=language)
    pdf = reports.render_pdf(assessment, language=language)
    text, reader = pdf_text(pdf.data)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert COMPANY_NAME in squeezed
    assert ctx["summary"]["total"] in text
    for category in ctx["categories"]:
        assert category["name"].replace(" ", "") in squeezed
    # Chinese comes back as Chinese characters (content is Chinese in both languages' company name;
    # in zh-hans the category headings are Chinese too).
    if language == "zh-hans":
        assert "能源低碳化" in squeezed and "生产工艺和设备先进性" in squeezed
    else:
        assert "Energy low-carbon" in text and "Gap analysis" in text
    assert pdf.pages == len(reader.pages) >= 6
    fonts = embedded_fonts(reader)
    assert any("CJK" in name or "Noto" in name for name in fonts), fonts


def test_consultancy_name_and_logo_on_the_cover(tmp_path, settings):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "logos").mkdir(parents=True)
    Image.new("RGB", (120, 40), (20, 120, 60)).save(tmp_path / "media" / "logos" / "firm.png")
    firm = Consultancy.objects.create(name="青松绿色咨询", logo="logos/firm.png")
    assessment = make_assessment()
    html = reports.render_html(assessment, language="zh-hans", consultancy=firm)
    assert "青松绿色咨询" in html and (tmp_path / "media" / "logos" / "firm.png").resolve().as_uri() in html
    pdf = reports.html_to_pdf(html)
    text, reader = pdf_text(pdf.data)
    assert "青松绿色咨询" in text.replace(" ", "")
    cover = reader.pages[0]
    assert any(
        str(x.get_object().get("/Subtype")) == "/Image" for x in cover["/Resources"].get("/XObject", {}).values()
    )


def test_submitted_assessment_uses_the_snapshot_and_has_no_watermark():
    from assessment.submission import submit

    user = make_user("owner-snap")
    assessment = make_assessment(user=user)
    snapshot = submit(assessment.pk, user=user, language="en")
    assessment.refresh_from_db()
    # A later edit of a live answer must not change the submitted report.
    Answer.objects.filter(assessment=assessment, code="T13").update(choice="met")
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    assert ctx["draft"] is False
    assert ctx["summary"]["total"] == f"{snapshot.total:,.2f}"
    assert any(g["code"] == "T13" for g in ctx["gaps"])


def test_demo_factory_report_in_both_languages():
    assessment = demo_factory_assessment()
    if assessment is None:
        pytest.skip("fixtures/demo.json has no demo factory assessment yet")
    for language in ("zh-hans", "en"):
        with translation.override(language):
            ctx = reports.build_context(assessment, language=language)
        pdf = reports.render_pdf(assessment, language=language)
        text, reader = pdf_text(pdf.data)
        squeezed = text.replace(" ", "").replace("\n", "")
        assert assessment.company.name.replace(" ", "") in squeezed
        assert ctx["summary"]["total"] in text
        for category in ctx["categories"]:
            assert category["name"].replace(" ", "") in squeezed
        if language == "zh-hans":
            assert "能源低碳化" in squeezed
        assert len(reader.pages) >= 6
        assert any("CJK" in name for name in embedded_fonts(reader))


# --- url_fetcher ------------------------------------------------------------------------------


def test_fetcher_serves_static_and_media_files(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.png").write_bytes(b"\x89PNG fake")
    fetcher = pdf.LocalFileFetcher()
    assert fetcher.fetch((tmp_path / "media" / "a.png").as_uri()).read() == b"\x89PNG fake"
    css = fetcher.fetch(reports.static_file_url("css/report.css"))
    assert b"@page" in css.read() and css.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/css/report.css",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_network_and_other_files(url):
    with pytest.raises(ValueError, match="refused"):
        pdf.LocalFileFetcher().fetch(url)


def test_fetcher_refuses_path_tricks(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "media" / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = pdf.LocalFileFetcher()
    for url in [f"file://{tmp_path}/media/../secret.txt", (tmp_path / "media" / "link.css").as_uri()]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_pdf_render_does_not_fetch_remote_images():
    html = '<html><body><p>x</p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname"></body></html>'
    fetched = []

    class Recording(pdf.LocalFileFetcher):
        def fetch(self, url, headers=None):
            fetched.append(url)
            return super().fetch(url, headers)

    from weasyprint import HTML

    HTML(string=html, url_fetcher=Recording()).write_pdf()
    assert fetched  # WeasyPrint asked, and the fetcher refused both (no exception escaped)


# --- render_report command --------------------------------------------------------------------


def test_render_report_command_writes_pdf_and_html(tmp_path):
    assessment = make_assessment()
    out, html = tmp_path / "r.pdf", tmp_path / "r.html"
    stdout = io.StringIO()
    call_command(
        "render_report", str(assessment.pk), "--lang", "en", "--out", str(out), "--html", str(html), stdout=stdout
    )
    assert out.read_bytes().startswith(b"%PDF")
    assert COMPANY_NAME in html.read_text()
    assert "pages" in stdout.getvalue()


def test_render_report_command_rejects_unknown_assessment(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no assessment 999999"):
        call_command("render_report", "999999", "--lang", "en", "--out", str(tmp_path / "x.pdf"))


def test_static_roots_include_staticfiles_dirs():
    roots = pdf.allowed_roots()
    assert (settings.BASE_DIR / "static").resolve() in roots


# --- System checks ----------------------------------------------------------------------------


def test_checks_pass_with_noto_cjk_and_harfbuzz_subset_installed():
    from assessment import checks

    assert checks.check_cjk_font() == [] and checks.check_harfbuzz_subset() == []


def test_checks_warn_without_cjk_font_or_harfbuzz_subset(monkeypatch):
    from assessment import checks

    monkeypatch.setattr(checks, "cjk_font_family", lambda: "DejaVu Sans")
    monkeypatch.setattr(checks.ctypes.util, "find_library", lambda name: None)
    assert [w.id for w in checks.check_cjk_font()] == ["assessment.W001"]
    assert [w.id for w in checks.check_harfbuzz_subset()] == ["assessment.W002"]
