"""The questionnaire as people see it on a laptop (1280 px) and a phone (390 px), in both languages.

The category tabs must stay usable at any width (they wrap on wide screens and scroll sideways on
phones, the active one scrolled into view), the save bar stays on one line, and on a phone the live
score is one tap away from the save bar rather than at the end of the page.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.steps import Browsing

pytestmark = pytest.mark.browser

LOCALES = {"en": "zh-CN", "zh-hans": "en-US"}
NAMES = {"en": "Longyan Layout Ceramics Co., Ltd.", "zh-hans": "龙岩版式陶瓷有限公司"}
# The last category of the factory criteria: far to the right of the tab strip on a phone.
LAST_PAGE = "land"


def assessment_in(open_browser, lang: str) -> tuple[Browsing, int]:  # noqa: ANN001
    from organisations.models import Sector

    b = open_browser(lang, LOCALES[lang])
    b.goto("/")
    steps.switch_language(b)
    steps.sign_up(b, steps.unique_email("layout"))
    company_pk = steps.create_company(b, NAMES[lang], Sector.objects.get(code="30").pk)
    b.page.locator('nav a[href="/dashboard/"]').click()
    return b, steps.start_factory_assessment(b, company_pk)


def box(b: Browsing, selector: str) -> dict[str, float]:
    found = b.page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return found


def assert_savebar_on_one_line(b: Browsing) -> None:
    """Every control of the save bar sits on the same row (no wrapped second line)."""
    tops = b.page.locator("#page-form .btn:visible").evaluate_all(
        "(els) => els.map((el) => Math.round(el.getBoundingClientRect().top))"
    )
    assert len(tops) >= 2 and len(set(tops)) == 1, f"save bar wraps: {tops}"


def assert_active_tab_visible(b: Browsing) -> None:
    """The active tab lies inside its (possibly scrolling) strip and inside the viewport."""
    active = b.page.locator("#q-tabs .nav-link.active")
    expect(active).to_be_visible()
    strip = box(b, "#q-tabs ul")
    tab = active.bounding_box()
    assert tab is not None
    width = b.page.viewport_size["width"]
    assert strip["x"] - 1 <= tab["x"] and tab["x"] + tab["width"] <= strip["x"] + strip["width"] + 1, (tab, strip)
    assert 0 <= tab["x"] and tab["x"] + tab["width"] <= width, (tab, width)


def assert_no_sideways_scroll(b: Browsing) -> None:
    overflow = b.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = b.page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
            .slice(0, 5).map((el) => `${el.tagName}#${el.id}.${el.className}`)"""
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px: {wide}"


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_questionnaire_layout(open_browser, lang):  # noqa: ANN001
    b, assessment_pk = assessment_in(open_browser, lang)
    page_url = f"/assessments/{assessment_pk}/c/{LAST_PAGE}/"

    # Laptop: every tab is on screen (they wrap), the save bar is one line.
    b.page.set_viewport_size({"width": 1280, "height": 800})
    b.goto(page_url)
    tabs = b.page.locator("#q-tabs .nav-link")
    for index in range(tabs.count()):
        expect(tabs.nth(index)).to_be_in_viewport()
    assert_active_tab_visible(b)
    assert_savebar_on_one_line(b)
    assert_no_sideways_scroll(b)
    b.shot("questionnaire-1280", full_page=False)

    # Phone: the tab strip scrolls sideways with the active tab in view; the save bar is one line and
    # its score link leads to the live score.
    b.page.set_viewport_size({"width": 390, "height": 844})
    b.goto(page_url)
    assert_active_tab_visible(b)
    assert_savebar_on_one_line(b)
    assert_no_sideways_scroll(b)
    b.shot("questionnaire-390", full_page=False)
    score_link = b.page.locator("#page-form a[href='#score-panel']")
    expect(score_link).to_be_in_viewport()
    score_link.click()
    expect(b.page.locator("#score-panel [data-testid=score-total]")).to_be_in_viewport()
    assert re.search(r"#score-panel$", b.page.url)
    # As the phone shows it after the tap (Browsing.shot would scroll back to the top first).
    b.page.screenshot(path=str(steps.SCREENSHOTS / f"{b.lang}-questionnaire-390-score.png"))

    b.settle()
    assert b.watch.csp == [] and b.watch.errors == [], (b.watch.csp, b.watch.errors)
