"""Who may do what with a company's data: the one place every view asks.

A user reaches a company as a member (owner / editor / viewer) or as a consultant of a
consultancy holding an active grant. Anything else is a 404, so another company's objects
cannot even be confirmed to exist.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from organisations.models import AccessGrant, Company, Consultancy, Consultant, Membership, Role


@dataclass(frozen=True)
class Access:
    role: Role
    consultancy_id: int | None = None

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR, Role.CONSULTANT)

    @property
    def can_manage(self) -> bool:
        """Members, grants: the owner only."""
        return self.role == Role.OWNER

    @property
    def can_reopen(self) -> bool:
        return self.role in (Role.OWNER, Role.CONSULTANT)

    @property
    def is_consultant(self) -> bool:
        return self.role == Role.CONSULTANT

    def allows(self, need: str) -> bool:
        return {"read": True, "edit": self.can_edit, "manage": self.can_manage, "reopen": self.can_reopen}[need]


def companies_for(user: User | AnonymousUser) -> QuerySet[Company]:
    """Every company the user can read."""
    if not user.is_authenticated:
        return Company.objects.none()
    firms = Consultant.objects.filter(user=user).values("consultancy_id")
    granted = AccessGrant.objects.active().filter(consultancy_id__in=firms).values("company_id")
    return Company.objects.filter(Q(memberships__user=user) | Q(pk__in=granted)).distinct()


def company_access(user: User | AnonymousUser, company_id: int) -> Access | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, company_id=company_id).values_list("role", flat=True).first()
    if membership:
        return Access(role=Role(membership))
    grant = (
        AccessGrant.objects.active()
        .filter(company_id=company_id, consultancy__consultants__user=user)
        .values_list("consultancy_id", flat=True)
        .first()
    )
    if grant:
        return Access(role=Role.CONSULTANT, consultancy_id=grant)
    return None


def require(access: Access | None, need: str) -> Access:
    """404 when the user has no access at all, 403 when the access is too weak for `need`."""
    if access is None:
        raise Http404
    if not access.allows(need):
        raise PermissionDenied
    return access


def get_company_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> tuple[Company, Access]:
    access = require(company_access(user, pk), need)
    company = Company.objects.select_related("sector").get(pk=pk)
    return company, access


def get_consultancy_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> tuple[Consultancy, Consultant]:
    """A consultancy seen by one of its consultants: 404 for anyone else, 403 for non-admins on `manage`."""
    if not user.is_authenticated:
        raise Http404
    consultant = Consultant.objects.select_related("consultancy").filter(user=user, consultancy_id=pk).first()
    if consultant is None:
        raise Http404
    if need == "manage" and not consultant.is_admin:
        raise PermissionDenied
    return consultant.consultancy, consultant
