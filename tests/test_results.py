import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import submission
from assessment.answers import context_for
from assessment.models import Assessment, CriteriaSet, Indicator, RegionalReference, Report
from assessment.scorecards import live_state
from assessment.scoring import round_points
from assessment.views.results import GAPS_SHOWN
from organisations.models import Membership, Role, Sector
from policies.models import PolicyDocument
from tests.factories import make_consultancy, make_user
from tests.worlds import World, answer, answer_all, make_criteria_set, make_sector_value, make_world, world_sector

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def results_page(world, role="viewer", **params):
    url = reverse("assessment_results", args=[world.assessment.pk])
    return world.client(role).get(url, params, **EN)


def indicators_page(world, role="viewer"):
    return world.client(role).get(reverse("assessment_indicators", args=[world.assessment.pk]), **EN)


def answered_relative_world() -> World:
    """A four-indicator world rated relative to a reference score, all answered."""
    world = make_world(criteria_set=make_criteria_set(4, rating=CriteriaSet.Rating.RELATIVE))
    answer_all(world.assessment)
    return world


def world_with_own_yardsticks(energy: str) -> World:
    """A six-indicator world, all answered; X01's energy `energy` tce over 10 000 output, against the company's
    own leading 0.1 and benchmark 0.2 instead of a sector value."""
    world = make_world(6)
    answer_all(world.assessment)
    answer(
        world.assessment,
        "X01",
        sector_value=None,
        inputs={"E": energy, "Q": "10000"},
        leading=Decimal("0.1"),
        benchmark=Decimal("0.2"),
        values_source="Industry association 2030",
    )
    return world


def test_results_show_total_verdict_and_one_bar_per_category():
    world = make_world(6)
    answer_all(world.assessment)
    response = results_page(world)
    body = response.content.decode()
    card = live_state(world.assessment).card.to_dict()
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
    world = answered_relative_world()
    body = results_page(world).content.decode()
    # Without a reference the page says what the score means instead of "cannot be compared".
    assert "no regional reference recorded" in body and "regional average of existing national units" in body
    RegionalReference.objects.create(
        area=world.assessment.criteria_set.area,
        province="JS",
        year=2029,
        value=Decimal("99.5"),
        source="Provincial list 2029",
    )
    body = results_page(world).content.decode()
    assert "Below the regional reference" in body and "99.50" in body and "Provincial list 2029" in body


def test_gaps_are_sorted_by_points_available_with_recommendation_and_policy_basis():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)  # 1 of 4: the largest gap
    card = live_state(world.assessment).card.to_dict()
    body = results_page(world).content.decode()
    order = re.findall(r'id="gap-(X\d\d)"', body)
    assert order == card["gaps"] and order[0] == "X03"
    gaps = {i["code"]: Decimal(i["maximum"]) - Decimal(i["points"]) for i in card["indicators"]}
    assert [gaps[c] for c in order] == sorted((gaps[c] for c in order), reverse=True)
    assert "Recommendation 3" in body and "T/TEST 1-2030" in body and "Test basis" in body


def test_the_gaps_policy_basis_is_read_once_per_criteria_version_and_follows_its_documents():
    """The basis is kept with the cached criteria version; a retitled, removed or deleted document shows
    at once (assessment.freshness bumps the version)."""
    world = make_world(6)
    answer_all(world.assessment)
    assert "Test basis" in results_page(world).content.decode()
    document = PolicyDocument.objects.get(title_en="Test basis")
    document.title_en = "Renamed basis"
    document.save()
    assert "Renamed basis" in results_page(world).content.decode()
    Indicator.objects.get(category__criteria_set=world.assessment.criteria_set, code="X02").policy_basis.clear()
    body = results_page(world).content.decode()
    assert "Renamed basis" not in body[body.index('id="gap-X02"') : body.index("</li>", body.index('id="gap-X02"'))]
    document.delete()
    assert "Renamed basis" not in results_page(world).content.decode()


