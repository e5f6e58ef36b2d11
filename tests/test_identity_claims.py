"""Company identity: licence upload checked by content, staff verification, ownership claims, no leaks."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from organisations import identity
from organisations import models as org
from tests.factories import (
    VALID_CODE,
    company_data,
    licence_png,
    make_company,
    make_consultancy,
    make_user,
    png_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages are read in English (the site's default language is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


User = get_user_model()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    """A well-formed Word file: accepted as evidence, but not as a licence."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def staff(client):
    return User.objects.create_superuser("staff@greenmfg.test", "staff@greenmfg.test", "pw-staff-123456")


@pytest.fixture
def squatted():
    """A company registered under VALID_CODE by an account that cannot show its licence."""
    squatter = make_user("squatter@example.com")
    company = make_company("Squatted Name", owner=squatter)
    org.Company.objects.filter(pk=company.pk).update(credit_code=VALID_CODE)
    company.refresh_from_db()
    return company, squatter


def claim_data(**overrides):
    data = {
        "credit_code": VALID_CODE,
        "company_name": "Xiamen Steel Co., Ltd.",
        "contact_name": "Li Wei",
        "contact_phone": "+86 592 1234567",
        "licence": licence_png(),
    }
    data.update(overrides)
    return data


def open_claim(company, claimant, **details):
    """`claimant`'s claim on `company` with a licence image; `details` replace the placeholder name and contact."""
    fields = {"company_name": "X", "contact_name": "Y", "contact_phone": "12345"} | details
    return identity.open_claim(company=company, claimant=claimant, licence=licence_png(), **fields)


# --- Status ---------------------------------------------------------------------------------------


