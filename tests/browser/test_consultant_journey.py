"""A consultant with a client, in a real browser: two people, two browser contexts, two languages.

The consultant sets up a consultancy; the company owner gives it access with its access code; the
consultant finds the client on the dashboard, fills an answer on the company's behalf, adds a
consultant note (which the owner then sees), produces the PDF report, plans the biggest gap in the
action plan and makes the filing pack.
"""

import re

import pytest
from playwright.sync_api import expect

from assessment import reports
from assessment.models import ActionItem, Answer, Report
from organisations.models import Consultancy, Sector
from tests.browser import steps
from tests.browser.steps import Browsing, tick, type_and_leave

pytestmark = pytest.mark.browser

FIRM = "Lvse Advisory Partners"
CLIENT = "厦门清源陶瓷有限公司"
NOTE = "Meter data checked on site; the kiln retrofit of 2024 qualifies."


def set_up_consultancy(b: Browsing) -> str:
    """From the welcome page; returns the access code the consultancy page shows."""
    b.page.locator('main a[href="/consultancies/new/"]').click()
    b.page.fill("#id_name", FIRM)
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url(re.compile(r"/consultancies/\d+/$"))
    expect(b.page.locator("h1")).to_have_text(FIRM)
    code = b.page.locator("main .alert-success strong.font-monospace").inner_text().strip()
    assert code == Consultancy.objects.get(name=FIRM).access_code
    return code


def give_access(b: Browsing, company_pk: int, code: str) -> None:
    """On the company's profile page, as its owner. The code is typed as people do: lower case, spaced."""
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    b.page.fill("#id_access_code", spaced)
    b.page.locator(f'form[action="/companies/{company_pk}/grants/"] button[type=submit]').click()
    b.page.wait_for_url(f"**/companies/{company_pk}/")
    expect(b.page.locator("main .alert-success")).to_contain_text(FIRM)
    # The code only made a request: the owner accepts it.
    b.page.locator(f'form[action^="/companies/{company_pk}/access-requests/"][action$="/accept/"] button').click()
    b.page.wait_for_url(f"**/companies/{company_pk}/")
    grant_row = b.page.locator("main table tbody tr", has_text=FIRM)
    expect(grant_row).to_contain_text(b.t("Active"))


