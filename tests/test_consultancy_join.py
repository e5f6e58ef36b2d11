"""Joining a consultancy by the mailed link: stored, single use, withdrawn when the person is removed.

The link used to be a signed, stateless token, so a consultant removed by an administrator could
click it again and be back in; these tests hold the invitation to one use, by its address, for
14 days, and to no use at all once its address was removed from the consultancy.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations import consultancy as consultancies
from organisations import preferences
from organisations.models import Consultancy, ConsultancyInvitation, Consultant
from tests.factories import make_consultancy, make_user

pytestmark = pytest.mark.django_db

COLLEAGUE = "colleague@consult.example"


# --- helpers of this module ----------------------------------------------------------------------


def invite(client, firm: Consultancy, admin, mailoutbox, email: str = COLLEAGUE) -> str:
    """The join link the administrator's "add consultant" mails (the path, for the test client)."""
    client.force_login(admin)
    client.post(reverse("consultant_add", args=[firm.pk]), {"email": email})
    url = re.search(r"https?://\S+/consultancies/join/\S+/", mailoutbox[-1].body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def join(client, user, link: str, language: str = "en"):
    client.force_login(user)
    return client.post(link, HTTP_ACCEPT_LANGUAGE=language)


def remove(client, firm: Consultancy, admin, user) -> None:
    client.force_login(admin)
    consultant = Consultant.objects.get(consultancy=firm, user=user)
    client.post(reverse("consultant_remove", args=[firm.pk, consultant.pk]))
    assert not Consultant.objects.filter(consultancy=firm, user=user).exists()


def is_consultant(firm: Consultancy, user) -> bool:
    return Consultant.objects.filter(consultancy=firm, user=user).exists()


@pytest.fixture
def firm_and_admin():
    admin = make_user("lead@consult.example")
    return make_consultancy(admin=admin), admin


# --- the ladder ----------------------------------------------------------------------------------


def test_anonymous_then_another_account_then_the_invited_address(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    client.logout()
    # Anonymous: the page says for whom and for which consultancy; accepting asks to log in.
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert COLLEAGUE in page and "Join Blue Sky Advisors" in page
    response = client.post(link)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    # Another account is told so and does not join, neither by looking nor by posting.
    other = make_user("other@example.com")
    client.force_login(other)
    assert "You are logged in as other@example.com" in client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = join(client, other, link)
    assert response.status_code == 200 and "You are logged in as other@example.com" in response.content.decode()
    assert not is_consultant(firm, other)
    # The invited address joins, as a consultant (not an administrator); the invitation is used up.
    response = join(client, colleague, link)
    assert response.status_code == 302 and response["Location"] == reverse("consultancy_detail", args=[firm.pk])
    assert Consultant.objects.filter(consultancy=firm, user=colleague, is_admin=False).exists()
    assert ConsultancyInvitation.objects.get(email=COLLEAGUE).accepted_at is not None


def test_the_address_is_compared_without_case_or_spaces(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user("Colleague@Consult.example")
    link = invite(client, firm, admin, mailoutbox, email=" COLLEAGUE@consult.example ")
    assert join(client, colleague, link).status_code == 302
    assert is_consultant(firm, colleague)


# --- single use ----------------------------------------------------------------------------------


def test_an_invitation_works_once(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    assert join(client, colleague, link).status_code == 302
    response = join(client, colleague, link)
    assert response.status_code == 200
    assert "This invitation has already been used." in response.content.decode()
    # Opening it again says the same, logged in or not.
    client.logout()
    assert "This invitation has already been used." in client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_used_invitation_is_refused_in_chinese(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    join(client, colleague, link)
    page = join(client, colleague, link, language="zh-hans").content.decode()
    assert "此邀请已被使用" in page
    assert "already been used" not in page


def test_accepting_twice_in_the_domain_raises_used(firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    invitation = consultancies.invite_consultant(firm, COLLEAGUE, invited_by=admin)
    consultancies.accept_join_invitation(invitation, colleague)
    stale = ConsultancyInvitation.objects.get(pk=invitation.pk)
    stale.accepted_at = None  # a second request that read the row before the first one wrote it
    with pytest.raises(consultancies.JoinError) as refused:
        consultancies.accept_join_invitation(stale, colleague)
    assert refused.value.problem == consultancies.JoinProblem.USED


# --- removal -------------------------------------------------------------------------------------


def test_a_removed_consultant_cannot_rejoin_by_an_old_link(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    used = invite(client, firm, admin, mailoutbox)
    join(client, colleague, used)
    # A second link was sent meanwhile (a reminder, a double click): still open when they are removed.
    reminder = invite(client, firm, admin, mailoutbox)
    remove(client, firm, admin, colleague)
    for link, says in ((used, "already been used"), (reminder, "withdrawn by the consultancy")):
        response = join(client, colleague, link)
        assert response.status_code == 200 and says in response.content.decode()
        assert not is_consultant(firm, colleague)
    assert ConsultancyInvitation.objects.open().filter(consultancy=firm).count() == 0


def test_removal_withdraws_only_that_address_at_that_consultancy(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    join(client, colleague, invite(client, firm, admin, mailoutbox))
    open_here = invite(client, firm, admin, mailoutbox)
    someone_else = invite(client, firm, admin, mailoutbox, email="newcomer@consult.example")
    other_admin = make_user("boss@elsewhere.example")
    elsewhere = invite(client, make_consultancy("Elsewhere", admin=other_admin), other_admin, mailoutbox)
    remove(client, firm, admin, colleague)
    tokens = {link.rstrip("/").rsplit("/", 1)[1]: link for link in (open_here, someone_else, elsewhere)}
    revoked = set(ConsultancyInvitation.objects.filter(revoked_at__isnull=False).values_list("token", flat=True))
    assert revoked == {token for token, link in tokens.items() if link == open_here}
    assert join(client, colleague, elsewhere).status_code == 302


def test_a_fresh_invitation_after_removal_works(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    old = invite(client, firm, admin, mailoutbox)
    join(client, colleague, old)
    remove(client, firm, admin, colleague)
    fresh = invite(client, firm, admin, mailoutbox)
    assert fresh != old
    assert join(client, colleague, fresh).status_code == 302
    assert is_consultant(firm, colleague)
    # The old one stays dead.
    assert "already been used" in join(client, colleague, old).content.decode()


def test_the_last_admin_is_not_removed_and_keeps_nothing_withdrawn(firm_and_admin):
    firm, admin = firm_and_admin
    pending = consultancies.invite_consultant(firm, admin.email, invited_by=admin)
    with pytest.raises(consultancies.LastAdminError):
        consultancies.remove_consultant(Consultant.objects.get(consultancy=firm, user=admin))
    pending.refresh_from_db()
    assert pending.revoked_at is None


def test_staff_removing_a_consultant_in_the_admin_withdraws_the_links(admin_client, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    consultancies.add_consultant(firm, colleague)
    pending = consultancies.invite_consultant(firm, COLLEAGUE, invited_by=admin)
    consultant = Consultant.objects.get(consultancy=firm, user=colleague)
    response = admin_client.post(
        reverse("admin:organisations_consultant_delete", args=[consultant.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.revoked_at is not None


# --- expiry, other addresses, forged links -------------------------------------------------------


def test_an_invitation_expires_after_14_days(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    invitation = ConsultancyInvitation.objects.get(email=COLLEAGUE)
    ConsultancyInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=14, minutes=1)
    )
    response = join(client, colleague, link)
    assert response.status_code == 200 and "This invitation has expired." in response.content.decode()
    assert not is_consultant(firm, colleague)
    page = join(client, colleague, link, language="zh-hans").content.decode()
    assert "此邀请已过期" in page


def test_an_invitation_still_works_on_its_last_day(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    ConsultancyInvitation.objects.update(created_at=timezone.now() - datetime.timedelta(days=13, hours=23))
    assert join(client, colleague, link).status_code == 302


def test_an_invitation_for_another_address_is_refused(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    link = invite(client, firm, admin, mailoutbox)
    # Not even a consultancy administrator can use someone else's invitation.
    for user in (make_user("other@example.com"), admin):
        response = join(client, user, link)
        assert response.status_code == 200
        assert f"You are logged in as {user.email}" in response.content.decode()
    assert list(Consultant.objects.filter(consultancy=firm).values_list("user", flat=True)) == [admin.pk]
    assert ConsultancyInvitation.objects.get(email=COLLEAGUE).accepted_at is None


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "x" * 500, "%E2%80%8B", "a.b~c%20d"])
def test_a_forged_token_gets_a_clear_404_page(client, token, firm_and_admin):
    client.force_login(make_user(COLLEAGUE))
    response = client.get(f"/consultancies/join/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "This link is not valid." in response.content.decode()
    response = client.post(f"/consultancies/join/{token}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404 and "此链接无效" in response.content.decode()
    assert not Consultant.objects.exclude(consultancy__name="Blue Sky Advisors").exists()


def test_a_dead_link_offers_a_logged_out_visitor_the_login_page_not_a_dashboard(client):
    body = client.get("/consultancies/join/not-a-token/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/accounts/login/">Log in</a>' in body and "Go to your dashboard" not in body
    client.force_login(make_user(COLLEAGUE))
    logged_in = client.get("/consultancies/join/not-a-token/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Go to your dashboard" in logged_in


def test_an_altered_link_is_refused(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    colleague = make_user(COLLEAGUE)
    link = invite(client, firm, admin, mailoutbox)
    altered = link[:-4] + ("AA" if link[-4:-2] != "AA" else "BB") + "/"
    assert join(client, colleague, altered).status_code == 404
    assert not is_consultant(firm, colleague)


def test_a_dead_link_says_the_same_whether_or_not_the_address_has_an_account(client, mailoutbox, firm_and_admin):
    """Withdrawn or expired, the page names neither the consultancy nor the address."""
    firm, admin = firm_and_admin
    make_user(COLLEAGUE)
    links = [invite(client, firm, admin, mailoutbox, email=email) for email in (COLLEAGUE, "nobody@consult.example")]
    client.logout()
    for dead in (
        lambda: ConsultancyInvitation.objects.update(revoked_at=timezone.now()),
        lambda: ConsultancyInvitation.objects.update(
            revoked_at=None, created_at=timezone.now() - datetime.timedelta(days=15)
        ),
    ):
        dead()
        pages = [client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode().replace(link, "LINK") for link in links]
        pages = [re.sub(r"[A-Za-z0-9]{64}", "CSRF-TOKEN", page) for page in pages]
        assert "withdrawn" in pages[0] or "expired" in pages[0]
        assert pages[0] == pages[1]
        assert "Blue Sky Advisors" not in pages[0] and "consult.example" not in pages[0]


def test_the_mail_is_in_the_invited_account_language_and_carries_the_stored_token(client, mailoutbox, firm_and_admin):
    firm, admin = firm_and_admin
    preferences.remember_language(make_user(COLLEAGUE), "zh-hans")
    client.force_login(admin)
    client.post(reverse("consultant_add", args=[firm.pk]), {"email": COLLEAGUE}, HTTP_ACCEPT_LANGUAGE="en")
    assert "咨询机构" in mailoutbox[-1].subject
    assert ConsultancyInvitation.objects.get(email=COLLEAGUE).token in mailoutbox[-1].body
