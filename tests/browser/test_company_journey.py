"""A company's whole journey in a real browser, in English and in Chinese.

Sign up, create the company, start a green-factory assessment, answer with autosave (and see the
answers kept after a reload), upload evidence, hit invalid values, import the remaining answers,
submit, and use the what-if simulator on the results. A staff user then opens the admin. No page
may report a CSP violation or a JavaScript error.
"""

import json
import re

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.utils import translation
from playwright.sync_api import expect

from assessment.models import Answer, Assessment, Evidence
from greenmfg.bilingual import pick
from organisations.models import Sector
from policies.models import FocusArea
from tests.browser import steps
from tests.browser.steps import Browsing, score_total, tick, type_and_leave

pytestmark = pytest.mark.browser

COMPANY_NAMES = {"en": "Fujian Green Ceramics Co., Ltd.", "zh-hans": "福建绿色陶瓷有限公司"}
# Start in the other language, so the switcher must do the work.
BROWSER_LOCALES = {"en": "zh-CN", "zh-hans": "en-US"}
ENERGY = {"en": "Energy low-carbon", "zh-hans": "能源低碳化"}  # the category's name from the criteria
GATES = ["B1", "B2", "B3", "N1", "N2", "N3", "N4", "N5", "N6"]

# What the company collected offline and imports: every indicator not answered through the UI.
# F12 is not met: the what-if simulator ticks it.
IMPORTED = {
    "F01": {"inputs": {"E": "900", "Q": "10"}, "leading": "80", "benchmark": "100", "values_source": "quota standard"},
    "F02": {"inputs": {"C": "2000", "Q": "10"}, "leading": "150", "benchmark": "250", "values_source": "sector study"},
    "F05": {"inputs": {"M": "50", "Q": "10"}, "leading": "4", "benchmark": "6", "values_source": "sector study"},
    "F06": {"inputs": {"V": "300", "Q": "10"}, "leading": "20", "benchmark": "40", "values_source": "quota standard"},
    "F07": {"inputs": {"V_r": "800", "V": "200"}, "leading": "90", "benchmark": "70", "values_source": "sector study"},
    "F08": {
        "inputs": {"Z_r": "90", "Z": "100", "Z_w": "0"},
        "leading": "95",
        "benchmark": "80",
        "values_source": "sector study",
    },
    "F09": {"choice": "met"},
    "F10": {"na": True, "na_reason": "No retrofit project in the last three years"},
    "F11": {"inputs": {"P": "5", "Q": "10"}, "leading": "0.4", "benchmark": "0.6", "values_source": "permit"},
    "F12": {"choice": "not_met"},
    "F13": {"choice": "partly"},
    "F14": {
        "inputs": {"G": "5000", "A": "10000"},
        "leading": "0.6",
        "benchmark": "0.4",
        "values_source": "park average",
    },
}


def landing_in_language(b: Browsing) -> None:
    response = b.goto("/")
    # The CSP is enforced (so the violation checks below mean something), without unsafe sources.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "unsafe-" not in policy, policy
    steps.switch_language(b)
    with translation.override(b.lang):
        titles = [pick(area, "title") for area in FocusArea.objects.all()]
    assert titles, "the reference data has no focus areas"
    expect(b.page.locator("main .area-card h3")).to_have_text(titles)  # the content in the chosen language
    b.shot("landing")


def answer_gates(b: Browsing) -> None:
    """Every gate through the UI: each radio click autosaves."""
    expect(b.page.locator("#score-panel")).to_be_visible()
    for code in GATES:
        tick(b, code, f"f-{code}-yes")
    expect(b.page.locator("#score-panel .q-panel-row.is-current")).to_contain_text(f"{len(GATES)}/{len(GATES)}")


