"""Pages in a real browser (Debian chromium) under the enforced CSP: no violation reported.

The browser's requests are answered in-process by Django's test client (Playwright request routing), so
the test sees the reference data and needs no live server or transactional database.
"""

import asyncio
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from playwright.sync_api import Route, sync_playwright

from tests.browser.chromium import CHROMIUM

pytestmark = pytest.mark.browser

ORIGIN = "http://testserver"
# Records what the CSP blocked, before any page script runs (Playwright's init scripts are not subject to CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _answer_with_django(client: Client):
    def handle(route: Route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            route.abort()  # nothing may be fetched from another origin
            return
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        # Playwright calls this inside its event loop; Django would then use another (async-local) database
        # connection, outside the test's transaction. Hide the loop for the synchronous Django call.
        loop = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(None)
        try:
            response = client.get(url)
        finally:
            asyncio.events._set_running_loop(loop)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = {name: value for name, value in response.items()}
        route.fulfill(status=response.status_code, headers=headers, body=body)

    return handle


def violations_on(client: Client, paths: list[str]) -> dict[str, list[str]]:
    """CSP violations per page. Start the browser only after the test's database work: Playwright's sync
    API keeps an event loop running in this thread, which Django refuses ORM calls from."""
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        context.route("**/*", _answer_with_django(client))
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        for url in paths:
            console.clear()
            response = page.goto(f"{ORIGIN}{url}", wait_until="load")
            assert response is not None and response.status == 200, url
            assert "object-src 'none'" in response.headers["content-security-policy"]
            page.wait_for_timeout(200)  # violation events are dispatched asynchronously
            found[url] = page.evaluate("window.__csp") + [text for text in console if "Content Security Policy" in text]
        browser.close()
    return found


def test_public_pages_run_without_csp_violations(db):
    paths = [reverse("landing"), reverse("timeline"), reverse("login"), reverse("signup"), reverse("password_reset")]

    found = violations_on(Client(), paths)

    assert found == {path: [] for path in paths}


def test_logged_in_pages_and_the_admin_run_without_csp_violations(db):
    user = get_user_model().objects.create_superuser("csp-admin@example.com", "csp-admin@example.com", "pw-42-long")
    client = Client()
    client.force_login(user)
    paths = [
        reverse("dashboard"),
        reverse("password_change"),
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[user.pk]),
    ]

    found = violations_on(client, paths)

    assert found == {path: [] for path in paths}


def _inline_script_page(request):
    return HttpResponse("<!doctype html><p>x</p><script>document.title = 'ran'</script>")


urlpatterns = [path("inline/", _inline_script_page)]


def test_the_check_sees_a_blocked_inline_script(db, settings):
    settings.ROOT_URLCONF = __name__

    found = violations_on(Client(), ["/inline/"])

    assert len(found["/inline/"]) >= 1
    assert found["/inline/"][0].startswith("script-src")
