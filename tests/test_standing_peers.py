"""The pure peer-statistics module: disclosure control, percentiles, bands, series, criteria changes."""

from decimal import Decimal

import pytest

from standing import peers, series
from standing.peers import Band, Contributor, Refusal


def crowd(n: int, *, firms: int = 3, totals: list[Decimal] | None = None) -> list[Contributor]:
    """n companies spread round-robin over `firms` consultancies; firm 0 stands for "no consultancy"."""
    totals = totals or [Decimal(50 + i) for i in range(n)]
    return [Contributor(i, frozenset() if i % firms == 0 else frozenset({i % firms}), totals[i]) for i in range(n)]


@pytest.mark.parametrize(
    ("n", "firms", "expected"),
    [
        (9, 3, Refusal.FEW_COMPANIES),
        (10, 3, None),
        (10, 2, Refusal.FEW_GROUPS),
        (30, 1, Refusal.FEW_GROUPS),
    ],
)
def test_refusal_needs_ten_companies_from_three_groups(n: int, firms: int, expected: Refusal | None) -> None:
    assert peers.refusal(crowd(n, firms=firms)) == expected


def test_the_same_company_twice_counts_once() -> None:
    nine = crowd(9)
    assert peers.refusal([*nine, Contributor(0, frozenset(), Decimal(99))]) == Refusal.FEW_COMPANIES


def test_a_consultancy_serving_more_than_half_dominates() -> None:
    # 6 of 10 companies work with consultancy 7; two others and "none" make three groups.
    group = [Contributor(i, frozenset({7}), Decimal(60)) for i in range(6)]
    group += [Contributor(6, frozenset({8}), Decimal(60)), Contributor(7, frozenset({9}), Decimal(60))]
    group += [Contributor(8, frozenset(), Decimal(60)), Contributor(9, frozenset(), Decimal(60))]
    assert peers.refusal(group) == Refusal.DOMINANT
    group[0] = Contributor(0, frozenset({8}), Decimal(60))  # now 5 of 10: exactly half is allowed
    assert peers.refusal(group) is None


def test_refused_groups_give_no_statistics_at_all() -> None:
    assert peers.group_stats(crowd(9)) is None
    assert peers.group_stats(crowd(10)) is not None


@pytest.mark.parametrize(
    ("higher", "n", "band"),
    [
        (0, 20, Band.A_PLUS),  # rank 1 of 20 = top 5 %
        (1, 20, Band.A),  # rank 2 of 20 = top 10 %
        (0, 21, Band.A_PLUS),  # rank 1 of 21 = 4.8 %
        (1, 21, Band.A),  # rank 2 of 21 = 9.5 %
        (7, 20, Band.A),  # rank 8 of 20 = 40 %
        (8, 20, Band.B),  # rank 9 of 20 = 45 %
        (39, 100, Band.A),
        (40, 100, Band.B),
        (4, 100, Band.A_PLUS),
        (5, 100, Band.A),
    ],
)
def test_band_edges_at_5_and_40_percent(higher: int, n: int, band: Band) -> None:
    assert peers.band_for(higher=higher, companies=n) == band


def test_position_percentile_band_and_bottom_warning() -> None:
    totals = [Decimal(v) for v in range(1, 21)]  # 1 … 20
    top = peers.position(totals, Decimal(20))
    assert (top.percentile, top.band, top.bottom) == (Decimal(95), Band.A_PLUS, False)
    bottom = peers.position(totals, Decimal(1))
    assert (bottom.percentile, bottom.band, bottom.bottom) == (Decimal(0), Band.B, True)
    second = peers.position(totals, Decimal(2))
    assert second.bottom is False  # rank 2 of 20 from the bottom is 10 %
    tie = peers.position([Decimal(5)] * 10 + [Decimal(9)] * 10, Decimal(9))
    assert tie.band == Band.A_PLUS and tie.percentile == Decimal(50)


def test_the_stored_ladder_gives_the_same_ranks_as_the_totals() -> None:
    totals = [Decimal(v) for v in ("10.00", "20.50", "20.50", "20.50", "30.00", "99.99")]
    values, cumulative = peers.ladder(totals)
    assert (values, cumulative) == ([10.0, 20.5, 30.0, 99.99], [1, 4, 5, 6])
    for probe in ("5", "10.00", "20.50", "25", "99.99", "100"):
        below = sum(t < Decimal(probe) for t in totals)
        above = sum(t > Decimal(probe) for t in totals)
        placed = peers.position_on(values, cumulative, Decimal(probe))
        assert placed.percentile == (Decimal(100 * below) / 6).quantize(Decimal(1), rounding="ROUND_HALF_UP")
        assert placed.band == peers.band_for(higher=above, companies=6)


def test_tails_average_at_least_three_companies() -> None:
    stats = peers.group_stats(crowd(10, totals=[Decimal(v) for v in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)]))
    assert stats is not None
    assert stats.top5_mean == Decimal("90.0")  # mean of 80, 90, 100: never one company's total
    assert stats.bottom5_mean == Decimal("20.0")
    assert stats.mean == Decimal("55.0")