def answer_energy_page(b: Browsing, evidence_pdf) -> None:  # noqa: ANN001
    """Formula inputs, own values, a count indicator, evidence, and invalid values shown by the field."""
    before = score_total(b)
    # F03 renewable share (E_re / E): inputs, then own leading/benchmark values with their source.
    type_and_leave(b, "F03", "values_source", "provincial average 2025")
    type_and_leave(b, "F03", "in-E_re", "300")
    type_and_leave(b, "F03", "in-E", "1000")
    expect(b.page.locator("#ind-F03 .q-computed")).to_contain_text("30 %")
    # Leading without benchmark is kept as a draft, without a message while the pair is being filled in.
    type_and_leave(b, "F03", "leading", "30")
    expect(b.page.locator('#ind-F03 .q-errors[data-for="F03-benchmark"]')).to_be_empty()
    expect(b.page.locator("#f-F03-leading")).to_have_value("30")
    type_and_leave(b, "F03", "benchmark", "10")
    expect(b.page.locator("#ind-F03 .q-status")).to_have_text(b.t("Met"))
    # F04 platform functions: ticking options.
    tick(b, "F04", "f-F04-o0")
    tick(b, "F04", "f-F04-o7")
    after = score_total(b)
    assert after > before, f"the live score did not rise: {before} → {after}"

    # F02: a negative quantity, then text in a number field: each message next to its field, input kept.
    type_and_leave(b, "F02", "in-C", "-5", expect_status=422)
    expect(b.page.locator("#e-F02-in-C")).to_have_text(b.t("This quantity cannot be negative."))
    expect(b.page.locator("#e-F02-in-C")).to_be_visible()
    expect(b.page.locator("#f-F02-in-C")).to_have_value("-5")
    expect(b.page.locator("#f-F02-in-C")).to_have_attribute("aria-invalid", "true")
    type_and_leave(b, "F02", "in-Q", "ten", expect_status=422)
    expect(b.page.locator("#e-F02-in-Q")).to_have_text(b.t("Enter a number, for example 1234.5."))
    expect(b.page.locator("#f-F02-in-Q")).to_have_value("ten")
    expect(b.page.locator("#f-F02-in-C")).to_have_value("-5")
    # Corrected, the answer saves.
    type_and_leave(b, "F02", "in-C", "2000", expect_status=422)  # Q is still "ten"
    type_and_leave(b, "F02", "in-Q", "10")
    expect(b.page.locator("#ind-F02 .q-computed")).to_contain_text("200")

    # Evidence for F03: a PDF, listed after the upload and downloadable.
    b.page.set_input_files("#file-F03", str(evidence_pdf))
    with b.page.expect_response(lambda r: r.request.method == "POST" and "/evidence/F03/" in r.url) as upload:
        b.page.locator("#ev-F03 button[type=submit]").click()
    assert upload.value.status == 200
    expect(b.page.locator("#ev-F03")).to_contain_text(b.t("Evidence updated."))
    expect(b.page.locator("#ev-F03 a", has_text=evidence_pdf.name)).to_be_visible()


def kept_after_reload(b: Browsing) -> None:
    b.page.reload()
    expect(b.page.locator("#f-F03-in-E_re")).to_have_value("300")
    expect(b.page.locator("#f-F03-in-E")).to_have_value("1000")
    expect(b.page.locator("#f-F03-benchmark")).to_have_value("10")
    expect(b.page.locator("#f-F03-values_source")).to_have_value("provincial average 2025")
    expect(b.page.locator("#f-F04-o0")).to_be_checked()
    expect(b.page.locator("#f-F04-o7")).to_be_checked()
    expect(b.page.locator("#f-F04-o1")).not_to_be_checked()
    expect(b.page.locator("#f-F02-in-Q")).to_have_value("10")
    link = b.page.locator("#ev-F03 a", has_text="meter-readings.pdf")
    with b.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "meter-readings.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF-")


