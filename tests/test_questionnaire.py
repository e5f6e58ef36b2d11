"""The questionnaire pages: start, overview, gates and category pages, the permission ladder, query counts."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.answers import criteria_for, load_questionnaire, progress_of, scorecard_for
from assessment.models import (
    Answer,
    Assessment,
    ContextFigure,
    CriteriaSet,
    Indicator,
    RegionalReference,
)
from assessment.scorecards import live_state
from organisations.models import Role, Sector
from policies.models import PolicyDocument
from tests.factories import consultant_for, make_company, make_sheet, member
from tests.questionnaire_world import EDIT_LADDER, make_assessment, make_criteria_set, make_sector_value
from tests.worlds import basis_document, make_evidence

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English unless a test asks for Chinese (the site's default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def setup() -> dict:
    """An assessment with an owner, editor, viewer, granted and revoked consultant, and an outsider."""
    company = make_company()
    assessment = make_assessment(company)
    outsider_company = make_company("Other Co")
    return {
        "assessment": assessment,
        "company": company,
        "owner": member(company, "owner", Role.OWNER),
        "editor": member(company, "editor", Role.EDITOR),
        "viewer": member(company, "viewer", Role.VIEWER),
        "consultant": consultant_for(company),
        "revoked": consultant_for(company, revoked=True),
        "outsider": member(outsider_company, "outsider", Role.OWNER),
    }


# --- Start ------------------------------------------------------------------------------------


def test_start_uses_latest_published_criteria_and_redirects_to_gates(client, setup):
    client.force_login(setup["editor"])
    url = reverse("assessment_start", args=[setup["company"].pk])
    page = client.get(url)
    assert page.status_code == 200
    latest = CriteriaSet.objects.latest_published("factory")
    assert latest.standard in page.content.decode()
    response = client.post(url, {"area": "factory", "year": 2025, "title": "FY2025"})
    assessment = Assessment.objects.filter(company=setup["company"]).order_by("-pk").first()
    assert assessment.criteria_set == latest
    assert assessment.year == 2025 and assessment.created_by == setup["editor"]
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment_gates", args=[assessment.pk])


def test_start_offers_only_areas_with_published_criteria(client, setup):
    CriteriaSet.objects.filter(area="park").update(status=CriteriaSet.Status.DRAFT)
    client.force_login(setup["owner"])
    url = reverse("assessment_start", args=[setup["company"].pk])
    response = client.post(url, {"area": "park", "year": 2025})
    assert response.status_code == 200
    assert not Assessment.objects.filter(company=setup["company"], criteria_set__area="park").exists()
    assert 'value="park"' not in response.content.decode()


def test_start_refuses_a_future_year(client, setup):
    client.force_login(setup["owner"])
    url = reverse("assessment_start", args=[setup["company"].pk])
    response = client.post(url, {"area": "factory", "year": datetime.date.today().year + 2})
    assert response.status_code == 200
    assert Assessment.objects.filter(company=setup["company"]).count() == 1


@pytest.mark.parametrize(("who", "expected"), EDIT_LADDER)
def test_start_permission_ladder(client, setup, who, expected):
    if who != "anonymous":
        client.force_login(setup[who])
    response = client.get(reverse("assessment_start", args=[setup["company"].pk]))
    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


# --- Pages ------------------------------------------------------------------------------------


def page_urls(assessment: Assessment) -> list[str]:
    return [
        reverse("assessment_overview", args=[assessment.pk]),
        reverse("assessment_gates", args=[assessment.pk]),
        reverse("assessment_category", args=[assessment.pk, "energy"]),
        reverse("assessment_category", args=[assessment.pk, "mgmt"]),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("viewer", 200),
        ("editor", 200),
        ("owner", 200),
        ("consultant", 200),
        ("revoked", 404),
    ],
)
def test_pages_permission_ladder(client, setup, who, expected):
    if who != "anonymous":
        client.force_login(setup[who])
    for url in page_urls(setup["assessment"]):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 404:
            assert b"Fuzhou Green Chem" not in response.content


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("outsider", 404), ("viewer", 403), ("revoked", 404)]
)
def test_page_post_refused_below_editor(client, setup, who, expected):
    if who != "anonymous":
        client.force_login(setup[who])
    url = reverse("assessment_gates", args=[setup["assessment"].pk])
    response = client.post(url, {"B1-passed": "yes", "B1-version": "0"})
    assert response.status_code == expected
    assert not Answer.objects.filter(assessment=setup["assessment"]).exists()


def test_category_page_shows_indicator_details(client, setup):
    make_sector_value(setup["company"].sector)
    other_sector, _ = Sector.objects.get_or_create(code="31", defaults={"name_zh": "黑色金属", "name_en": "Steel"})
    make_sector_value(other_sector, mark="U")
    client.force_login(setup["editor"])
    html = client.get(reverse("assessment_category", args=[setup["assessment"].pk, "energy"])).content.decode()
    assert "Energy intensity" in html and "Renewable share" in html
    assert "Enter E and Q." in html and "Energy statistics form." in html
    assert "GB/T 99999-2025 Test policy" in html  # policy basis
    assert "Comprehensive energy consumption E" in html  # formula input labels
    assert "<code>E / Q, or per output E / G</code>" in html  # Annex B: the per-output form as the alternative
    assert "GB 99999-2021 · Widget" in html and "kgce/t [S]" in html
    assert "(provisional)" in html  # the [U] row
    assert html.index('label="Your sector"') < html.index('label="Other sectors"')
    assert f'data-autosave="E01" data-url="/assessments/{setup["assessment"].pk}/answer/E01/"' in html
    assert 'name="E03-na"' in html  # N/A only where allowed
    assert 'name="E01-na"' not in html
    assert "Mgmt" not in html and "Filler 0" not in html  # one category per page
    assert 'id="score-panel"' in html
    assert '<h1 class="h3 mb-0 me-2">Energy</h1>' in html  # the page is titled by its category


def test_gates_page_lists_gates_first_with_yes_no(client, setup):
    client.force_login(setup["owner"])
    html = client.get(reverse("assessment_gates", args=[setup["assessment"].pk])).content.decode()
    assert "Basic requirement one" in html and "None of the following applies: X" in html
    assert 'name="B1-passed" value="yes"' in html and 'name="N1-passed" value="no"' in html
    assert html.index("Basic requirement one") < html.index("None of the following applies: X")


def test_mgmt_page_shows_qualitative_count_and_pass_fail(client, setup):
    client.force_login(setup["owner"])
    html = client.get(reverse("assessment_category", args=[setup["assessment"].pk, "mgmt"])).content.decode()
    assert "Occurs" in html and "Does not occur" in html  # reverse qualitative
    assert 'name="M03-options" value="2"' in html and "Gamma" in html
    assert "Conforms to the product standard" in html
    assert 'name="M04-passed" value="yes"' in html


def test_page_is_read_only_for_viewer_and_after_submission(client, setup):
    client.force_login(setup["viewer"])
    url = reverse("assessment_category", args=[setup["assessment"].pk, "mgmt"])
    html = client.get(url).content.decode()
    assert "hx-post" not in html.split('id="score-panel"')[0]
    assert '<fieldset class="q-fields" disabled>' in html
    Assessment.objects.filter(pk=setup["assessment"].pk).update(status=Assessment.Status.SUBMITTED)
    client.force_login(setup["owner"])
    html = client.get(url).content.decode()
    assert "data-autosave" not in html
    assert "submitted and is locked" in html


def test_unknown_category_is_404(client, setup):
    client.force_login(setup["owner"])
    assert client.get(reverse("assessment_category", args=[setup["assessment"].pk, "nope"])).status_code == 404


def test_unanswered_only_filter(client, setup):
    assessment = setup["assessment"]
    Answer.objects.create(assessment=assessment, code="M01", choice="met", version=1)
    client.force_login(setup["owner"])
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    assert "Energy management" in client.get(url).content.decode()
    html = client.get(url + "?unanswered=1").content.decode()
    assert "Energy management" not in html and "Violations" in html
    assert "1 answered item is hidden." in html


def test_overview_shows_progress_per_category(client, setup):
    assessment = setup["assessment"]
    Answer.objects.create(assessment=assessment, code="B1", passed=True, version=1)
    Answer.objects.create(assessment=assessment, code="M01", choice="met", version=1)
    Answer.objects.create(assessment=assessment, code="M02", choice="not_met", version=1)
    client.force_login(setup["viewer"])
    response = client.get(reverse("assessment_overview", args=[assessment.pk]))
    html = response.content.decode()
    assert "1 of 2 answered" in html  # gates
    assert "2 of 8 answered" in html  # management: 4 fixed + 4 fillers
    assert "0 of 3 answered" in html  # energy
    assert "3 of 13 answered" in html  # overall


def test_consultant_note_is_editable_by_consultant_and_read_only_for_company(client, setup):
    assessment = setup["assessment"]
    Answer.objects.create(
        assessment=assessment, code="M01", choice="met", consultant_note="Check the 2024 audit.", version=1
    )
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    client.force_login(setup["consultant"])
    html = client.get(url).content.decode()
    assert 'name="M01-consultant_note"' in html and "Check the 2024 audit." in html
    client.force_login(setup["owner"])
    html = client.get(url).content.decode()
    assert 'name="M01-consultant_note"' not in html
    assert "Check the 2024 audit." in html


# --- Saving a whole page without JavaScript ----------------------------------------------------


def test_page_post_saves_every_answer_and_redirects(client, setup):
    assessment = setup["assessment"]
    client.force_login(setup["editor"])
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    data = {
        "M01-choice": "met",
        "M01-version": "0",
        "M03-options": ["0", "2"],
        "M03-version": "0",
        "M04-passed": "no",
        "M04-version": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    answers = {a.code: a for a in Answer.objects.filter(assessment=assessment)}
    assert answers["M01"].choice == "met" and answers["M01"].version == 1
    assert answers["M03"].count == 2 and answers["M03"].inputs == {"options": [0, 2]}
    assert answers["M04"].passed is False
    assert "M02" not in answers  # nothing typed, nothing stored


def test_page_post_with_errors_keeps_what_was_typed(client, setup):
    assessment = setup["assessment"]
    client.force_login(setup["editor"])
    url = reverse("assessment_category", args=[assessment.pk, "energy"])
    response = client.post(
        url, {"E01-in-E": "12x", "E01-in-Q": "100", "E01-version": "0", "E03-value": "55", "E03-version": "0"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="12x"' in html and "Enter a number" in html
    assert Answer.objects.get(assessment=assessment, code="E03").value == Decimal(55)  # the valid one is saved
    assert not Answer.objects.filter(assessment=assessment, code="E01").exists()


def test_page_post_leaves_untouched_answers_changed_by_someone_else(client, setup):
    assessment = setup["assessment"]
    client.force_login(setup["editor"])
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    html = client.get(url).content.decode()
    base = html.split('name="M01-base" value="')[1].split('"')[0]
    Answer.objects.create(assessment=assessment, code="M01", choice="partly", version=1, seq=1)  # someone else
    response = client.post(
        url, {"M01-choice": "", "M01-version": "0", "M01-base": base, "M02-choice": "met", "M02-version": "0"}
    )
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment, code="M01").choice == "partly"
    assert Answer.objects.get(assessment=assessment, code="M02").choice == "met"


# --- Scoring from the database ----------------------------------------------------------------


def test_scorecard_for_scores_answers_and_sector_values(setup):
    assessment = setup["assessment"]
    sv = make_sector_value(setup["company"].sector)  # 100 / 120 kgce/t → 0.1 / 0.12 tce/t
    Answer.objects.create(assessment=assessment, code="E01", inputs={"E": "110", "Q": "1000"}, sector_value=sv)
    Answer.objects.create(assessment=assessment, code="M01", choice="met")
    Answer.objects.create(assessment=assessment, code="M03", inputs={"options": [0]}, count=1)
    card = scorecard_for(Assessment.objects.select_related("company", "criteria_set").get(pk=assessment.pk))
    e01 = card.indicator("E01")
    assert e01.value == Decimal("0.11") and e01.values_from == "sector"
    assert e01.points == Decimal(5)  # halfway between 0.12 and 0.1
    assert card.indicator("M01").points == Decimal(5)
    assert card.indicator("M03").points == Decimal(2)  # 1 of target 2
    gates, categories, overall = progress_of(card)
    assert (gates.done, gates.total) == (0, 2)
    assert [(p.code, p.done, p.total) for p in categories] == [("energy", 1, 3), ("mgmt", 2, 8)]


def test_criteria_are_cached_per_version(setup, django_assert_num_queries):
    cs = setup["assessment"].criteria_set
    first = criteria_for(cs)
    with django_assert_num_queries(0):
        assert criteria_for(cs) is first
    Indicator.objects.filter(category__criteria_set=cs, code="M01").update(points=Decimal(7))
    CriteriaSet.objects.filter(pk=cs.pk).update(updated_at=timezone.now() + datetime.timedelta(seconds=1))
    cs.refresh_from_db()
    assert criteria_for(cs).indicators["M01"].points == Decimal(7)


# --- Query counts do not grow with the number of indicators ------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _answered(assessment: Assessment) -> None:
    Answer.objects.bulk_create(
        [
            Answer(assessment=assessment, code=i.code, choice="met", version=1)
            for i in Indicator.objects.filter(
                category__criteria_set=assessment.criteria_set, indicator_type="positive_qual"
            )
        ]
    )
    make_evidence(assessment, "X000", "a.pdf")


@pytest.mark.parametrize("url_name", ["assessment_overview", "assessment_gates", "category"])
def test_page_query_count_does_not_grow_with_indicators(client, url_name):
    company = make_company()
    user = member(company, "editor", Role.EDITOR)
    make_sector_value(company.sector)
    counts = []
    for n in (10, 100):
        assessment = make_assessment(company, make_criteria_set(n))
        _answered(assessment)
        client.force_login(user)
        args = [assessment.pk, "mgmt"] if url_name == "category" else [assessment.pk]
        url = reverse("assessment_category" if url_name == "category" else url_name, args=args)
        client.get(url)  # warm the criteria cache and the session
        counts.append(_count_queries(client, url))
    assert counts[0] == counts[1], counts


def test_autosave_query_count_does_not_grow_with_indicators(client):
    company = make_company()
    user = member(company, "editor", Role.EDITOR)
    counts = []
    for n in (10, 100):
        assessment = make_assessment(company, make_criteria_set(n))
        _answered(assessment)
        client.force_login(user)
        url = reverse("assessment_answer", args=[assessment.pk, "X005"])
        client.get(reverse("assessment_overview", args=[assessment.pk]))
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url, {"X005-choice": "partly", "X005-version": "1", "client": "p"}, headers={"X-Autosave": "1"}
            )
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_load_questionnaire_uses_one_query_for_answers(setup, django_assert_num_queries):
    assessment = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=setup["assessment"].pk)
    criteria_for(assessment.criteria_set)
    Answer.objects.create(assessment=assessment, code="M01", choice="met")
    # the answers and the company-year data sheet's figures (no sector value chosen: no sector value rows; which
    # quota rows fit the company is decided from those rows); stars rating: no regional reference
    with django_assert_num_queries(2):
        load_questionnaire(assessment)


def _reads(queries: CaptureQueriesContext, table: str) -> int:
    return sum(q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def test_autosave_reads_the_data_sheet_once(client, django_assert_num_queries):
    company = make_company()
    client.force_login(member(company, "editor", Role.EDITOR))
    make_sheet(company)
    assessment = make_assessment(company, make_criteria_set(3))
    url = reverse("assessment_answer", args=[assessment.pk, "E03"])
    client.get(reverse("assessment_category", args=[assessment.pk, "energy"]))  # warm the session and caches
    # session, user, assessment, membership; the question's sector values and evidence; the data sheet, once:
    # for validation and for the score after the save; the save (savepoint, lock, row, insert, release); the
    # score's answers.
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(13):
        response = client.post(url, {"E03-value": "70", "E03-version": "0", "client": "p"}, headers={"X-Autosave": "1"})
    assert response.status_code == 200
    assert _reads(queries, "ledger_datasheet") == 1


def test_a_relative_draft_reads_its_regional_reference_once(django_assert_num_queries):
    company = make_company()
    criteria_set = make_criteria_set(3)
    CriteriaSet.objects.filter(pk=criteria_set.pk).update(rating=CriteriaSet.Rating.RELATIVE, rating_bands=[])
    RegionalReference.objects.create(area="factory", province=company.province, year=2024, value=Decimal(70))
    assessment = Assessment.objects.select_related("company__sector", "criteria_set").get(
        pk=make_assessment(company, criteria_set).pk
    )
    criteria_for(assessment.criteria_set)
    # the answers, the data sheet and the regional reference: the reference once, for the score and for the
    # year and source shown beside it
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(3):
        state = live_state(assessment)
    assert _reads(queries, "assessment_regionalreference") == 1
    assert (state.reference, state.reference_year) == (Decimal(70), 2024)


def test_warm_category_page_reads_no_criteria_rows(client):
    """Indicators, categories and policy basis come from the per-version cache: only answers and evidence are read."""
    company = make_company()
    client.force_login(member(company, "editor", Role.EDITOR))
    assessment = make_assessment(company, make_criteria_set(3))
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"assessment_answer"' in tables and '"assessment_evidence"' in tables
    for table in ("assessment_indicator", "assessment_category", "policies_policydocument"):
        assert f'"{table}"' not in tables, table
    # ...and the page still shows every indicator with its guidance and policy basis
    page = response.content.decode()
    assert "Filler 2" in page and "Say whether it is met." in page and "GB/T 99999-2025 Test policy" in page


def test_admin_edit_of_a_draft_set_shows_on_the_cached_page(client):
    """An admin change of a draft's indicator or its policy basis bumps the set's updated_at: caches rebuild."""
    company = make_company()
    editor = member(company, "editor", Role.EDITOR)
    criteria_set = make_criteria_set(0)
    CriteriaSet.objects.filter(pk=criteria_set.pk).update(status=CriteriaSet.Status.DRAFT)
    assessment = make_assessment(company, criteria_set)
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    client.force_login(editor)
    assert "GB/T 99999-2025 Test policy" in client.get(url).content.decode()
    before = CriteriaSet.objects.get(pk=criteria_set.pk).updated_at

    client.force_login(User.objects.create_superuser("criteria-admin-q", "qa@example.com", "pw-q-admin-9f3k"))
    m01 = Indicator.objects.get(category__criteria_set=criteria_set, code="M01")
    form = client.get(reverse("admin:assessment_indicator_change", args=[m01.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data |= {"name_en": "Energy management system", "policy_basis": []}
    response = client.post(reverse("admin:assessment_indicator_change", args=[m01.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CriteriaSet.objects.get(pk=criteria_set.pk).updated_at > before

    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "Energy management system" in page
    # M01 lost its policy basis; the other indicators keep theirs
    m01_block = page[page.index('id="ind-M01"') : page.index('id="ind-M02"')]
    assert "Test policy" not in m01_block and "Test policy" in page[page.index('id="ind-M02"') :]


@pytest.mark.parametrize("change", ["policy title", "policy basis added", "policy deleted", "context figure"])
def test_what_a_cached_page_shows_from_outside_its_criteria_set_shows_at_once(client, change):
    """Page rows are cached per criteria version with no time limit: every change they show bumps the version."""
    company = make_company()
    editor = member(company, "editor", Role.EDITOR)
    criteria_set = make_criteria_set(0)
    assessment = make_assessment(company, criteria_set)
    url = reverse("assessment_category", args=[assessment.pk, "mgmt"])
    client.force_login(editor)
    assert "Test policy" in client.get(url).content.decode()  # rows cached now
    before = CriteriaSet.objects.get(pk=criteria_set.pk).updated_at
    if change == "policy title":
        policy = PolicyDocument.objects.get(code="q-test-policy")
        policy.title_en = "Renamed policy"
        policy.save()
        expected = "GB/T 99999-2025 Renamed policy"
    elif change == "policy basis added":
        extra = basis_document("q-extra-policy", "GB/T 88888-2026", "补充", "Extra basis", 2026)
        Indicator.objects.get(category__criteria_set=criteria_set, code="M01").policy_basis.add(extra)
        expected = "GB/T 88888-2026 Extra basis"
    elif change == "policy deleted":
        PolicyDocument.objects.get(code="q-test-policy").delete()
        assert CriteriaSet.objects.get(pk=criteria_set.pk).updated_at > before
        assert "Test policy" not in client.get(url).content.decode()
        return
    else:
        ContextFigure.objects.create(
            key="q-context",
            area=criteria_set.area,
            indicator_code="M01",
            text_zh="全国目标",
            text_en="National target: 42 %",
            document="Test plan",
            source="test",
        )
        expected = "National target: 42 %"
    assert CriteriaSet.objects.get(pk=criteria_set.pk).updated_at > before
    assert expected in client.get(url).content.decode()
