"""Peer-standing test helpers: submitted assessments with minimal frozen snapshots, and groups of peers.

The standing tables read only a snapshot's total, indicator values and the company's sector, province and
consultancies, so these snapshots hold just those; peers are spread over consultancies-or-none.
"""

from decimal import Decimal
from typing import Any

from django.test import Client

from assessment.models import Assessment, CriteriaSet, Snapshot
from organisations.models import AccessGrant, Company, Consultancy
from tests.worlds import world_company


def english(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def submitted(
    company: Company, criteria_set: CriteriaSet, total: str, *, year: int = 2030, values: dict[str, str] | None = None
) -> Assessment:
    """A submitted assessment with a minimal frozen snapshot (the standing tables read only these fields)."""
    assessment = Assessment.objects.create(
        company=company, criteria_set=criteria_set, year=year, status=Assessment.Status.SUBMITTED
    )
    indicators = [
        {"code": code, "value": value, "points": "5.00", "maximum": "10.00"} for code, value in (values or {}).items()
    ]
    Snapshot.objects.create(
        assessment=assessment,
        total=Decimal(total),
        verdict="pass",
        answers={},
        criteria={
            "code": criteria_set.code,
            "gates": [],
            "categories": [
                {
                    "code": "C1",
                    "indicators": [
                        {"code": c, "indicator_type": "reverse_quant", "points": "10"} for c in (values or {})
                    ],
                }
            ],
        },
        scorecard={"total": total, "maximum": "100.00", "indicators": indicators, "categories": []},
    )
    return assessment


def peers(criteria_set: CriteriaSet, n: int, *, firms: int = 3, start: int = 40) -> list[Assessment]:
    """n peer companies (same sector and province as world_company) spread over `firms` consultancies-or-none."""
    consultancies = [Consultancy.objects.create(name=f"Firm {i}") for i in range(1, firms)]
    out = []
    for i in range(n):
        company = world_company(f"Peer {i}")
        if i % firms:
            AccessGrant.objects.create(company=company, consultancy=consultancies[i % firms - 1])
        out.append(submitted(company, criteria_set, str(start + i), values={"X01": str(1 + i)}))
    return out
