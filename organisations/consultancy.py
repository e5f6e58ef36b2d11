"""Consultancies: setting one up, its consultants, and the access grants companies give it.

An access code entered for a company only creates a request; an owner of the company accepts it,
which is what grants access. Wrong codes are rate-limited per user and per client address.

Consultants join by a link mailed to the address an administrator typed: the page that sends it
answers the same whether or not an account uses that address, so it cannot be used to find out.
The link is a stored, single-use invitation (not a signed, stateless token) so that removing a
consultant withdraws the links still in their inbox: a removed consultant cannot rejoin by an old one.
"""

import secrets
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from organisations import preferences, throttle
from organisations.invitations import is_for
from organisations.models import (
    AccessGrant,
    AccessRequest,
    Company,
    Consultancy,
    ConsultancyInvitation,
    Consultant,
)


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
        request.decide(AccessRequest.Status.ACCEPTED, by=by)
        grant = AccessGrant.objects.active().filter(
            company_id=request.company_id, consultancy_id=request.consultancy_id
        )
        return grant.first() or AccessGrant.objects.create(
            company_id=request.company_id, consultancy_id=request.consultancy_id, granted_by=by
        )


def decline_request(request: AccessRequest, *, by: User) -> AccessRequest:
    if request.status != AccessRequest.Status.PENDING:
        raise RequestDecidedError
    request.decide(AccessRequest.Status.DECLINED, by=by)
    return request


def create_consultancy(consultancy: Consultancy, *, user: User) -> Consultancy:
    """Save a new consultancy with its creator as its first (admin) consultant."""
    with transaction.atomic():
        consultancy.save()
        Consultant.objects.create(user=user, consultancy=consultancy, is_admin=True)
    return consultancy


JOIN_VALID_FOR = timedelta(days=14)


class JoinProblem(StrEnum):
    """Why a join link cannot be used; each has its own explanation on the join page."""

    UNKNOWN = "unknown"  # no such token: mistyped, cut off or made up
    USED = "used"
    REVOKED = "revoked"  # withdrawn, e.g. when its address was removed from the consultancy
    EXPIRED = "expired"
    OTHER_EMAIL = "other_email"  # the logged-in account is not the invited address


class JoinError(Exception):
    """The invitation cannot be accepted by this user; `problem` says why."""

    def __init__(self, problem: JoinProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def invite_consultant(consultancy: Consultancy, email: str, *, invited_by: User) -> ConsultancyInvitation:
    """A new single-use invitation; created whether or not an account uses the address."""
    return ConsultancyInvitation.objects.create(
        consultancy=consultancy,
        email=email.strip().lower(),
        invited_by=invited_by,
        token=secrets.token_urlsafe(32),
    )


def find_invitation(token: str) -> ConsultancyInvitation | None:
    return ConsultancyInvitation.objects.select_related("consultancy").filter(token=token).first() if token else None


def join_problem(invitation: ConsultancyInvitation, user: User | AnonymousUser) -> JoinProblem | None:
    """What stops `user` from joining by this invitation (anonymous visitors only learn it is for an address)."""
    if invitation.accepted_at is not None:
        return JoinProblem.USED
    if invitation.revoked_at is not None:
        return JoinProblem.REVOKED
    if invitation.created_at + JOIN_VALID_FOR < timezone.now():
        return JoinProblem.EXPIRED
    if user.is_authenticated and not is_for(invitation, user):
        return JoinProblem.OTHER_EMAIL
    return None


def accept_join_invitation(invitation: ConsultancyInvitation, user: User) -> Consultant:
    """Add the user as a (non-admin) consultant and use the invitation up; raises JoinError.

    The row is locked and checked again, so two clicks at once cannot both use it, nor can a click
    slip in while the address is being removed.
    """
    with transaction.atomic():
        locked = ConsultancyInvitation.objects.select_for_update().select_related("consultancy").get(pk=invitation.pk)
        problem = join_problem(locked, user)
        if problem is not None:
            raise JoinError(problem)
        consultant = add_consultant(locked.consultancy, user)
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    invitation.accepted_at = locked.accepted_at
    return consultant


def send_join_invitation(invitation: ConsultancyInvitation, *, join_url: str) -> None:
    """Mail the join link, in the invited account's language (the administrator's when the address has none)."""
    context = {"consultancy": invitation.consultancy, "join_url": join_url, "valid_days": JOIN_VALID_FOR.days}
    with translation.override(preferences.language_for_email(invitation.email)):
        subject = render_to_string("organisations/email/consultant_join_subject.txt", context).strip()
        body = render_to_string("organisations/email/consultant_join_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def add_consultant(consultancy: Consultancy, user: User) -> Consultant:
    consultant, _created = Consultant.objects.get_or_create(user=user, consultancy=consultancy)
    return consultant


def remove_consultant(consultant: Consultant) -> None:
    """Remove a consultant and withdraw every open link of the consultancy to their address.

    Without the second step an old link still in their inbox would let them straight back in.
    """
    with transaction.atomic():
        others = Consultant.objects.filter(consultancy_id=consultant.consultancy_id, is_admin=True).exclude(
            pk=consultant.pk
        )
        if consultant.is_admin and not others.exists():
            raise LastAdminError
        revoke_invitations(consultant.consultancy_id, consultant.user.email)
        consultant.delete()


def revoke_invitations(consultancy_id: int, email: str) -> int:
    """Withdraw the consultancy's open invitations to this address; how many were withdrawn."""
    address = (email or "").strip()
    if not address:
        return 0
    return (
        ConsultancyInvitation.objects.open()
        .filter(consultancy_id=consultancy_id, email__iexact=address)
        .update(revoked_at=timezone.now())
    )


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
