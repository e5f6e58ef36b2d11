"""Peer statistics as plain functions: disclosure control, percentiles, green-code bands.

No ORM here. The worker (standing.refresh) feeds contributors in and stores what comes out;
pages only read the stored results.

Disclosure control (k-anonymity with a dominance rule): a statistic is computed only when
- at least K_COMPANIES companies stand behind it,
- they come from at least K_GROUPS different consultancies-or-none (companies without a
  consultancy form one group, "none"), and
- no single consultancy works for more than MAX_SHARE of them, so a consultancy cannot
  subtract its own clients from a figure and learn about the few left.
Refused statistics are not stored at all, so no page or export can show them.

Differencing between refreshes: a group's figures are republished only when the companies whose
figures differ from every earlier publication of the group (they joined, left or resubmitted)
would themselves pass the rule above, or when nothing differs. Otherwise the group keeps the
figures it has (or stays refused, "few_changes"). Subtracting any two published states of a group
therefore always mixes at least K_COMPANIES companies from K_GROUPS consultancies-or-none, never
one company's total or indicator value.

Differencing between groups: a group lies inside wider ones (a sector in a province inside the sector
nationally and inside the province's all-sector group, all of them inside the national all-sector
group). A wider group minus the published groups of one kind inside it (one province's sectors, one
sector's provinces, all sectors …) leaves the companies of the unpublished ones, so a group is published
only when, for every wider published group, what is left besides it and its published siblings of the
same kind is no company at all or would pass the rule above itself (`complement_refusal`); otherwise the
narrower group is withheld ("complement"). The check reads only each group's `Headcount`.
"""

import bisect
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

K_COMPANIES = 10
K_GROUPS = 3
MAX_SHARE = Decimal("0.5")
# MIIT Enterprise Green Code (reference §2.3): A+ top 5 %, A the next 35 %, B the remaining 60 %.
A_PLUS_SHARE = Decimal("0.05")
A_SHARE = Decimal("0.40")
# Reference §6.3: a unit in the bottom 5 % three years running is removed from the list.
BOTTOM_SHARE = Decimal("0.05")
# Extreme averages (top / bottom 5 %) are taken over at least this many companies, never one.
TAIL_MINIMUM = 3
HISTOGRAM_BINS = 10
# A histogram bar drawn from fewer companies than this is shown as "fewer than 3".
BIN_MINIMUM = 3


class Refusal(StrEnum):
    FEW_COMPANIES = "few_companies"
    FEW_GROUPS = "few_groups"
    DOMINANT = "dominant"
    FEW_CHANGES = "few_changes"  # too few companies changed since an earlier publication (differencing)
    COMPLEMENT = "complement"  # a wider published group holds too few companies besides this one


# company id → (fingerprint of the figures it contributes, its consultancies): who stood behind a publication
Basis = Mapping[str, tuple[str, frozenset[str]]]


class Band(StrEnum):
    A_PLUS = "A+"
    A = "A"
    B = "B"


@dataclass(frozen=True)
class Contributor:
    """One company's latest submitted total in a peer group."""

    company_id: int
    consultancies: frozenset[int | str]  # ids; the summary table keeps them as text, read as such
    total: Decimal
    values: Mapping[str, Decimal] = field(default_factory=dict)  # indicator code → measured value


@dataclass(frozen=True)
class IndicatorPeers:
    companies: int
    mean: Decimal
    top5: Decimal  # mean of the best 5 % (at least TAIL_MINIMUM companies)


@dataclass(frozen=True)
class GroupStats:
    companies: int
    totals: tuple[Decimal, ...]  # sorted ascending
    mean: Decimal
    top5_mean: Decimal
    bottom5_mean: Decimal
    histogram: tuple[int | None, ...]  # None: a bin with fewer than BIN_MINIMUM companies
    indicators: Mapping[str, IndicatorPeers]


@dataclass(frozen=True)
class Position:
    companies: int
    percentile: Decimal  # share of peers (in %) with a lower total
    band: Band
    bottom: bool


@dataclass(frozen=True)
class Census:
    """Who stands behind a statistic: enough to decide `refusal` without the figures."""

    companies: int
    groups: int  # distinct consultancies, plus one for "none" when some company has none
    largest: int  # companies served by the busiest consultancy


def census(firm_sets: Iterable[Iterable[int | str]]) -> Census:
    """From one collection of consultancy ids per company (empty: no consultancy)."""
    companies, none = 0, False
    served: Counter[int | str] = Counter()
    for firms in firm_sets:
        companies += 1
        alone = True
        for firm in firms:
            served[firm] += 1
            alone = False
        none = none or alone
    return Census(companies, len(served) + (1 if none else 0), max(served.values(), default=0))


