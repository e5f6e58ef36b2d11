"""Login throttling (django-axes): lockout per username + IP, the lockout page, the cool-off."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from greenmfg.login_throttle import client_ip
from tests.factories import make_user

EMAIL = "throttle@example.com"
PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def user(db):
    return make_user(EMAIL, password=PASSWORD)


def login(client, password: str, *, email: str = EMAIL, ip: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(client, times: int, **kwargs) -> list:
    return [login(client, "wrong-password", **kwargs) for _ in range(times)]


def test_settings_lock_out_after_five_failures_per_username_and_ip(settings):
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "greenmfg.login_throttle.AxesBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_four_failures_still_show_the_login_form(client, user):
    responses = fail(client, 4)

    assert [response.status_code for response in responses] == [200] * 4
    assert "form" in responses[-1].context


def test_the_fifth_failure_shows_the_lockout_page(client, user):
    *_, fifth = fail(client, 5)

    assert fifth.status_code == 429
    assert "registration/lockout.html" in [template.name for template in fifth.templates]
    assert fifth.context["cooloff_minutes"] == 15
    assert reverse("password_reset") in fifth.content.decode()


def test_the_lockout_page_says_how_long_it_lasts(client, user):
    client.cookies["django_language"] = "en"
    *_, fifth = fail(client, 5)

    body = fifth.content.decode()
    assert "Too many login attempts" in body
    assert "blocked for 15 minutes after repeated failed attempts" in body


def test_a_locked_out_user_cannot_log_in_even_with_the_right_password(client, user):
    fail(client, 5)

    response = login(client, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client, user):
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False) as traveller:
        fail(client, 5)
        traveller.shift(timedelta(minutes=14))
        assert login(client, PASSWORD).status_code == 429

        traveller.shift(timedelta(minutes=16))
        response = login(client, PASSWORD)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_lockout_is_per_ip_address(client, user):
    fail(client, 5, ip="203.0.113.7")

    response = login(client, PASSWORD, ip="198.51.100.20")

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_lockout_is_per_username(client, user):
    fail(client, 5, email="someone-else@example.com")

    assert login(client, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, user):
    fail(client, 4)
    assert login(client, PASSWORD).status_code == 302
    client.logout()

    responses = fail(client, 4)

    assert [response.status_code for response in responses] == [200] * 4


def test_the_admin_login_is_throttled_too(client, user):
    url = reverse("admin:login")
    responses = [
        client.post(url, {"username": EMAIL, "password": "wrong"}, REMOTE_ADDR="203.0.113.9") for _ in range(5)
    ]

    assert responses[-1].status_code == 429
    assert "registration/lockout.html" in [template.name for template in responses[-1].templates]


def test_test_client_login_keeps_working_for_other_tests(client, user):
    # client.login() calls authenticate() without a request; our backend lets it through unthrottled.
    assert client.login(username=EMAIL, password="wrong") is False
    assert client.login(username=EMAIL, password=PASSWORD) is True


def test_client_ip_is_remote_addr_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert client_ip(request) == "10.0.0.2"


def test_client_ip_takes_the_address_seen_by_the_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; our proxy appended the address it really saw.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert client_ip(request) == "203.0.113.7"


PROXY = "10.0.0.2"


def login_via_proxy(client, password: str, *, client_address: str):
    return client.post(
        reverse("login"),
        {"username": EMAIL, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        login_via_proxy(client, "wrong-password", client_address="198.51.100.66")

    assert login_via_proxy(client, PASSWORD, client_address="198.51.100.66").status_code == 429
    response = login_via_proxy(client, PASSWORD, client_address="203.0.113.7")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_behind_a_proxy_with_the_count_left_at_zero_every_client_shares_the_lockout(client, user, settings):
    # Why docs/production.md insists on TRUSTED_PROXY_COUNT: all clients look like the proxy.
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(5):
        login_via_proxy(client, "wrong-password", client_address="198.51.100.66")

    assert login_via_proxy(client, PASSWORD, client_address="203.0.113.7").status_code == 429
