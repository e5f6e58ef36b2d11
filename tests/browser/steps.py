"""Steps of the browser journeys, done through the UI the way a person would."""

import re
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.core import mail
from django.utils import translation
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from organisations.credit_code import ALPHABET, check_character

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Gr33n-factory-journey"


@dataclass
class Watch:
    """What went wrong in the browser, page by page."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed_static: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp.append(f"{message.page.url if message.page else ''}: {text}")

    def response(self, response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.failed_static.append(f"{response.status} {response.url}")


@dataclass
class Browsing:
    """One browser context (one user) with its page, the watch, and a screenshot helper."""

    page: Page
    base: str
    lang: str
    watch: Watch

    def url(self, path: str) -> str:
        return self.base + path

    def goto(self, path: str) -> Response | None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        return response

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        """test-artifacts/screenshots/<lang>-<name>.png, from the top of the page.

        Pages with sticky parts (the questionnaire's score panel and save bar) are taken as the
        viewport shows them: a full-page capture would paint the sticky parts mid-page.
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{self.lang}-{name}.png"
        self.page.evaluate("() => window.scrollTo(0, 0)")
        self.page.screenshot(path=str(target), full_page=full_page)
        return target

    def t(self, message: str) -> str:
        """A UI string as the page shows it in this test's language."""
        with translation.override(self.lang):
            return translation.gettext(message)

    def settle(self) -> None:
        """Let pending violation reports reach Python (they are dispatched asynchronously)."""
        self.page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))")


def unique_email(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:10]}@example.com"


def credit_code() -> str:
    """A valid, random unified social credit code (GB 32100-2015 check character)."""
    body = "913501" + "".join(secrets.choice(ALPHABET) for _ in range(11))
    return body + check_character(body)


def wrong_check_character(code: str) -> str:
    return code[:17] + next(ch for ch in "0123456789" if ch != code[17])


def tiny_pdf(path: Path) -> Path:
    """A minimal, well-formed one-page PDF (header, objects, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(body)
    return path


def switch_language(b: Browsing) -> None:
    """Use the switcher in the navigation bar, then check the page came back in that language."""
    b.page.locator(f'nav button[name="language"][value="{b.lang}"]').click()
    expect(b.page.locator("html")).to_have_attribute("lang", b.lang)
    expect(b.page.locator("nav")).to_contain_text(b.t("Policy"))


def sign_up(b: Browsing, email: str) -> None:
    b.page.locator('nav a[href="/signup/"]').click()
    expect(b.page.locator("h1")).to_have_text(b.t("Create your account"))
    b.page.fill("#id_email", email)
    b.page.fill("#id_password1", PASSWORD)
    b.page.fill("#id_password2", PASSWORD)
    b.page.locator("main form button[type=submit]").click()
    # The address is confirmed through the link mailed to it (locmem mail, same process as the live server).
    expect(b.page.locator("h1")).to_have_text(b.t("Check your inbox"))
    link = re.search(r"https?://\S+/accounts/confirm/\S+/", mail.outbox[-1].body).group(0)
    b.page.goto(link)
    b.page.wait_for_url("**/welcome/")
    expect(b.page.locator("main")).to_contain_text(b.t("Your email address is confirmed. Welcome!"))


def log_in(b: Browsing, email: str) -> None:
    b.goto("/accounts/login/")
    b.page.fill("#id_username", email)
    b.page.fill("#id_password", PASSWORD)
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url("**/dashboard/")


def create_company(b: Browsing, name: str, sector_pk: int) -> int:
    """From the welcome page; a wrong check character first, to see the message next to the field."""
    code = credit_code()
    b.page.locator('main a[href="/companies/new/"]').click()
    b.page.fill("#id_name", name)
    b.page.fill("#id_credit_code", wrong_check_character(code))
    b.page.select_option("#id_sector", str(sector_pk))
    b.page.select_option("#id_province", "FJ")
    b.page.select_option("#id_size", "medium")
    b.page.locator("main form button[type=submit]").click()
    message = b.t("The check character is wrong: the last character should be %(expected)s. Please re-check the code.")
    expect(b.page.locator("#id_credit_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(b.page.locator("#error_1_id_credit_code")).to_have_text(message % {"expected": code[17]})
    b.page.fill("#id_credit_code", code)
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url(re.compile(r"/companies/\d+/$"))
    expect(b.page.locator("h1")).to_have_text(name)
    expect(b.page.locator("main dl")).to_contain_text(code)
    return int(re.search(r"/companies/(\d+)/$", b.page.url).group(1))


def start_factory_assessment(b: Browsing, company_pk: int) -> int:
    """From the dashboard: start a green-factory assessment; it opens on the gates page."""
    b.page.locator(f'main a[href="/companies/{company_pk}/assessments/new/"]').click()
    b.page.check('input[name="area"][value="factory"]')
    b.page.locator("main form button[type=submit]").click()
    b.page.wait_for_url(re.compile(r"/assessments/\d+/gates/$"))
    return int(re.search(r"/assessments/(\d+)/", b.page.url).group(1))


def autosave(b: Browsing, code: str, action, *, expect_status: int = 200) -> None:  # noqa: ANN001
    """Do `action` (which changes answer `code`), wait for its save and for the question's state."""
    with b.page.expect_response(
        lambda r: r.request.method == "POST" and re.search(rf"/answer/{re.escape(code)}/$", r.url) is not None
    ) as info:
        action()
    assert info.value.status == expect_status, f"{code}: autosave answered {info.value.status}"
    state = b.page.locator(f"#q-state-{code}")
    if expect_status == 200:
        expect(state).to_contain_text(b.t("Saved"))
    else:
        expect(state).to_contain_text(b.t("Not saved: correct the fields marked in red. What you typed is kept."))


def type_and_leave(b: Browsing, code: str, field: str, value: str, *, expect_status: int = 200) -> None:
    """Type into a field and Tab out of it: the change event autosaves the answer."""
    selector = f"#f-{code}-{field}"

    def act() -> None:
        b.page.fill(selector, value)
        b.page.press(selector, "Tab")

    autosave(b, code, act, expect_status=expect_status)


def tick(b: Browsing, code: str, input_id: str) -> None:
    autosave(b, code, lambda: b.page.check(f"#{input_id}"))


def score_total(b: Browsing) -> float:
    return number(b.page.locator('#score-panel [data-testid="score-total"]').inner_text())


def number(text: str) -> float:
    return float(text.strip().replace(",", ""))
