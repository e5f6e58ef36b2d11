"""A small published criteria set with every kind of questionnaire item, its sector values and drafts.

The questionnaire, autosave and evidence tests (and bench/questionnaire_bench.py) build on it; people
and companies come from tests/factories.py.
"""

import datetime
import itertools
from decimal import Decimal
from typing import Any

from assessment.models import Assessment, Category, CriteriaSet, Indicator, SectorValue
from organisations.models import Company, Sector
from policies.models import PolicyDocument
from tests.factories import make_company
from tests.worlds import basis_document, indicator, make_gates

_numbers = itertools.count(1)
# Who may change a draft: the status code each visitor gets (viewers may read it, not change it).
EDIT_LADDER = [
    ("anonymous", 302),
    ("outsider", 404),
    ("viewer", 403),
    ("editor", 200),
    ("owner", 200),
    ("consultant", 200),
    ("revoked", 404),
]

# Each category's items, ordered from 1: (code, name_zh, name_en, indicator type, points).
ITEMS = {
    "energy": [
        ("E01", "能耗强度", "Energy intensity", "reverse_quant", 10),
        ("E02", "可再生能源比例", "Renewable share", "positive_quant", 10),
        ("E03", "回用率", "Reuse rate", "positive_quant", 10),
    ],
    "mgmt": [
        ("M01", "能源管理", "Energy management", "positive_qual", 5),
        ("M02", "违规", "Violations", "reverse_qual", 5),
        ("M03", "数字化", "Digital functions", "count", 4),
        ("M04", "产品合格", "Product conformity", "pass_fail", 1),
    ],
}
# The items' other columns.
COLUMNS: dict[str, dict[str, Any]] = {
    "E01": {
        "unit": "tce/product unit",
        "formula": "energy_intensity",
        "uses_sector_values": True,
        "guidance_en": "Enter E and Q.",
        "evidence_en": "Energy statistics form.",
    },
    "E02": {"unit": "%", "formula": "renewable_share"},
    "E03": {"unit": "%", "allows_na": True, "rule": {"leading": "90", "benchmark": "50"}},
    "M03": {"rule": {"target": 2, "options_zh": ["甲", "乙", "丙"], "options_en": ["Alpha", "Beta", "Gamma"]}},
    "M04": {"rule": {"requirement_zh": "符合", "requirement_en": "Conforms to the product standard"}},
}
FILLER_COLUMNS = {"guidance_en": "Say whether it is met."}


def make_criteria_set(n_filler: int = 4, *, code: str | None = None) -> CriteriaSet:
    """A small published set with every kind of item: 2 gates, formula indicators (one with sector
    values), a rate, N/A, qualitative, reverse qualitative, count, pass/fail and `n_filler` more."""
    number = next(_numbers)
    cs = CriteriaSet.objects.create(
        code=code or f"q-test-{number}",
        area="factory",
        version=f"2025.{number}",  # two published sets of an area never share a version
        name_zh="测试标准",
        name_en="Test criteria",
        standard="GB/T 36132-2025",
        status=CriteriaSet.Status.PUBLISHED,
        effective_date=datetime.date(2020, 1, 1),
        rating=CriteriaSet.Rating.STARS,
        rating_bands=[
            {"min": 80, "label_zh": "优", "label_en": "Excellent"},
            {"min": 0, "label_zh": "一般", "label_en": "Fair"},
        ],
    )
    policy = basis_document("q-test-policy", "GB/T 99999-2025", "测试政策", "Test policy", 2025)
    make_gates(
        cs,
        ("B1", "basic", "基本要求一", "Basic requirement one"),
        ("N1", "negative", "否决项一", "None of the following applies: X"),
    )
    energy = Category.objects.create(
        criteria_set=cs, code="energy", order=1, name_zh="能源", name_en="Energy", weight=Decimal(60)
    )
    mgmt = Category.objects.create(
        criteria_set=cs, code="mgmt", order=2, name_zh="管理", name_en="Management", weight=Decimal(40)
    )
    categories = {"energy": energy, "mgmt": mgmt}
    indicators = [
        indicator(categories[key], code, order, zh, en, kind, points, **COLUMNS.get(code, {}))
        for key, items in ITEMS.items()
        for order, (code, zh, en, kind, points) in enumerate(items, start=1)
    ]
    indicators += [
        indicator(mgmt, f"X{i:03d}", 10 + i, f"指标{i}", f"Filler {i}", "positive_qual", 1, **FILLER_COLUMNS)
        for i in range(n_filler)
    ]
    Indicator.objects.bulk_create(indicators)
    PolicyDocument.indicators.through.objects.bulk_create(
        [
            PolicyDocument.indicators.through(indicator_id=i.pk, policydocument_id=policy.pk)
            for i in Indicator.objects.filter(category__criteria_set=cs)
        ]
    )
    return cs


def make_sector_value(
    sector: Sector, *, code: str = "E01", mark: str = "S", leading: str = "100", benchmark: str = "120"
) -> SectorValue:
    return SectorValue.objects.create(
        key=f"q-test-sv-{next(_numbers)}",
        area="factory",
        indicator_code=code,
        sector=sector,
        product_zh="产品",
        product_en="Widget",
        standard="GB 99999",
        edition="2021",
        unit="kgce/t",
        leading=Decimal(leading),
        benchmark=Decimal(benchmark),
        mark=mark,
    )


def make_assessment(
    company: Company | None = None, criteria_set: CriteriaSet | None = None, **kwargs: object
) -> Assessment:
    return Assessment.objects.create(
        company=company or make_company(), criteria_set=criteria_set or make_criteria_set(), year=2025, **kwargs
    )
