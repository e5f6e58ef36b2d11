"""Peer standing at scale: 100,000 synthetic snapshots (30 sectors × 31 provinces × 3 years).

Measures, in one run:
- the worker's refresh after one submission (its entry and its four peer groups, the national
  group of ~33,000 companies included); target ≤ 1 s;
- the standing page's server time as a ratio to a trivial view (login, permission-checked fetch,
  base.html with one line); target ≤ 3×.

Runs in a throw-away test database: test_<name> on PostgreSQL when DATABASE_URL points there (the
real store; SQLite in memory otherwise). DEBUG off, as production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/greenmfg_st .venv/bin/python bench/standing_bench.py [--snapshots 100000] [--runs 200]
"""

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

# The trivial view, its settings (DEBUG off) and the timing loop are the questionnaire bench's.
from bench.database import throwaway_database  # noqa: E402
from bench.questionnaire_bench import TARGET, medians_ms, served  # noqa: E402

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TARGET_REFRESH_S = 1.0
SECTORS, PROVINCES, YEARS = 30, 31, (2024, 2025, 2026)
INDICATORS = [f"F{i:02d}" for i in range(1, 15)]
REVERSE = INDICATORS[:2] + INDICATORS[4:6]


def build(snapshots: int, rng: random.Random) -> tuple[int, "User"]:
    """Companies (one per sector × province cell in turn), three years each; returns a 2026 assessment and its member."""
    from django.contrib.auth.models import User

    from assessment.models import Assessment, CriteriaSet, Snapshot
    from organisations.models import AccessGrant, Company, Consultancy, Membership, Province, Sector
    from standing.models import Entry
    from standing.refresh import entry_fields

    start = time.perf_counter()
    sectors = Sector.objects.bulk_create(
        Sector(code=f"Q{i:02d}", name_zh=f"行业{i}", name_en=f"Sector {i}") for i in range(SECTORS)
    )
    provinces = [p.value for p in Province][:PROVINCES]
    criteria_set = CriteriaSet.objects.create(
        code="bench-set",
        area="factory",
        version="2025",
        name_zh="基准",
        name_en="Bench",
        effective_date="2025-12-31",
        rating="pass",
        status=CriteriaSet.Status.PUBLISHED,
    )
    firms = Consultancy.objects.bulk_create(Consultancy(name=f"Firm {i}", access_code=f"B{i:07d}") for i in range(60))
    n_companies = -(-snapshots // len(YEARS))
    companies = Company.objects.bulk_create(
        (
            Company(
                name=f"Company {i}",
                credit_code=f"91{i:016d}",
                sector=sectors[i % SECTORS],
                province=provinces[(i // SECTORS) % PROVINCES],
                size="medium",
            )
            for i in range(n_companies)
        ),
        batch_size=5000,
    )
    grants = [AccessGrant(company=c, consultancy=rng.choice(firms)) for c in companies if rng.random() < 0.6]
    AccessGrant.objects.bulk_create(grants, batch_size=5000)
    firm_of = {g.company_id: str(g.consultancy_id) for g in grants}
    criteria = {
        "code": criteria_set.code,
        "gates": [],
        "categories": [
            {
                "code": "C1",
                "name_zh": "类",
                "name_en": "C",
                "indicators": [
                    {
                        "code": c,
                        "name_zh": c,
                        "name_en": c,
                        "indicator_type": "reverse_quant" if c in REVERSE else "positive_quant",
                        "points": "7",
                    }
                    for c in INDICATORS
                ],
            }
        ],
    }
    made = 0
    for year in YEARS:
        batch = companies[: max(0, min(n_companies, snapshots - made))]
        assessments = Assessment.objects.bulk_create(
            (
                Assessment(company=c, criteria_set=criteria_set, year=year, status=Assessment.Status.SUBMITTED)
                for c in batch
            ),
            batch_size=5000,
        )
        cards: list[dict[str, Any]] = []
        for _ in assessments:
            total = Decimal(rng.randint(3000, 9800)) / 100
            cards.append(
                {
                    "total": str(total),
                    "maximum": "100.00",
                    "categories": [],
                    "indicators": [
                        {"code": c, "value": str(round(rng.uniform(0.1, 100), 3)), "points": "5.00", "maximum": "7.00"}
                        for c in INDICATORS
                    ],
                }
            )
        Snapshot.objects.bulk_create(
            (
                Snapshot(
                    assessment=a,
                    criteria=criteria,
                    answers={},
                    scorecard=card,
                    total=Decimal(card["total"]),
                    verdict="pass",
                )
                for a, card in zip(assessments, cards, strict=True)
            ),
            batch_size=2000,
        )
        Entry.objects.bulk_create(
            (
                Entry(
                    company_id=a.company_id,
                    assessment=a,
                    area="factory",
                    criteria_set=criteria_set.code,
                    year=year,
                    sector=sectors[i % SECTORS].code,
                    province=provinces[(i // SECTORS) % PROVINCES],
                    firms=firm_of.get(a.company_id, ""),
                    **entry_fields({"scorecard": card, "criteria": criteria}),
                )
                for i, (a, card) in enumerate(zip(assessments, cards, strict=True))
            ),
            batch_size=2000,
        )
        made += len(assessments)
    print(f"built {made} snapshots of {n_companies} companies in {time.perf_counter() - start:.1f} s")
    target = Assessment.objects.filter(year=YEARS[-1]).order_by("pk").first()
    assert target is not None
    user = User.objects.create_user("bench@example.com", "bench@example.com", "pw")
    Membership.objects.create(user=user, company_id=target.company_id, role="viewer")
    return target.pk, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where one refresh spends its time")
    args = parser.parse_args()
    rng = random.Random(16)

    with throwaway_database():
        from standing.refresh import refresh_after_submission, refresh_all_groups

        pk, user = build(args.snapshots, rng)
        start = time.perf_counter()
        groups = refresh_all_groups()
        print(f"full rebuild: {groups} peer groups in {time.perf_counter() - start:.1f} s")

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(refresh_after_submission, pk)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        refresh = []
        for _ in range(7):
            start = time.perf_counter()
            refresh_after_submission(pk)
            refresh.append(time.perf_counter() - start)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        trivial_url, standing_url = reverse("bench_trivial", args=[pk]), reverse("standing", args=[pk])
        page = client.get(standing_url).content.decode()
        assert page.count("Higher than") == 4, "every peer group of the bench company should be published"
        results = medians_ms(
            {
                "trivial view": lambda i: client.get(trivial_url).status_code,
                "standing page": lambda i: client.get(standing_url).status_code,
            },
            args.runs,
        )
        trivial_ms, standing_ms = results["trivial view"][0], results["standing page"][0]
        ratio = standing_ms / trivial_ms
        print(f"database: {connection.vendor}, DEBUG: {settings.DEBUG}, snapshots: {args.snapshots}, runs: {args.runs}")
        print(
            f"  refresh after one submission: median {statistics.median(refresh):.3f} s, max {max(refresh):.3f} s "
            f"(target ≤ {TARGET_REFRESH_S:.0f} s): {'OK' if max(refresh) <= TARGET_REFRESH_S else 'ABOVE TARGET'}"
        )
        print(
            f"  trivial view {trivial_ms:.2f} ms, standing page {standing_ms:.2f} ms: ratio {ratio:.2f}× "
            f"(target ≤ {TARGET:.0f}×): {'OK' if ratio <= TARGET else 'ABOVE TARGET'}"
        )


if __name__ == "__main__":
    with served():
        main()
