"""Keeping the summary tables current: one submission updates its entry and its four peer groups.

Groups of an entry: (set, year) × (sector or all) × (province or all). Indicator peer values are
kept for sector groups only (the yardstick libraries are per sector); wider groups keep totals. A national
sector group's peer values become rows of the platform library "Platform peer values" (standing.yardsticks).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessment.models import Assessment, Snapshot
from organisations.models import AccessGrant, Company
from standing.models import ALL, Entry, PeerBasis, PeerStat, split_firms
from standing.peers import (
    Basis,
    Contributor,
    GroupStats,
    Headcount,
    Refusal,
    census,
    complement_refusal,
    fingerprint,
    group_stats,
    ladder,
    may_publish,
    refusal,
    refusal_of,
    summarise,
)
from standing.yardsticks import publish

GroupKey = tuple[str, int, str, str]  # criteria set, year, sector, province


def entry_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Total, maximum, measured values and reverse indicators from a snapshot's scorecard and criteria."""
    card = snapshot["scorecard"]
    values = {i["code"]: i["value"] for i in card.get("indicators", []) if i.get("value") is not None}
    reverse = sorted(
        i["code"]
        for c in snapshot["criteria"].get("categories", [])
        for i in c.get("indicators", [])
        if str(i.get("indicator_type", "")).startswith("reverse")
    )
    return {
        "total": Decimal(card["total"]) if card.get("total") is not None else Decimal(0),
        "maximum": Decimal(card.get("maximum") or 100),
        "values": values,
        "lower_is_better": [code for code in reverse if code in values],
    }


def groups_of(criteria_set: str, year: int, sector: str, province: str) -> list[GroupKey]:
    return [(criteria_set, year, s, p) for s in (sector, ALL) for p in (province, ALL)]


def record(assessment_id: int) -> set[GroupKey]:
    """Write the entry of a submitted assessment; returns the groups to refresh (old and new)."""
    assessment = (
        Assessment.objects.select_related("company", "company__sector", "criteria_set").filter(pk=assessment_id).first()
    )
    snapshot = Snapshot.objects.filter(assessment_id=assessment_id).values("scorecard", "criteria").first()
    if assessment is None or snapshot is None or assessment.status != Assessment.Status.SUBMITTED:
        return set()
    company = assessment.company
    firms = ",".join(
        str(pk)
        for pk in sorted(
            AccessGrant.objects.active().filter(company=company).values_list("consultancy_id", flat=True).distinct()
        )
    )
    key: dict[str, Any] = {"company": company, "criteria_set": assessment.criteria_set.code, "year": assessment.year}
    affected: set[GroupKey] = set()
    old = Entry.objects.filter(**key).values_list("sector", "province").first()
    if old is not None:
        affected.update(groups_of(key["criteria_set"], assessment.year, *old))
    Entry.objects.update_or_create(
        **key,
        defaults={
            "assessment": assessment,
            "area": assessment.criteria_set.area,
            "sector": company.sector.code,
            "province": company.province,
            "firms": firms,
            "counted": company.peer_opt_in,
            **entry_fields(snapshot),
        },
    )
    affected.update(groups_of(key["criteria_set"], assessment.year, company.sector.code, company.province))
    return affected


def company_groups(company_id: int) -> set[GroupKey]:
    rows = Entry.objects.filter(company_id=company_id).values_list("criteria_set", "year", "sector", "province")
    return {key for row in rows for key in groups_of(*row)}


def refresh_group(stat: PeerStat) -> PeerStat:
    """Recompute one group (its row, locked by the caller); publish its figures only when that reveals no
    single company (standing.peers)."""
    criteria_set, year, sector, province = stat.criteria_set, stat.year, stat.sector, stat.province
    rows = Entry.objects.filter(criteria_set=criteria_set, year=year, counted=True)
    if sector:
        rows = rows.filter(sector=sector)
    if province:
        rows = rows.filter(province=province)
    stats, refused, basis = _with_indicators(rows) if sector else _totals_only(rows)
    # Only a group that could be shown needs its earlier publications.
    history = _history(stat) if stats is not None else {}
    if stats is not None and not may_publish(basis, history.values()):
        if stat.published:
            return stat  # the figures already shown stay; the next refresh that changes enough replaces them
        stats, refused = None, Refusal.FEW_CHANGES
    headcount = Headcount.of(firms for _digest, firms in basis.values())
    # Only a group about to be shown is checked against the wider and narrower published ones.
    published = Published.of(criteria_set, year, exclude=(sector, province)) if stats is not None else None
    if published is not None and published.would_isolate((sector, province), headcount):
        stats, refused = None, Refusal.COMPLEMENT
    for name, value in _figures(stats, refused).items():
        setattr(stat, name, value)
    stat.headcount = headcount.as_json() if stats is not None else {}
    stat.save()
    if stats is not None:
        remember(stat, basis, history)
    publish(stat)  # the sector's peer values as yardsticks (national sector groups only)
    if stats is not None and published is not None:
        for narrower in published.isolated_inside((sector, province), headcount):
            withhold(narrower, Refusal.COMPLEMENT)
    return stat