def test_histogram_hides_bins_of_one_or_two_companies() -> None:
    totals = [Decimal(v) for v in (5, 15, 16, 17, 95, 96)]
    assert peers.histogram(totals) == (None, 3, 0, 0, 0, 0, 0, 0, 0, None)


def test_indicator_peer_values_need_their_own_ten_companies_and_respect_direction() -> None:
    group = crowd(12)
    with_values = [
        Contributor(
            c.company_id,
            c.consultancies,
            c.total,
            {"E": Decimal(c.company_id + 1), **({"W": Decimal(1)} if c.company_id < 5 else {})},
        )
        for c in group
    ]
    found = peers.indicator_peers(with_values, lower_is_better=["E"])
    assert set(found) == {"E"}  # W has only 5 companies
    assert found["E"].top5 == Decimal("2.00")  # lowest three: 1, 2, 3
    assert found["E"].mean == Decimal("6.50")


def test_criteria_changes_between_years() -> None:
    def year(y: int, code: str, points: dict[str, int]) -> series.YearScore:
        indicators = [{"code": c, "points": p, "name_en": c, "name_zh": c} for c, p in points.items()]
        return series.YearScore(y, y, code, {"categories": [{"code": "C", "indicators": indicators}]}, {})

    found = series.changes(
        [year(2024, "old", {"A": 5, "B": 5}), year(2025, "old", {"A": 5, "B": 5}), year(2026, "new", {"A": 8, "C": 2})]
    )
    assert len(found) == 1
    change = found[0]
    assert (change.year, change.before, change.after) == (2026, "old", "new")
    assert change.added == ["C"] and change.removed == ["B"]
    assert change.repointed == [("A", Decimal(5), Decimal(8))]


def test_republishing_needs_no_change_or_a_change_that_passes_the_rule() -> None:
    from standing.peers import fingerprint, may_publish

    def basis(n: int, *, start: int = 0, total: str = "50") -> dict[str, tuple[str, frozenset[str]]]:
        return {
            str(i): (fingerprint(Decimal(total)), frozenset({str(i % 3)}) if i % 3 else frozenset())
            for i in range(start, start + n)
        }

    first = basis(10)
    assert may_publish(first, [])
    assert may_publish(dict(first), [first])  # nothing changed: the same figures again
    assert not may_publish({**first, **basis(1, start=10)}, [first])  # one company joined
    assert not may_publish({k: v for k, v in first.items() if k != "3"}, [first])  # one left
    changed_total = {**first, "4": (fingerprint(Decimal("51")), first["4"][1])}
    assert not may_publish(changed_total, [first])  # one resubmitted
    assert fingerprint(Decimal("50"), {"X01": "1"}) != fingerprint(Decimal("50"), {"X01": "2"})
    ten_more = {**first, **basis(10, start=10)}
    assert may_publish(ten_more, [first])
    # Every earlier publication counts: ten more, then one of them gone again, is one away from `ten_more`.
    assert not may_publish({k: v for k, v in ten_more.items() if k != "12"}, [first, ten_more])
    # Ten changes from one consultancy only fail the group rule.
    one_firm = {**first, **{str(i): (fingerprint(Decimal(50)), frozenset({"7"})) for i in range(10, 20)}}
    assert not may_publish(one_firm, [first])


# --- Differencing between a group and a wider one ------------------------------------------------


def _heads(*firm_sets: tuple[str, ...]) -> "peers.Headcount":
    return peers.Headcount.of(firm_sets)


@pytest.mark.parametrize(
    ("wider", "narrower", "refused"),
    [
        # the same companies: nothing is left over, both may stand
        ([("a",), ("b",), ()] * 4, [("a",), ("b",), ()] * 4, False),
        # one company outside the narrower group: the difference would be that company
        ([("a",), ("b",), ()] * 4 + [("c",)], [("a",), ("b",), ()] * 4, True),
        # ten companies outside it, from three consultancies-or-none: a difference reveals no one
        ([("a",), ("b",), ()] * 4 + [("c",), ("d",), ()] * 4, [("a",), ("b",), ()] * 4, False),
        # ten outside, but eight of them served by one consultancy (dominance)
        ([("a",), ("b",), ()] * 4 + [("c",)] * 8 + [("d",), ()], [("a",), ("b",), ()] * 4, True),
        # counts that show the narrower group is not inside the wider one as published
        ([("a",)] * 10, [("a",)] * 11, True),
        ([("a",)] * 12, [()] * 11, True),
    ],
)
def test_a_narrower_group_stands_beside_a_wider_one_only_when_the_rest_passes_the_rule(wider, narrower, refused):
    result = peers.complement_refusal(_heads(*wider), _heads(*narrower))
    assert (result == peers.Refusal.COMPLEMENT) is refused
    assert result in (None, peers.Refusal.COMPLEMENT)


def test_a_headcount_survives_its_json_form():
    heads = _heads(("1", "2"), (), ("2",))
    assert heads == peers.Headcount(3, 1, {"1": 1, "2": 2})
    assert peers.Headcount.from_json(heads.as_json()) == heads
    assert peers.Headcount.from_json({}) == peers.Headcount()
