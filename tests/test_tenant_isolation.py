"""Tenant isolation: every URL that takes an object id refuses another company's user with a 404.

The test walks the whole URL configuration. A new URL pattern with an object id and no case in
OBJECT_URLS (or no entry in PUBLIC_URLS) fails the suite, so isolation is decided for every URL.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment.models import Answer, Assessment, CriteriaSet, Evidence, Library, Report, SectorValue
from ledger.models import DataSheet, EnergyUse
from organisations import models as org
from organisations.credit_code import check_character

# URLs that take no object id, or only a secret token, and are not company data by id.
PUBLIC_URLS = {
    "healthz",
    "set_language",
    "login",
    "logout",
    "signup",
    "onboarding",
    "dashboard",
    "company_create",
    "consultancy_create",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "landing",
    "timeline",
    "policy_documents",
    "policy_document",
    "policy_area",
    "policy_case",
    "policy_numbers",
    "policy_process",
    "email_confirm",
    "email_confirm_resend",
    "company_claim",
    "consultancy_join",
}


def credit_code(seed: int) -> str:
    first17 = f"9133{seed:013d}"
    return first17 + check_character(first17)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    sector = org.Sector.objects.get(code="30")
    company = org.Company.objects.create(
        name="Isolated Cement Works", credit_code=credit_code(424242), sector=sector, province="ZJ", size="large"
    )
    owner = User.objects.create_user("owner@a.test", "owner@a.test", "pw-a-123456")
    member = User.objects.create_user("viewer@a.test", "viewer@a.test", "pw-a-123456")
    org.Membership.objects.create(user=owner, company=company, role=org.Role.OWNER)
    viewer = org.Membership.objects.create(user=member, company=company, role=org.Role.VIEWER)
    invitation = org.Invitation.objects.create(
        company=company, email="new@a.test", role=org.Role.EDITOR, token="tok-a-1", invited_by=owner
    )
    firm = org.Consultancy.objects.create(name="A's Consulting")
    firm_user = User.objects.create_user("consultant@a.test", "consultant@a.test", "pw-a-123456")
    consultant = org.Consultant.objects.create(user=firm_user, consultancy=firm, is_admin=True)
    grant = org.AccessGrant.objects.create(company=company, consultancy=firm, granted_by=owner)
    other_firm = org.Consultancy.objects.create(name="A's Consulting (second office)")
    access_request = org.AccessRequest.objects.create(company=company, consultancy=other_firm, requested_by=owner)
    criteria = CriteriaSet.objects.latest_published("factory")
    assessment = Assessment.objects.create(company=company, criteria_set=criteria, year=2025, created_by=owner)
    Answer.objects.create(assessment=assessment, code="F07", inputs={"V_r": "900", "V": "100"})
    evidence = Evidence(
        assessment=assessment,
        code="F07",
        original_name="secret-water-balance.pdf",
        content_type="application/pdf",
        size=9,
    )
    evidence.file.save("x", ContentFile(b"%PDF-1.4\n"), save=False)
    evidence.save()
    report = Report(assessment=assessment, language="en", fingerprint="f", status=Report.Status.DONE)
    report.file.save("r.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    report.save()
    sheet = DataSheet.objects.create(company=company, year=2025, water_intake=123456)
    EnergyUse.objects.create(sheet=sheet, carrier="grid", quantity=1000)
    library = Library.objects.create(
        owner=Library.Owner.COMPANY, company=company, name_zh="自有标尺", name_en="Own yardsticks", source="own study"
    )
    library_row = SectorValue.objects.create(
        key="isolated-f07",
        indicator_code="F07",
        sector=sector,
        product_zh="水泥",
        product_en="Cement",
        standard="own study",
        unit="%",
        leading=95,
        benchmark=85,
        library=library,
    )
    firm_library = Library.objects.create(
        owner=Library.Owner.CONSULTANCY, consultancy=firm, name_zh="顾问标尺", name_en="Firm yardsticks", source="x"
    )

    outsider = User.objects.create_user("outsider@b.test", "outsider@b.test", "pw-b-123456")
    other = org.Company.objects.create(
        name="Other Glass Co", credit_code=credit_code(777777), sector=sector, province="JS", size="small"
    )
    org.Membership.objects.create(user=outsider, company=other, role=org.Role.OWNER)
    return {
        "company": company,
        "viewer": viewer,
        "invitation": invitation,
        "firm": firm,
        "consultant": consultant,
        "grant": grant,
        "access_request": access_request,
        "assessment": assessment,
        "evidence": evidence,
        "report": report,
        "outsider": outsider,
        "library": library,
        "library_row": library_row,
        "firm_library": firm_library,
    }


def pk_of(key: str, **more: object) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The URL kwargs of world[key]: its pk as `pk`, and `more` as they are."""
    return lambda w: {"pk": w[key].pk, **more}


