"""Permission-checked fetching of assessments and their children (see organisations.access)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from assessment.models import Assessment, Evidence, Report
from organisations.access import Access, company_access, require


def get_assessment_for_user(
    user: AbstractBaseUser | AnonymousUser, pk: int, need: str = "read"
) -> tuple[Assessment, Access]:
    assessment = Assessment.objects.select_related("company", "company__sector", "criteria_set").filter(pk=pk).first()
    if assessment is None:
        raise Http404
    access = require(company_access(user, assessment.company_id), need)
    return assessment, access


def get_evidence_for_user(
    user: AbstractBaseUser | AnonymousUser, pk: int, need: str = "read"
) -> tuple[Evidence, Access]:
    evidence = Evidence.objects.select_related("assessment").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    return evidence, require(company_access(user, evidence.assessment.company_id), need)


def get_report_for_user(user: AbstractBaseUser | AnonymousUser, pk: int, need: str = "read") -> tuple[Report, Access]:
    report = Report.objects.select_related("assessment", "assessment__company").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report, require(company_access(user, report.assessment.company_id), need)
