"""What the dashboard lists: a user's companies and clients, each with its assessments.

A fixed number of queries whatever the number of companies or assessments (prefetched).
"""

from collections.abc import Set
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Prefetch

from assessment.answers import criteria_for, progress_of, sheet_values, with_sheet
from assessment.models import Answer, Assessment, CriteriaSet, RegionalReference
from assessment.scoring import AnswerData, score
from assessment.specs import answer_data
from ledger.models import DataSheet
from organisations.access import Access
from organisations.models import AccessGrant, Company, Consultant, Membership, Role


@dataclass
class CompanyRow:
    company: Company
    role: Role
    assessments: list[Assessment]
    consultancies: list[str] = field(default_factory=list)  # through which a consultant sees it
    start_url: str | None = None

    @property
    def can_edit(self) -> bool:
        return Access(self.role).can_edit

    @property
    def latest_score(self) -> Decimal | None:
        """Total of the most recent submitted assessment, or None."""
        for assessment in self.assessments:
            score: Decimal | None = assessment.score  # type: ignore[attr-defined]  # attached by _scored
            if assessment.status == Assessment.Status.SUBMITTED and score is not None:
                return score
        return None


def _scored(assessments: list[Assessment]) -> list[Assessment]:
    """Attach `score`: the snapshot total of a submitted (or superseded) revision; None for drafts
    until `_score_drafts` fills in their live score."""
    for assessment in assessments:
        snapshot = getattr(assessment, "snapshot", None) if assessment.status != Assessment.Status.DRAFT else None
        # Attached to the instance for the dashboard template, which reads them beside the model's fields.
        assessment.score = snapshot.total if snapshot else None  # type: ignore[attr-defined]
        assessment.progress = None  # type: ignore[attr-defined]
    return assessments


def _references(rows: list[CompanyRow], drafts: list[Assessment]) -> list[RegionalReference]:
    """Regional references that relative-rated drafts may need, in one query (newest year first)."""
    areas = {a.criteria_set.area for a in drafts if a.criteria_set.rating == CriteriaSet.Rating.RELATIVE}
    if not areas:
        return []
    provinces = {row.company.province for row in rows}
    return list(RegionalReference.objects.filter(area__in=areas, province__in=provinces).order_by("-year"))


def _reference_for(references: list[RegionalReference], assessment: Assessment, *, province: str) -> Decimal | None:
    """As assessment.answers.reference_row: the latest year up to the reporting year, relative rating only."""
    if assessment.criteria_set.rating != CriteriaSet.Rating.RELATIVE:
        return None
    for reference in references:
        if (
            reference.area == assessment.criteria_set.area
            and reference.province == province
            and reference.year <= assessment.year
        ):
            return reference.value
    return None


def _score_drafts(rows: list[CompanyRow]) -> list[CompanyRow]:
    """The live score and progress (percent of questions answered) of every draft, all answers in one query."""
    drafts = [a for row in rows for a in row.assessments if a.status == Assessment.Status.DRAFT]
    if not drafts:
        return rows
    answers: dict[int, dict[str, AnswerData]] = {a.pk: {} for a in drafts}
    queryset = (
        Answer.objects.filter(assessment_id__in=answers)
        .select_related("sector_value__sector", "sector_value__library")
        .order_by()
    )
    for answer in queryset:
        answers[answer.assessment_id][answer.code] = answer_data(answer, answer.sector_value)
    references = _references(rows, drafts)
    # The company-year data sheets fill the formula inputs an answer leaves out, as on the questionnaire.
    sheets = {
        (company_id, year): sheet_values(figures)
        for company_id, year, figures in DataSheet.objects.filter(
            company_id__in={a.company_id for a in drafts}, year__in={a.year for a in drafts}
        ).values_list("company_id", "year", "figures")
    }
    for row in rows:
        for assessment in row.assessments:
            if assessment.status != Assessment.Status.DRAFT:
                continue
            reference = _reference_for(references, assessment, province=row.company.province)
            criteria = criteria_for(assessment.criteria_set)
            if sheet := sheets.get((assessment.company_id, assessment.year)):
                with_sheet(criteria, answers[assessment.pk], sheet)
            card = score(criteria.spec, answers[assessment.pk], reference=reference)
            _gates, _categories, overall = progress_of(card)
            assessment.score = card.total  # type: ignore[attr-defined]  # attached as in _scored
            assessment.progress = overall.percent  # type: ignore[attr-defined]
    return rows


def _assessments() -> Prefetch:
    queryset = Assessment.objects.select_related("criteria_set", "snapshot").order_by(
        "-year", "-revision", "-created_at"
    )
    return Prefetch("company__assessments", queryset=queryset)


def member_rows(user: User) -> list[CompanyRow]:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("company", "company__sector")
        .prefetch_related(_assessments())
        .order_by("company__name")
    )
    return _score_drafts(
        [CompanyRow(m.company, Role(m.role), _scored(list(m.company.assessments.all()))) for m in memberships]
    )


def client_rows(user: User, *, exclude: Set[int] = frozenset()) -> list[CompanyRow]:
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
                grant.company, Role.CONSULTANT, _scored(list(grant.company.assessments.all()))
            )
        row.consultancies.append(grant.consultancy.name)
    return _score_drafts(list(rows.values()))


def consultancies_of(user: User) -> list[Consultant]:
    return list(Consultant.objects.filter(user=user).select_related("consultancy"))
