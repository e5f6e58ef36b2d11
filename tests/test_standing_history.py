"""The publication history of a peer group stays bounded, and a refresh reads its group's row once.

Every publication of a group's figures records who stood behind it (PeerBasis), so that a later
refresh can refuse figures that differ from an earlier publication by too few companies. Publishing
the same companies with the same figures again (companies opting out and back in, identical
resubmissions, rebuilds) used to add a row each time; identical publications are now kept once,
while every distinct one stays, as the differencing check needs them all.
"""

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Company
from standing.models import PeerBasis, PeerStat
from standing.peers import fingerprint, may_publish
from standing.refresh import decode_basis, refresh_after_submission, refresh_all, refresh_company, refresh_groups
from tests.standing_world import peers, submitted
from tests.worlds import make_criteria_set

pytestmark = pytest.mark.django_db


def _rows_per_group(criteria_set: Any) -> dict[tuple[str, str], int]:
    stats = PeerStat.objects.filter(criteria_set=criteria_set.code)
    return {(s.sector, s.province): s.bases.count() for s in stats}


def _latest_is_what_is_published(criteria_set: Any) -> None:
    """The newest row of each published group holds the companies now behind its figures."""
    for stat in PeerStat.objects.filter(criteria_set=criteria_set.code, refusal=""):
        latest = stat.bases.order_by("-published_at", "-pk").first()
        assert latest is not None and len(decode_basis(latest.members)) == stat.companies


def _toggle(companies: list[int], counted: bool) -> None:
    Company.objects.filter(pk__in=companies).update(peer_opt_in=counted)
    for pk in companies:
        refresh_company(pk)


def test_repeated_refreshes_keep_the_history_bounded() -> None:
    criteria_set = make_criteria_set(4)
    twenty = peers(criteria_set, 20)
    for assessment in twenty:
        refresh_after_submission(assessment.pk)
    togglers = [a.company_id for a in twenty[:10]]
    _toggle(togglers, False)  # ten leave: published over the other ten
    _toggle(togglers, True)  # and come back: the twenty again
    after_one_cycle = _rows_per_group(criteria_set)
    # Three distinct publications per group: the first ten, the twenty, the last ten.
    assert set(after_one_cycle.values()) == {3}
    for _cycle in range(4):
        _toggle(togglers, False)
        assert PeerStat.objects.get(criteria_set=criteria_set.code, sector="", province="").companies == 10
        _latest_is_what_is_published(criteria_set)
        _toggle(togglers, True)
        assert PeerStat.objects.get(criteria_set=criteria_set.code, sector="", province="").companies == 20
        _latest_is_what_is_published(criteria_set)
        # Rebuilds and identical resubmissions publish nothing new either.
        refresh_all()
        same = twenty[3]
        refresh_after_submission(submitted(same.company, criteria_set, "43", values={"X01": "4"}).pk)
        assert _rows_per_group(criteria_set) == after_one_cycle


def test_every_distinct_publication_still_matters() -> None:
    """Why distinct publications are all kept: for each, some next candidate is refused by it alone."""

    def basis(n: int, *, start: int = 0) -> dict[str, tuple[str, frozenset[str]]]:
        return {
            str(i): (fingerprint(Decimal(50)), frozenset({str(i % 3)}) if i % 3 else frozenset())
            for i in range(start, start + n)
        }

    first = basis(10)
    second = basis(10, start=10)  # ten others, all changed: publishable after `first`
    assert may_publish(second, [first])
    returned = {**first, "99": (fingerprint(Decimal(60)), frozenset())}  # the first ten, and one newcomer
    assert may_publish(returned, [second])  # dropping `first` would let the newcomer's total out
    assert not may_publish(returned, [first, second])


def test_identical_earlier_rows_are_collapsed_by_the_migration() -> None:
    stat = PeerStat.objects.create(criteria_set="m", year=2030, sector="", province="")
    a, b = {"1": "50.00#"}, {"1": "50.00#", "2": "60.00#7"}
    made = [PeerBasis.objects.create(stat=stat, members=m) for m in (a, b, a, a, b)]
    other = PeerStat.objects.create(criteria_set="m", year=2030, sector="ZT", province="")
    untouched = PeerBasis.objects.create(stat=other, members=a)
    migration = importlib.import_module("standing.migrations.0007_peer_basis_distinct")
    migration.drop_repeats(apps, None)
    # The latest of each kept, in their order; another group's identical row is its own.
    assert list(stat.bases.order_by("published_at", "pk").values_list("pk", flat=True)) == [made[3].pk, made[4].pk]
    assert PeerBasis.objects.filter(pk=untouched.pk).exists()


# --- reading each group's row once ---------------------------------------------------------------


def _group_row_reads(queries: list[dict[str, str]]) -> int:
    """Reads of one group's PeerStat row (by sector and province); the published-groups list is not one."""
    return sum(
        1
        for q in queries
        if q["sql"].startswith("SELECT")
        and 'FROM "standing_peerstat"' in q["sql"]
        and '"standing_peerstat"."province" =' in q["sql"]
    )


def test_refresh_groups_reads_each_group_row_once(django_assert_num_queries: Any) -> None:
    criteria_set = make_criteria_set(4)
    ten = peers(criteria_set, 10)
    for assessment in ten:
        refresh_after_submission(assessment.pk)
    sector = ten[0].company.sector.code
    keys = [(criteria_set.code, 2030, s, p) for s in (sector, "") for p in ("JS", "")]
    with CaptureQueriesContext(connection) as captured:
        refresh_groups(keys)
    assert _group_row_reads(captured.captured_queries) == len(keys)
    # One published group, nothing changed: its row (locked), its entries, its earlier publications, the
    # published groups beside it, the row written back; and the savepoint around them.
    with django_assert_num_queries(7) as counted:
        refresh_groups([(criteria_set.code, 2030, sector, "JS")])
    assert _group_row_reads(counted.captured_queries) == 1


def test_a_new_group_row_is_made_and_read_once() -> None:
    criteria_set = make_criteria_set(4)
    sector = peers(criteria_set, 1)[0].company.sector.code
    with CaptureQueriesContext(connection) as captured:
        refresh_groups([(criteria_set.code, 2030, sector, "ZJ")])
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "standing_peerstat"')]
    assert len(inserts) == 1 and _group_row_reads(captured.captured_queries) == 1
    assert PeerStat.objects.get(criteria_set=criteria_set.code, sector=sector, province="ZJ").refusal == "few_companies"
