"""Consultancies: setting one up, its consultants, and the access grants companies give it."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from organisations.models import AccessGrant, Company, Consultancy, Consultant


class AlreadyGrantedError(Exception):
    """The company already gives this consultancy access."""


class LastAdminError(Exception):
    """A consultancy must keep at least one administrator."""


def create_consultancy(consultancy: Consultancy, *, user: AbstractBaseUser) -> Consultancy:
    """Save a new consultancy with its creator as its first (admin) consultant."""
    with transaction.atomic():
        consultancy.save()
        Consultant.objects.create(user=user, consultancy=consultancy, is_admin=True)
    return consultancy


def add_consultant(consultancy: Consultancy, user: AbstractBaseUser) -> Consultant:
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


def grant_access(*, company: Company, consultancy: Consultancy, granted_by: AbstractBaseUser) -> AccessGrant:
    with transaction.atomic():
        if AccessGrant.objects.active().filter(company=company, consultancy=consultancy).exists():
            raise AlreadyGrantedError
        return AccessGrant.objects.create(company=company, consultancy=consultancy, granted_by=granted_by)


def revoke_access(grant: AccessGrant) -> AccessGrant:
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
    return grant
