"""The report tests' assessment: a copy of the GB/T 36132-2025 example table, a machinery works in Jiangsu
and a complete draft with notes, evidence and a sector value (tests/test_reports*.py, test_report_defects.py)."""

import io
import re
import subprocess
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from pypdf import PdfReader

from assessment.models import (
    Answer,
    Assessment,
    Category,
    CriteriaSet,
    RegionalReference,
    SectorValue,
)
from organisations.models import Company, Sector
from tests import factories
from tests.worlds import basis_document, indicator, make_evidence, make_gates

SET_CODE = "report-test-factory"
CATEGORIES = [
    # code, zh, en, weight
    ("energy", "能源低碳化", "Energy low-carbon", "30"),
    ("resource", "资源高效化", "Resource efficiency", "30"),
    ("clean", "生产洁净化", "Clean production", "16"),
    ("product", "产品绿色化", "Green products", "16"),
    ("land", "用地集约化", "Intensive land use", "8"),
]
INDICATORS = {
    # category code: [(code, zh, en, type, points, formula)]
    "energy": [
        ("T01", "能源消耗强度", "Energy consumption intensity", "reverse_quant", "8", "energy_intensity"),
        ("T02", "碳排放强度", "Carbon emission intensity", "reverse_quant", "8", "carbon_intensity"),
        ("T03", "可再生能源利用率", "Renewable energy utilisation rate", "positive_quant", "8", "renewable_share"),
        ("T04", "能碳管理系统平台功能符合数量", "Energy-carbon platform functions met", "count", "6", ""),
    ],
    "resource": [
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
    "clean": [
        ("T09", "生产工艺和设备先进性", "Advanced process and equipment", "positive_qual", "6", ""),
        (
            "T10",
            "绿色低碳改造升级项目投资额占比",
            "Share of retrofit investment",
            "positive_quant",
            "4",
            "retrofit_investment_share",
        ),
        ("T11", "主要污染物产生或排放强度", "Main pollutant intensity", "reverse_quant", "6", "pollutant_intensity"),
    ],
    "product": [
        ("T12", "绿色设计", "Green design", "positive_qual", "8", ""),
        ("T13", "产品碳足迹", "Product carbon footprint", "positive_qual", "8", ""),
    ],
    "land": [
        ("T14", "土地产出率", "Land output rate", "positive_quant", "8", "land_output"),
    ],
}
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


def make_criteria_set() -> CriteriaSet:
    """A copy of the GB/T 36132-2025 example table under its own code (fixtures may change)."""
    existing = CriteriaSet.objects.filter(code=SET_CODE).first()
    if existing:
        return existing
    standard = basis_document(
        "gbt-36132-2025", "GB/T 36132-2025", "绿色工厂评价通则", "General principles for green factory evaluation", 2025
    )
    measures = basis_document(
        "miit-2024-13",
        "工信部节〔2024〕13号",
        "绿色工厂梯度培育及管理暂行办法",
        "Interim Measures for Gradient Cultivation of Green Factories",
        2024,
    )
    gbt24067 = basis_document(
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
    for gate in make_gates(cs, *gates):
        gate.policy_basis.set([measures])
    for n, (code, zh, en, weight) in enumerate(CATEGORIES):
        category = Category.objects.create(
            criteria_set=cs, code=code, order=n, name_zh=zh, name_en=en, weight=Decimal(weight)
        )
        for m, (icode, izh, ien, kind, points, formula) in enumerate(INDICATORS[code]):
            rule: dict = {}
            if kind == "count":
                rule = {"target": 8, "leading": "8", "benchmark": "0"}
            elif kind == "positive_qual":
                rule = {"fractions": {"met": "1", "partly": "0.5", "not_met": "0"}}
            columns = {
                "formula": formula,
                "rule": rule,
                "uses_sector_values": icode == "T01",
                "recommendation_zh": f"针对{izh}制定改进计划，对标行业先进水平。",
                "recommendation_en": f"Plan improvements for {ien.lower()} against the industry's leading level.",
                "provisional": icode == "T10",
            }
            item = indicator(category, icode, m, izh, ien, kind, points, **columns)
            item.save()
            item.policy_basis.set([standard, gbt24067] if icode == "T13" else [standard])
    return cs


def make_company(name: str = COMPANY_NAME, code: str = "91320500MA1TEST001") -> Company:
    """A machinery works in Jiangsu under a fixed credit code (the report prints it)."""
    sector, _ = Sector.objects.get_or_create(
        code="C34", defaults={"name_zh": "通用设备制造业", "name_en": "General equipment manufacturing"}
    )
    return factories.make_company(name, code=code, sector=sector, province="JS")


def make_assessment(company: Company | None = None, user: User | None = None) -> Assessment:
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
    make_evidence(assessment, "T01", "能源统计报表 B205-1.pdf", file="evidence/x/1", size=1000)
    make_evidence(assessment, "T09", "设备清单.xlsx", "application/vnd.ms-excel", file="evidence/x/2", size=1000)
    return assessment


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


DEMO_COMPANY = "浙江示范建材有限公司（演示）"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")  # Han, CJK punctuation, full-width forms


def pdftotext(data: bytes, *layout: str) -> str:
    return subprocess.run(["pdftotext", *layout, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
