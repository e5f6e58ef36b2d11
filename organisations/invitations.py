"""Inviting people to a company by email, and accepting the invitation."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from organisations import preferences
from organisations.models import Company, ConsultancyInvitation, Invitation, Membership

VALID_FOR = timedelta(days=14)


class InvitationError(Exception):
    """The invitation cannot be accepted by this user (used, expired, or another address)."""


def create_invitation(*, company: Company, email: str, role: str, invited_by: User) -> Invitation:
    return Invitation.objects.create(
        company=company, email=email.strip().lower(), role=role, invited_by=invited_by, token=secrets.token_urlsafe(32)
    )


def send_invitation(invitation: Invitation, *, accept_url: str) -> None:
    """Mail the accept link, in the invited account's language (the inviter's when the address has none)."""
    context = {"invitation": invitation, "accept_url": accept_url, "valid_days": VALID_FOR.days}
    with translation.override(preferences.language_for_email(invitation.email)):
        subject = render_to_string("organisations/email/invitation_subject.txt", context).strip()
        body = render_to_string("organisations/email/invitation_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def is_expired(invitation: Invitation) -> bool:
    return invitation.created_at + VALID_FOR < timezone.now()


def is_for(invitation: Invitation | ConsultancyInvitation, user: User | AnonymousUser) -> bool:
    """Is this invitation (to a company, or to a consultancy) for the user's address?"""
    return (getattr(user, "email", "") or "").strip().lower() == invitation.email.lower()


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Add the user to the company. An existing membership keeps its role: accepting never demotes."""
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if is_expired(invitation):
        raise InvitationError("expired")
    if not is_for(invitation, user):
        raise InvitationError("other_email")
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(
            user=user, company=invitation.company, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership
