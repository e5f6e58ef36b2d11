"""A synthetic world for the submission, results, exchange and standing tests: a criteria set with every
kind of item, a company with every role (and a stranger), and complete answers. People and companies come
from tests/factories.py; this module adds what is particular to the world."""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from assessment.models import (
    Answer,
    Assessment,
    Category,
    CriteriaSet,
    Evidence,
    FocusArea,
    Gate,
    Indicator,
    SectorValue,
)
from organisations.models import AccessGrant, Company, Consultancy, Consultant, Membership, Sector
from policies.models import PolicyDocument
from tests.factories import make_company, make_sector, make_user

_serial = itertools.count(1)
BANDS = [
    {"min": 85, "label_zh": "五星", "label_en": "Five stars"},
    {"min": 70, "label_zh": "四星", "label_en": "Four stars"},
    {"min": 50, "label_zh": "三星", "label_en": "Three stars"},
]


def world_sector() -> Sector:
    """The world's industry: its own code, so its peer groups hold only the companies a test makes."""
    return make_sector("ZT")


def basis_document(code: str, number: str, title_zh: str, title_en: str, year: int) -> PolicyDocument:
    """A standard that items cite as their policy basis, made once per code."""
    doc, _ = PolicyDocument.objects.get_or_create(
        code=code,
        defaults={"kind": "standard", "number": number, "title_zh": title_zh, "title_en": title_en, "year": year},
    )
    return doc


def make_gates(criteria_set: CriteriaSet, *gates: tuple[str, str, str, str]) -> list[Gate]:
    """The set's gates in order from 1, each given as (code, kind, text_zh, text_en)."""
    return [
        Gate.objects.create(criteria_set=criteria_set, code=code, kind=kind, order=n, text_zh=zh, text_en=en)
        for n, (code, kind, zh, en) in enumerate(gates, start=1)
    ]


def indicator(
    category: Category, code: str, order: int, name_zh: str, name_en: str, kind: str, points: int | str, **fields: Any
) -> Indicator:
    """An unsaved item of `category`; `fields` are its other columns."""
    return Indicator(
        category=category,
        code=code,
        order=order,
        name_zh=name_zh,
        name_en=name_en,
        indicator_type=kind,
        points=Decimal(points),
        **fields,
    )


def make_criteria_set(
    n_indicators: int = 10,
    *,
    code: str | None = None,
    area: str = "test_area",
    status: str = CriteriaSet.Status.PUBLISHED,
    effective: datetime.date = datetime.date(2030, 1, 1),
    rating: str = CriteriaSet.Rating.STARS,
) -> CriteriaSet:
    """Gates G1 (basic) and G2 (negative); categories C1–C3; indicators X01 (reverse quantitative
    with a formula and a sector value), X02 (qualitative, N/A allowed), X03 (count), X04 (pass/fail)
    and qualitative X05… up to `n_indicators`. Every indicator has one policy basis document."""
    n = next(_serial)
    code = code or f"test-set-{n}"
    criteria_set = CriteriaSet.objects.create(
        code=code,
        area=area,
        version=f"2030.{n}",  # two published sets of an area never share a version
        name_zh=f"测试标准 {n}",
        name_en=f"Test criteria {n}",
        standard="T/TEST 1-2030",
        status=status,
        effective_date=effective,
        rating=rating,
        rating_bands=BANDS if rating == CriteriaSet.Rating.STARS else [],
    )
    make_gates(
        criteria_set,
        ("G1", "basic", "依法设立", "Legally established"),
        ("G2", "negative", "无重大事故", "No major accident"),
    )
    categories = [
        Category.objects.create(
            criteria_set=criteria_set, code=f"C{i}", order=i, name_zh=f"类别{i}", name_en=f"Category {i}", weight=w
        )
        for i, w in ((1, Decimal(40)), (2, Decimal(30)), (3, Decimal(30)))
    ]
    doc = basis_document("test-basis-doc", "T/TEST 1-2030", "测试依据", "Test basis", 2030)
    for i in range(1, n_indicators + 1):
        kind = {1: "reverse_quant", 2: "positive_qual", 3: "count", 4: "pass_fail"}.get(i, "positive_qual")
        item = Indicator.objects.create(
            category=categories[(i - 1) % 3],
            code=f"X{i:02d}",
            order=i,
            name_zh=f"指标{i}",
            name_en=f"Indicator {i}",
            indicator_type=kind,
            points=Decimal(10),
            allows_na=i == 2,
            unit="tce/t" if i == 1 else "",
            formula="energy_intensity" if i == 1 else "",
            uses_sector_values=i == 1,
            rule={"target": 4} if kind == "count" else {},
            recommendation_zh=f"改进建议{i}",
            recommendation_en=f"Recommendation {i}",
        )
        item.policy_basis.add(doc)
    return criteria_set


