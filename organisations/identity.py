"""Who a company is: business-licence uploads, staff verification, ownership claims, e-mail confirmation.

A company starts unverified and works normally. Its owners upload the business licence (营业执照);
staff verify it in the admin. Registering a credit code another account holds opens an ownership
claim instead; approving it makes the claimant the only owner and tells the former owners.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.evidence import EvidenceError, check_name, detect
from organisations import preferences
from organisations.models import (
    AccessGrant,
    AccessRequest,
    ClaimStatus,
    Company,
    EmailConfirmation,
    Membership,
    OwnershipClaim,
    Role,
    Verification,
)

LICENCE_KINDS = frozenset({"PDF", "PNG", "JPEG"})
CONFIRM_SALT = "organisations.email-confirmation"
CONFIRM_MAX_AGE = 3 * 24 * 3600


class LicenceError(ValueError):
    """A licence upload that is refused; the message tells the user why."""


class ClaimError(Exception):
    """The claim was already decided."""


# --- Business licence ---------------------------------------------------------------------------


def check_licence(upload: Any) -> str:
    """The content type of an acceptable licence (PDF or image, checked by content like evidence)."""
    try:
        check_name(upload.name)
        kind = detect(upload.name, upload, upload.size)
    except EvidenceError as error:
        raise LicenceError(str(error)) from None
    if kind.label not in LICENCE_KINDS:
        raise LicenceError(_("The business licence must be a PDF, PNG or JPEG file."))
    return kind.content_type


def store_licence(company: Company, upload: Any) -> Company:
    """Keep the uploaded licence and put the company in the staff's verification queue."""
    content_type = check_licence(upload)
    old = company.licence.name if company.licence else ""
    company.licence.save("licence", upload, save=False)
    company.licence_type = content_type
    company.licence_uploaded_at = timezone.now()
    company.verification = Verification.PENDING
    company.verified_at = None
    company.verified_by = None
    company.save(
        update_fields=["licence", "licence_type", "licence_uploaded_at", "verification", "verified_at", "verified_by"]
    )
    if old:
        company.licence.storage.delete(old)
    return company


def verify_company(company: Company, *, by: User) -> Company:
    company.verification = Verification.VERIFIED
    company.verified_at = timezone.now()
    company.verified_by = by
    company.save(update_fields=["verification", "verified_at", "verified_by"])
    return company


def reject_licence(company: Company, *, by: User) -> Company:
    company.verification = Verification.REJECTED
    company.verified_at = None
    company.verified_by = by
    company.save(update_fields=["verification", "verified_at", "verified_by"])
    return company


# --- Ownership claims ---------------------------------------------------------------------------


def open_claim(
    *,
    company: Company,
    claimant: User,
    company_name: str,
    contact_name: str,
    contact_phone: str,
    licence: Any,
) -> OwnershipClaim:
    content_type = check_licence(licence)
    claim = OwnershipClaim(
        company=company,
        claimant=claimant,
        company_name=company_name,
        contact_name=contact_name,
        contact_phone=contact_phone,
        licence_type=content_type,
    )
    claim.licence.save("licence", licence, save=False)
    claim.save()
    return claim


