import pytest
pytestmark = pytest.mark.browser

def test_smoke(open_browser):
    b = open_browser("en", "zh-CN")
    b.goto("/")
    print(b.page.locator("html").get_attribute("lang"))
    b.page.locator("nav button[name=language]").click()
    b.page.wait_for_selector("html[lang=en]")
    b.shot("smoke")
    b.settle()
    print(b.watch)
    from django.conf import settings
    print(settings.DEBUG)