def import_the_rest(b: Browsing, assessment_pk: int) -> None:
    document = {"criteria_set": "factory-gbt36132-2025", "indicators": IMPORTED}
    b.page.locator(f'#main .nav-tabs a[href="/assessments/{assessment_pk}/import/"]').click()
    b.page.set_input_files(
        "#id_file",
        files=[{"name": "answers.json", "mimeType": "application/json", "buffer": json.dumps(document).encode()}],
    )
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url(f"**/assessments/{assessment_pk}/")
    expect(b.page.locator("main .alert-success")).to_contain_text(
        b.t("%(count)s answer(s) imported.") % {"count": len(IMPORTED)}
    )


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_company_journey(open_browser, lang, tmp_path):  # noqa: ANN001
    b = open_browser(lang, BROWSER_LOCALES[lang])
    sector = Sector.objects.get(code="30")  # non-metallic minerals: has sector quota values
    email = steps.unique_email("owner")
    name = COMPANY_NAMES[lang]

    landing_in_language(b)
    steps.sign_up(b, email)
    company_pk = steps.create_company(b, name, sector.pk)
    expect(b.page.locator("html")).to_have_attribute("lang", lang)  # the choice survives signing up

    b.page.locator('nav a[href="/dashboard/"]').click()
    expect(b.page.locator("main .dashboard-company")).to_contain_text(name)
    assessment_pk = steps.start_factory_assessment(b, company_pk)

    answer_gates(b)
    b.page.reload()
    for code in GATES:
        expect(b.page.locator(f"#f-{code}-yes")).to_be_checked()

    b.goto(f"/assessments/{assessment_pk}/c/energy/")
    expect(b.page.locator(".q-pages a[aria-current=page]")).to_contain_text(ENERGY[lang])
    answer_energy_page(b, steps.tiny_pdf(tmp_path / "meter-readings.pdf"))
    b.shot("questionnaire-energy", full_page=False)
    kept_after_reload(b)
    assessment = Assessment.objects.get(pk=assessment_pk)
    assert (
        Answer.objects.filter(assessment=assessment, code__in=[*GATES, "F02", "F03", "F04"]).count() == len(GATES) + 3
    )
    assert Evidence.objects.filter(assessment=assessment, code="F03").count() == 1

    # Not complete yet: the submit page lists what is missing and will not submit.
    b.page.locator("#score-panel a", has_text=b.t("Check and submit")).click()
    expect(b.page.locator(".missing-item").first).to_be_visible()
    expect(b.page.locator(".missing-item", has_text="F12")).to_have_count(1)
    expect(b.page.locator("main form button[type=submit]", has_text=b.t("Submit assessment"))).to_be_disabled()

    import_the_rest(b, assessment_pk)
    b.page.locator(f'#score-panel a[href="/assessments/{assessment_pk}/submit/"]').click()
    expect(b.page.locator("main")).to_contain_text(b.t("Everything required is answered."))
    expect(b.page.locator(".missing-item")).to_have_count(0)
    b.page.locator("main form button[type=submit]", has_text=b.t("Submit assessment")).click()
    b.page.wait_for_url(f"**/assessments/{assessment_pk}/results/")
    expect(b.page.locator("main .alert-success")).to_contain_text(
        b.t("Submitted. The answers are locked and the results are final for this revision.")
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED

    # Results and the what-if simulator: ticking the unmet F12 raises the score by its points.
    total = steps.number(b.page.locator("#total-score").inner_text())
    assert 0 < total < 100
    expect(b.page.locator("#gap-F12")).to_be_visible()
    b.shot("results")
    with b.page.expect_response(lambda r: "whatif=F12" in r.url) as whatif:
        b.page.check("#whatif-F12")
    assert whatif.value.status == 200
    expect(b.page.locator("#whatif-total")).to_be_visible()
    simulated = steps.number(b.page.locator("#whatif-total").inner_text())
    gain = steps.number(b.page.locator("#gap-F12 .text-success.fs-5").inner_text().lstrip("+"))
    assert gain > 0
    assert simulated == pytest.approx(total + gain, abs=0.011), (total, gain, simulated)
    expect(b.page.locator("#whatif-result")).to_contain_text(f"+{gain:.2f}")
    b.shot("results-whatif")

    # Every indicator's figures are on the Indicators tab, in the order of the criteria.
    b.page.locator(f'a.nav-link[href="/assessments/{assessment_pk}/indicators/"]').click()
    expect(b.page.locator("#indicator-F12")).to_be_visible()
    assert steps.number(b.page.locator("main #total-score").inner_text()) == pytest.approx(total, abs=0.001)
    b.shot("indicators")

    # The dashboard lists the submitted assessment with its score.
    b.page.locator('nav a[href="/dashboard/"]').click()
    row = b.page.locator("main .dashboard-company tbody tr")
    expect(row).to_have_count(1)
    with translation.override(lang):
        expect(row).to_contain_text(str(Assessment.Status.SUBMITTED.label))
    assert steps.number(row.locator("td").last.inner_text()) == pytest.approx(total, abs=0.01)
    b.shot("dashboard")

    open_admin(open_browser, lang, assessment_pk, company_pk)
    b.settle()
    assert_clean(b)


def open_admin(open_browser, lang: str, assessment_pk: int, company_pk: int) -> None:  # noqa: ANN001
    """A staff user logs in to the admin and opens its index and two change forms, watched for CSP."""
    email = steps.unique_email("staff")
    get_user_model().objects.create_superuser(email, email, steps.PASSWORD)
    admin = open_browser(lang, "zh-CN" if lang == "zh-hans" else "en-US")
    admin.goto("/admin/")
    admin.page.fill("#id_username", email)
    admin.page.fill("#id_password", steps.PASSWORD)
    admin.page.locator("#login-form [type=submit]").click()
    admin.page.wait_for_url(re.compile(r"/admin/$"))
    with translation.override(lang):
        index_title = str(django_admin.site.index_title)
    expect(admin.page.locator("#content h1")).to_have_text(index_title)
    admin.shot("admin")
    for path in (f"/admin/assessment/assessment/{assessment_pk}/change/", "/admin/assessment/criteriaset/"):
        admin.goto(path)
        expect(admin.page.locator("#content")).to_be_visible()
    admin.page.locator("#result_list tbody th a").first.click()
    expect(admin.page.locator("#content form")).to_be_visible()
    # An editable change form, with the admin's own scripts (related-object widgets, save buttons).
    admin.goto(f"/admin/organisations/company/{company_pk}/change/")
    expect(admin.page.locator("#company_form input[name=_save]")).to_be_visible()
    admin.shot("admin-change-form")
    admin.settle()
    assert_clean(admin)


def assert_clean(b: Browsing) -> None:
    assert b.watch.csp == [], b.watch.csp
    assert b.watch.errors == [], b.watch.errors
    assert b.watch.failed_static == [], b.watch.failed_static
    assert len(b.watch.pages) >= 3