def _history(stat: PeerStat) -> dict[int, Basis]:
    """The group's earlier publications, oldest first, by row id."""
    rows = PeerBasis.objects.filter(stat_id=stat.pk).order_by("published_at", "pk").values_list("pk", "members")
    return {pk: decode_basis(members) for pk, members in rows}


def remember(stat: PeerStat, basis: Basis, history: Mapping[int, Basis]) -> None:
    """Record `basis` as the group's latest publication, keeping each distinct one once.

    Publishing the same companies with the same figures again (opt-out then opt-in, a resubmission of the
    same answers) moves the earlier identical row last instead of adding one, so the history grows only
    with distinct publications. Those must all stay: for any of them, a company without a consultancy
    joining it would pass the check against every other one and is caught by that one alone.
    """
    same = next((pk for pk, earlier in history.items() if earlier == basis), None)
    if same is None:
        PeerBasis.objects.create(stat=stat, members=encode_basis(basis))
    elif same != next(reversed(history)):  # history is in publication order
        PeerBasis.objects.filter(pk=same).update(published_at=timezone.now())


Where = tuple[str, str]  # sector, province (ALL for every one)


def _inside(narrow: Where, wide: Where) -> bool:
    return narrow != wide and wide[0] in (ALL, narrow[0]) and wide[1] in (ALL, narrow[1])


def _kind(where: Where) -> tuple[bool, bool]:
    """Groups of one kind partition a wider group: the sectors of a province, the provinces of a sector …"""
    return where[0] == ALL, where[1] == ALL


@dataclass(frozen=True)
class Published:
    """The published groups of one criteria set and year, by (sector, province), with their headcounts."""

    stats: dict[Where, PeerStat]

    @classmethod
    def of(cls, criteria_set: str, year: int, *, exclude: Where) -> "Published":
        rows = PeerStat.objects.filter(criteria_set=criteria_set, year=year, refusal="").only(
            "criteria_set", "year", "sector", "province", "headcount", "companies"
        )
        return cls({(r.sector, r.province): r for r in rows if (r.sector, r.province) != exclude})

    def headcount(self, where: Where) -> Headcount:
        return Headcount.from_json(self.stats[where].headcount)

    def siblings(self, kind: tuple[bool, bool], wide: Where) -> list[Where]:
        return [w for w in self.stats if _kind(w) == kind and _inside(w, wide)]

    def would_isolate(self, where: Where, headcount: Headcount) -> bool:
        """Would publishing `where` leave, in some wider published group, a few companies besides it and its
        published siblings of the same kind?"""
        for wide in (w for w in self.stats if _inside(where, w)):
            together = sum((self.headcount(x) for x in self.siblings(_kind(where), wide)), headcount)
            if complement_refusal(self.headcount(wide), together):
                return True
        return False

    def isolated_inside(self, where: Where, headcount: Headcount) -> list[PeerStat]:
        """The published groups inside `where` to withhold now that it is published: per kind, the smallest
        first, until what is left besides the rest of that kind isolates no one."""
        withheld: list[PeerStat] = []
        for kind in {_kind(w) for w in self.stats if _inside(w, where)}:
            members = sorted(self.siblings(kind, where), key=lambda w: self.stats[w].companies, reverse=True)
            shown = sum((self.headcount(w) for w in members), Headcount())
            while members and complement_refusal(headcount, shown):
                smallest = members.pop()
                withheld.append(self.stats[smallest])
                shown = shown - self.headcount(smallest)
        return withheld


def withhold(stat: PeerStat, why: Refusal) -> None:
    """Take a published group's figures down (a wider group changed around it)."""
    figures = _figures(None, why)
    for name, value in figures.items():
        setattr(stat, name, value)
    stat.headcount = {}
    stat.save(update_fields=[*figures, "headcount", "refreshed_at"])
    publish(stat)