def test_a_new_company_is_unverified_and_says_so(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    assert company.verification == org.Verification.UNVERIFIED and company.is_verified is False
    client.force_login(owner)
    page = client.get(reverse("company_detail", args=[company.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Identity not verified" in page
    assert reverse("company_licence", args=[company.pk]) in page


def test_a_granted_consultant_sees_the_identity_status_on_the_dashboard(client):
    company = make_company("Client Co", owner=make_user("owner@example.com"))
    consultant = make_user("lead@consult.example")
    org.AccessGrant.objects.create(company=company, consultancy=make_consultancy(admin=consultant))
    client.force_login(consultant)
    assert "Identity not verified" in client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    identity.verify_company(company, by=consultant)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Identity verified" in page and "Identity not verified" not in page


# --- Licence upload ---------------------------------------------------------------------------------


def test_the_owner_uploads_a_licence_and_the_company_waits_for_review(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    client.force_login(owner)
    response = client.post(reverse("company_licence", args=[company.pk]), {"licence": licence_png()})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.verification == org.Verification.PENDING
    assert company.licence_type == "image/png" and company.licence.name.startswith("licences/")
    assert "licence.png" not in company.licence.name  # stored under a generated name
    with company.licence.open("rb"):
        assert company.licence.read() == png_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("licence.png", png_bytes() + b"<html><script>alert(1)</script></html>", "web-page code"),
        ("licence.pdf", png_bytes(), "does not match its name"),
        ("licence.exe", b"MZ\x90\x00", "Only PDF, PNG, JPEG"),
        ("licence.docx", None, "must be a PDF, PNG or JPEG"),
        ("licence.pdf", b"%PDF-1.4 cut short", "incomplete"),
    ],
)
def test_a_bad_licence_is_refused_with_a_reason(client, name, content, message):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    client.force_login(owner)
    upload = SimpleUploadedFile(name, content if content is not None else docx_bytes())
    with translation.override("en"):
        response = client.post(
            reverse("company_licence", args=[company.pk]), {"licence": upload}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    company.refresh_from_db()
    assert company.verification == org.Verification.UNVERIFIED and not company.licence


def test_check_licence_accepts_pdf_and_jpeg():
    assert identity.check_licence(SimpleUploadedFile("l.pdf", PDF)) == "application/pdf"
    jpeg = SimpleUploadedFile("l.jpg", png_bytes(fmt="JPEG"))
    assert identity.check_licence(jpeg) == "image/jpeg"


# --- Registering a taken code opens a claim, without saying the company exists ----------------------


def test_a_taken_code_leads_to_the_claim_form_without_naming_the_holder(client, squatted):
    company, _squatter = squatted
    real = make_user("real-owner@example.com")
    client.force_login(real)
    response = client.post(
        reverse("company_create"), company_data(name="Xiamen Steel Co., Ltd."), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "organisations/claim_form.html" in [t.name for t in response.templates]
    assert "already registered" not in html and "Squatted Name" not in html and "squatter@" not in html
    assert "upload the company&#x27;s business licence" in html or "upload the company's business licence" in html
    assert org.Company.objects.filter(credit_code=VALID_CODE).count() == 1
    assert not org.Membership.objects.filter(user=real).exists()


def test_a_claim_is_recorded_for_staff_and_changes_nothing_yet(client, squatted):
    company, squatter = squatted
    real = make_user("real-owner@example.com")
    client.force_login(real)
    response = client.post(reverse("company_claim"), claim_data())
    assert response.status_code == 200
    claim = org.OwnershipClaim.objects.get()
    assert claim.company == company and claim.claimant == real and claim.status == org.ClaimStatus.PENDING
    assert claim.licence_type == "image/png"
    assert org.Membership.objects.get(company=company).user == squatter
    assert not org.Membership.objects.filter(user=real).exists()
    dashboard = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Xiamen Steel Co., Ltd." in dashboard and "under review" in dashboard
    assert "Squatted Name" not in dashboard


def test_a_claim_with_a_bad_licence_or_phone_is_refused(client, squatted):
    client.force_login(make_user("real-owner@example.com"))
    bad = SimpleUploadedFile("licence.png", png_bytes() + b"<script>x</script>")
    with translation.override("en"):
        response = client.post(
            reverse("company_claim"), claim_data(licence=bad, contact_phone="call me"), HTTP_ACCEPT_LANGUAGE="en"
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "web-page code" in html and "Enter a phone number" in html
    assert not org.OwnershipClaim.objects.exists()


def test_approving_a_claim_transfers_the_company_and_tells_the_former_owner(
    client, squatted, staff, django_capture_on_commit_callbacks
):
    company, squatter = squatted
    consultant_firm = make_consultancy("Squatter's Friends")
    grant = org.AccessGrant.objects.create(company=company, consultancy=consultant_firm, granted_by=squatter)
    pending = org.AccessRequest.objects.create(company=company, consultancy=make_consultancy("Other"))
    real = make_user("real-owner@example.com")
    claim = open_claim(
        company, real, company_name="Xiamen Steel Co., Ltd.", contact_name="Li Wei", contact_phone="0592 1234567"
    )
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:organisations_ownershipclaim_changelist"),
            {"action": "approve_claims", "_selected_action": [claim.pk]},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    claim.refresh_from_db()
    company.refresh_from_db()
    grant.refresh_from_db()
    pending.refresh_from_db()
    assert claim.status == org.ClaimStatus.APPROVED and claim.decided_by == staff
    assert company.is_verified and company.verified_by == staff and company.name == "Xiamen Steel Co., Ltd."
    assert company.licence.name == claim.licence.name
    assert list(org.Membership.objects.filter(company=company).values_list("user__email", "role")) == [
        ("real-owner@example.com", org.Role.OWNER)
    ]
    assert grant.revoked_at is not None and pending.status == org.AccessRequest.Status.DECLINED
    notice = mail.outbox[-1]
    assert notice.to == ["squatter@example.com"]
    assert VALID_CODE in notice.body
    # The squatter's old link to the company is now a 404.
    client.force_login(squatter)
    assert client.get(reverse("company_detail", args=[company.pk])).status_code == 404


def test_an_approved_claim_answers_the_other_pending_claims(squatted, staff):
    company, _squatter = squatted
    first, second = (open_claim(company, make_user(f"claimant{n}@example.com")) for n in (1, 2))
    identity.approve_claim(first, by=staff)
    second.refresh_from_db()
    assert second.status == org.ClaimStatus.REJECTED
    with pytest.raises(identity.ClaimError):
        identity.approve_claim(second, by=staff)


def test_a_rejected_claim_leaves_the_holder_in_place(client, squatted, staff):
    company, squatter = squatted
    claim = open_claim(company, make_user("real@example.com"))
    client.force_login(staff)
    client.post(
        reverse("admin:organisations_ownershipclaim_changelist"),
        {"action": "reject_claims", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == org.ClaimStatus.REJECTED
    assert org.Membership.objects.get(company=company).user == squatter
    assert mail.outbox == []


# --- Staff verification queue -----------------------------------------------------------------------


def test_the_queue_lists_pending_licences_beside_the_company_data_and_verifies_them(client, staff):
    pending = make_company("Pending Co", owner=make_user("p@example.com"))
    identity.store_licence(pending, licence_png())
    make_company("Never Uploaded Co", owner=make_user("n@example.com"))
    client.force_login(staff)
    url = reverse("admin:organisations_verificationqueue_changelist")
    page = client.get(url).content.decode()
    licence_url = reverse("admin:organisations_verificationqueue_licence", args=[pending.pk])
    assert "Pending Co" in page and pending.credit_code in page and licence_url in page
    assert "Never Uploaded Co" not in page
    change = client.get(reverse("admin:organisations_verificationqueue_change", args=[pending.pk])).content.decode()
    assert licence_url in change and pending.credit_code in change

    served = client.get(licence_url)
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == png_bytes()

    client.post(url, {"action": "verify_companies", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.is_verified and pending.verified_by == staff
    assert "Pending Co" not in client.get(url).content.decode()


def test_the_licence_is_not_served_to_non_staff(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    identity.store_licence(company, licence_png())
    client.force_login(owner)
    response = client.get(reverse("admin:organisations_company_licence", args=[company.pk]))
    assert response.status_code == 302 and "login" in response.url


# --- E-mail confirmation before creating or claiming ------------------------------------------------


def test_an_unconfirmed_account_cannot_create_or_claim_until_it_confirms(client, squatted):
    user = make_user("fresh@example.com")
    identity.needs_confirmation(user)
    client.force_login(user)
    with translation.override("en"):
        response = client.post(reverse("company_create"), company_data(credit_code=VALID_CODE[:-1] + "X"))
        assert response.status_code == 403
        assert "Confirm your email address" in response.content.decode()
        assert client.post(reverse("company_claim"), claim_data()).status_code == 403
    assert not org.OwnershipClaim.objects.exists()

    client.post(reverse("email_confirm_resend"))
    link = next(word for word in mail.outbox[-1].body.split() if "/accounts/confirm/" in word)
    assert client.get(link).status_code == 302
    assert org.EmailConfirmation.objects.get(user=user).confirmed_at is not None
    assert client.get(reverse("company_create")).status_code == 200


def test_a_tampered_or_foreign_confirmation_link_is_refused(client):
    user = make_user("fresh@example.com")
    identity.needs_confirmation(user)
    token = identity.confirmation_token(user)
    assert client.get(reverse("email_confirm", args=[token + "x"])).status_code == 400
    user.email = "changed@example.com"
    user.save(update_fields=["email"])
    assert client.get(reverse("email_confirm", args=[token])).status_code == 400
    assert org.EmailConfirmation.objects.get(user=user).confirmed_at is None
    assert "_auth_user_id" not in client.session


def test_accounts_made_by_staff_or_commands_need_no_confirmation():
    assert identity.is_confirmed(make_user("made-by-staff@example.com"))


def test_editing_a_profile_to_a_taken_code_is_refused_without_a_500(client, squatted):
    owner = make_user("owner@example.com")
    company = make_company("Honest Co", owner=owner)
    client.force_login(owner)
    with translation.override("en"):
        response = client.post(
            reverse("company_edit", args=[company.pk]),
            company_data(name="Honest Co", credit_code=VALID_CODE),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "This credit code cannot be used here." in response.content.decode()
    assert "Squatted Name" not in response.content.decode()
    company.refresh_from_db()
    assert company.credit_code != VALID_CODE


def test_a_verified_company_keeps_its_credit_code(client, staff):
    owner = make_user("owner@example.com")
    company = make_company("Verified Co", owner=owner)
    identity.verify_company(company, by=staff)
    old_code = company.credit_code
    client.force_login(owner)
    with translation.override("en"):
        response = client.post(
            reverse("company_edit", args=[company.pk]), company_data(name="Verified Co"), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert "cannot be changed" in response.content.decode()
    company.refresh_from_db()
    assert company.credit_code == old_code
    with translation.override("en"):
        response = client.post(
            reverse("company_edit", args=[company.pk]),
            company_data(name="Renamed Co", credit_code=old_code),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "the one on its licence" in response.content.decode()
    company.refresh_from_db()
    assert company.name == "Verified Co"
