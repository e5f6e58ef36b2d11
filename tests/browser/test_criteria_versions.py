"""A new version of a criteria set in the admin, as staff do it, in Chinese: clone (asked for the
version's code and label), then publish, retiring the version it replaces."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessment.models import CriteriaSet
from tests.browser import steps

pytestmark = pytest.mark.browser

ORIGINAL = "supply-chain-gsci-586"


def test_clone_then_publish_retiring_the_old_version(open_browser):  # noqa: ANN001
    email = steps.unique_email("staff")
    get_user_model().objects.create_superuser(email, email, steps.PASSWORD)
    admin = open_browser("zh-hans", "zh-CN")
    admin.goto("/admin/assessment/criteriaset/")
    admin.page.fill("#id_username", email)
    admin.page.fill("#id_password", steps.PASSWORD)
    admin.page.locator("#login-form [type=submit]").click()
    admin.page.wait_for_url(re.compile(r"/admin/assessment/criteriaset/$"))
    expect(admin.page.locator("#site-name")).to_contain_text("greenmfg 管理后台")

    original = CriteriaSet.objects.get(code=ORIGINAL)
    admin.page.locator(f'#result_list input.action-select[value="{original.pk}"]').check()
    admin.page.select_option("select[name=action]", "clone_as_draft")
    admin.page.locator("button[name=index]").click()
    expect(admin.page.locator("#clone-form")).to_be_visible()
    expect(admin.page.locator("#id_code")).to_have_value(f"{ORIGINAL}-draft-1")
    admin.page.fill("#id_version", "2026")
    admin.shot("admin-clone-form")
    admin.page.locator("#clone-form input[type=submit]").click()
    expect(admin.page.locator("ul.messagelist")).to_contain_text(re.compile(rf"{ORIGINAL}-draft-1", re.I))
    copy = CriteriaSet.objects.get(code=f"{ORIGINAL}-draft-1")
    assert (copy.version, copy.status, copy.previous_id) == ("2026", "draft", original.pk)

    admin.page.locator(f'#result_list input.action-select[value="{copy.pk}"]').check()
    admin.page.select_option("select[name=action]", "publish")
    admin.page.locator("button[name=index]").click()
    offer = admin.page.locator(f'#publish-form input[name=retire][value="{original.pk}"]')
    expect(offer).to_be_checked()
    admin.shot("admin-publish-offer")
    admin.page.locator("#publish-form input[type=submit]").click()
    # (the admin capitalises the first letter of each message)
    expect(admin.page.locator("ul.messagelist")).to_contain_text(re.compile(rf"{ORIGINAL} 已停用", re.I))
    copy.refresh_from_db()
    original.refresh_from_db()
    assert (copy.status, original.status) == ("published", "retired")
    admin.settle()
    assert admin.watch.csp == [] and admin.watch.errors == [], (admin.watch.csp, admin.watch.errors)
