"""Company profile: staff numbers and certified management systems, kept by owners, read by members and
granted consultants, printed in the report's profile with expired certificates marked."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment import reports
from assessment.models import CriteriaSet, RegionalReference
from organisations.models import AccessGrant, Company, Consultancy, Consultant, ManagementCertificate, Role
from tests.factories import company_data, make_user, member
from tests.factories import make_company as org_company
from tests.factories import make_user as org_user
from tests.report_world import make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db

URL = "company_certificates"


def formset(*rows: dict[str, str], initial: int = 0) -> dict[str, str]:
    data = {
        "cert-TOTAL_FORMS": str(len(rows)),
        "cert-INITIAL_FORMS": str(initial),
        "cert-MIN_NUM_FORMS": "0",
        "cert-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key in ("id", "system", "name", "number", "certifier", "valid_from", "valid_until", "DELETE"):
            if key in row:
                data[f"cert-{i}-{key}"] = row[key]
    return data


ISO14001 = {
    "system": "iso14001",
    "number": "CN-EMS-2024-0815",
    "certifier": "中国质量认证中心",
    "valid_until": "2027-05-31",
}


def test_ladder_owner_edits_viewer_and_consultant_read_others_404(client):
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    viewer = member(company, "viewer", Role.VIEWER)
    url = reverse(URL, args=[company.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(member(make_company("Other", "91320500MA1TEST002"), "outsider", Role.OWNER))
    assert client.get(url).status_code == 404
    assert client.post(url, formset(ISO14001)).status_code == 404

    client.force_login(owner)
    response = client.post(url, formset(ISO14001))
    assert response.status_code == 302
    cert = ManagementCertificate.objects.get(company=company)
    assert (cert.number, cert.valid_until) == ("CN-EMS-2024-0815", date(2027, 5, 31))

    client.force_login(viewer)
    page = client.get(url)
    assert page.status_code == 200 and "CN-EMS-2024-0815" in page.content.decode()
    assert b"cert-TOTAL_FORMS" not in page.content  # no form for a viewer
    assert client.post(url, formset(ISO14001)).status_code == 403

    firm = Consultancy.objects.create(name="Advisors")
    consultant = make_user("consultant")
    Consultant.objects.create(user=consultant, consultancy=firm)
    AccessGrant.objects.create(company=company, consultancy=firm, granted_by=owner)
    client.force_login(consultant)
    assert client.get(url).status_code == 200
    assert client.post(url, formset(ISO14001)).status_code == 403

    client.force_login(owner)  # removing
    row = ISO14001 | {"id": str(cert.pk), "DELETE": "on"}
    assert client.post(url, formset(row, initial=1)).status_code == 302
    assert not ManagementCertificate.objects.exists()


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            [
                "The certificate must expire after it starts.",
                "Name the management system.",
                "Enter the date the certificate expires.",
            ],
        ),
        ("zh-hans", ["证书的到期日期必须晚于生效日期。", "请填写管理体系名称。", "请输入证书的到期日期。"]),
    ],
)
def test_bad_certificates_are_refused_in_the_users_language_and_kept(client, language, messages):
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    client.force_login(owner)
    data = formset(
        {"system": "iso50001", "number": "EN-777", "valid_from": "2026-01-01", "valid_until": "2025-01-01"},
        {"system": "other", "number": "OTHER-1", "valid_until": "2027-01-01"},
        {"system": "iso9001", "number": "QMS-42", "certifier": "方圆标志认证"},
    )
    response = client.post(reverse(URL, args=[company.pk]), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    text = response.content.decode()
    for message in messages:
        assert message in text
    for typed in ("EN-777", "OTHER-1", "QMS-42", "方圆标志认证"):
        assert typed in text
    assert not ManagementCertificate.objects.exists()


def test_staff_is_edited_with_the_company_profile(client):
    owner = org_user("owner@example.com")
    company = org_company(owner=owner)
    client.force_login(owner)
    data = company_data(name=company.name, credit_code=company.credit_code, staff="-3")
    response = client.post(reverse("company_edit", args=[company.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()
    response = client.post(reverse("company_edit", args=[company.pk]), data | {"staff": "1280"})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.staff == 1280


def test_report_profile_prints_staff_and_certificates_with_expiry_in_both_languages():
    company = make_company()
    company.staff = 1280
    company.save()
    assessment = make_assessment(company=company)
    before = reports.fingerprint(assessment, language="en")
    ManagementCertificate.objects.create(
        company=company, system="iso14001", number="CN-EMS-0815", valid_until=date(2099, 5, 31)
    )
    ManagementCertificate.objects.create(
        company=company, system="iso50001", number="EN-OLD-1", valid_until=date.today() - timedelta(days=1)
    )
    ManagementCertificate.objects.create(company=company, system="other", name="SA8000", valid_until=date(2099, 1, 1))
    assert reports.fingerprint(assessment, language="en") != before
    for language, words in (
        ("en", ["Staff", "1280", "Certified management systems", "Environmental management", "SA8000", "expired"]),
        ("zh-hans", ["员工人数", "1280", "已认证的管理体系", "环境管理体系", "SA8000", "已过期"]),
    ):
        pdf = reports.render_pdf(assessment, language=language)
        text, _reader = pdf_text(pdf.data)
        flat = text.replace("\n", "")
        for word in words:
            assert word in flat, (language, word)
        assert "CN-EMS-0815" in flat and "EN-OLD-1" in flat
        assert flat.count("已过期" if language == "zh-hans" else "expired") == 1


def test_a_report_is_made_again_when_the_company_record_it_prints_changes():
    company = make_company()
    assessment = make_assessment(company=company)
    seen = {reports.fingerprint(assessment, language="en")}
    for field, value in (("name", "Renamed Works"), ("size", "large"), ("province", "ZJ"), ("staff", 90)):
        Company.objects.filter(pk=company.pk).update(**{field: value})
        now = reports.fingerprint(assessment, language="en")
        assert now not in seen, field  # a kept PDF would print the old value
        seen.add(now)


def test_a_drafts_report_is_made_again_when_its_regional_reference_is_recorded_or_changed():
    company = make_company()
    assessment = make_assessment(company=company)
    CriteriaSet.objects.filter(pk=assessment.criteria_set_id).update(rating=CriteriaSet.Rating.RELATIVE)
    assessment.criteria_set.refresh_from_db()
    criteria_set = assessment.criteria_set
    RegionalReference.objects.filter(area=criteria_set.area, province=company.province).delete()
    before = reports.fingerprint(assessment, language="en")
    reference = RegionalReference.objects.create(
        area=criteria_set.area, province=company.province, year=assessment.year, value=Decimal("80"), source="List A"
    )
    recorded = reports.fingerprint(assessment, language="en")
    assert recorded != before  # the kept PDF said no reference was recorded
    reference.value = Decimal("82.5")
    reference.save()
    assert reports.fingerprint(assessment, language="en") != recorded
