import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import submission
from assessment.models import CriteriaSet, Indicator, RegionalReference
from tests.worlds import answer, answer_all, make_criteria_set, make_world

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def results_page(world, role="viewer", **params):
    url = reverse("assessment_results", args=[world.assessment.pk])
    return world.client(role).get(url, params, **EN)


def test_results_show_total_verdict_and_one_bar_per_category():
    world = make_world(6)
    answer_all(world.assessment)
    response = results_page(world)
    body = response.content.decode()
    card = submission.live_state(world.assessment).scorecard
    assert response.status_code == 200
    assert f'<span class="score-big" id="total-score">{card["total"]}</span>' in body
    assert body.count('<g class="bar">') == 3
    assert "Category 1" in body and "Draft: the scores below are computed live" in body


def test_a_failed_gate_is_named_in_the_verdict():
    world = make_world(4)
    answer_all(world.assessment)
    answer(world.assessment, "G2", passed=False)
    body = results_page(world).content.decode()
    assert "Not eligible" in body
    assert "<strong>G2</strong> No major accident" in body


def test_an_incomplete_verdict_names_the_open_gates():
    world = make_world(4)
    answer(world.assessment, "G1", passed=True)
    body = results_page(world).content.decode()
    assert "Incomplete" in body and "<strong>G2</strong> No major accident" in body


def test_relative_listing_compares_with_the_regional_reference_or_explains_its_absence():
    criteria_set = make_criteria_set(4, rating=CriteriaSet.Rating.RELATIVE)
    world = make_world(criteria_set=criteria_set)
    answer_all(world.assessment)
    body = results_page(world).content.decode()
    # Without a reference the page says what the score means instead of "cannot be compared".
    assert "no regional reference recorded" in body and "regional average of existing national units" in body
    RegionalReference.objects.create(
        area=criteria_set.area, province="JS", year=2029, value=Decimal("99.5"), source="Provincial list 2029"
    )
    body = results_page(world).content.decode()
    assert "Below the regional reference" in body and "99.50" in body and "Provincial list 2029" in body


def test_gaps_are_sorted_by_points_available_with_recommendation_and_policy_basis():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)  # 1 of 4: the largest gap
    card = submission.live_state(world.assessment).scorecard
    body = results_page(world).content.decode()
    order = re.findall(r'id="gap-(X\d\d)"', body)
    assert order == card["gaps"] and order[0] == "X03"
    gaps = {i["code"]: Decimal(i["maximum"]) - Decimal(i["points"]) for i in card["indicators"]}
    assert [gaps[c] for c in order] == sorted((gaps[c] for c in order), reverse=True)
    assert "Recommendation 3" in body and "T/TEST 1-2030" in body and "Test basis" in body


def test_user_supplied_and_provisional_values_are_marked():
    world = make_world(6)
    answer_all(world.assessment)
    answer(
        world.assessment,
        "X01",
        sector_value=None,
        inputs={"E": "1500", "Q": "10000"},
        leading=Decimal("0.1"),
        benchmark=Decimal("0.2"),
        values_source="Industry association 2030",
    )
    Indicator.objects.filter(category__criteria_set=world.assessment.criteria_set, code="X06").update(provisional=True)
    body = results_page(world).content.decode()
    x01 = body[body.index('id="indicator-X01"') : body.index('id="indicator-X04"')]
    assert "user-supplied values" in x01
    x06 = body[body.index('id="indicator-X06"') :]
    assert "badge-provisional" in x06[:800]


def test_stars_rating_is_shown():
    world = make_world(4)
    answer_all(world.assessment)
    for code in ("X02", "X03"):
        answer(world.assessment, code, choice="met", count=4)
    card = submission.live_state(world.assessment).scorecard
    assert card["rating"]  # the synthetic set rates with star bands
    body = results_page(world).content.decode()
    assert card["rating"] in body and '<span class="stars" aria-hidden="true">★' in body


def test_what_if_without_javascript_re_renders_the_page_with_the_new_total():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)
    state = submission.live_state(world.assessment)
    expected = submission.what_if_total(state, ["X03"])
    assert Decimal(expected["total"]) > Decimal(state.scorecard["total"])
    body = results_page(world, whatif=["X03", "nonsense"]).content.decode()
    assert f'id="whatif-total">{expected["total"]}<' in body
    gain = Decimal(expected["total"]) - Decimal(state.scorecard["total"])
    assert f"+{gain}" in body
    assert 'value="X03" id="whatif-X03" checked' in body


def test_what_if_with_htmx_returns_only_the_fragment():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)
    url = reverse("assessment_results", args=[world.assessment.pk])
    response = world.client("viewer").get(url, {"whatif": "X03"}, HTTP_HX_REQUEST="true", **EN)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="whatif-result"') and "<html" not in body
    assert 'id="whatif-total"' in body


def test_the_page_uses_no_inline_script_or_style():
    world = make_world(6)
    answer_all(world.assessment)
    body = results_page(world, whatif="X02").content.decode()
    assert "<script>" not in body and "style=" not in body and "<style" not in body
    assert not re.search(r"\son[a-z]+=", body) and "hx-on" not in body


def test_a_submitted_assessment_shows_its_snapshot_even_after_criteria_changes():
    world = make_world(6)
    answer_all(world.assessment)
    snapshot = submission.submit(world.assessment.pk, user=world.editor, language="en")
    Indicator.objects.filter(category__criteria_set=world.assessment.criteria_set, code="X05").update(
        points=Decimal(90)
    )
    body = results_page(world).content.decode()
    assert f'id="total-score">{snapshot.total}<' in body
    assert "Frozen at submission" in body
    assert "Reopen as a new revision" not in body  # a viewer may not reopen
    assert "Reopen as a new revision" in results_page(world, role="owner").content.decode()


def query_count(n_indicators: int) -> int:
    world = make_world(n_indicators)
    answer_all(world.assessment)
    client = world.client("viewer")
    url = reverse("assessment_results", args=[world.assessment.pk])
    client.get(url, **EN)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"whatif": ["X02", "X03"]}, **EN)
    assert response.status_code == 200
    return len(queries)


def test_results_query_count_does_not_grow_with_indicators():
    assert query_count(10) == query_count(100)


def test_submit_check_query_count_does_not_grow_with_indicators():
    def count(n):
        world = make_world(n)
        client = world.client("editor")
        url = reverse("assessment_submit", args=[world.assessment.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    assert count(10) == count(100)
