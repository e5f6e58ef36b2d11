"""Account safety: access codes become requests an owner accepts, guesses are rate-limited, logos are safe."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from organisations import throttle
from organisations.models import AccessGrant, AccessRequest, Membership, Role
from tests.factories import make_company, make_consultancy, make_user, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team():
    owner = make_user("owner@example.com")
    company = make_company("Request Co", owner=owner)
    editor = make_user("editor@example.com")
    Membership.objects.create(user=editor, company=company, role=Role.EDITOR)
    lead = make_user("lead@consult.example")
    firm = make_consultancy("Blue Sky Advisors", admin=lead)
    return company, owner, editor, firm, lead


def enter_code(client, company, code, *, ip="203.0.113.7", **extra):
    return client.post(
        reverse("grant_create", args=[company.pk]),
        {"access_code": code},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


# --- Request, then the owner's consent ------------------------------------------------------------


def test_an_editor_proposes_and_nothing_is_shared_before_an_owner_accepts(client, team):
    company, owner, editor, firm, lead = team
    client.force_login(editor)
    assert enter_code(client, company, firm.access_code.lower()).status_code == 302
    request = AccessRequest.objects.get(company=company)
    assert request.consultancy == firm and request.requested_by == editor and request.status == "pending"
    assert not AccessGrant.objects.exists()

    # The consultancy sees neither the company nor a dashboard entry.
    client.force_login(lead)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 404
    assert "Request Co" not in client.get(reverse("dashboard")).content.decode()

    # An editor cannot accept; the owner sees the request and accepts it.
    client.force_login(editor)
    assert client.post(reverse("access_request_accept", args=[company.pk, request.pk])).status_code == 403
    client.force_login(owner)
    page = client.get(reverse("company_detail", args=[company.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Blue Sky Advisors" in page and reverse("access_request_accept", args=[company.pk, request.pk]) in page
    client.post(reverse("access_request_accept", args=[company.pk, request.pk]))
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by == owner
    assert AccessGrant.objects.active().get(company=company).consultancy == firm

    client.force_login(lead)
    assert "Request Co" in client.get(reverse("dashboard")).content.decode()


def test_a_declined_request_gives_nothing_and_cannot_be_accepted_later(client, team):
    company, owner, _editor, firm, _lead = team
    client.force_login(owner)
    enter_code(client, company, firm.access_code)
    request = AccessRequest.objects.get()
    client.post(reverse("access_request_decline", args=[company.pk, request.pk]))
    response = client.post(reverse("access_request_accept", args=[company.pk, request.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "declined" and not AccessGrant.objects.exists()


def test_entering_the_same_code_twice_keeps_one_request(client, team):
    company, owner, _editor, firm, _lead = team
    client.force_login(owner)
    enter_code(client, company, firm.access_code)
    enter_code(client, company, firm.access_code)
    assert AccessRequest.objects.count() == 1


# --- Rate limits ------------------------------------------------------------------------------------


def test_wrong_codes_are_limited_per_user(client, team):
    company, owner, _editor, firm, _lead = team
    client.force_login(owner)
    limit = throttle.ACCESS_CODE_PER_USER.attempts
    # Each guess from a new address: only the per-user counter can stop them.
    statuses = [enter_code(client, company, "WRONG234", ip=f"198.51.100.{n}").status_code for n in range(limit)]
    assert statuses == [200] * limit
    blocked = enter_code(client, company, firm.access_code, ip="198.51.100.200")
    assert blocked.status_code == 429
    assert "Too many wrong codes" in blocked.content.decode()
    # Even the right code is refused while blocked: a guess that hits cannot be told apart.
    assert not AccessRequest.objects.exists()


def guesser(company, n: int):
    user = make_user(f"guesser{n}@example.com")
    Membership.objects.create(company=company, user=user, role=Role.EDITOR)
    return user


def test_wrong_codes_are_limited_per_address_across_users(client, team):
    company, _owner, _editor, firm, _lead = team
    # One wrong guess per account, all from one address: only the per-address counter can stop them.
    for n in range(throttle.ACCESS_CODE_PER_IP.attempts):
        client.force_login(guesser(company, n))
        assert enter_code(client, company, "WRONG234", ip="203.0.113.50").status_code == 200
    client.force_login(guesser(company, 999))
    assert enter_code(client, company, firm.access_code, ip="203.0.113.50").status_code == 429
    assert enter_code(client, company, firm.access_code, ip="203.0.113.51").status_code == 302


def test_the_address_is_the_one_the_trusted_proxy_saw(client, team, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    company, owner, editor, firm, _lead = team
    proxy = "10.0.0.2"
    for n in range(throttle.ACCESS_CODE_PER_IP.attempts):
        client.force_login(guesser(company, n))
        enter_code(client, company, "WRONG234", ip=proxy, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.66")
    # The guesser's address is blocked; another client behind the same proxy is not.
    client.force_login(owner)
    assert (
        enter_code(client, company, firm.access_code, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    )
    assert (
        enter_code(client, company, firm.access_code, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 302
    )


def test_the_window_ends_and_the_counter_starts_again():
    limit = throttle.Limit("test", attempts=2, window_seconds=60)
    assert [throttle.record_failure(limit, "a"), throttle.record_failure(limit, "a")] == [1, 2]
    assert throttle.is_blocked(limit, "a") and not throttle.is_blocked(limit, "b")
    throttle.reset(limit, "a")
    assert not throttle.is_blocked(limit, "a")


# --- Logos: the evidence checks, and served as an attachment ------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", png_bytes() + b"<html><script>alert(1)</script></html>", "web-page code"),
        ("logo.pdf", png_bytes(), "does not match its name"),
        ("logo.jpg", png_bytes(), "does not match its name"),
    ],
)
def test_a_disguised_logo_is_refused(client, name, content, message):
    lead = make_user("lead@consult.example")
    firm = make_consultancy(admin=lead)
    client.force_login(lead)
    with translation.override("en"):
        response = client.post(
            reverse("consultancy_detail", args=[firm.pk]),
            {"name": firm.name, "logo": SimpleUploadedFile(name, content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    firm.refresh_from_db()
    assert not firm.logo


def test_the_logo_is_served_as_an_attachment_that_is_not_sniffed(client):
    lead = make_user("lead@consult.example")
    firm = make_consultancy(admin=lead)
    client.force_login(lead)
    client.post(
        reverse("consultancy_detail", args=[firm.pk]),
        {"name": firm.name, "logo": SimpleUploadedFile("logo.png", png_bytes())},
    )
    response = client.get(reverse("consultancy_logo", args=[firm.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png_bytes()  # read to the end, which closes the file
