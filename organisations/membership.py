"""Companies and their members: creating a company, changing roles, removing members."""

from django.contrib.auth.models import User
from django.db import transaction

from organisations.models import Company, Membership, Role


class LastOwnerError(Exception):
    """A company must always keep at least one owner."""


def create_company(company: Company, *, owner: User) -> Company:
    """Save a new company and make its creator the owner."""
    with transaction.atomic():
        company.save()
        Membership.objects.create(user=owner, company=company, role=Role.OWNER)
    return company


def _is_last_owner(membership: Membership) -> bool:
    if membership.role != Role.OWNER:
        return False
    return (
        not Membership.objects.filter(company_id=membership.company_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


def change_role(membership: Membership, role: str) -> Membership:
    with transaction.atomic():
        if role != Role.OWNER and _is_last_owner(membership):
            raise LastOwnerError
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(membership: Membership) -> None:
    with transaction.atomic():
        if _is_last_owner(membership):
            raise LastOwnerError
        membership.delete()
