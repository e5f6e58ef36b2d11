"""Who acts for a company, in a real browser and in both languages.

- Ownership claim: a first account registers a credit code; the real company registers the same
  code, is asked for its business licence, and a staff user approves the claim in the admin. The
  company moves to the claimant and the former holder is told by e-mail and loses access.
- Access code: a company owner enters a consultancy's code; the consultancy sees nothing until an
  owner accepts the request, then the client appears on the consultant's dashboard.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from organisations.models import Company, Membership, Role, Sector, Verification
from tests.browser import steps
from tests.browser.steps import Browsing

pytestmark = pytest.mark.browser

LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
OTHER_LOCALES = {"en": "zh-CN", "zh-hans": "en-US"}
HOLDER_NAMES = {"en": "Squatter Trading Co.", "zh-hans": "抢注贸易有限公司"}
REAL_NAMES = {"en": "Quanzhou Real Ceramics Co., Ltd.", "zh-hans": "泉州真陶瓷有限公司"}
FIRMS = {"en": "Evergreen Advisory", "zh-hans": "常青咨询"}
CLIENTS = {"en": "Putian Clean Textiles Co., Ltd.", "zh-hans": "莆田清洁纺织有限公司"}


def start(open_browser, lang: str, role: str) -> Browsing:  # noqa: ANN001
    """Signed up after choosing the language with the switcher (the browser asks for the other one)."""
    b = open_browser(lang, OTHER_LOCALES[lang])
    b.goto("/")
    steps.switch_language(b)
    steps.sign_up(b, steps.unique_email(role))
    return b


def claim_held_code(b: Browsing, *, code: str, name: str, sector_pk: int, licence) -> None:  # noqa: ANN001
    """Register a code another account holds: the page asks for the licence without saying why."""
    b.page.locator('main a[href="/companies/new/"]').click()
    b.page.fill("#id_name", name)
    b.page.fill("#id_credit_code", code)
    b.page.select_option("#id_sector", str(sector_pk))
    b.page.select_option("#id_province", "FJ")
    b.page.select_option("#id_size", "medium")
    b.page.locator("main form button[type=submit]").click()
    expect(b.page.locator("h1")).to_have_text(b.t("Show the business licence"))
    expect(b.page.locator("#id_company_name")).to_have_value(name)
    b.page.fill("#id_contact_name", "Lin Wei")
    b.page.fill("#id_contact_phone", "0595-2288 1234")
    b.page.set_input_files("#id_licence", str(licence))
    b.page.locator("main form button[type=submit]").click()
    expect(b.page.locator("h1")).to_have_text(b.t("Licence sent for review"))
    b.shot("claim-sent")
    b.page.locator('main a[href="/dashboard/"]').click()
    expect(b.page.locator("main .alert-info")).to_contain_text(name)


def staff_approves(open_browser, lang: str, company_name: str) -> Browsing:  # noqa: ANN001
    """A staff user finds the claim in the admin, sees the licence, and approves it with the action."""
    email = steps.unique_email("staff")
    get_user_model().objects.create_superuser(email, email, steps.PASSWORD)
    admin = open_browser(lang, LOCALES[lang])
    admin.goto("/admin/organisations/ownershipclaim/")
    admin.page.fill("#id_username", email)
    admin.page.fill("#id_password", steps.PASSWORD)
    admin.page.locator("#login-form [type=submit]").click()
    admin.page.wait_for_url(re.compile(r"/admin/organisations/ownershipclaim/$"))
    row = admin.page.locator("#result_list tbody tr", has_text=company_name)
    expect(row).to_have_count(1)
    expect(row.locator("img, object, embed, iframe, a").first).to_be_visible()  # the licence beside the data
    admin.shot("admin-claims")
    row.locator("input.action-select").check()
    admin.page.select_option("select[name=action]", "approve_claims")
    admin.page.locator("button[name=index]").click()
    with translation.override(lang):
        done = translation.ngettext("%(n)d claim approved.", "%(n)d claims approved.", 1) % {"n": 1}
    expect(admin.page.locator("ul.messagelist")).to_contain_text(done)
    return admin


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_claim_and_verification(open_browser, lang, tmp_path):  # noqa: ANN001
    sector = Sector.objects.get(code="30")
    holder = start(open_browser, lang, "holder")
    company_pk = steps.create_company(holder, HOLDER_NAMES[lang], sector.pk)
    company = Company.objects.get(pk=company_pk)
    holder_email = Membership.objects.get(company=company).user.email

    claimant = start(open_browser, lang, "claimant")
    claim_held_code(
        claimant,
        code=company.credit_code,
        name=REAL_NAMES[lang],
        sector_pk=sector.pk,
        licence=steps.tiny_pdf(tmp_path / "licence.pdf"),
    )
    # Nothing moved before staff decide.
    assert Membership.objects.filter(company=company).get().user.email == holder_email
    outbox_before = len(mail.outbox)

    admin = staff_approves(open_browser, lang, REAL_NAMES[lang])

    # The claimant now owns the verified company, under the licence's name.
    claimant.page.locator('nav a[href="/dashboard/"]').click()
    card = claimant.page.locator("main .dashboard-company", has_text=REAL_NAMES[lang])
    expect(card).to_have_count(1)
    expect(claimant.page.locator("main .alert-info")).to_have_count(0)
    claimant.page.goto(claimant.url(f"/companies/{company_pk}/"))
    expect(claimant.page.locator("h1")).to_have_text(REAL_NAMES[lang])
    expect(claimant.page.locator("main .badge", has_text=claimant.t("Identity verified"))).to_be_visible()
    claimant.shot("claim-verified")
    company.refresh_from_db()
    assert company.verification == Verification.VERIFIED
    assert Membership.objects.get(company=company).role == Role.OWNER

    # The former holder is told, and has lost the company.
    notices = mail.outbox[outbox_before:]
    assert [m.to for m in notices] == [[holder_email]]
    assert company.credit_code in notices[0].body
    holder.page.locator('nav a[href="/dashboard/"]').click()
    expect(holder.page.locator("main .dashboard-company")).to_have_count(0)
    response = holder.page.goto(holder.url(f"/companies/{company_pk}/"))
    assert response is not None and response.status == 404

    for person in (holder, claimant, admin):
        person.settle()
        assert person.watch.csp == [] and person.watch.errors == [], (person.watch.csp, person.watch.errors)


def set_up_consultancy(b: Browsing, name: str) -> str:
    b.page.locator('main a[href="/consultancies/new/"]').click()
    b.page.fill("#id_name", name)
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url(re.compile(r"/consultancies/\d+/$"))
    return b.page.locator("main .alert-success strong.font-monospace").inner_text().strip()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_access_code_request(open_browser, lang):  # noqa: ANN001
    sector = Sector.objects.get(code="30")
    consultant = start(open_browser, lang, "consultant")
    code = set_up_consultancy(consultant, FIRMS[lang])
    owner = start(open_browser, lang, "owner")
    company_pk = steps.create_company(owner, CLIENTS[lang], sector.pk)

    # A wrong code first: refused next to the field, nothing requested.
    owner.page.fill("#id_access_code", "WRONG-CODE")
    owner.page.locator(f'form[action="/companies/{company_pk}/grants/"] button[type=submit]').click()
    expect(owner.page.locator("#id_access_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(owner.page.locator("main")).to_contain_text(owner.t("No consultancy has this access code. Please check it."))

    owner.page.fill("#id_access_code", code)
    owner.page.locator(f'form[action="/companies/{company_pk}/grants/"] button[type=submit]').click()
    owner.page.wait_for_url(f"**/companies/{company_pk}/")
    expect(owner.page.locator("main .alert-success")).to_contain_text(FIRMS[lang])
    accept = owner.page.locator(f'form[action$="/accept/"][action^="/companies/{company_pk}/access-requests/"] button')
    expect(accept).to_have_text(owner.t("Give access"))
    owner.shot("access-request")

    # Before the owner accepts, the consultancy sees nothing of the company.
    consultant.page.locator('nav a[href="/dashboard/"]').click()
    expect(consultant.page.locator("main .dashboard-company", has_text=CLIENTS[lang])).to_have_count(0)
    response = consultant.page.goto(consultant.url(f"/companies/{company_pk}/"))
    assert response is not None and response.status == 404

    accept.click()
    owner.page.wait_for_url(f"**/companies/{company_pk}/")
    expect(owner.page.locator("main table tbody tr", has_text=FIRMS[lang])).to_contain_text(owner.t("Active"))

    consultant.goto("/dashboard/")
    client = consultant.page.locator("main .dashboard-company", has_text=CLIENTS[lang])
    expect(client).to_have_count(1)
    expect(client).to_contain_text(f"{consultant.t('Consultant')} · {FIRMS[lang]}")
    consultant.shot("access-granted-dashboard")

    for person in (consultant, owner):
        person.settle()
        assert person.watch.csp == [] and person.watch.errors == [], (person.watch.csp, person.watch.errors)
