"""The admin: staff only, at the URL prefix set by ADMIN_URL."""

import importlib

import pytest
from django.urls import clear_url_caches, reverse

import greenmfg.urls
from tests.factories import PASSWORD, make_user


@pytest.fixture
def admin_at_backoffice(settings):
    """The URLconf rebuilt with ADMIN_URL=backoffice-7f3a/, as the environment variable would set it."""
    settings.ADMIN_URL = "backoffice-7f3a/"
    importlib.reload(greenmfg.urls)
    clear_url_caches()
    yield "/backoffice-7f3a/"
    settings.ADMIN_URL = "admin/"
    importlib.reload(greenmfg.urls)
    clear_url_caches()


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_logged_in_non_staff_user_is_refused(client, db):
    client.force_login(make_user("member@example.com"))

    index = client.get(reverse("admin:index"))
    changelist = client.get(reverse("admin:auth_user_changelist"))

    assert index.status_code == 302
    assert index["Location"].startswith(reverse("admin:login"))
    assert changelist.status_code == 302
    assert b"member@example.com" not in changelist.content


def test_a_non_staff_user_cannot_log_in_to_the_admin(client, db):
    make_user("member@example.com")

    response = client.post(reverse("admin:login"), {"username": "member@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_staff_reach_the_admin(client, db):
    client.force_login(make_user("staff@example.com", staff=True))

    assert client.get(reverse("admin:index")).status_code == 200


def test_the_default_admin_url_is_gone_when_admin_url_is_changed(client, db, admin_at_backoffice):
    client.force_login(make_user("staff@example.com", staff=True))

    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    assert reverse("admin:index") == admin_at_backoffice
    assert client.get(admin_at_backoffice).status_code == 200