@dataclass(frozen=True)
class Headcount:
    """Who stands behind a group's published figures, as counts: enough to judge what is left when
    a narrower group is subtracted from it."""

    companies: int = 0
    alone: int = 0  # companies without a consultancy
    served: Mapping[str, int] = field(default_factory=dict)  # consultancy id → companies it serves

    @classmethod
    def of(cls, firm_sets: Iterable[Iterable[int | str]]) -> "Headcount":
        companies = alone = 0
        served: Counter[str] = Counter()
        for firms in firm_sets:
            companies += 1
            names = [str(f) for f in firms]
            served.update(names)
            alone += not names
        return cls(companies, alone, dict(served))

    def __add__(self, other: "Headcount") -> "Headcount":
        """Two disjoint groups' companies together (sibling groups: sectors of a province, …)."""
        served = Counter(self.served)
        served.update(other.served)
        return Headcount(self.companies + other.companies, self.alone + other.alone, dict(served))

    def __sub__(self, other: "Headcount") -> "Headcount":
        """This group without `other`, a group inside it (counts of zero dropped)."""
        served = Counter(self.served)
        served.subtract(other.served)
        return Headcount(
            self.companies - other.companies, self.alone - other.alone, {f: n for f, n in served.items() if n}
        )

    def as_json(self) -> dict[str, object]:
        return {"companies": self.companies, "alone": self.alone, "served": dict(self.served)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> "Headcount":
        served = data.get("served")
        return cls(
            int(str(data.get("companies", 0))),
            int(str(data.get("alone", 0))),
            {str(k): int(str(v)) for k, v in served.items()} if isinstance(served, dict) else {},
        )


def complement_refusal(wider: Headcount, narrower: Headcount) -> Refusal | None:
    """May `narrower` be published beside `wider`, which contains it? Not when the companies of `wider`
    outside `narrower` are some but too few (or counts show that `narrower` is no longer inside `wider`)."""
    companies = wider.companies - narrower.companies
    alone = wider.alone - narrower.alone
    served = {f: wider.served.get(f, 0) - narrower.served.get(f, 0) for f in set(wider.served) | set(narrower.served)}
    if companies < 0 or alone < 0 or any(n < 0 for n in served.values()):
        return Refusal.COMPLEMENT  # not inside the wider group as published: judge nothing, withhold
    if companies == 0:
        return None
    rest = Census(
        companies, sum(1 for n in served.values() if n) + (1 if alone else 0), max(served.values(), default=0)
    )
    return Refusal.COMPLEMENT if refusal_of(rest) is not None else None


def refusal_of(people: Census) -> Refusal | None:
    """Why a statistic over these companies may not be shown, or None when it may."""
    if people.companies < K_COMPANIES:
        return Refusal.FEW_COMPANIES
    if people.groups < K_GROUPS:
        return Refusal.FEW_GROUPS
    if Decimal(people.largest) / people.companies > MAX_SHARE:
        return Refusal.DOMINANT
    return None


def refusal(contributors: Sequence[Contributor]) -> Refusal | None:
    companies = {c.company_id: c for c in contributors}
    return refusal_of(census(c.consultancies for c in companies.values()))


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _tail(n: int) -> int:
    return min(n, max(TAIL_MINIMUM, math.ceil(n * A_PLUS_SHARE)))


def histogram(totals: Sequence[Decimal], *, maximum: Decimal = Decimal(100)) -> tuple[int | None, ...]:
    counts = [0] * HISTOGRAM_BINS
    scale = HISTOGRAM_BINS / float(maximum) if maximum > 0 else 0.0
    for total in totals:
        # Floats are exact enough to pick a bin of 2-place totals; edges (e.g. 10.00) land in the upper bin.
        index = int(max(0.0, float(total)) * scale + 1e-9)
        counts[min(index, HISTOGRAM_BINS - 1)] += 1
    return tuple(c if c == 0 or c >= BIN_MINIMUM else None for c in counts)


def indicator_peers(
    contributors: Sequence[Contributor], *, lower_is_better: Iterable[str] = ()
) -> dict[str, IndicatorPeers]:
    """Per-indicator mean and top-5 % mean, each only where its own companies pass `refusal`."""
    reverse = set(lower_is_better)
    by_code: dict[str, list[Contributor]] = {}
    for c in contributors:
        for code in c.values:
            by_code.setdefault(code, []).append(c)
    out: dict[str, IndicatorPeers] = {}
    for code, group in sorted(by_code.items()):
        if refusal(group) is not None:
            continue
        values = sorted((c.values[code] for c in group), reverse=code not in reverse)
        out[code] = IndicatorPeers(
            companies=len(values), mean=_q(_mean(values)), top5=_q(_mean(values[: _tail(len(values))]))
        )
    return out


def _q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def summarise(totals: Sequence[Decimal], *, people: Census, maximum: Decimal = Decimal(100)) -> GroupStats | None:
    """Statistics of one company's total each, sorted ascending; None when `refusal_of(people)` forbids them."""
    if refusal_of(people) is not None:
        return None
    n = len(totals)
    tail = _tail(n)
    return GroupStats(
        companies=n,
        totals=tuple(totals),
        mean=_q(_mean(totals), "0.1"),
        top5_mean=_q(_mean(totals[-tail:]), "0.1"),
        bottom5_mean=_q(_mean(totals[:tail]), "0.1"),
        histogram=histogram(totals, maximum=maximum),
        indicators={},
    )


def group_stats(
    contributors: Sequence[Contributor], *, lower_is_better: Iterable[str] = (), maximum: Decimal = Decimal(100)
) -> GroupStats | None:
    """The statistics of one peer group, with per-indicator peer values, or None when `refusal` forbids them."""
    latest = {c.company_id: c for c in contributors}
    people = census(c.consultancies for c in latest.values())
    stats = summarise(sorted(c.total for c in latest.values()), people=people, maximum=maximum)
    if stats is None:
        return None
    return replace(stats, indicators=indicator_peers(list(latest.values()), lower_is_better=lower_is_better))


def band_for(*, higher: int, companies: int) -> Band:
    """Green-code band from the rank: A+ when the company is within the top 5 %, A within 40 %."""
    top_share = Decimal(higher + 1) / companies
    if top_share <= A_PLUS_SHARE:
        return Band.A_PLUS
    if top_share <= A_SHARE:
        return Band.A
    return Band.B


def ladder(totals: Sequence[Decimal]) -> tuple[list[float], list[int]]:
    """Sorted totals as their distinct values with the count of totals at or below each.

    Ranks read from it are exact (floats made from the same 2-place decimals keep their order) and it
    is what the summary table stores: smaller than the list of totals and cheap to read as JSON.
    """
    values: list[float] = []
    cumulative: list[int] = []
    for n, total in enumerate(totals, 1):
        value = float(total)
        if values and values[-1] == value:
            cumulative[-1] = n
        else:
            values.append(value)
            cumulative.append(n)
    return values, cumulative


def position_on(values: Sequence[float], cumulative: Sequence[int], total: Decimal | float) -> Position:
    """Where `total` stands on a `ladder` (which may or may not include it)."""
    n = cumulative[-1] if cumulative else 0
    if n == 0:
        raise ValueError("no peers")
    x = float(total)
    below = bisect.bisect_left(values, x)
    at_or_below = bisect.bisect_right(values, x)
    lower = cumulative[below - 1] if below else 0
    higher = n - (cumulative[at_or_below - 1] if at_or_below else 0)
    return Position(
        companies=n,
        percentile=_q(Decimal(100 * lower) / n, "1"),
        band=band_for(higher=higher, companies=n),
        bottom=Decimal(lower + 1) / n <= BOTTOM_SHARE,
    )


def position(totals: Sequence[Decimal], total: Decimal) -> Position:
    """Where `total` stands among the sorted `totals`."""
    return position_on(*ladder(totals), total)


def fingerprint(total: Decimal, values: Mapping[str, Decimal | str] | None = None) -> str:
    """What one company contributes to a group's figures: its total, and a digest of its indicator values.

    Totals-only groups (tens of thousands of companies) use the total as it is: no hashing per row.
    """
    if not values:
        return str(total)
    text = ";".join(f"{code}={Decimal(str(v)):f}" for code, v in sorted(values.items()))
    return f"{total}|" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def changed_between(candidate: Basis, published: Basis) -> Census:
    """The companies whose contribution differs between two bases: joined, left, or changed figures."""
    firm_sets = [
        candidate.get(company, published.get(company, ("", frozenset())))[1]
        for company in candidate.keys() | published.keys()
        if candidate.get(company, ("", frozenset()))[0] != published.get(company, ("", frozenset()))[0]
    ]
    return census(firm_sets)


def may_publish(candidate: Basis, history: Iterable[Basis]) -> bool:
    """True when subtracting the candidate from any earlier publication isolates no company (see module)."""
    for published in history:
        changed = changed_between(candidate, published)
        if changed.companies and refusal_of(changed) is not None:
            return False
    return True
