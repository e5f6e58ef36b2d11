"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server.

- The live server needs committed data, so these tests use a transactional database, which is
  flushed after each test. They therefore run after every other test (see the collection hook) and
  load the reference data at their start; should another test follow them, it is loaded again.
- Playwright's sync API runs an asyncio loop in the test thread; Django would refuse ORM calls
  made there (SynchronousOnlyOperation), so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs.
- Every page the browser opens is watched for CSP violations (`securitypolicyviolation` events and
  console messages), JavaScript errors and failed static files.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect, sync_playwright

from assessment.models import CriteriaSet
from organisations.models import Sector
from policies.models import FocusArea
from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS
from tests.browser.steps import Browsing, Watch

HERE = Path(__file__).resolve().parent
# Generous: CI machines may be busy. Nothing waits this long unless something is wrong.
TIMEOUT_MS = 20_000
# Runs before any page script in every frame; init scripts are not subject to the page's CSP.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _ours(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last, ours at the very end: their transactional flush empties the database."""
    for item in items:
        if _ours(item):
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: (item.get_closest_marker("browser") is not None, _ours(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the last of our tests has been flushed, put the reference data back for any test that follows."""
    result = yield
    if _ours(item) and nextitem is not None and not _ours(nextitem):
        blocker = item.session.config.stash[_blocking_manager_key()]
        with blocker.unblock():
            call_command("load_reference_data", verbosity=0)
    return result


def _blocking_manager_key():  # noqa: ANN202 - pytest-django's private stash key
    from pytest_django.plugin import blocking_manager_key

    return blocking_manager_key


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, settings):  # noqa: ANN001, ANN201
    """The live server with the reference data (flushed by the previous browser test) and plain-http settings."""
    if not (CriteriaSet.objects.exists() and Sector.objects.exists() and FocusArea.objects.exists()):
        call_command("load_reference_data", verbosity=0)
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    return live_server


@pytest.fixture
def open_browser(browser, site):  # noqa: ANN001, ANN201
    """open_browser(lang, locale) → a Browsing; every context is closed at the end of the test."""
    contexts = []

    def open_(lang: str, locale: str = "en-US") -> Browsing:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        watch = Watch()
        context.expose_function("__reportCsp", lambda text: watch.csp.append(text))
        context.add_init_script(REPORT_CSP)
        page = context.new_page()
        page.on("console", watch.console)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("response", watch.response)
        page.on("framenavigated", lambda frame: watch.pages.append(frame.url) if frame == page.main_frame else None)
        contexts.append(context)
        return Browsing(page=page, base=site.url, lang=lang, watch=watch)

    yield open_
    for context in contexts:
        context.close()