# Each URL name with its kwargs, taken from the world.
OBJECT_URLS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "company_detail": pk_of("company"),
    "company_edit": pk_of("company"),
    "company_certificates": pk_of("company"),
    "company_members": pk_of("company"),
    "member_invite": pk_of("company"),
    "member_role": lambda w: {"pk": w["company"].pk, "member_pk": w["viewer"].pk},
    "member_remove": lambda w: {"pk": w["company"].pk, "member_pk": w["viewer"].pk},
    "invitation_cancel": lambda w: {"pk": w["company"].pk, "invitation_pk": w["invitation"].pk},
    "grant_create": pk_of("company"),
    "grant_revoke": lambda w: {"pk": w["company"].pk, "grant_pk": w["grant"].pk},
    "company_licence": pk_of("company"),
    "access_request_accept": lambda w: {"pk": w["company"].pk, "request_pk": w["access_request"].pk},
    "access_request_decline": lambda w: {"pk": w["company"].pk, "request_pk": w["access_request"].pk},
    "consultancy_detail": pk_of("firm"),
    "consultancy_logo": pk_of("firm"),
    "consultant_add": pk_of("firm"),
    "consultant_remove": lambda w: {"pk": w["firm"].pk, "consultant_pk": w["consultant"].pk},
    "assessment_start": lambda w: {"company_pk": w["company"].pk},
    "assessment_overview": pk_of("assessment"),
    "assessment_gates": pk_of("assessment"),
    "assessment_category": pk_of("assessment", category_code="resource"),
    "assessment_answer": pk_of("assessment", code="F07"),
    "evidence_upload": pk_of("assessment", code="F07"),
    "evidence_download": pk_of("evidence"),
    "evidence_delete": pk_of("evidence"),
    "assessment_results": pk_of("assessment"),
    "assessment_indicators": pk_of("assessment"),
    "assessment_submit": pk_of("assessment"),
    "assessment_reopen": pk_of("assessment"),
    "assessment_history": pk_of("assessment"),
    "assessment_reassess": pk_of("assessment"),
    "assessment_export_json": pk_of("assessment"),
    "assessment_export_xlsx": pk_of("assessment"),
    "assessment_import": pk_of("assessment"),
    "action_plan": pk_of("assessment"),
    "report_request": pk_of("assessment"),
    "report_status": pk_of("report"),
    "report_download": pk_of("report"),
    "data_sheets": pk_of("company"),
    "data_sheet": pk_of("company", year=2025),
    "data_sheet_export": pk_of("company", year=2025),
    "data_sheet_import": pk_of("company", year=2025),
    "standing": pk_of("assessment"),
    "standing_years": pk_of("assessment"),
    "standing_impact": pk_of("assessment"),
    "standing_opt_in": pk_of("company"),
    "dynamic_form": pk_of("company", year=2025),
    "dynamic_form_xlsx": pk_of("company", year=2025),
    "dynamic_form_pdf": pk_of("company", year=2025),
    "company_libraries": pk_of("company"),
    "consultancy_libraries": pk_of("firm"),
    "library_detail": pk_of("library"),
    "library_row": lambda w: {"pk": w["library"].pk, "row_pk": w["library_row"].pk},
    "library_row_retire": lambda w: {"pk": w["library"].pk, "row_pk": w["library_row"].pk},
}


def url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def test_every_url_is_classified() -> None:
    unclassified = [n for n in url_names() if n not in PUBLIC_URLS and n not in OBJECT_URLS]
    assert unclassified == [], f"add a tenant-isolation case for: {unclassified}"
    stale = [n for n in OBJECT_URLS if n not in url_names()]
    assert stale == []


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_another_company_gets_404_without_data(client: Any, world: dict[str, Any], name: str) -> None:
    url = reverse(name, kwargs=OBJECT_URLS[name](world))
    client.force_login(world["outsider"])
    statuses = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        statuses.append(response.status_code)
        # 405 (method not allowed) is decided before any lookup, so it reveals nothing.
        assert response.status_code in (404, 405), f"{method.upper()} {url} gave {response.status_code}"
        body = response.content.decode(errors="replace")
        for secret in ("Isolated Cement Works", world["company"].credit_code, "secret-water-balance", "A's Consulting"):
            assert secret not in body
    assert 404 in statuses
    # Nothing changed behind the 404s.
    world["assessment"].refresh_from_db()
    assert world["assessment"].status == Assessment.Status.DRAFT
    assert Evidence.objects.filter(pk=world["evidence"].pk).exists()
    assert org.Membership.objects.filter(pk=world["viewer"].pk, role=org.Role.VIEWER).exists()
    assert org.AccessGrant.objects.active().filter(pk=world["grant"].pk).exists()
    assert org.AccessRequest.objects.pending().filter(pk=world["access_request"].pk).exists()
    assert DataSheet.objects.filter(company=world["company"], year=2025, water_intake=123456).exists()
    assert EnergyUse.objects.filter(sheet__company=world["company"]).count() == 1
    assert SectorValue.objects.filter(pk=world["library_row"].pk, superseded__isnull=True, leading=95).exists()
    assert Library.objects.filter(company=world["company"]).count() == 1


# The consultancy's own pages stay open to its consultants, whatever became of a client's grant.
@pytest.mark.parametrize("name", sorted(n for n in OBJECT_URLS if not n.startswith("consultan")))
def test_revoked_consultant_gets_404(client: Any, world: dict[str, Any], name: str) -> None:
    world["grant"].revoked_at = world["grant"].granted_at
    world["grant"].save(update_fields=["revoked_at"])
    client.force_login(world["consultant"].user)
    url = reverse(name, kwargs=OBJECT_URLS[name](world))
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert statuses <= {404, 405} and 404 in statuses


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_anonymous_is_sent_to_login(client: Any, world: dict[str, Any], name: str) -> None:
    response = client.get(reverse(name, kwargs=OBJECT_URLS[name](world)))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
