"""Companies, members, invitations, consultancies, grants, dashboard, demo users, admin."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from assessment.models import Assessment, CriteriaSet, Snapshot
from organisations.forms import CompanyForm
from organisations.models import (
    AccessGrant,
    AccessRequest,
    Company,
    Consultancy,
    Consultant,
    Invitation,
    Membership,
    Role,
    Sector,
)
from tests.factories import VALID_CODE, company_data, make_company, make_consultancy, make_sector, make_user, png_bytes

pytestmark = pytest.mark.django_db


# --- helpers of this module ----------------------------------------------------------------------


def make_criteria_set() -> CriteriaSet:
    criteria_set, _ = CriteriaSet.objects.get_or_create(
        code="org-test-factory",
        defaults={
            "area": "factory",
            "version": "2025-org-test",  # the reference data publishes factory 2025
            "name_zh": "测试",
            "name_en": "Test",
            "standard": "GB/T 36132-2025",
            "status": "published",
            "effective_date": datetime.date(2025, 1, 1),
            "rating": "relative",
        },
    )
    return criteria_set


def make_assessment(company: Company, *, year: int = 2025, total: str | None = None) -> Assessment:
    status = Assessment.Status.SUBMITTED if total is not None else Assessment.Status.DRAFT
    assessment = Assessment.objects.create(
        company=company, criteria_set=make_criteria_set(), year=year, status=status, title=f"Factory {year}"
    )
    if total is not None:
        Snapshot.objects.create(
            assessment=assessment, criteria={}, answers={}, scorecard={}, total=Decimal(total), verdict="pass"
        )
    return assessment


# --- Credit code in the company form -------------------------------------------------------------


def test_company_form_accepts_the_sample_code_and_upper_cases_it():
    form = CompanyForm(data=company_data(credit_code=" 91350100m000100y43 "))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == VALID_CODE


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91350100M000100Y44",
            "The check character is wrong: the last character should be 3. Please re-check the code.",
        ),
        ("91350100M000100Y4", "The unified social credit code has 18 characters; this one has 17."),
        ("91350100M000100Y433", "The unified social credit code has 18 characters; this one has 19."),
        (
            "91350100M0001O0Y43",
            "The code contains characters that are not allowed: O (I, O, Z, S and V are never used).",
        ),
    ],
)
def test_company_form_explains_a_wrong_code_in_english(code, message):
    with translation.override("en"):
        form = CompanyForm(data=company_data(credit_code=code))
        assert not form.is_valid()
        assert form.errors["credit_code"] == [message]


CHECKSUM_MSGID = "The check character is wrong: the last character should be %(expected)s. Please re-check the code."


def test_company_form_messages_are_translated_at_validation_time():
    # The message is looked up in the active language when validating, not frozen at import.
    with translation.override("zh-hans"):
        expected = translation.gettext(CHECKSUM_MSGID) % {"expected": "3"}
        assert expected != CHECKSUM_MSGID % {"expected": "3"}  # the catalogue translates it
        form = CompanyForm(data=company_data(credit_code="91350100M000100Y44"))
        assert not form.is_valid()
        assert form.errors["credit_code"] == [expected]


@pytest.mark.parametrize(
    ("code", "fragments"),
    [("91350100M000100Y44", ["3"]), ("91350100M000100Y4", ["18", "17"]), ("91350100M0001O0Y43", ["O"])],
)
def test_company_form_explains_a_wrong_code_in_chinese(code, fragments):
    with translation.override("zh-hans"):
        form = CompanyForm(data=company_data(credit_code=code))
        assert not form.is_valid()
        message = form.errors["credit_code"][0]
    assert all(fragment in message for fragment in fragments), message
    assert re.search(r"[\u4e00-\u9fff]", message), message


def test_company_form_accepts_a_taken_code_and_names_its_holder_for_the_claim():
    make_company()  # another code
    first = Company.objects.create(
        name="First", credit_code=VALID_CODE, sector=make_sector(), province="FJ", size="small"
    )
    form = CompanyForm(data=company_data(credit_code=VALID_CODE.lower()))

    # No "already registered" error that would tell anyone the company is here; the view opens a claim.
    assert form.is_valid(), form.errors
    assert form.taken_by() == first


def test_company_form_groups_divisions_under_their_section():
    sector = make_sector()
    with translation.override("en"):
        form = CompanyForm()
        groups = dict(form.fields["sector"].choices[1:])
        manufacturing = [label for label in groups if label.startswith("C ")]
        assert manufacturing, groups.keys()
        assert (sector.pk, f"26 {sector.name_en}") in groups[manufacturing[0]]
        # Sections themselves are headings, not choices.
        section_pks = {pk for options in groups.values() for pk, _label in options}
        assert Sector.objects.get(code="C").pk not in section_pks


# --- Company pages -------------------------------------------------------------------------------


def test_creating_a_company_makes_the_creator_its_owner(client):
    user = make_user("founder@example.com")
    client.force_login(user)
    response = client.post(reverse("company_create"), company_data(credit_code="91350100m000100y43"))
    company = Company.objects.get(credit_code=VALID_CODE)
    assert response.status_code == 302
    assert response.url == reverse("company_detail", args=[company.pk])
    assert Membership.objects.get(company=company).user == user
    assert Membership.objects.get(company=company).role == Role.OWNER


def test_company_create_keeps_what_was_typed_on_error(client):
    client.force_login(make_user("founder@example.com"))
    with translation.override("en"):
        response = client.post(
            reverse("company_create"),
            company_data(name="Typed Name Ltd", credit_code="91350100M000100Y44"),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Typed Name Ltd"' in html
    assert 'value="91350100M000100Y44"' in html
    assert "the last character should be 3" in html
    assert not Company.objects.filter(name="Typed Name Ltd").exists()


def test_owner_edits_the_profile(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    client.force_login(owner)
    response = client.post(reverse("company_edit", args=[company.pk]), company_data(name="Renamed", size="small"))
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.size, company.credit_code) == ("Renamed", "small", VALID_CODE)


def test_company_page_shows_the_profile(client):
    owner = make_user("owner@example.com")
    company = make_company("Longyan Paper", owner=owner)
    client.force_login(owner)
    html = client.get(reverse("company_detail", args=[company.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Longyan Paper" in html
    assert company.credit_code in html
    assert reverse("company_edit", args=[company.pk]) in html


# --- Members -------------------------------------------------------------------------------------


@pytest.fixture
def team():
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    editor = make_user("editor@example.com")
    viewer = make_user("viewer@example.com")
    Membership.objects.create(user=editor, company=company, role=Role.EDITOR)
    Membership.objects.create(user=viewer, company=company, role=Role.VIEWER)
    return company, owner, editor, viewer


def test_owner_changes_a_role(client, team):
    company, owner, editor, _viewer = team
    member = Membership.objects.get(user=editor)
    client.force_login(owner)
    response = client.post(reverse("member_role", args=[company.pk, member.pk]), {"role": "viewer"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.VIEWER


def test_the_last_owner_can_be_neither_demoted_nor_removed(client, team):
    company, owner, _editor, _viewer = team
    mine = Membership.objects.get(user=owner)
    client.force_login(owner)
    client.post(reverse("member_role", args=[company.pk, mine.pk]), {"role": "editor"})
    response = client.post(reverse("member_remove", args=[company.pk, mine.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    mine.refresh_from_db()
    assert mine.role == Role.OWNER
    assert "The last owner cannot be removed" in response.content.decode()


def test_an_owner_can_leave_when_another_owner_remains(client, team):
    company, owner, editor, _viewer = team
    Membership.objects.filter(user=editor).update(role=Role.OWNER)
    client.force_login(owner)
    response = client.post(reverse("member_remove", args=[company.pk, Membership.objects.get(user=owner).pk]))
    assert response.url == reverse("dashboard")
    assert not Membership.objects.filter(user=owner, company=company).exists()


def test_owner_removes_a_member(client, team):
    company, owner, _editor, viewer = team
    client.force_login(owner)
    client.post(reverse("member_remove", args=[company.pk, Membership.objects.get(user=viewer).pk]))
    assert not Membership.objects.filter(user=viewer).exists()


def test_a_membership_of_another_company_is_404(client, team):
    company, owner, _editor, _viewer = team
    other = make_company("Other Co", owner=make_user("other@example.com"))
    theirs = Membership.objects.get(company=other)
    client.force_login(owner)
    assert client.post(reverse("member_role", args=[company.pk, theirs.pk]), {"role": "viewer"}).status_code == 404
    assert client.post(reverse("member_remove", args=[company.pk, theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.OWNER


def test_viewers_see_the_member_list_read_only(client, team):
    company, _owner, _editor, viewer = team
    client.force_login(viewer)
    html = client.get(reverse("company_members", args=[company.pk])).content.decode()
    assert "editor@example.com" in html and "owner@example.com" in html
    assert reverse("member_invite", args=[company.pk]) not in html
    assert 'name="role"' not in html


# --- Invitations ---------------------------------------------------------------------------------


def invite(client, company, email="new@example.com", role="editor") -> Invitation:
    response = client.post(reverse("member_invite", args=[company.pk]), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Invitation.objects.get(company=company, email=email.lower())


@pytest.fixture
def invitation(client, team) -> Invitation:
    """new@example.com invited as an editor by the owner, who stays logged in on `client`."""
    company, owner, _editor, _viewer = team
    client.force_login(owner)
    return invite(client, company)


def test_inviting_sends_an_email_with_the_accept_link(client, team):
    company, owner, _editor, _viewer = team
    client.force_login(owner)
    invitation = invite(client, company, email="New@Example.com")
    assert invitation.role == Role.EDITOR and invitation.invited_by == owner
    assert len(invitation.token) >= 40
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert company.name in message.subject
    assert "http://testserver" + reverse("invitation_accept", args=[invitation.token]) in message.body


def test_invite_form_keeps_input_and_refuses_existing_members(client, team):
    company, owner, _editor, _viewer = team
    client.force_login(owner)
    with translation.override("en"):
        response = client.post(
            reverse("member_invite", args=[company.pk]),
            {"email": "Editor@example.com", "role": "viewer"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This person is already a member of the company." in html
    assert 'value="Editor@example.com"' in html
    assert mail.outbox == []


def test_a_new_user_signs_up_then_accepts(client, team):
    company, owner, _editor, _viewer = team
    client.force_login(owner)
    invitation = invite(client, company, role="viewer")
    client.logout()
    accept_url = reverse("invitation_accept", args=[invitation.token])

    page = client.get(accept_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert company.name in page
    assert "new@example.com" in page
    response = client.post(
        reverse("signup") + f"?next={accept_url}",
        {
            "email": "new@example.com",
            "password1": "a-long-unusual-pw-31",
            "password2": "a-long-unusual-pw-31",
            "next": accept_url,
        },
    )
    assert response.status_code == 200 and "registration/signup_done.html" in [t.name for t in response.templates]
    link = re.search(r"https?://\S+/accounts/confirm/\S+/", mail.outbox[-1].body).group(0)
    response = client.get(link)
    assert response.status_code == 302 and response.url == accept_url
    response = client.post(accept_url)
    assert response.status_code == 302
    user = User.objects.get(username="new@example.com")
    assert Membership.objects.get(user=user, company=company).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # A used link does nothing more.
    assert "already been used" in client.get(accept_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_invitation_for_another_address_is_not_accepted(client, invitation):
    intruder = make_user("intruder@example.com")
    client.force_login(intruder)
    response = client.post(reverse("invitation_accept", args=[invitation.token]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "You are logged in as intruder@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()


def test_an_expired_invitation_is_not_accepted(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - datetime.timedelta(days=15))
    user = make_user("new@example.com")
    client.force_login(user)
    response = client.post(reverse("invitation_accept", args=[invitation.token]), HTTP_ACCEPT_LANGUAGE="en")
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_accepting_anonymously_asks_to_log_in(client, invitation):
    client.logout()
    response = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("invitation_accept", args=["no-such-token"])).status_code == 404


def test_accepting_never_demotes_an_existing_member(client, team):
    company, owner, editor, _viewer = team
    invitation = Invitation.objects.create(company=company, email="editor@example.com", role="viewer", token="t" * 43)
    client.force_login(editor)
    client.post(reverse("invitation_accept", args=[invitation.token]))
    assert Membership.objects.get(user=editor).role == Role.EDITOR


def test_owner_cancels_a_pending_invitation(client, invitation):
    client.post(reverse("invitation_cancel", args=[invitation.company_id, invitation.pk]))
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


# --- Consultancies and grants --------------------------------------------------------------------


def test_creating_a_consultancy_makes_the_creator_its_admin(client):
    user = make_user("lead@consult.example")
    client.force_login(user)
    response = client.post(reverse("consultancy_create"), {"name": "Green Path Consulting"})
    firm = Consultancy.objects.get(name="Green Path Consulting")
    assert response.url == reverse("consultancy_detail", args=[firm.pk])
    assert Consultant.objects.get(consultancy=firm).user == user
    assert Consultant.objects.get(consultancy=firm).is_admin
    assert re.fullmatch(r"[2-9A-Z]{8}", firm.access_code)


def test_consultancy_logo_upload_is_validated_and_served(client):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    client.force_login(admin)
    url = reverse("consultancy_detail", args=[firm.pk])
    with translation.override("en"):
        not_image = SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png")
        response = client.post(url, {"name": "Renamed Advisors", "logo": not_image}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert "Upload a valid image" in response.content.decode()
        assert 'value="Renamed Advisors"' in response.content.decode()
        gif = SimpleUploadedFile("logo.gif", png_bytes(fmt="GIF"), content_type="image/gif")
        response = client.post(url, {"name": "Blue Sky Advisors", "logo": gif}, HTTP_ACCEPT_LANGUAGE="en")
        assert "The logo must be a PNG or JPEG image." in response.content.decode()
    firm.refresh_from_db()
    assert firm.name == "Blue Sky Advisors" and not firm.logo

    png = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    assert client.post(url, {"name": "Blue Sky Advisors", "logo": png}).status_code == 302
    firm.refresh_from_db()
    assert firm.logo.name.startswith("logos/")
    response = client.get(reverse("consultancy_logo", args=[firm.pk]))
    assert b"".join(response.streaming_content) == png_bytes()


def test_a_logo_over_the_size_limit_is_refused(client, settings):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    client.force_login(admin)
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (2 * 1024 * 1024), content_type="image/png")
    with translation.override("en"):
        response = client.post(
            reverse("consultancy_detail", args=[firm.pk]), {"name": firm.name, "logo": big}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert "The logo is too large" in response.content.decode()
    firm.refresh_from_db()
    assert not firm.logo


def _join_link(message: str) -> str:
    return re.search(r"https?://\S+/consultancies/join/\S+/", message).group(0)


def test_adding_a_consultant_answers_the_same_whether_or_not_an_account_exists(client, mailoutbox):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    make_user("colleague@consult.example")
    client.force_login(admin)
    pages = []
    for email in ("Colleague@consult.example", "nobody@consult.example"):
        response = client.post(
            reverse("consultant_add", args=[firm.pk]), {"email": email}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        page = response.content.decode().replace(email.lower(), "EMAIL")
        pages.append(re.sub(r"[A-Za-z0-9]{64}", "CSRF-TOKEN", page))
    assert pages[0] == pages[1]
    assert "We e-mailed EMAIL a link to join" in pages[0]
    # Nobody joined yet: the list of consultants gives nothing away either.
    assert list(Consultant.objects.filter(consultancy=firm).values_list("user__email", flat=True)) == [
        "lead@consult.example"
    ]
    assert [m.to for m in mailoutbox] == [["colleague@consult.example"], ["nobody@consult.example"]]


def test_the_invited_address_joins_by_the_mailed_link(client, mailoutbox):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    colleague = make_user("colleague@consult.example")
    client.force_login(admin)
    client.post(reverse("consultant_add", args=[firm.pk]), {"email": "colleague@consult.example"})
    link = _join_link(mailoutbox[0].body)
    client.logout()
    # Anonymous: the page says for whom it is; accepting asks to log in.
    assert "colleague@consult.example" in client.get(link).content.decode()
    assert reverse("login") in client.post(link)["Location"]
    # Another account cannot use it.
    client.force_login(make_user("other@example.com"))
    response = client.post(link, HTTP_ACCEPT_LANGUAGE="en")
    assert "You are logged in as other@example.com" in response.content.decode()
    assert not Consultant.objects.filter(consultancy=firm).exclude(user=admin).exists()
    # The invited person joins, as a consultant (not an administrator).
    client.force_login(colleague)
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("consultancy_detail", args=[firm.pk])
    assert Consultant.objects.filter(consultancy=firm, user=colleague, is_admin=False).exists()


def test_a_forged_or_altered_join_link_is_404(client, mailoutbox):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    client.force_login(admin)
    client.post(reverse("consultant_add", args=[firm.pk]), {"email": "me@example.com"})
    link = _join_link(mailoutbox[0].body)
    client.force_login(make_user("me@example.com"))
    assert client.get(link[:-3] + "xx/").status_code == 404
    assert client.get(reverse("consultancy_join", args=["not-a-token"])).status_code == 404


def test_the_last_consultancy_admin_cannot_be_removed(client):
    admin = make_user("lead@consult.example")
    firm = make_consultancy(admin=admin)
    client.force_login(admin)
    client.post(reverse("consultant_remove", args=[firm.pk, Consultant.objects.get(user=admin).pk]))
    assert Consultant.objects.filter(user=admin, consultancy=firm).exists()


def test_owner_grants_by_access_code_and_revokes(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    consultant = make_user("lead@consult.example")
    firm = make_consultancy(admin=consultant)
    client.force_login(consultant)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 404

    client.force_login(owner)
    response = client.post(reverse("grant_create", args=[company.pk]), {"access_code": f" {firm.access_code.lower()} "})
    assert response.status_code == 302
    # The code only records a request: no access until an owner accepts it.
    assert not AccessGrant.objects.filter(company=company).exists()
    client.force_login(consultant)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 404
    client.force_login(owner)
    access_request = AccessRequest.objects.get(company=company, consultancy=firm, status="pending")
    client.post(reverse("access_request_accept", args=[company.pk, access_request.pk]))
    grant = AccessGrant.objects.active().get(company=company)
    assert grant.consultancy == firm and grant.granted_by == owner
    again = client.post(
        reverse("grant_create", args=[company.pk]), {"access_code": firm.access_code}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "This consultancy already has access." in again.content.decode()
    assert AccessGrant.objects.filter(company=company).count() == 1

    client.force_login(consultant)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 200

    client.force_login(owner)
    client.post(reverse("grant_revoke", args=[company.pk, grant.pk]))
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    client.force_login(consultant)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 404


def test_a_wrong_access_code_is_explained_and_kept(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    client.force_login(owner)
    response = client.post(
        reverse("grant_create", args=[company.pk]), {"access_code": "NOPE2345"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "No consultancy has this access code." in html
    assert 'value="NOPE2345"' in html
    assert not AccessGrant.objects.filter(company=company).exists()


# --- Dashboard -----------------------------------------------------------------------------------


def test_dashboard_lists_own_companies_with_assessments_and_scores(client, team):
    company, owner, _editor, viewer = team
    make_assessment(company, year=2024, total="71.50")
    make_assessment(company, year=2025)
    make_company("Someone Else's Co", owner=make_user("else@example.com"))
    client.force_login(owner)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert company.name in html
    assert "Someone Else&#x27;s Co" not in html and "Someone Else's Co" not in html
    rows = response.context["members"]
    assert [row.company for row in rows] == [company]
    assert [a.year for a in rows[0].assessments] == [2025, 2024]
    assert rows[0].latest_score == Decimal("71.50")
    assert "71.50" in html
    # Viewers cannot start an assessment.
    client.force_login(viewer)
    assert client.get(reverse("dashboard")).context["members"][0].start_url is None


def test_dashboard_links_to_start_and_open_assessments_once_the_urls_exist(client, team):
    company, owner, _editor, _viewer = team
    submitted = make_assessment(company, year=2024, total="60.00")
    draft = make_assessment(company, year=2025)
    client.force_login(owner)
    response = client.get(reverse("dashboard"))
    row = response.context["members"][0]
    assert row.start_url == reverse("assessment_start", args=[company.pk])
    urls = {assessment.pk: assessment.url for assessment in row.assessments}
    assert urls == {
        draft.pk: reverse("assessment_overview", args=[draft.pk]),
        submitted.pk: reverse("assessment_results", args=[submitted.pk]),
    }
    for url in (row.start_url, *urls.values()):
        if url:
            assert f'href="{url}"' in response.content.decode()


def test_consultant_dashboard_lists_granted_clients_only(client):
    consultant = make_user("lead@consult.example")
    firm = make_consultancy(admin=consultant)
    client_a = make_company("Client A", owner=make_user("a@example.com"))
    client_b = make_company("Client B", owner=make_user("b@example.com"))
    make_company("Not A Client", owner=make_user("c@example.com"))
    AccessGrant.objects.create(company=client_a, consultancy=firm)
    AccessGrant.objects.create(company=client_b, consultancy=firm, revoked_at=timezone.now())
    make_assessment(client_a, total="88.00")
    client.force_login(consultant)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert [row.company.name for row in response.context["clients"]] == ["Client A"]
    assert response.context["clients"][0].latest_score == Decimal("88.00")
    html = response.content.decode()
    assert firm.access_code in html and "Client B" not in html and "Not A Client" not in html


def _dashboard_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


def _populate(user, firm, first: int, count: int) -> None:
    for index in range(first, first + count):
        owned = make_company(f"Owned {index}", owner=user)
        make_assessment(owned, total="50.00")
        make_assessment(owned, year=2026)
        client_company = make_company(f"Client {index}", owner=make_user(f"client{index}@example.com"))
        AccessGrant.objects.create(company=client_company, consultancy=firm)
        make_assessment(client_company, total="60.00")
        make_assessment(client_company, year=2026)  # a draft: scored live on the dashboard


def test_dashboard_query_count_does_not_grow_with_companies(client, django_assert_num_queries):
    user = make_user("busy@example.com")
    firm = make_consultancy(admin=user)
    client.force_login(user)
    _populate(user, firm, 0, 2)
    _dashboard_queries(client, user)  # loads the criteria set into its per-version cache
    with_two = _dashboard_queries(client, user)
    _populate(user, firm, 2, 8)
    with django_assert_num_queries(with_two):
        response = client.get(reverse("dashboard"))
    assert len(response.context["members"]) == 10 and len(response.context["clients"]) == 10


# --- Demo users and admin ------------------------------------------------------------------------


def test_demo_users_is_idempotent_and_prints_the_logins(client):
    company = Company.objects.filter(is_demo=True).first() or make_company("Demo Co")
    Company.objects.filter(pk=company.pk).update(is_demo=True)
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    call_command("demo_users", stdout=out)
    text = out.getvalue()
    assert "admin@demo.greenmfg.cn / demo-admin-2026" in text
    assert "owner@demo.greenmfg.cn / demo-owner-2026" in text
    assert "consultant@demo.greenmfg.cn / demo-consultant-2026" in text
    admin = User.objects.get(username="admin@demo.greenmfg.cn")
    assert admin.is_staff and admin.is_superuser and admin.check_password("demo-admin-2026")
    owner = User.objects.get(username="owner@demo.greenmfg.cn")
    assert Membership.objects.get(user=owner, company=company).role == Role.OWNER
    consultant = User.objects.get(username="consultant@demo.greenmfg.cn")
    assert AccessGrant.objects.active().filter(company=company, consultancy__consultants__user=consultant).count() == 1
    assert User.objects.filter(username__endswith="@demo.greenmfg.cn").count() == 3
    # The printed passwords work on the login page.
    response = client.post(reverse("login"), {"username": "Owner@demo.greenmfg.cn", "password": "demo-owner-2026"})
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_demo_users_says_so_without_a_demo_company():
    Company.objects.filter(is_demo=True).update(is_demo=False)
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    assert "No demo company" in out.getvalue()
    assert "admin@demo.greenmfg.cn / demo-admin-2026" in out.getvalue()
    assert not User.objects.filter(username="owner@demo.greenmfg.cn").exists()


@pytest.mark.parametrize(
    "model",
    [
        "company",
        "membership",
        "invitation",
        "consultancyinvitation",
        "consultancy",
        "consultant",
        "accessgrant",
        "sector",
        "verificationqueue",
        "ownershipclaim",
        "accessrequest",
        "emailconfirmation",
    ],
)
def test_admin_changelists_render_with_search(admin_client, model):
    make_company("Searchable Co", owner=make_user("owner@example.com"))
    response = admin_client.get(reverse(f"admin:organisations_{model}_changelist") + "?q=a")
    assert response.status_code == 200
