"""A small published criteria set with every kind of questionnaire item, its sector values and drafts.

The questionnaire, autosave and evidence tests (and bench/questionnaire_bench.py) build on it; people
and companies come from tests/factories.py.
"""

import datetime
import itertools
from decimal import Decimal

from assessment.models import Assessment, Category, CriteriaSet, Gate, Indicator, SectorValue
from organisations.models import Company, Sector
from policies.models import PolicyDocument
from tests.factories import make_company

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
    policy, _ = PolicyDocument.objects.get_or_create(
        code="q-test-policy",
        defaults={
            "kind": "standard",
            "number": "GB/T 99999-2025",
            "title_zh": "测试政策",
            "title_en": "Test policy",
            "year": 2025,
        },
    )
    Gate.objects.create(
        criteria_set=cs, code="B1", kind="basic", order=1, text_zh="基本要求一", text_en="Basic requirement one"
    )
    Gate.objects.create(
        criteria_set=cs,
        code="N1",
        kind="negative",
        order=2,
        text_zh="否决项一",
        text_en="None of the following applies: X",
    )
    energy = Category.objects.create(
        criteria_set=cs, code="energy", order=1, name_zh="能源", name_en="Energy", weight=Decimal(60)
    )
    mgmt = Category.objects.create(
        criteria_set=cs, code="mgmt", order=2, name_zh="管理", name_en="Management", weight=Decimal(40)
    )
    indicators = [
        Indicator(
            category=energy,
            code="E01",
            order=1,
            name_zh="能耗强度",
            name_en="Energy intensity",
            indicator_type="reverse_quant",
            points=Decimal(10),
            unit="tce/product unit",
            formula="energy_intensity",
            uses_sector_values=True,
            guidance_en="Enter E and Q.",
            evidence_en="Energy statistics form.",
        ),
        Indicator(
            category=energy,
            code="E02",
            order=2,
            name_zh="可再生能源比例",
            name_en="Renewable share",
            indicator_type="positive_quant",
            points=Decimal(10),
            unit="%",
            formula="renewable_share",
        ),
        Indicator(
            category=energy,
            code="E03",
            order=3,
            name_zh="回用率",
            name_en="Reuse rate",
            indicator_type="positive_quant",
            points=Decimal(10),
            unit="%",
            allows_na=True,
            rule={"leading": "90", "benchmark": "50"},
        ),
        Indicator(
            category=mgmt,
            code="M01",
            order=1,
            name_zh="能源管理",
            name_en="Energy management",
            indicator_type="positive_qual",
            points=Decimal(5),
        ),
        Indicator(
            category=mgmt,
            code="M02",
            order=2,
            name_zh="违规",
            name_en="Violations",
            indicator_type="reverse_qual",
            points=Decimal(5),
        ),
        Indicator(
            category=mgmt,
            code="M03",
            order=3,
            name_zh="数字化",
            name_en="Digital functions",
            indicator_type="count",
            points=Decimal(4),
            rule={"target": 2, "options_zh": ["甲", "乙", "丙"], "options_en": ["Alpha", "Beta", "Gamma"]},
        ),
        Indicator(
            category=mgmt,
            code="M04",
            order=4,
            name_zh="产品合格",
            name_en="Product conformity",
            indicator_type="pass_fail",
            points=Decimal(1),
            rule={"requirement_zh": "符合", "requirement_en": "Conforms to the product standard"},
        ),
    ]
    indicators += [
        Indicator(
            category=mgmt,
            code=f"X{i:03d}",
            order=10 + i,
            name_zh=f"指标{i}",
            name_en=f"Filler {i}",
            indicator_type="positive_qual",
            points=Decimal(1),
            guidance_en="Say whether it is met.",
        )
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