def make_sector_value(indicator_code: str = "X01", *, key: str | None = None, **fields: object) -> SectorValue:
    """A verified sector value of the world's industry (leading 0.1, benchmark 0.2 tce/t); `fields` override."""
    values: dict[str, object] = {
        "key": key or f"test-sv-{next(_serial)}",
        "area": FocusArea.FACTORY,
        "indicator_code": indicator_code,
        "sector": world_sector(),
        "product_zh": "测试产品",
        "product_en": "Test product",
        "standard": "GB 0000",
        "edition": "2030",
        "unit": "tce/t",
        "leading": Decimal("0.1"),
        "benchmark": Decimal("0.2"),
        "mark": "V",
    }
    return SectorValue.objects.create(**(values | fields))


def make_evidence(
    assessment: Assessment, code: str, name: str, content_type: str = "application/pdf", **fields: object
) -> Evidence:
    """A row of `assessment`'s evidence for item `code`, naming a file that is not written; `fields` override."""
    values: dict[str, object] = {"file": "evidence/x", "original_name": name, "content_type": content_type, "size": 1}
    return Evidence.objects.create(assessment=assessment, code=code, **(values | fields))


@dataclass
class World:
    company: Company
    assessment: Assessment
    owner: User
    editor: User
    viewer: User
    consultant: User
    revoked: User
    stranger: User

    def client(self, role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(getattr(self, role))
        return client


def world_company(name: str = "Test Co") -> Company:
    """A company of the world's industry in Jiangsu."""
    return make_company(name, sector=world_sector(), province="JS")


def make_world(n_indicators: int = 10, criteria_set: CriteriaSet | None = None) -> World:
    """A company with owner, editor and viewer, a granted and a revoked consultant, a stranger
    (owner of another company), and one draft assessment."""
    company = world_company()
    users = {role: make_user(role) for role in ("owner", "editor", "viewer", "consultant", "revoked", "stranger")}
    for role in ("owner", "editor", "viewer"):
        Membership.objects.create(user=users[role], company=company, role=role)
    firm = Consultancy.objects.create(name="Good Advice")
    Consultant.objects.create(user=users["consultant"], consultancy=firm)
    AccessGrant.objects.create(company=company, consultancy=firm)
    old_firm = Consultancy.objects.create(name="Former Advice")
    Consultant.objects.create(user=users["revoked"], consultancy=old_firm)
    AccessGrant.objects.create(
        company=company, consultancy=old_firm, revoked_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    other = world_company("Other Co")
    Membership.objects.create(user=users["stranger"], company=other, role="owner")
    criteria_set = criteria_set or make_criteria_set(n_indicators)
    assessment = Assessment.objects.create(
        company=company, criteria_set=criteria_set, year=2030, created_by=users["owner"]
    )
    return World(company=company, assessment=assessment, **users)


def answer(assessment: Assessment, code: str, **fields: object) -> Answer:
    row, _ = Answer.objects.update_or_create(assessment=assessment, code=code, defaults=fields)
    return row


def answer_all(assessment: Assessment, sector_value: SectorValue | None = None) -> None:
    """Complete answers: both gates passed, X01 computed from inputs, the rest partly/fully met."""
    answer(assessment, "G1", passed=True)
    answer(assessment, "G2", passed=True)
    for indicator in Indicator.objects.filter(category__criteria_set=assessment.criteria_set):
        code, kind = indicator.code, indicator.indicator_type
        if kind == "reverse_quant":
            answer(
                assessment,
                code,
                inputs={"E": "1500", "Q": "10000"},
                sector_value=sector_value or make_sector_value(code),
                comment="meter readings 2030",
            )
        elif kind == "count":
            answer(assessment, code, count=3)
        elif kind == "pass_fail":
            answer(assessment, code, passed=True)
        else:
            answer(assessment, code, choice="met" if int(code[1:]) % 2 else "partly")
