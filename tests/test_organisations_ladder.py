"""The permission ladder for every organisations URL that touches company or consultancy data.

The tables below must name every URL pattern of organisations/urls.py: a new URL without a
ladder case (or an explicit reason to be public) fails `test_every_url_has_a_ladder_case`.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organisations import urls as organisation_urls
from organisations.models import AccessGrant, AccessRequest, Consultant, Invitation, Membership, Role
from tests.factories import company_data, make_company, make_consultancy, make_user, png_bytes

pytestmark = pytest.mark.django_db

# URLs without company data behind them, each with why it needs no ladder.
NOT_COMPANY_DATA = {
    "login": "public",
    "signup": "public",
    "onboarding": "the user's own choices (login required, tested in test_accounts)",
    "dashboard": "lists only the user's own companies (tested in test_organisations)",
    "company_create": "creates a new company (login required, tested in test_organisations)",
    "consultancy_create": "creates a new consultancy",
    "invitation_accept": "guarded by its secret token and the invited email (tested in test_organisations)",
    "consultancy_join": "guarded by its single-use token and the invited email (tested in test_consultancy_join)",
    "email_confirm": "guarded by its signed token (tested in test_accounts and test_identity_signup)",
    "email_confirm_resend": "the user's own address (login required, tested in test_identity_signup)",
    "company_claim": "claims by credit code, reviewed by staff; never shows the holder (test_identity_claims)",
}


@dataclass
class World:
    company: Any
    owner: Any
    editor: Any
    viewer: Any
    outsider: Any
    consultant: Any
    revoked: Any
    firm: Any
    firm_member: Any  # a consultant of `firm` who is not its admin
    grant: Any
    invitation: Any
    other_firm: Any


@pytest.fixture
def world() -> World:
    owner = make_user("owner@example.com")
    company = make_company("Ladder Co", owner=owner)
    editor, viewer = make_user("editor@example.com"), make_user("viewer@example.com")
    Membership.objects.create(user=editor, company=company, role=Role.EDITOR)
    Membership.objects.create(user=viewer, company=company, role=Role.VIEWER)
    outsider = make_user("outsider@example.com")
    make_company("Outsider Co", owner=outsider)
    consultant = make_user("consultant@example.com")
    firm = make_consultancy("Granted Advisors", admin=consultant)
    firm.logo.save("logo.png", SimpleUploadedFile("logo.png", png_bytes()))
    firm_member = make_user("junior@example.com")
    Consultant.objects.create(user=firm_member, consultancy=firm)
    grant = AccessGrant.objects.create(company=company, consultancy=firm, granted_by=owner)
    revoked = make_user("revoked@example.com")
    revoked_firm = make_consultancy("Revoked Advisors", admin=revoked)
    AccessGrant.objects.create(company=company, consultancy=revoked_firm, revoked_at=timezone.now())
    invitation = Invitation.objects.create(company=company, email="new@example.com", token="x" * 43, invited_by=owner)
    other_firm = make_consultancy("Other Advisors", admin=make_user("other-firm@example.com"))
    return World(
        company, owner, editor, viewer, outsider, consultant, revoked, firm, firm_member, grant, invitation, other_firm
    )


def member_pk(w: World) -> int:
    return Membership.objects.get(user=w.viewer, company=w.company).pk


# name, method, args(world), data(world), need
COMPANY_CASES: list[tuple[str, str, Any, Any, str]] = [
    ("company_detail", "get", lambda w: [w.company.pk], None, "read"),
    ("company_members", "get", lambda w: [w.company.pk], None, "read"),
    ("company_edit", "get", lambda w: [w.company.pk], None, "manage"),
    ("company_edit", "post", lambda w: [w.company.pk], lambda w: company_data(name="Edited"), "manage"),
    ("company_certificates", "get", lambda w: [w.company.pk], None, "read"),
    (
        "company_certificates",
        "post",
        lambda w: [w.company.pk],
        lambda w: {
            "cert-TOTAL_FORMS": "1",
            "cert-INITIAL_FORMS": "0",
            "cert-0-system": "iso9001",
            "cert-0-valid_until": "2030-01-01",
        },
        "manage",
    ),
    (
        "member_invite",
        "post",
        lambda w: [w.company.pk],
        lambda w: {"email": "x@example.com", "role": "viewer"},
        "manage",
    ),
    ("member_role", "post", lambda w: [w.company.pk, member_pk(w)], lambda w: {"role": "editor"}, "manage"),
    ("member_remove", "post", lambda w: [w.company.pk, member_pk(w)], None, "manage"),
    ("invitation_cancel", "post", lambda w: [w.company.pk, w.invitation.pk], None, "manage"),
    ("grant_create", "post", lambda w: [w.company.pk], lambda w: {"access_code": w.other_firm.access_code}, "request"),
    ("grant_revoke", "post", lambda w: [w.company.pk, w.grant.pk], None, "manage"),
    ("company_licence", "get", lambda w: [w.company.pk], None, "manage"),
    (
        "company_licence",
        "post",
        lambda w: [w.company.pk],
        lambda w: {"licence": SimpleUploadedFile("licence.png", png_bytes(), content_type="image/png")},
        "manage",
    ),
    ("access_request_accept", "post", lambda w: [w.company.pk, pending_request(w)], None, "manage"),
    ("access_request_decline", "post", lambda w: [w.company.pk, pending_request(w)], None, "manage"),
]


def pending_request(w: World) -> int:
    return AccessRequest.objects.get_or_create(company=w.company, consultancy=w.other_firm, status="pending")[0].pk


# Who gets what: read pages are open to every member and a granted consultant; managing is the owner's.
EXPECTED = {
    "read": {"outsider": 404, "revoked": 404, "viewer": 200, "editor": 200, "owner": 200, "consultant": 200},
    "manage": {"outsider": 404, "revoked": 404, "viewer": 403, "editor": 403, "owner": "ok", "consultant": 403},
    # An access code: any member who edits may propose a consultancy; only an owner accepts it.
    "request": {"outsider": 404, "revoked": 404, "viewer": 403, "editor": "ok", "owner": "ok", "consultant": 403},
}
ACTORS = ["anonymous", "outsider", "revoked", "viewer", "editor", "owner", "consultant"]


def climb(client, world: World, actor: str, name: str, method: str, args: Any, data: Any, expected: dict) -> None:
    """`actor` (logged in unless anonymous) calls one case's URL and gets what `expected` says: "ok" is the page
    (200) or, for a POST, its redirect (302); anonymous visitors are sent to log in."""
    url = reverse(name, args=args(world))
    if actor != "anonymous":
        client.force_login(getattr(world, actor))
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data(world) if data else {})
    if response.streaming:
        b"".join(response.streaming_content)  # a download holds its file open until read to the end
    if actor == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif expected[actor] == "ok":
        assert response.status_code == (200 if method == "get" else 302), response.content.decode()[:1500]
    else:
        assert response.status_code == expected[actor]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "method", "args", "data", "need"), COMPANY_CASES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_company_ladder(client, world, actor, name, method, args, data, need):
    climb(client, world, actor, name, method, args, data, EXPECTED[need])


def test_failed_writes_change_nothing(client, world):
    """A viewer's or a revoked consultant's POSTs leave the data as it was."""
    for actor in (world.viewer, world.editor, world.revoked, world.consultant):
        client.force_login(actor)
        client.post(reverse("member_role", args=[world.company.pk, member_pk(world)]), {"role": "owner"})
        client.post(reverse("grant_revoke", args=[world.company.pk, world.grant.pk]))
        client.post(reverse("company_edit", args=[world.company.pk]), company_data(name="Hijacked"))
        client.post(reverse("access_request_accept", args=[world.company.pk, pending_request(world)]))
    assert not AccessGrant.objects.filter(company=world.company, consultancy=world.other_firm).exists()
    world.company.refresh_from_db()
    world.grant.refresh_from_db()
    assert world.company.name == "Ladder Co"
    assert world.grant.revoked_at is None
    assert Membership.objects.get(pk=member_pk(world)).role == Role.VIEWER


def test_owner_writes_take_effect(client, world):
    client.force_login(world.owner)
    client.post(reverse("company_edit", args=[world.company.pk]), company_data(name="Edited"))
    client.post(reverse("grant_revoke", args=[world.company.pk, world.grant.pk]))
    world.company.refresh_from_db()
    world.grant.refresh_from_db()
    assert world.company.name == "Edited"
    assert world.grant.revoked_at is not None


# --- Consultancy pages: consultants of the firm only; settings and team for its admins -------------

CONSULTANCY_CASES: list[tuple[str, str, Any, Any, str]] = [
    ("consultancy_detail", "get", lambda w: [w.firm.pk], None, "read"),
    ("consultancy_logo", "get", lambda w: [w.firm.pk], None, "read"),
    ("consultancy_detail", "post", lambda w: [w.firm.pk], lambda w: {"name": "Renamed Advisors"}, "manage"),
    ("consultant_add", "post", lambda w: [w.firm.pk], lambda w: {"email": "viewer@example.com"}, "manage"),
    (
        "consultant_remove",
        "post",
        lambda w: [w.firm.pk, Consultant.objects.get(user=w.firm_member).pk],
        None,
        "manage",
    ),
]
FIRM_EXPECTED = {
    "read": {"outsider": 404, "owner": 404, "revoked": 404, "firm_member": 200, "consultant": 200},
    "manage": {"outsider": 404, "owner": 404, "revoked": 404, "firm_member": 403, "consultant": "ok"},
}


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "owner", "revoked", "firm_member", "consultant"])
@pytest.mark.parametrize(
    ("name", "method", "args", "data", "need"), CONSULTANCY_CASES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_consultancy_ladder(client, world, actor, name, method, args, data, need):
    climb(client, world, actor, name, method, args, data, FIRM_EXPECTED[need])


def test_every_url_has_a_ladder_case():
    names = {pattern.name for pattern in organisation_urls.urlpatterns}
    covered = {case[0] for case in COMPANY_CASES} | {case[0] for case in CONSULTANCY_CASES} | set(NOT_COMPANY_DATA)
    assert names - covered == set(), "add a ladder case for these URLs"
    assert covered - names == set(), "these cases name URLs that no longer exist"
