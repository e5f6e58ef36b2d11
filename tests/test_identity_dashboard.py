"""The consultant dashboard shows each client's draft score and progress; every page has a favicon."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from assessment.answers import progress_of, scorecard_for
from assessment.models import Answer, Assessment, CriteriaSet
from organisations.models import AccessGrant
from tests.factories import make_company, make_consultancy, make_sheet, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_draft():
    company = make_company("Draft Client Co", owner=make_user("owner@example.com"))
    lead = make_user("lead@consult.example")
    AccessGrant.objects.create(company=company, consultancy=make_consultancy(admin=lead))
    draft = Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2026
    )
    return draft, lead


def dashboard_draft(client, user) -> Assessment:
    client.force_login(user)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [row] = response.context["clients"]
    [assessment] = row.assessments
    return assessment


def test_a_client_draft_shows_its_live_score_and_progress(client, client_draft):
    draft, lead = client_draft
    Answer.objects.create(assessment=draft, code="F04", count=10)
    draft = Assessment.objects.select_related("company", "criteria_set").get(pk=draft.pk)
    card = scorecard_for(draft)
    _gates, _categories, overall = progress_of(card)
    assert card.total > 0 and 0 < overall.percent < 100  # the answer counts, the rest is still open

    shown = dashboard_draft(client, lead)

    assert shown.score == card.total
    assert shown.progress == overall.percent
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'value="{overall.percent}"' in html and "(draft)" in html


def test_an_empty_draft_shows_zero_progress_not_a_dash(client, client_draft):
    _draft, lead = client_draft
    shown = dashboard_draft(client, lead)
    assert shown.progress == 0
    assert shown.score is not None


def test_the_draft_score_moves_with_the_answers(client, client_draft):
    draft, lead = client_draft
    before = dashboard_draft(client, lead)
    Answer.objects.create(assessment=draft, code="F04", count=10)
    after = dashboard_draft(client, lead)
    assert after.progress > before.progress
    assert after.score >= before.score


def test_pages_link_a_favicon_that_exists(client):
    html = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    for name in ("img/favicon.svg", "img/favicon-32.png", "img/apple-touch-icon.png"):
        assert finders.find(name), name


def test_the_draft_score_uses_the_data_sheet_as_the_questionnaire_does(client, client_draft):
    draft, lead = client_draft
    make_sheet(draft.company, year=draft.year)
    # F03 (renewable share): own yardsticks, and E_re and E left to the sheet
    Answer.objects.create(
        assessment=draft, code="F03", leading=10, benchmark=2, values_source="provincial average", version=1
    )
    draft = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=draft.pk)
    card = scorecard_for(draft)
    assert card.indicator("F03").points > 0  # scored on the sheet's figures

    assert dashboard_draft(client, lead).score == card.total


def test_the_draft_score_is_printed_with_two_decimals(client, client_draft):
    # A live draft score is an exact fraction: the page prints it as the results page does (54.48),
    # never with its 28 digits.
    draft, lead = client_draft
    Answer.objects.create(assessment=draft, code="F04", count=7)
    score = dashboard_draft(client, lead).score
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{score:.2f}" in html
    assert str(score) not in html or str(score) == f"{score:.2f}"