def test_consultant_journey(open_browser):  # noqa: ANN001
    sector = Sector.objects.get(code="30")
    consultant = open_browser("en", "en-US")
    owner = open_browser("zh-hans", "zh-CN")

    # The consultant signs up and sets up the consultancy.
    consultant.goto("/")
    steps.sign_up(consultant, steps.unique_email("consultant"))
    code = set_up_consultancy(consultant)

    # The owner signs up, creates the company, gives the consultancy access and starts an assessment.
    owner.goto("/")
    expect(owner.page.locator("html")).to_have_attribute("lang", "zh-hans")
    steps.sign_up(owner, steps.unique_email("owner"))
    company_pk = steps.create_company(owner, CLIENT, sector.pk)
    give_access(owner, company_pk, code)
    owner.page.locator('nav a[href="/dashboard/"]').click()
    assessment_pk = steps.start_factory_assessment(owner, company_pk)
    tick(owner, "B1", "f-B1-yes")

    # The consultant sees the client and its assessment on the dashboard.
    consultant.page.locator('nav a[href="/dashboard/"]').click()
    client = consultant.page.locator("main .dashboard-company", has_text=CLIENT)
    expect(client).to_have_count(1)
    expect(client).to_contain_text(f"{consultant.t('Consultant')} · {FIRM}")
    expect(client.locator("tbody tr")).to_have_count(1)
    consultant.shot("consultant-dashboard")
    client.locator(f'a[href="/assessments/{assessment_pk}/"]').click()
    expect(consultant.page.locator("header .badge", has_text=consultant.t("Consultant"))).to_be_visible()
    expect(consultant.page.locator("#score-panel")).to_contain_text("1/9")  # the owner's gate answer

    # On the company's behalf: an answer and a consultant note, autosaved, kept after a reload.
    consultant.page.locator(f'.q-pages a[href="/assessments/{assessment_pk}/c/clean/"]').click()
    tick(consultant, "F09", "f-F09-met")
    type_and_leave(consultant, "F09", "consultant_note", NOTE)
    consultant.page.reload()
    expect(consultant.page.locator("#f-F09-met")).to_be_checked()
    expect(consultant.page.locator("#f-F09-consultant_note")).to_have_value(NOTE)
    consultant.shot("consultant-questionnaire", full_page=False)
    answer = Answer.objects.get(assessment_id=assessment_pk, code="F09")
    assert (answer.choice, answer.consultant_note) == ("met", NOTE)

    # The owner sees the consultant's answer, and the note read-only.
    owner.goto(f"/assessments/{assessment_pk}/c/clean/")
    expect(owner.page.locator("#f-F09-met")).to_be_checked()
    expect(owner.page.locator("#ind-F09 .q-note-readonly")).to_contain_text(NOTE)
    expect(owner.page.locator("#f-F09-consultant_note")).to_have_count(0)

    # The consultant asks for the PDF report from the results page; the worker renders it.
    consultant.page.locator(f'#score-panel a[href="/assessments/{assessment_pk}/results/"]').click()
    panel = consultant.page.locator(".report-panel")
    with consultant.page.expect_response(lambda r: r.url.endswith(f"/assessments/{assessment_pk}/report/")) as queued:
        panel.locator("button[type=submit]", has_text=consultant.t("Generate PDF report")).click()
    assert queued.value.status == 200
    expect(panel.locator(".report-status")).to_have_count(1)
    expect(panel.locator(".report-status .spinner-border")).to_be_visible()
    report = Report.objects.get(assessment_id=assessment_pk)
    assert report.consultancy.name == FIRM and report.status == Report.Status.QUEUED
    consultant.page.goto("about:blank")  # stop the status polling while the worker runs in this thread
    assert reports.run_report(report.pk, report.task_id) == Report.Status.DONE
    consultant.goto(f"/assessments/{assessment_pk}/results/")
    done = consultant.page.locator(".report-panel .report-status")
    expect(done).to_contain_text(FIRM)
    with consultant.page.expect_download() as download:
        done.locator(f'a[href="/reports/{report.pk}/download/"]').click()
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    consultant.shot("consultant-results")

    # The action plan, from the results page's tabs: a priority and an owner for the biggest gap.
    consultant.page.locator(f'a.nav-link[href="/assessments/{assessment_pk}/plan/"]').click()
    first = consultant.page.locator("fieldset.plan-row").first
    code = first.locator("input[name=code]").get_attribute("value")
    first.locator(f"#id_{code}-priority").select_option("high")
    first.locator(f"#id_{code}-owner").fill("Wang")
    first.locator(f"#id_{code}-cost").fill("120")
    consultant.page.locator("main form button.btn-success[type=submit]").click()
    expect(consultant.page.locator("#plan-projection strong")).to_be_visible()
    assert ActionItem.objects.get(assessment_id=assessment_pk, code=code).owner == "Wang"
    consultant.shot("consultant-action-plan")

    # The filing pack: same panel, same worker, a ZIP.
    consultant.goto(f"/assessments/{assessment_pk}/results/")
    panel = consultant.page.locator(".report-panel")
    with consultant.page.expect_response(lambda r: r.url.endswith(f"/assessments/{assessment_pk}/report/")) as queued:
        panel.locator("button[type=submit]", has_text=consultant.t("Generate filing pack (ZIP)")).click()
    assert queued.value.status == 200
    expect(panel.locator(".report-status")).to_have_count(2)  # the PDF and the pack, side by side
    pack = Report.objects.get(assessment_id=assessment_pk, kind=Report.Kind.FILING_PACK)
    consultant.page.goto("about:blank")
    assert reports.run_report(pack.pk, pack.task_id) == Report.Status.DONE
    consultant.goto(f"/assessments/{assessment_pk}/results/")
    with consultant.page.expect_download() as download:
        consultant.page.locator(f'a[href="/reports/{pack.pk}/download/"]').click()
    assert download.value.path().read_bytes().startswith(b"PK") and download.value.suggested_filename.endswith(".zip")

    for person in (consultant, owner):
        person.settle()
        assert person.watch.csp == [], person.watch.csp
        assert person.watch.errors == [], person.watch.errors
        assert person.watch.failed_static == [], person.watch.failed_static
