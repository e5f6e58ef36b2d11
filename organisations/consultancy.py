"""Consultancies: setting one up, its consultants, and the access grants companies give it.

An access code entered for a company only creates a request; an owner of the company accepts it,
which is what grants access. Wrong codes are rate-limited per user and per client address.

Consultants join by a signed link mailed to the address an administrator typed: the page that sends
it answers the same whether or not an account uses that address, so it cannot be used to find out.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from organisations import preferences, throttle
from organisations.models import AccessGrant, AccessRequest, Company, Consultancy, Consultant


class AlreadyGrantedError(Exception):
    """The company already gives this consultancy access."""


class LastAdminError(Exception):
    """A consultancy must keep at least one administrator."""


class UnknownCodeError(Exception):
    """No consultancy has this access code."""


class ThrottledError(Exception):
    """Too many wrong access codes from this user or address; try again later."""


class RequestDecidedError(Exception):
    """The access request was already accepted or declined."""


def consultancy_for_code(code: str, *, user_id: int, ip: str | None) -> Consultancy:
    """The consultancy with this access code, unless the caller has guessed too often."""
    keys = [(throttle.ACCESS_CODE_PER_USER, str(user_id)), (throttle.ACCESS_CODE_PER_IP, ip or "unknown")]
    if any(throttle.is_blocked(limit, who) for limit, who in keys):
        raise ThrottledError
    consultancy = Consultancy.objects.filter(access_code=code).first() if code else None
    if consultancy is None:
        for limit, who in keys:
            throttle.record_failure(limit, who)
        raise UnknownCodeError
    return consultancy


def request_access(*, company: Company, consultancy: Consultancy, requested_by: User) -> AccessRequest:
    """A pending request (the same one when asked twice); raises AlreadyGrantedError."""
    with transaction.atomic():
        if AccessGrant.objects.active().filter(company=company, consultancy=consultancy).exists():
            raise AlreadyGrantedError
        pending = AccessRequest.objects.pending().filter(company=company, consultancy=consultancy).first()
        if pending is not None:
            return pending
        return AccessRequest.objects.create(company=company, consultancy=consultancy, requested_by=requested_by)


def accept_request(request: AccessRequest, *, by: User) -> AccessGrant:
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != AccessRequest.Status.PENDING:
            raise RequestDecidedError
        request.status = AccessRequest.Status.ACCEPTED
        request.decided_at = timezone.now()
        request.decided_by = by
        request.save(update_fields=["status", "decided_at", "decided_by"])
        grant = AccessGrant.objects.active().filter(
            company_id=request.company_id, consultancy_id=request.consultancy_id
        )
        return grant.first() or AccessGrant.objects.create(
            company_id=request.company_id, consultancy_id=request.consultancy_id, granted_by=by
        )


def decline_request(request: AccessRequest, *, by: User) -> AccessRequest:
    if request.status != AccessRequest.Status.PENDING:
        raise RequestDecidedError
    request.status = AccessRequest.Status.DECLINED
    request.decided_at = timezone.now()
    request.decided_by = by
    request.save(update_fields=["status", "decided_at", "decided_by"])
    return request


def create_consultancy(consultancy: Consultancy, *, user: User) -> Consultancy:
    """Save a new consultancy with its creator as its first (admin) consultant."""
    with transaction.atomic():
        consultancy.save()
        Consultant.objects.create(user=user, consultancy=consultancy, is_admin=True)
    return consultancy


JOIN_SALT = "organisations.consultancy-join"
JOIN_MAX_AGE = 14 * 24 * 3600


@dataclass(frozen=True)
class JoinInvitation:
    """What a join link says: which consultancy, for which address."""

    consultancy: Consultancy
    email: str

    def is_for(self, user: User) -> bool:
        return (getattr(user, "email", "") or "").strip().lower() == self.email


def join_token(consultancy: Consultancy, email: str) -> str:
    return signing.dumps({"c": consultancy.pk, "e": email.strip().lower()}, salt=JOIN_SALT, compress=True)


def read_join_token(token: str) -> JoinInvitation | None:
    """The invitation a link carries; None when it is forged, expired or its consultancy is gone."""
    try:
        data: Any = signing.loads(token, salt=JOIN_SALT, max_age=JOIN_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    consultancy = Consultancy.objects.filter(pk=data["c"]).first()
    return JoinInvitation(consultancy=consultancy, email=data["e"]) if consultancy else None


def send_join_invitation(consultancy: Consultancy, email: str, *, join_url: str) -> None:
    """Mail the join link, in the invited account's language (the administrator's when the address has none)."""
    context = {"consultancy": consultancy, "join_url": join_url, "valid_days": JOIN_MAX_AGE // 86400}
    with translation.override(preferences.language_for_email(email)):
        subject = render_to_string("organisations/email/consultant_join_subject.txt", context).strip()
        body = render_to_string("organisations/email/consultant_join_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def add_consultant(consultancy: Consultancy, user: User) -> Consultant:
    consultant, _created = Consultant.objects.get_or_create(user=user, consultancy=consultancy)
    return consultant


def remove_consultant(consultant: Consultant) -> None:
    with transaction.atomic():
        others = Consultant.objects.filter(consultancy_id=consultant.consultancy_id, is_admin=True).exclude(
            pk=consultant.pk
        )
        if consultant.is_admin and not others.exists():
            raise LastAdminError
        consultant.delete()


def grant_access(*, company: Company, consultancy: Consultancy, granted_by: User) -> AccessGrant:
    with transaction.atomic():
        if AccessGrant.objects.active().filter(company=company, consultancy=consultancy).exists():
            raise AlreadyGrantedError
        return AccessGrant.objects.create(company=company, consultancy=consultancy, granted_by=granted_by)


def revoke_access(grant: AccessGrant) -> AccessGrant:
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
    return grant
