"""Permission-checked fetching of assessments and their children (see organisations.access)."""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment.models import Assessment, Evidence, Library, Report
from organisations.access import Access, company_access, get_consultancy_for_user, require


def get_assessment_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> tuple[Assessment, Access]:
    assessment = Assessment.objects.select_related("company", "company__sector", "criteria_set").filter(pk=pk).first()
    if assessment is None:
        raise Http404
    access = require(company_access(user, assessment.company_id), need)
    return assessment, access


def get_evidence_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> tuple[Evidence, Access]:
    evidence = Evidence.objects.select_related("assessment").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    return evidence, require(company_access(user, evidence.assessment.company_id), need)


def get_report_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> tuple[Report, Access]:
    report = Report.objects.select_related("assessment", "assessment__company").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report, require(company_access(user, report.assessment.company_id), need)


def library_access(user: User | AnonymousUser, library: Library, need: str) -> None:
    """A company's library: its members read it, its owners and editors keep it (a consultant working for the
    company neither: the company's own yardsticks are its own). A consultancy's library: its consultants."""
    if library.company_id is not None:
        access = require(company_access(user, library.company_id), "read")
        if access.is_consultant:
            raise Http404
        if need == "edit" and not access.can_edit:
            raise PermissionDenied
    elif library.consultancy_id is not None:
        get_consultancy_for_user(user, library.consultancy_id)
    else:
        raise Http404  # platform libraries are kept by staff in the admin


def get_library_for_user(user: User | AnonymousUser, pk: int, need: str = "read") -> Library:
    library = Library.objects.select_related("company", "consultancy").filter(pk=pk).first()
    if library is None:
        raise Http404
    library_access(user, library, need)
    return library
