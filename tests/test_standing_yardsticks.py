"""Platform peer values as yardsticks: written by the worker's refresh from the published sector statistics, offered
in the questionnaire as "Platform peer values, N companies, year"; never from fewer peers than the disclosure rule
allows (nine companies, two groups, a dominant consultancy, an opt-out), never per page view."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.answers import load_questionnaire, yardsticks_of
from assessment.models import Answer, Assessment, Library, SectorValue
from organisations.models import AccessGrant, Company, Consultancy
from standing.models import PeerStat
from standing.refresh import refresh_after_submission, refresh_company
from standing.yardsticks import NAME_EN, peer_rows
from tests.standing_world import english, peers, submitted
from tests.worlds import make_criteria_set, make_world

pytestmark = pytest.mark.django_db


def peer_values() -> list[SectorValue]:
    return list(SectorValue.objects.filter(library__name_en=NAME_EN, leading__isnull=False).offered().order_by("key"))


def test_peer_rows_skip_incomparable_indicators_and_equal_pairs() -> None:
    indicators = {
        "F07": {"companies": 12, "mean": "91.5", "top5": "98.2"},
        "F01": {"companies": 12, "mean": "0.1", "top5": "0.08"},  # per product unit: not offered
        "F08": {"companies": 10, "mean": "90", "top5": "90"},  # no spread: no yardstick
    }
    rows = peer_rows(indicators, {"F07": "%", "F08": "%"})
    assert [(r.code, r.leading, r.benchmark, r.companies) for r in rows] == [("F07", D("98.2"), D("91.5"), 12)]


def test_nine_peers_offer_nothing_and_the_tenth_publishes_mean_and_top_5_percent() -> None:
    criteria_set = make_criteria_set(4)
    group = peers(criteria_set, 9)  # X01 values 1 … 9, lower is better
    for a in group:
        refresh_after_submission(a.pk)
    assert peer_values() == []
    last = peers(criteria_set, 1, start=99)[0]  # the tenth company: X01 = 1
    refresh_after_submission(last.pk)
    (row,) = peer_values()
    values = [D(1 + i) for i in range(9)] + [D(1)]
    assert row.benchmark == sum(values) / 10  # 4.6: the average (基准值)
    assert row.leading == D("1.33")  # the best 5 %, averaged over at least 3 companies: 1, 1, 2
    assert (row.product_en, row.edition) == ("10 companies", "2030") and row.library.owner == Library.Owner.PLATFORM
    assert row.sector.code == last.company.sector.code and row.indicator_code == "X01"


def test_two_groups_or_a_dominant_consultancy_offer_nothing() -> None:
    criteria_set = make_criteria_set(4)
    for a in peers(criteria_set, 12, firms=2):  # one consultancy and "none": two groups
        refresh_after_submission(a.pk)
    assert peer_values() == []
    firm = Consultancy.objects.create(name="Big Firm")
    other = make_criteria_set(4)
    group = peers(other, 12)
    for a in group[:7]:
        AccessGrant.objects.get_or_create(company=a.company, consultancy=firm)
    for a in group:
        refresh_after_submission(a.pk)
    assert peer_values() == []


def test_an_opt_out_withdraws_the_figures_at_the_next_refresh() -> None:
    criteria_set = make_criteria_set(4)
    group = peers(criteria_set, 10)
    for a in group:
        refresh_after_submission(a.pk)
    assert len(peer_values()) == 1
    Company.objects.filter(pk=group[0].company_id).update(peer_opt_in=False)
    refresh_company(group[0].company_id)
    assert peer_values() == []
    withdrawn = SectorValue.objects.get(library__name_en=NAME_EN)
    assert withdrawn.leading is None and withdrawn.benchmark is None
    stat = PeerStat.objects.get(criteria_set=criteria_set.code, sector=withdrawn.sector.code, province="")
    assert stat.refusal == "few_companies"


def test_the_questionnaire_offers_the_peer_row_and_it_counts_as_platform() -> None:
    criteria_set = make_criteria_set(4)
    for a in peers(criteria_set, 10):
        refresh_after_submission(a.pk)
    world = make_world(4, criteria_set=criteria_set)
    world.assessment.year = 2030
    world.assessment.save(update_fields=["year"])
    client = english(world.editor)
    page = client.get(reverse("assessment_category", args=[world.assessment.pk, "C1"])).content.decode()
    assert "Platform peer values (statistics of assessments submitted on this platform) · 2030 · 10 companies" in page
    (row,) = peer_values()
    Answer.objects.create(assessment=world.assessment, code="X01", inputs={"E": "30", "Q": "10"}, sector_value=row)
    fresh = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)
    questionnaire = load_questionnaire(fresh)
    x01 = next(r for r in questionnaire.scorecard.indicators if r.code == "X01")
    assert x01.values_from == "sector" and (x01.leading, x01.benchmark) == (row.leading, row.benchmark)
    found = yardsticks_of(questionnaire)
    assert found.not_official == 0 and found.source_of("X01").owner == "platform"


def test_peer_values_are_written_by_the_refresh_not_on_page_views() -> None:
    criteria_set = make_criteria_set(4)
    mine = submitted(make_world(4, criteria_set=criteria_set).company, criteria_set, "50", values={"X01": "2"})
    assert not SectorValue.objects.filter(library__name_en=NAME_EN).exists()
    refresh_after_submission(mine.pk)
    assert not SectorValue.objects.filter(library__name_en=NAME_EN, leading__isnull=False).exists()
