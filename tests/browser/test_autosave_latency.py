"""Autosave on a slow connection (400 ms added to every request), as people really use it.

Each test plays a sequence that used to lose a change while the page said "Saved" — typing and at
once clicking, ticking during a save, edits across questions — then waits for what the user waits
for (the question says "Saved") and checks that the database holds exactly what the page shows.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessment.answers import start_assessment
from assessment.models import Answer, Assessment, CriteriaSet
from organisations.models import Membership, Role
from tests.browser.steps import PASSWORD, Browsing
from tests.factories import cement_company

pytestmark = pytest.mark.browser
LATENCY_MS = 400


@pytest.fixture
def slow(open_browser):  # noqa: ANN001, ANN201
    """An owner logged in, on a fresh factory assessment, with 400 ms of latency on every request."""
    user = get_user_model().objects.create_user(
        username="slow@example.com", email="slow@example.com", password=PASSWORD
    )
    company = cement_company("Slow Line Ceramics", province="FJ")
    Membership.objects.create(user=user, company=company, role=Role.OWNER)
    assessment = start_assessment(
        company, CriteriaSet.objects.latest_published("factory"), year=2025, title="", user=user
    )
    b = open_browser("en", "en-US")
    b.goto("/accounts/login/")
    b.page.fill("#id_username", "slow@example.com")
    b.page.fill("#id_password", PASSWORD)
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url("**/dashboard/")
    cdp = b.page.context.new_cdp_session(b.page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    b.cdp = cdp  # type: ignore[attr-defined]  # kept for the tests that go offline
    b.assessment = assessment  # type: ignore[attr-defined]
    return b


def open_category(b: Browsing, category: str) -> None:
    b.goto(f"/assessments/{b.assessment.pk}/c/{category}/")  # type: ignore[attr-defined]
    expect(b.page.locator("#score-panel")).to_be_visible()


def saved(b: Browsing, *codes: str) -> None:
    """Wait as a user would: until each question says "Saved"."""
    for code in codes:
        expect(b.page.locator(f"#q-state-{code}")).to_have_text(re.compile(r"✓\s*Saved"))


def open_comment(b: Browsing, code: str) -> None:
    b.page.locator(f"#ind-{code} fieldset summary", has_text=b.t("Comment")).click()


def stored(b: Browsing, code: str) -> Answer:
    return Answer.objects.get(assessment=b.assessment, code=code)  # type: ignore[attr-defined]


def kept_after_reload(b: Browsing, code: str, ticked: str, field: str, **stored_fields: object) -> None:
    """Stored as `stored_fields`, and so shown again after a reload: box `ticked` checked, `field` holding its text."""
    row = stored(b, code)
    assert {name: getattr(row, name) for name in stored_fields} == stored_fields
    b.page.reload()
    expect(b.page.locator(f"#f-{code}-{ticked}")).to_be_checked()
    expect(b.page.locator(f"#f-{code}-{field}")).to_have_value(str(stored_fields[field]))


def test_a_comment_then_at_once_another_choice_keeps_both(slow):  # noqa: ANN001
    b = slow
    open_category(b, "clean")
    b.page.check("#f-F09-met")
    saved(b, "F09")
    open_comment(b, "F09")
    b.page.fill("#f-F09-comment", "Audit report 2024 on file")
    b.page.check("#f-F09-partly")  # clicked while the comment is still being typed / saved
    saved(b, "F09")
    kept_after_reload(b, "F09", "partly", "comment", choice="partly", comment="Audit report 2024 on file")


def test_an_na_reason_then_the_na_tick_keeps_both(slow):  # noqa: ANN001
    b = slow
    open_category(b, "clean")
    b.page.fill("#f-F11-na_reason", "No process emissions: assembly only")
    b.page.check("#f-F11-na")
    saved(b, "F11")
    kept_after_reload(b, "F11", "na", "na_reason", na=True, na_reason="No process emissions: assembly only")


def test_a_comment_then_two_ticks_keeps_all(slow):  # noqa: ANN001
    b = slow
    open_category(b, "energy")
    open_comment(b, "F04")
    b.page.fill("#f-F04-comment", "Platform live since March")
    b.page.check("#f-F04-o0")
    b.page.check("#f-F04-o3")
    saved(b, "F04")
    row = stored(b, "F04")
    assert (row.inputs.get("options"), row.count, row.comment) == ([0, 3], 2, "Platform live since March")


def test_rapid_edits_across_two_questions(slow):  # noqa: ANN001
    b = slow
    open_category(b, "clean")
    b.page.check("#f-F09-met")
    b.page.fill("#f-F11-na_reason", "Assembly only")
    b.page.check("#f-F09-not_met")
    b.page.check("#f-F11-na")
    b.page.check("#f-F09-partly")
    open_comment(b, "F09")
    b.page.fill("#f-F09-comment", "second thoughts")
    b.page.fill("#f-F11-na_reason", "Assembly only, no furnaces")
    saved(b, "F09", "F11")
    f09, f11 = stored(b, "F09"), stored(b, "F11")
    assert (f09.choice, f09.comment) == ("partly", "second thoughts")
    assert (f11.na, f11.na_reason) == (True, "Assembly only, no furnaces")
    # the live score and the tab counters followed every save
    expect(b.page.locator("#q-tabs a[aria-current=page]")).to_contain_text("2/")


def test_half_a_pair_is_named_only_when_the_user_leaves_the_question(slow):  # noqa: ANN001
    b = slow
    open_category(b, "clean")
    b.page.check("#f-F11-na")
    saved(b, "F11")
    box = b.page.locator('#ind-F11 .q-errors[data-for="F11-na_reason"]')
    expect(box).to_be_empty()  # still filling it in: no nagging
    assert stored(b, "F11").na is True  # the tick is kept as a draft
    b.page.locator("#f-F09-met").click()  # on to another question
    expect(box).to_have_text(b.t("Say why this indicator does not apply."))
    b.page.fill("#f-F11-na_reason", "Assembly only")
    b.page.locator("#f-F09-partly").click()
    saved(b, "F11", "F09")
    expect(box).to_be_empty()
    assert stored(b, "F11").na_reason == "Assembly only"


def test_offline_the_page_says_not_saved_keeps_the_user_and_saves_when_back(slow):  # noqa: ANN001
    b = slow
    open_category(b, "clean")
    b.cdp.send(
        "Network.emulateNetworkConditions",
        {  # type: ignore[attr-defined]
            "offline": True,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    b.page.check("#f-F09-met")
    expect(b.page.locator("#q-state-F09")).to_contain_text(b.t("Not saved"))
    # "Check and submit" or the next page: the user stays and is told which question is not saved
    b.page.locator("#score-panel a.btn-success").click()
    expect(b.page.locator("#q-unsaved")).to_be_visible()
    expect(b.page.locator("#q-unsaved [data-codes]")).to_have_text("F09")
    assert b.page.url.endswith("/c/clean/")
    assert not Answer.objects.filter(assessment=b.assessment, code="F09").exists()  # type: ignore[attr-defined]
    b.cdp.send(
        "Network.emulateNetworkConditions",
        {  # type: ignore[attr-defined]
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    saved(b, "F09")  # retried by itself
    assert stored(b, "F09").choice == "met"
    assert Assessment.objects.get(pk=b.assessment.pk).status == Assessment.Status.DRAFT  # type: ignore[attr-defined]


def test_a_choice_made_before_the_script_ran_is_saved_when_it_runs(slow):  # noqa: ANN001
    # A user on a slow connection ticks an answer as soon as the page shows, before the page's script
    # has arrived: nothing could listen to that click, so the script saves it when it runs.
    b = slow
    held = []
    b.page.route("**/js/questionnaire*.js", lambda route: held.append(route))
    with b.page.expect_request("**/js/questionnaire*.js"):
        b.page.goto(b.url(f"/assessments/{b.assessment.pk}/c/clean/"), wait_until="commit")  # type: ignore[attr-defined]
    b.page.check("#f-F09-met")
    assert not Answer.objects.filter(assessment=b.assessment, code="F09").exists()  # type: ignore[attr-defined]
    with b.page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/answer/F09/")) as info:
        for route in held:
            route.continue_()
    assert info.value.status == 200
    saved(b, "F09")
    assert stored(b, "F09").choice == "met"
