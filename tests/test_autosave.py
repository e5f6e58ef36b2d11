"""Autosave of one answer: validation messages, drafts, server-decided order, conflicts, locking, forged fields."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from assessment.answers import AnswerValues, Outcome, parse_answer, save_answer, writer_id
from assessment.models import Answer, Assessment
from assessment.scoring import GateSpec, IndicatorSpec
from organisations.models import Role
from tests.factories import consultant_for, make_company, member
from tests.questionnaire_world import EDIT_LADDER, make_assessment, make_sector_value

pytestmark = pytest.mark.django_db
AUTOSAVE = {"X-Autosave": "1"}


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def post(client, assessment: Assessment, code: str, data: dict, *, script: bool = True, page: str = "page-1"):
    url = reverse("assessment_answer", args=[assessment.pk, code])
    fields = {f"{code}-{k}": v for k, v in data.items()}
    if script:
        fields["client"] = page
    return client.post(url, fields, headers=AUTOSAVE if script else {})


def answer(assessment: Assessment, code: str) -> Answer:
    return Answer.objects.get(assessment=assessment, code=code)


# --- Saving -----------------------------------------------------------------------------------


def test_autosave_stores_the_answer_and_returns_status_fragments_not_inputs(client, assessment, editor):
    response = post(client, assessment, "M01", {"choice": "met", "version": "0"})
    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["version"], data["errors"], data["pending"]) == ("saved", 1, {}, {})
    assert set(data["html"]) == {"q-head-M01", "q-result-M01", "q-state-M01", "score-panel", "q-tabs"}
    assert "✓ Saved" in data["html"]["q-state-M01"]
    assert "Met" in data["html"]["q-head-M01"]
    # no input the user may be typing in comes back
    assert "<input" not in "".join(data["html"].values()).replace('type="hidden"', "")
    stored = answer(assessment, "M01")
    assert (stored.choice, stored.version, stored.updated_by) == ("met", 1, editor)
    # the live total: M01 (5 of management's 19 points) met, management weighs 40 of 100
    assert '<span class="score-big" data-testid="score-total">10.53</span>' in data["html"]["score-panel"]
    assert 'Management <span class="opacity-75">1/8</span>' in data["html"]["q-tabs"]  # the tab counter follows


def test_autosave_computes_formula_value_with_sector_value(client, assessment, editor):
    sv = make_sector_value(assessment.company.sector)
    response = post(
        client, assessment, "E01", {"in-E": "110", "in-Q": "1,000", "sector_value": str(sv.pk), "version": "0"}
    )
    assert response.status_code == 200
    html = response.json()["html"]["q-result-E01"]
    assert "0.11 tce/t" in html  # computed E/Q, unit from the chosen quota
    assert "leading 0.1 · benchmark 0.12 (sector value)" in html
    stored = answer(assessment, "E01")
    assert stored.inputs == {"E": "110", "Q": "1000"} and stored.sector_value == sv


def test_autosave_count_stores_ticked_options(client, assessment, editor):
    post(client, assessment, "M03", {"options": ["0", "2"], "version": "0"})
    stored = answer(assessment, "M03")
    assert stored.count == 2 and stored.inputs == {"options": [0, 2]}
    post(client, assessment, "M03", {"options": "none", "version": "1"})
    stored.refresh_from_db()
    assert stored.count == 0 and stored.inputs == {}


def test_autosave_na_with_reason(client, assessment, editor):
    response = post(client, assessment, "E03", {"na": "on", "na_reason": "We reuse no water.", "version": "0"})
    assert response.status_code == 200
    stored = answer(assessment, "E03")
    assert stored.na and stored.na_reason == "We reuse no water."


@pytest.mark.parametrize(
    ("code", "data", "field", "message"),
    [
        ("E03", {"na": "on", "na_reason": "  "}, "na_reason", "Say why this indicator does not apply."),
        (
            "E02",
            {"in-E_re": "10", "in-E": "100", "leading": "30"},
            "benchmark",
            "Give both the leading and the benchmark value.",
        ),
        (
            "E02",
            {"in-E_re": "10", "in-E": "100", "leading": "30", "benchmark": "5"},
            "values_source",
            "Say where your leading and benchmark values come from.",
        ),
    ],
)
def test_half_a_pair_is_saved_as_a_draft_and_named_as_pending(client, assessment, editor, code, data, field, message):
    response = post(client, assessment, code, data | {"version": "0"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "saved" and body["errors"] == {}
    assert body["pending"] == {field: [message]}
    stored = answer(assessment, code)
    assert stored.version == 1
    # the page shows what is missing once the user comes back to it
    page = client.get(reverse("assessment_category", args=[assessment.pk, "energy"])).content.decode()
    assert message in page


def test_user_supplied_values_with_their_source_score(client, assessment, editor):
    post(client, assessment, "E02", {"in-E_re": "10", "in-E": "100", "leading": "30", "benchmark": "5", "version": "0"})
    response = post(
        client,
        assessment,
        "E02",
        {
            "in-E_re": "10",
            "in-E": "100",
            "leading": "30",
            "benchmark": "5",
            "values_source": "Industry association 2024",
            "version": "1",
        },
    )
    assert response.status_code == 200 and response.json()["pending"] == {}
    assert "leading 30 · benchmark 5 (your own values)" in response.json()["html"]["q-result-E02"]
    assert answer(assessment, "E02").leading == Decimal(30)


DECIMAL_COMMA = "Use a point for decimals (12.5, not 12,5); commas may only separate thousands."
PLAIN_DIGITS = "Type the number with plain digits (no superscripts or fractions)."


@pytest.mark.parametrize(
    ("code", "data", "field", "message"),
    [
        ("E01", {"in-E": "12,3x", "in-Q": "10"}, "in-E", DECIMAL_COMMA),
        ("E01", {"in-E": "12,5", "in-Q": "10"}, "in-E", DECIMAL_COMMA),
        ("E01", {"in-E": "1²", "in-Q": "10"}, "in-E", PLAIN_DIGITS),
        ("E01", {"in-E": "½", "in-Q": "10"}, "in-E", PLAIN_DIGITS),
        ("E01", {"in-E": "1.1234567", "in-Q": "10"}, "in-E", "Use at most 6 decimal places."),
        ("E01", {"in-E": "100", "in-Q": "-5"}, "in-Q", "This quantity cannot be negative."),
        ("E03", {"value": "120"}, "value", "A rate must be between 0 and 100 %."),
        (
            "E02",
            {"in-E_re": "150", "in-E": "100"},
            "in-E_re",
            "These figures give 150 %; a rate must be between 0 and 100 %.",
        ),
        (
            "E02",
            {"in-E_re": "1", "in-E": "0"},
            "in-E",
            "These figures cannot be computed: the total (denominator) is zero.",
        ),
        ("M01", {"choice": "met", "comment": "x" * 2001}, "comment", "Keep this under 2000 characters (it has 2001)."),
        ("M01", {"choice": "excellent"}, "choice", "Choose one of the options."),
        ("M03", {"options": ["0", "3"]}, "options", "Choose one of the options."),
        ("M03", {"options": ["²"]}, "options", "Choose one of the options."),
        ("E01", {"in-E": "1e30"}, "in-E", "This number is too large."),
        ("E01", {"in-E": "1e400"}, "in-E", "This number is too large."),
        ("E01", {"in-E": "NaN"}, "in-E", "Enter a number, for example 1234.5."),
        ("E01", {"in-E": "9" * 5000}, "in-E", "Enter a number, for example 1234.5."),
    ],
)
def test_autosave_refuses_invalid_values_and_stores_nothing(client, assessment, editor, code, data, field, message):
    response = post(client, assessment, code, data | {"version": "0"})
    assert response.status_code == 422
    body = response.json()
    assert body["state"] == "error"
    assert message in body["errors"][field]
    assert "Not saved: correct the fields marked in red." in body["html"][f"q-state-{code}"]
    assert not Answer.objects.filter(assessment=assessment, code=code).exists()


def test_the_page_form_keeps_what_was_typed_after_an_error(client, assessment, editor):
    url = reverse("assessment_category", args=[assessment.pk, "energy"])
    response = client.post(url, {"E03-value": "120", "E03-version": "0", "E03-comment": "typed by hand"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="E03-value" value="120"' in html and ">typed by hand</textarea>" in html
    assert "A rate must be between 0 and 100 %." in html


def test_autosave_error_messages_in_chinese(client, assessment, editor):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = post(client, assessment, "E03", {"value": "120", "version": "0"})
    assert response.status_code == 422
    with translation.override("zh-hans"):
        expected = translation.gettext("A rate must be between 0 and 100 %.")
        saved_label = translation.gettext("Not saved: correct the fields marked in red. What you typed is kept.")
    assert expected in response.json()["errors"]["value"]
    assert saved_label in response.json()["html"]["q-state-E03"]


def test_full_width_digits_and_thousands_separators_are_accepted():
    spec = IndicatorSpec(code="E01", indicator_type="reverse_quant", points=Decimal(1), formula="energy_intensity")
    parsed = parse_answer(spec, {"in-E": "１２，３４５．５", "in-Q": " 1 000 "})
    assert parsed.errors == {}
    assert dict(parsed.values.inputs) == {"E": "12345.5", "Q": "1000"}


def test_gate_answers_are_yes_or_no_only():
    gate = GateSpec(code="B1", kind="basic")
    assert parse_answer(gate, {"passed": "yes"}).values.passed is True
    assert parse_answer(gate, {"passed": "no"}).values.passed is False
    with translation.override("en"):
        assert parse_answer(gate, {"passed": "maybe"}).errors == {"passed": ["Choose one of the options."]}


# --- Order decided by the server, conflicts ---------------------------------------------------


@pytest.mark.parametrize("seq", [str(2**63 - 1), str(2**63), "-1", "99999999999999999999999"])
def test_a_client_sequence_number_cannot_lock_an_answer(client, assessment, editor, seq):
    assert post(client, assessment, "M01", {"choice": "met", "version": "0", "seq": seq}).status_code == 200
    other = member(assessment.company, "colleague", Role.EDITOR)
    client.force_login(other)
    response = post(client, assessment, "M01", {"choice": "partly", "version": "1", "seq": "1"}, page="page-2")
    assert response.status_code == 200
    assert answer(assessment, "M01").choice == "partly"


def test_a_repeated_save_changes_nothing(client, assessment, editor):
    first = post(client, assessment, "M01", {"choice": "met", "version": "0"})
    again = post(client, assessment, "M01", {"choice": "met", "version": "0"})
    assert first.status_code == again.status_code == 200
    assert again.json()["version"] == 1
    assert answer(assessment, "M01").version == 1


def test_a_page_whose_answer_was_lost_may_save_again_on_top_of_its_own_save(client, assessment, editor):
    post(client, assessment, "M01", {"choice": "met", "version": "0"})  # the answer to this save never arrived
    response = post(client, assessment, "M01", {"choice": "partly", "version": "0"})  # the page still thinks version 0
    assert response.status_code == 200
    stored = answer(assessment, "M01")
    assert (stored.choice, stored.version) == ("partly", 2)


def test_a_stale_save_from_another_page_gets_409_and_keeps_the_stored_answer(client, assessment, editor):
    other = member(assessment.company, "colleague", Role.EDITOR)
    post(client, assessment, "M01", {"choice": "met", "version": "0"})  # editor saves first
    client.force_login(other)
    response = post(client, assessment, "M01", {"choice": "not_met", "version": "0"}, page="colleague-page")
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == "conflict" and body["version"] == 1
    state = body["html"]["q-state-M01"]
    assert "someone else changed this answer meanwhile (now: Met)" in state
    assert "Reload the page to see their change" in state and 'data-save-again="1"' in state
    assert answer(assessment, "M01").choice == "met"
    again = post(client, assessment, "M01", {"choice": "not_met", "version": "1"}, page="colleague-page")
    assert again.status_code == 200
    stored = answer(assessment, "M01")
    assert (stored.choice, stored.version, stored.updated_by) == ("not_met", 2, other)


def test_a_stale_save_of_the_same_value_is_not_a_conflict(client, assessment, editor):
    post(client, assessment, "M01", {"choice": "met", "version": "0"})
    response = post(client, assessment, "M01", {"choice": "met", "version": "0"}, page="another-page")
    assert response.status_code == 200
    assert answer(assessment, "M01").version == 1


def test_save_answer_rules_without_http(assessment):
    values = AnswerValues(choice="met")
    assert save_answer(assessment, "M01", values, version=0, client="a").outcome == Outcome.SAVED
    assert save_answer(assessment, "M01", values, version=0, client="b").outcome == Outcome.UNCHANGED
    assert (
        save_answer(assessment, "M01", AnswerValues(choice="partly"), version=0, client="b").outcome == Outcome.CONFLICT
    )
    assert save_answer(assessment, "M01", AnswerValues(choice="partly"), version=0, client="a").outcome == Outcome.SAVED
    assert (
        save_answer(assessment, "M01", AnswerValues(choice="not_met"), version=1, client="a").outcome == Outcome.SAVED
    )
    # a plain form post (no page token) is only accepted on the current version
    assert save_answer(assessment, "M01", AnswerValues(choice="met"), version=2).outcome == Outcome.CONFLICT
    result = save_answer(assessment, "M01", AnswerValues(choice="met"), version=3)
    assert result.outcome == Outcome.SAVED and result.row.version == 4 and result.row.seq == 0
    assert Answer.objects.filter(assessment=assessment, code="M01").count() == 1
    assert writer_id("") == 0 and 0 < writer_id("a") < 2**56


# --- Locked, permissions, forged fields -------------------------------------------------------


def test_autosave_after_submission_is_refused(client, assessment, editor):
    Answer.objects.create(assessment=assessment, code="M01", choice="met", version=1)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    response = post(client, assessment, "M01", {"choice": "not_met", "version": "1"})
    assert response.status_code == 409
    assert response.json()["state"] == "locked"
    assert "this assessment has been submitted and is locked" in response.json()["html"]["q-state-M01"]
    assert answer(assessment, "M01").choice == "met"
    assert save_answer(assessment, "M01", AnswerValues(choice="partly"), version=1).outcome == Outcome.LOCKED


@pytest.mark.parametrize(("who", "expected"), EDIT_LADDER)
def test_autosave_permission_ladder(client, who, expected):
    company = make_company()
    assessment = make_assessment(company)
    users = {
        "outsider": member(make_company("Other"), "outsider", Role.OWNER),
        "viewer": member(company, "viewer", Role.VIEWER),
        "editor": member(company, "editor", Role.EDITOR),
        "owner": member(company, "owner", Role.OWNER),
        "consultant": consultant_for(company),
        "revoked": consultant_for(company, revoked=True),
    }
    if who != "anonymous":
        client.force_login(users[who])
    response = post(client, assessment, "M01", {"choice": "met", "version": "0"})
    assert response.status_code == expected
    assert Answer.objects.filter(assessment=assessment).exists() == (expected == 200)
    assert client.get(reverse("assessment_answer", args=[assessment.pk, "M01"])).status_code == (
        405 if expected == 200 else expected
    )


def test_unknown_code_is_404(client, assessment, editor):
    assert post(client, assessment, "ZZ9", {"choice": "met"}).status_code == 404


def test_forged_fields_cannot_change_scores_status_criteria_or_notes(client, assessment, editor):
    url = reverse("assessment_answer", args=[assessment.pk, "M01"])
    response = client.post(
        url,
        {
            "M01-choice": "met",
            "M01-version": "0",
            "M01-value": "999",
            "M01-points": "100",
            "M01-consultant_note": "forged",
            "M01-passed": "yes",
            "M02-choice": "met",
            "status": "submitted",
            "points": "100",
            "weight": "100",
            "criteria_set": "1",
        },
        headers=AUTOSAVE,
    )
    assert response.status_code == 200
    stored = answer(assessment, "M01")
    assert (stored.choice, stored.value, stored.consultant_note, stored.passed) == ("met", None, "", None)
    assert not Answer.objects.filter(assessment=assessment, code="M02").exists()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    indicator = assessment.criteria_set.categories.get(code="mgmt").indicators.get(code="M01")
    assert indicator.points == Decimal(5)


def test_consultant_sets_a_note(client, assessment):
    client.force_login(consultant_for(assessment.company))
    response = post(
        client, assessment, "M01", {"choice": "met", "consultant_note": "Ask for the 2024 audit.", "version": "0"}
    )
    assert response.status_code == 200
    assert answer(assessment, "M01").consultant_note == "Ask for the 2024 audit."


def test_company_save_keeps_the_consultants_note(client, assessment, editor):
    Answer.objects.create(assessment=assessment, code="M01", choice="met", consultant_note="Keep me", version=1, seq=1)
    post(client, assessment, "M01", {"choice": "partly", "version": "1"})
    stored = answer(assessment, "M01")
    assert (stored.choice, stored.consultant_note) == ("partly", "Keep me")


def test_sector_value_of_another_indicator_is_refused(client, assessment, editor):
    other = make_sector_value(assessment.company.sector, code="F99")
    response = post(
        client, assessment, "E01", {"in-E": "1", "in-Q": "1", "sector_value": str(other.pk), "version": "0"}
    )
    assert response.status_code == 422
    assert "Choose a value from the list." in response.content.decode()


def test_autosave_without_javascript_redirects_to_the_indicator(client, assessment, editor):
    response = post(client, assessment, "M01", {"choice": "met", "version": "0"}, script=False)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/assessments/{assessment.pk}/c/mgmt/#ind-M01")
    assert answer(assessment, "M01").version == 1


def test_the_per_output_form_takes_output_value_g_instead_of_q(client, editor):
    """GB/T 36132-2025 Annex B: F01 as tce per 10k CNY of output value, on the page and through autosave."""
    from assessment.models import CriteriaSet

    criteria_set = CriteriaSet.objects.get(code="factory-gbt36132-2025")
    factory = Assessment.objects.create(company=make_company("Per Output Works"), criteria_set=criteria_set, year=2025)
    from organisations.models import Membership

    Membership.objects.create(user=editor, company=factory.company, role=Role.EDITOR)
    page = client.get(reverse("assessment_category", args=[factory.pk, "energy"])).content.decode()
    assert 'name="F01-in-G"' in page and "instead of Q for the per-output form" in page
    response = post(client, factory, "F01", {"in-E": "500", "in-G": "10000", "version": "0"})
    assert response.status_code == 200, response.json()["errors"]
    assert answer(factory, "F01").inputs == {"E": "500", "G": "10000"}
    assert "0.05" in response.json()["html"]["q-result-F01"]  # 500 tce / 10,000 (10k CNY)
    assert post(client, factory, "F01", {"in-E": "500", "in-G": "0", "version": "1"}).status_code == 422
