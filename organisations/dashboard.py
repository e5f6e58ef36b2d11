"""What the dashboard lists: a user's companies and clients, each with its assessments.

A fixed number of queries whatever the number of companies or assessments (prefetched).
"""

from collections.abc import Set
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from assessment.models import Assessment
from organisations.models import AccessGrant, Company, Consultant, Membership


@dataclass
class CompanyRow:
    company: Company
    role: str  # owner / editor / viewer / consultant
    assessments: list[Assessment]
    consultancies: list[str] = field(default_factory=list)  # through which a consultant sees it
    start_url: str | None = None

    @property
    def can_edit(self) -> bool:
        return self.role in ("owner", "editor", "consultant")

    @property
    def latest_score(self) -> Decimal | None:
        """Total of the most recent submitted assessment, or None."""
        for assessment in self.assessments:
            if assessment.status == Assessment.Status.SUBMITTED and assessment.score is not None:
                return assessment.score
        return None


def _scored(assessments: list[Assessment]) -> list[Assessment]:
    """Attach `score`: the snapshot total of a submitted (or superseded) revision; None for drafts."""
    for assessment in assessments:
        snapshot = getattr(assessment, "snapshot", None) if assessment.status != Assessment.Status.DRAFT else None
        assessment.score = snapshot.total if snapshot else None
    return assessments


def _assessments() -> Prefetch:
    queryset = Assessment.objects.select_related("criteria_set", "snapshot").order_by(
        "-year", "-revision", "-created_at"
    )
    return Prefetch("company__assessments", queryset=queryset)


def member_rows(user: AbstractBaseUser) -> list[CompanyRow]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("company", "company__sector")
        .prefetch_related(_assessments())
        .order_by("company__name")
    )
    return [CompanyRow(m.company, m.role, _scored(list(m.company.assessments.all()))) for m in memberships]


def client_rows(user: AbstractBaseUser, *, exclude: Set[int] = frozenset()) -> list[CompanyRow]:
    """Companies reached through an active grant to one of the user's consultancies."""
    grants = (
        AccessGrant.objects.active()
        .filter(consultancy__consultants__user=user)
        .select_related("company", "company__sector", "consultancy")
        .prefetch_related(_assessments())
        .order_by("company__name", "consultancy__name")
    )
    rows: dict[int, CompanyRow] = {}
    for grant in grants:
        if grant.company_id in exclude:
            continue
        row = rows.get(grant.company_id)
        if row is None:
            row = rows[grant.company_id] = CompanyRow(
                grant.company, "consultant", _scored(list(grant.company.assessments.all()))
            )
        row.consultancies.append(grant.consultancy.name)
    return list(rows.values())


def consultancies_of(user: AbstractBaseUser) -> list[Consultant]:
    return list(Consultant.objects.filter(user=user).select_related("consultancy"))