def test_each_gap_says_its_points_of_its_maximum_in_the_readers_language():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)
    result = next(r for r in live_state(world.assessment).card.indicators if r.code == "X03")
    points, maximum = round_points(result.points), round_points(result.maximum)
    gap = lambda body: body[body.index('id="gap-X03"') : body.index("</li>", body.index('id="gap-X03"'))]  # noqa: E731
    assert f"{points} of {maximum} points" in gap(results_page(world).content.decode())
    zh = world.client("viewer").get(
        reverse("assessment_results", args=[world.assessment.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert f"{points} / {maximum} 分" in gap(zh.content.decode())


def test_user_supplied_and_provisional_values_are_marked():
    world = world_with_own_yardsticks(energy="1500")
    Indicator.objects.filter(category__criteria_set=world.assessment.criteria_set, code="X06").update(provisional=True)
    body = indicators_page(world).content.decode()
    x01 = body[body.index('id="indicator-X01"') : body.index('id="indicator-X04"')]
    assert "user-supplied values" in x01
    x06 = body[body.index('id="indicator-X06"') :]
    assert "badge-provisional" in x06[:800]


def test_the_indicator_page_lists_every_indicator_by_category_with_its_figures():
    world = make_world(12)
    answer_all(world.assessment)
    card = live_state(world.assessment).card
    body = indicators_page(world).content.decode()
    assert re.findall(r'id="indicator-(X\d\d)"', body) == [i.code for i in card.indicators]
    assert f'id="total-score">{round_points(card.total)}<' in body
    assert body.count("<h3 ") == len(card.categories) and "Category 1" in body
    # A viewer reads; an editor of a draft also gets a link from each code to its question.
    assert "#indicator-X01" not in body
    assert "#indicator-X01" in indicators_page(world, role="editor").content.decode()
    results = results_page(world).content.decode()
    assert (
        'id="indicator-X01"' not in results and reverse("assessment_indicators", args=[world.assessment.pk]) in results
    )


def test_the_indicator_page_is_closed_to_other_companies_and_anonymous_users():
    world = make_world(4)
    url = reverse("assessment_indicators", args=[world.assessment.pk])
    assert Client().get(url).status_code == 302
    stranger = make_user("stranger@example.com")
    client = Client()
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert world.client("viewer").get(url).status_code == 200


def test_the_gap_list_shows_the_largest_gaps_and_the_rest_on_request_keeping_ticks():
    world = make_world(40)
    answer_all(world.assessment)  # the even indicators partly met: 20 gaps
    ranked = [r.code for r, _gain in live_state(world.assessment).ranked_gaps()]
    assert len(ranked) > GAPS_SHOWN
    body = results_page(world).content.decode()
    assert re.findall(r'id="gap-(X\d\d)"', body) == ranked[:GAPS_SHOWN]
    assert f"Show all {len(ranked)} open indicators" in body
    # A tick on a gap below the fold survives a what-if sent from the short list.
    hidden = ranked[-1]
    body = results_page(world, whatif=[ranked[0], hidden]).content.decode()
    assert f'<input type="hidden" name="whatif" value="{hidden}">' in body
    state = live_state(world.assessment)
    assert f'id="whatif-total">{round_points(state.what_if([ranked[0], hidden])[0].total)}<' in body
    # The whole list, ticks shown where they were, and kept whole for the next what-if.
    body = results_page(world, whatif=[hidden], gaps="all").content.decode()
    assert re.findall(r'id="gap-(X\d\d)"', body) == ranked
    assert f'value="{hidden}" id="whatif-{hidden}" checked' in body
    assert '<input type="hidden" name="gaps" value="all">' in body and "Show all" not in body


def test_stars_rating_is_shown():
    world = make_world(4)
    answer_all(world.assessment)
    for code in ("X02", "X03"):
        answer(world.assessment, code, choice="met", count=4)
    card = live_state(world.assessment).card.to_dict()
    assert card["rating"]  # the synthetic set rates with star bands
    body = results_page(world).content.decode()
    assert card["rating"] in body and '<span class="stars" aria-hidden="true">★' in body


def test_what_if_without_javascript_re_renders_the_page_with_the_new_total():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X03", count=1)
    state = live_state(world.assessment)
    expected, chosen = state.what_if(["X03", "nonsense"])
    assert chosen == ["X03"] and expected.total > state.card.total
    body = results_page(world, whatif=["X03", "nonsense"]).content.decode()
    assert f'id="whatif-total">{round_points(expected.total)}<' in body
    gain = round_points(expected.total - state.card.total)
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


def query_count(n_indicators: int, page: str = "assessment_results") -> int:
    world = make_world(n_indicators)
    answer_all(world.assessment)
    client = world.client("viewer")
    url = reverse(page, args=[world.assessment.pk])
    client.get(url, **EN)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"whatif": ["X02", "X03"]}, **EN)
    assert response.status_code == 200
    return len(queries)


def test_results_query_count_does_not_grow_with_indicators():
    assert query_count(10) == query_count(100)


def test_indicator_page_query_count_does_not_grow_with_indicators():
    assert query_count(10, "assessment_indicators") == query_count(100, "assessment_indicators")


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
@pytest.mark.parametrize(
    ("reports", "firms", "queries"),
    [(0, 0, 8), (2, 0, 8), (2, 2, 9)],
    ids=["no-report", "two-company-reports", "two-consultancy-reports"],
)
def test_results_page_queries(submitted, reports, firms, queries, django_assert_num_queries):
    """The results page with gap list, top actions, a what-if and the report panel, in a fixed number of
    queries: the panel names the consultancies of its reports in one query, read only when a report has one."""
    world = make_world(30)
    answer_all(world.assessment)
    if submitted:
        submission.submit(world.assessment.pk, user=world.owner, language="en")
    made_by = [make_consultancy(f"Advisors {i}") for i in range(firms)] or [None, None]
    for language, firm in zip(["en", "zh-hans"][:reports], made_by, strict=False):
        Report.objects.create(
            assessment=world.assessment, language=language, fingerprint=language, consultancy=firm, status="done"
        )
    client = world.client("viewer")
    url = reverse("assessment_results", args=[world.assessment.pk])
    client.get(url, **EN)  # warm the session and the criteria cache
    # session, user, assessment (company, sector, criteria set), membership; a draft: its answers, the sector
    # values they use (with their sectors, which decide whether they fit the company's, and their libraries: the
    # yardsticks' too) and the data sheet; a submitted one: its snapshot (without its frozen content, re-scored
    # once per process), the company's sector family and the libraries of its yardsticks; the report panel (and the
    # consultancies that made its reports, when any did).
    # The gaps' policy basis is kept with the cached criteria version.
    with django_assert_num_queries(queries):
        response = client.get(url, {"whatif": ["X02", "X03"]}, **EN)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="whatif-total"' in body
    for firm in made_by[:firms]:
        assert body.count(f"· {firm.name}") == 1


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


def test_results_say_which_relative_bar_applies():
    """Staff reference when entered, else the platform's published provincial estimate, else none."""
    from standing.models import PeerStat

    world = answered_relative_world()
    body = results_page(world).content.decode()
    assert 'data-source="none"' in body and "No relative bar applies yet" in body
    # A refused platform statistic is no bar either.
    stat = PeerStat.objects.create(
        criteria_set=world.assessment.criteria_set.code,
        year=world.assessment.year,
        sector="",
        province="JS",
        refusal="few_companies",
    )
    assert 'data-source="none"' in results_page(world).content.decode()
    PeerStat.objects.filter(pk=stat.pk).update(refusal="", companies=14, mean=Decimal("1.5"))
    body = results_page(world).content.decode()
    assert 'data-source="platform"' in body
    assert "the platform's average in your province, 1.50 (14 companies, 2030)" in body
    assert "Your total reaches it." in body
    RegionalReference.objects.create(
        area=world.assessment.criteria_set.area,
        province="JS",
        year=world.assessment.year - 1,
        value=Decimal("99.5"),
        source="List",
    )
    body = results_page(world).content.decode()
    assert 'data-source="staff"' in body and "the regional reference score 99.50" in body
    assert "Below the regional reference" in body
    zh = world.client("viewer").get(reverse("assessment_results", args=[world.assessment.pk])).content.decode()
    assert 'data-source="staff"' in zh and "Relative bar applied" not in zh


def test_figures_follow_the_reports_precision_rules():
    """Indicator values and yardsticks as the PDF report prints them (one rule per unit kind), points with two
    decimals: rates one decimal, other measures three significant figures, not floatformat's four places."""
    from assessment.reports import measure_text, points_text

    world = world_with_own_yardsticks(energy="1234.5678")
    row = submission.live_state(world.assessment).card.indicator("X01")
    body = indicators_page(world).content.decode()
    assert row.value is not None
    assert measure_text(row.value, row.unit) == "0.123"
    assert '<td class="text-end">0.123 <span' in body  # not 0.1235
    assert f"{points_text(row.points)} / {points_text(row.maximum)}" in body


def test_shared_basis_is_what_every_open_indicator_cites():
    from assessment.views.results import shared_basis

    a, b, c = (PolicyDocument(pk=n, code=x) for n, x in enumerate("abc", start=1))
    assert shared_basis({}) == ([], {})
    assert shared_basis({"X1": [a, b]}) == ([], {"X1": [a, b]})  # one gap: nothing to share
    assert shared_basis({"X1": [a, b], "X2": [b, a, c]}) == ([a, b], {"X1": [], "X2": [c]})
    assert shared_basis({"X1": [a], "X2": [b]}) == ([], {"X1": [a], "X2": [b]})


def test_the_gap_list_prints_the_shared_policy_basis_once():
    # The demo supply-chain assessment: every gap cites the same three documents. They were printed in
    # every one of its eleven gaps; now once above the list.
    assessment = Assessment.objects.get(pk=9002)
    user = make_user("sc-viewer")
    Membership.objects.create(user=user, company=assessment.company, role=Role.VIEWER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = client.get(reverse("assessment_results", args=[assessment.pk])).content.decode()
    gaps = html[html.index('id="gaps-heading"') : html.index('id="all-indicators-link"')]
    assert 'id="common-basis"' in gaps
    assert gaps.count("GB/T 33635-2017") == 1
    assert gaps.count('<li class="list-group-item') > 2


@pytest.mark.parametrize(
    ("quota_sector", "fits"),
    [("ZT", True), ("C", True), ("ZT1", True), ("ZX", False), ("ZX1", False)],
    ids=["own", "its-division", "its-sub-sector", "a-sibling", "a-sibling's-sub-sector"],
)
def test_a_quota_row_fits_the_company_in_its_sector_division_or_a_sub_sector(quota_sector, fits):
    """A draft decides from the chosen row's own sector whether it fits the company's (Sector.is_kin), with no
    query for the sector family, as a snapshot's re-score decides it from the family it reads."""
    own = world_sector()  # ZT, under C
    Sector.objects.create(code="ZT1", parent=own, name_zh="子行业", name_en="Sub-sector")
    sibling = Sector.objects.create(code="ZX", parent=own.parent, name_zh="兄弟行业", name_en="Sibling")
    Sector.objects.create(code="ZX1", parent=sibling, name_zh="兄弟子行业", name_en="Sibling's sub-sector")
    world = make_world(4)
    answer_all(world.assessment, make_sector_value(sector=Sector.objects.get(code=quota_sector)))
    assessment = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)
    state = live_state(assessment)
    x01 = next(r for r in state.card.indicators if r.code == "X01")
    assert any(flag.code == "sector_mismatch" for flag in x01.flags) is not fits
    family = context_for(assessment)  # read from the database: the company's sector, its parent and children
    assert (quota_sector in family.sector_codes) is fits
    assert (quota_sector in state.context.sector_codes) is fits