def _figures(stats: GroupStats | None, refused: Refusal | None) -> dict[str, Any]:
    if stats is None:
        return {
            "refusal": str(refused),
            "companies": 0,
            "totals": [],
            "mean": None,
            "top5_mean": None,
            "bottom5_mean": None,
            "histogram": [],
            "indicators": {},
        }
    return {
        "refusal": "",
        "companies": stats.companies,
        "totals": list(ladder(stats.totals)),
        "mean": stats.mean,
        "top5_mean": stats.top5_mean,
        "bottom5_mean": stats.bottom5_mean,
        "histogram": list(stats.histogram),
        "indicators": {
            code: {"companies": p.companies, "mean": str(p.mean), "top5": str(p.top5)}
            for code, p in stats.indicators.items()
        },
    }


def encode_basis(basis: Basis) -> dict[str, str]:
    """company id → "fingerprint#consultancy ids" (a fingerprint never holds "#")."""
    return {company: f"{digest}#{','.join(sorted(firms))}" for company, (digest, firms) in basis.items()}


def decode_basis(members: Mapping[str, str]) -> Basis:
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for company, text in members.items():
        digest, _sep, firms = text.rpartition("#")
        out[company] = (digest, frozenset(split_firms(firms)))
    return out


def _totals_only(rows: QuerySet[Entry]) -> tuple[GroupStats | None, Refusal | None, Basis]:
    """Groups over every sector are the large ones (up to every company of a year): totals only,
    read as plain tuples already sorted by the database."""
    found = list(rows.order_by("total").values_list("company_id", "firms", "total", "maximum"))
    people = census(split_firms(firms) for _company, firms, _total, _maximum in found)
    maximum = found[-1][3] if found else Decimal(100)
    stats = summarise([total for _company, _firms, total, _maximum in found], people=people, maximum=maximum)
    basis = {str(company): (fingerprint(total), frozenset(split_firms(firms))) for company, firms, total, _max in found}
    return stats, refusal_of(people), basis


def _with_indicators(rows: QuerySet[Entry]) -> tuple[GroupStats | None, Refusal | None, Basis]:
    contributors: list[Contributor] = []
    reverse: set[str] = set()
    maximum = Decimal(100)
    for company_id, firms, total, row_maximum, values, lower in rows.values_list(
        "company_id", "firms", "total", "maximum", "values", "lower_is_better"
    ):
        contributors.append(
            Contributor(company_id, frozenset(split_firms(firms)), total, {c: Decimal(v) for c, v in values.items()})
        )
        reverse.update(lower)
        maximum = row_maximum
    stats = group_stats(contributors, lower_is_better=reverse, maximum=maximum)
    basis = {
        str(c.company_id): (fingerprint(c.total, c.values), frozenset(str(f) for f in c.consultancies))
        for c in contributors
    }
    return stats, (refusal(contributors) if stats is None else None), basis


def refresh_groups(keys: Iterable[GroupKey]) -> None:
    """Each group under a row lock taken in a fixed order: two workers refreshing the same group run one
    after the other, and the second reads the entries the first one's submission committed."""
    with transaction.atomic():
        for criteria_set, year, sector, province in sorted(keys):
            # One read of the group's row, which also locks it (a row made here is locked by its insert).
            stat, _created = PeerStat.objects.select_for_update().get_or_create(
                criteria_set=criteria_set,
                year=year,
                sector=sector,
                province=province,
                defaults={"refusal": "few_companies"},
            )
            refresh_group(stat)


def refresh_after_submission(assessment_id: int) -> int:
    keys = record(assessment_id)
    refresh_groups(keys)
    return len(keys)


def refresh_company(company_id: int) -> int:
    """After an opt-in change: every group the company's entries belong to."""
    opted_in = Company.objects.filter(pk=company_id).values_list("peer_opt_in", flat=True).first()
    Entry.objects.filter(company_id=company_id).update(counted=bool(opted_in))
    keys = company_groups(company_id)
    refresh_groups(keys)
    return len(keys)


def refresh_all() -> int:
    """Rebuild every entry and group (the management command; also repairs a missed job)."""
    for assessment_id in Assessment.objects.filter(status=Assessment.Status.SUBMITTED).values_list("pk", flat=True):
        record(assessment_id)
    return refresh_all_groups()


def refresh_all_groups() -> int:
    keys = {
        key
        for row in Entry.objects.values_list("criteria_set", "year", "sector", "province").distinct()
        for key in groups_of(*row)
    }
    refresh_groups(keys)
    return len(keys)