def approve_claim(claim: OwnershipClaim, *, by: User) -> list[str]:
    """Make the claimant the only owner of a verified company; returns the former owners' addresses.

    The former members lose access and the grants they gave are revoked: they acted for a company
    whose licence they could not show.
    """
    with transaction.atomic():
        claim = OwnershipClaim.objects.select_for_update().select_related("company").get(pk=claim.pk)
        if claim.status != ClaimStatus.PENDING:
            raise ClaimError
        company = claim.company
        former = list(
            Membership.objects.filter(company=company, role=Role.OWNER)
            .exclude(user=claim.claimant)
            .values_list("user__email", flat=True)
        )
        Membership.objects.filter(company=company).exclude(user=claim.claimant).delete()
        Membership.objects.update_or_create(user=claim.claimant, company=company, defaults={"role": Role.OWNER})
        now = timezone.now()
        AccessGrant.objects.active().filter(company=company).update(revoked_at=now)
        company.access_requests.pending().update(status=AccessRequest.Status.DECLINED, decided_at=now)
        company.name = claim.company_name
        company.licence = claim.licence.name
        company.licence_type = claim.licence_type
        company.licence_uploaded_at = claim.created_at
        company.verification = Verification.VERIFIED
        company.verified_at = now
        company.verified_by = by
        company.save()
        claim.decide(ClaimStatus.APPROVED, by=by, at=now)
        # Other claims on the same company are answered by this decision.
        OwnershipClaim.objects.filter(company=company, status=ClaimStatus.PENDING).update(
            status=ClaimStatus.REJECTED, decided_at=now, decided_by=by
        )
        transaction.on_commit(lambda: _mail_former_owners(company, former))
    return former


def pending_claims_of(user: User) -> list[OwnershipClaim]:
    """The user's own claims under review (shown with the name they typed, never the holder's)."""
    return list(OwnershipClaim.objects.filter(claimant=user, status=ClaimStatus.PENDING).order_by("-created_at"))


def reject_claim(claim: OwnershipClaim, *, by: User) -> OwnershipClaim:
    if claim.status != ClaimStatus.PENDING:
        raise ClaimError
    claim.decide(ClaimStatus.REJECTED, by=by)
    return claim


def _mail_former_owners(company: Company, emails: list[str]) -> None:
    """One message to each former owner, in the language of their account."""
    for email in emails:
        with translation.override(preferences.language_for_email(email, fallback=settings.LANGUAGE_CODE)):
            context = {"company": company}
            subject = render_to_string("organisations/email/claim_transferred_subject.txt", context).strip()
            body = render_to_string("organisations/email/claim_transferred_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


# --- E-mail confirmation ------------------------------------------------------------------------


def needs_confirmation(user: User) -> EmailConfirmation:
    confirmation, _created = EmailConfirmation.objects.get_or_create(user=user)
    return confirmation


def is_confirmed(user: User) -> bool:
    """True unless the account signed up and has not confirmed its address yet."""
    return not EmailConfirmation.objects.filter(user_id=user.pk, confirmed_at__isnull=True).exists()


def confirmation_token(user: User, *, next_url: str = "") -> str:
    return signing.dumps({"u": user.pk, "e": user.email, "n": next_url}, salt=CONFIRM_SALT, compress=True)


def read_confirmation_token(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return data if isinstance(data, dict) and "u" in data and "e" in data else None


def confirm_email(data: dict[str, Any]) -> EmailConfirmation | None:
    """Mark the address confirmed; None when the token no longer matches the account."""
    confirmation = EmailConfirmation.objects.select_related("user").filter(user_id=data["u"]).first()
    if confirmation is None or confirmation.user.email != data["e"]:
        return None
    if confirmation.confirmed_at is None:
        confirmation.confirmed_at = timezone.now()
        confirmation.save(update_fields=["confirmed_at"])
    return confirmation


def send_confirmation(user: User, *, confirm_url: str) -> None:
    context = {"confirm_url": confirm_url, "valid_days": CONFIRM_MAX_AGE // 86400}
    with translation.override(preferences.language_of(user)):
        subject = render_to_string("registration/email/confirm_subject.txt", context).strip()
        body = render_to_string("registration/email/confirm_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_signup_notice(email: str, *, login_url: str, reset_url: str) -> None:
    """Someone signed up with an address that has an account: tell its owner, not the visitor."""
    context = {"login_url": login_url, "reset_url": reset_url}
    with translation.override(preferences.language_for_email(email)):
        subject = render_to_string("registration/email/signup_exists_subject.txt", context).strip()
        body = render_to_string("registration/email/signup_exists_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
