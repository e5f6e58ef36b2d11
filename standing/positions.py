"""Where one submitted assessment stands: read from the summary tables in a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from assessment.models import Assessment, RegionalReference
from standing.models import ALL, PeerStat
from standing.peers import Position, position_on
from standing.refresh import groups_of


@dataclass(frozen=True)
class Scope:
    sector: str  # "" = every sector
    province: str  # "" = every province
    stat: PeerStat | None  # None: never computed (no submission in the group yet)
    position: Position | None  # None unless the group's statistics are published

    @property
    def published(self) -> bool:
        return self.stat is not None and self.stat.published


@dataclass(frozen=True)
class RelativeBar:
    """The relative bar for new applicants (reference §6.1): staff figure when entered, else the platform's."""

    value: Decimal
    source: str  # "staff" or "platform"
    year: int
    note: str  # staff source text, or "" for the platform estimate
    companies: int = 0

    def met_by(self, total: Decimal) -> bool:
        return total >= self.value


@dataclass(frozen=True)
class Standing:
    total: Decimal
    maximum: Decimal
    provisional: bool
    scopes: list[Scope]
    bar: RelativeBar | None


def standing_for(assessment: Assessment, *, total: Decimal, maximum: Decimal, provisional: bool) -> Standing:
    """Positions in the four peer groups of the assessment's set and year (2 queries)."""
    code, year = assessment.criteria_set.code, assessment.year
    sector, province = assessment.company.sector.code, assessment.company.province
    keys = groups_of(code, year, sector, province)
    stats = {
        (s.sector, s.province): s
        for s in PeerStat.objects.filter(
            criteria_set=code, year=year, sector__in=[sector, ALL], province__in=[province, ALL]
        )
    }
    scopes = []
    for _set, _year, s, p in keys:
        stat = stats.get((s, p))
        placed = None
        if stat is not None and stat.published:
            values, cumulative = stat.totals
            placed = position_on(values, cumulative, total)
        scopes.append(Scope(s, p, stat, placed))
    regional = stats.get((ALL, province))
    return Standing(
        total=total,
        maximum=maximum,
        provisional=provisional,
        scopes=scopes,
        bar=relative_bar(assessment, regional),
    )


def regional_bar(assessment: Assessment) -> RelativeBar | None:
    """The relative bar that applies to an assessment, for pages without the peer groups at hand (2 queries)."""
    regional = PeerStat.objects.filter(
        criteria_set=assessment.criteria_set.code,
        year=assessment.year,
        sector=ALL,
        province=assessment.company.province,
    ).first()
    return relative_bar(assessment, regional)


def relative_bar(assessment: Assessment, regional: PeerStat | None) -> RelativeBar | None:
    staff = (
        RegionalReference.objects.filter(
            area=assessment.criteria_set.area, province=assessment.company.province, year__lte=assessment.year
        )
        .order_by("-year")
        .first()
    )
    if staff is not None:
        return RelativeBar(staff.value, "staff", staff.year, staff.source)
    if regional is not None and regional.published and regional.mean is not None:
        return RelativeBar(regional.mean, "platform", assessment.year, "", regional.companies)
    return None
