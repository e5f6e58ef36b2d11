"""Libraries kept in the app: a consultancy's consultants keep its libraries, a company's owners and editors keep
the company's; rows are validated as the engine will use them (direction, unit, source, sector); a retired row is
no longer offered but stays with the answers that chose it. Permission ladder and both languages."""

from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from assessment.models import Answer, Assessment, CriteriaSet, Library, SectorValue
from organisations.models import AccessGrant, Consultancy, Consultant, Role, Sector
from tests.factories import cement_company as make_company
from tests.factories import make_sheet, make_user, member

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def firm_with_consultant() -> tuple[Consultancy, Any]:
    firm = Consultancy.objects.create(name="Lakeside Advisory")
    user = make_user("consultant")
    Consultant.objects.create(user=user, consultancy=firm)
    return firm, user


def row_post(**overrides: str) -> dict[str, str]:
    return {
        "target": "factory:F07",
        "sector_code": "30",
        "product_zh": "水泥",
        "product_en": "Cement",
        "unit": "%",
        "leading": "96",
        "benchmark": "88",
        "standard": "Lakeside water survey",
        "edition": "2025",
        "source": "Lakeside Advisory, 38 plants, 2025",
    } | overrides


def firm_library(firm: Consultancy) -> Library:
    return Library.objects.create(
        owner=Library.Owner.CONSULTANCY, consultancy=firm, name_zh="湖畔水效", name_en="Lakeside water", source="survey"
    )


def test_a_consultant_creates_a_library_and_adds_a_row_every_client_is_offered(client: Any) -> None:
    firm, consultant = firm_with_consultant()
    client.force_login(consultant)
    response = client.post(
        reverse("consultancy_libraries", args=[firm.pk]),
        {"name_zh": "湖畔水效", "name_en": "Lakeside water", "source": "Lakeside survey 2025"},
        **EN,
    )
    library = Library.objects.get(consultancy=firm)
    assert response["Location"] == reverse("library_detail", args=[library.pk])
    assert library.owner == Library.Owner.CONSULTANCY
    response = client.post(reverse("library_detail", args=[library.pk]), row_post(), **EN)
    assert response.status_code == 302
    row = SectorValue.objects.get(library=library)
    assert (row.area, row.indicator_code, row.sector.code, row.leading, row.benchmark) == (
        "factory",
        "F07",
        "30",
        D(96),
        D(88),
    )
    # a client that granted access sees it on its questionnaire, with the library's name and source
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    AccessGrant.objects.create(company=company, consultancy=firm)
    assessment = Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2025, created_by=owner
    )
    client.force_login(owner)
    page = client.get(reverse("assessment_category", args=[assessment.pk, "resource"]), **EN).content.decode()
    assert "Lakeside water (Lakeside survey 2025)" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"leading": "80", "benchmark": "90"}, "benchmark", "wrong way round"),
        ({"source": ""}, "source", "This field is required."),
        ({"unit": "t"}, "unit", "This indicator is in %: give the values in %."),
        ({"target": "factory:F01", "unit": "m³/t"}, "unit", "Values in m³/t cannot be compared with this indicator"),
        ({"sector_code": "99X"}, "sector_code", "Select a valid choice."),
        ({"target": "factory:F04"}, "target", "Select a valid choice."),
        ({"leading": "lots"}, "leading", "Enter a number."),
    ],
)
def test_a_bad_row_is_refused_with_a_message_and_keeps_what_was_typed(
    client: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    firm, consultant = firm_with_consultant()
    library = firm_library(firm)
    client.force_login(consultant)
    response = client.post(reverse("library_detail", args=[library.pk]), row_post(**overrides), **EN)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert form["product_en"].value() == "Cement"
    assert not SectorValue.objects.filter(library=library).exists()


def test_a_reverse_indicator_takes_leading_below_benchmark(client: Any) -> None:
    firm, consultant = firm_with_consultant()
    library = firm_library(firm)
    client.force_login(consultant)
    post = row_post(target="factory:F01", unit="kgce/t", leading="90", benchmark="100")
    assert client.post(reverse("library_detail", args=[library.pk]), post, **EN).status_code == 302
    post = row_post(target="factory:F01", unit="kgce/t", leading="100", benchmark="90")
    assert client.post(reverse("library_detail", args=[library.pk]), post, **EN).status_code == 400


def test_messages_come_in_chinese(client: Any) -> None:
    firm, consultant = firm_with_consultant()
    library = firm_library(firm)
    client.force_login(consultant)
    response = client.post(
        reverse("library_detail", args=[library.pk]), row_post(unit="t"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = response.content.decode()
    assert "添加一行" in body and "This indicator" not in body


def test_editing_and_retiring_a_row(client: Any) -> None:
    firm, consultant = firm_with_consultant()
    library = firm_library(firm)
    client.force_login(consultant)
    client.post(reverse("library_detail", args=[library.pk]), row_post(), **EN)
    row = SectorValue.objects.get(library=library)
    url = reverse("library_row", args=[library.pk, row.pk])
    assert client.get(url, **EN).context["form"]["target"].value() == "factory:F07"
    assert client.post(url, row_post(leading="97"), **EN).status_code == 302
    row.refresh_from_db()
    assert row.leading == D(97)
    # a client's answer chose the row before it is retired: it keeps it; a new assessment is not offered it
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    AccessGrant.objects.create(company=company, consultancy=firm)
    make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    factory = CriteriaSet.objects.latest_published("factory")
    chosen = Assessment.objects.create(company=company, criteria_set=factory, year=2025, created_by=owner)
    Answer.objects.create(assessment=chosen, code="F07", sector_value=row)
    other = Assessment.objects.create(company=company, criteria_set=factory, year=2024, created_by=owner)
    response = client.post(reverse("library_row_retire", args=[library.pk, row.pk]), **EN)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.superseded is not None
    assert "retired" in client.get(reverse("library_detail", args=[library.pk]), **EN).content.decode()
    client.force_login(owner)
    kept = client.get(reverse("assessment_category", args=[chosen.pk, "resource"]), **EN).content.decode()
    gone = client.get(reverse("assessment_category", args=[other.pk, "resource"]), **EN).content.decode()
    assert "Lakeside water (survey)" in kept
    assert "Lakeside water (survey)" not in gone


def test_a_retire_needs_post(client: Any) -> None:
    firm, consultant = firm_with_consultant()
    library = firm_library(firm)
    row = SectorValue.objects.create(
        key="lake-1", indicator_code="F07", sector=Sector.objects.get(code="30"), unit="%", library=library
    )
    client.force_login(consultant)
    assert client.get(reverse("library_row_retire", args=[library.pk, row.pk])).status_code == 405


# --- Permission ladder -------------------------------------------------------------------------


def company_library(company: Any) -> Library:
    return Library.objects.create(
        owner=Library.Owner.COMPANY, company=company, name_zh="自有", name_en="Own values", source="own plan"
    )


def test_anonymous_is_sent_to_login(client: Any) -> None:
    company = make_company()
    for url in (
        reverse("company_libraries", args=[company.pk]),
        reverse("library_detail", args=[company_library(company).pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_company_members_read_owners_and_editors_keep(client: Any) -> None:
    company = make_company()
    library = company_library(company)
    viewer, editor = member(company, "viewer", Role.VIEWER), member(company, "editor", Role.EDITOR)
    client.force_login(viewer)
    assert client.get(reverse("company_libraries", args=[company.pk]), **EN).status_code == 200
    page = client.get(reverse("library_detail", args=[library.pk]), **EN)
    assert page.status_code == 200 and "Add a row" not in page.content.decode()
    assert client.post(reverse("library_detail", args=[library.pk]), row_post(), **EN).status_code == 403
    assert client.post(reverse("company_libraries", args=[company.pk]), {"name_zh": "x"}, **EN).status_code == 403
    client.force_login(editor)
    assert client.post(reverse("library_detail", args=[library.pk]), row_post(), **EN).status_code == 302
    assert SectorValue.objects.filter(library=library).count() == 1


def test_others_get_404(client: Any) -> None:
    company = make_company()
    library = company_library(company)
    firm, consultant = firm_with_consultant()
    AccessGrant.objects.create(company=company, consultancy=firm)
    other_firm_library = firm_library(Consultancy.objects.create(name="Elsewhere"))
    outsider = member(make_company(), "owner", Role.OWNER)
    client.force_login(outsider)
    assert client.get(reverse("library_detail", args=[library.pk])).status_code == 404
    assert client.get(reverse("consultancy_libraries", args=[firm.pk])).status_code == 404
    # the company's consultant neither reads nor keeps the company's own library, nor another firm's
    client.force_login(consultant)
    assert client.get(reverse("company_libraries", args=[company.pk])).status_code == 404
    assert client.get(reverse("library_detail", args=[library.pk])).status_code == 404
    assert client.get(reverse("library_detail", args=[other_firm_library.pk])).status_code == 404
    platform = Library.objects.create(owner=Library.Owner.PLATFORM, name_zh="平台", name_en="Platform", source="x")
    assert client.get(reverse("library_detail", args=[platform.pk])).status_code == 404


def test_a_library_row_marked_uncertain_is_never_offered(client: Any) -> None:
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    platform = Library.objects.create(
        owner=Library.Owner.PLATFORM, name_zh="平台", name_en="Platform rows", source="reference file"
    )
    for key, mark in (("plat-f07-s", "S"), ("plat-f07-u", "U")):
        SectorValue.objects.create(
            key=key,
            indicator_code="F07",
            sector=Sector.objects.get(code="30"),
            product_zh="水泥",
            product_en=f"Cement {mark}",
            standard="ref",
            unit="%",
            leading=95,
            benchmark=85,
            mark=mark,
            library=platform,
        )
    offered = SectorValue.objects.filter(library=platform).offered()
    assert [r.key for r in offered] == ["plat-f07-s"]
    assessment = Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2025, created_by=owner
    )
    client.force_login(owner)
    page = client.get(reverse("assessment_category", args=[assessment.pk, "resource"]), **EN).content.decode()
    assert "Cement S" in page and "Cement U" not in page


def test_the_company_tab_is_offered_to_members_not_to_its_consultants(client: Any) -> None:
    company = make_company()
    viewer = member(company, "viewer", Role.VIEWER)
    firm, consultant = firm_with_consultant()
    AccessGrant.objects.create(company=company, consultancy=firm)
    url = reverse("company_libraries", args=[company.pk])
    client.force_login(viewer)
    assert url in client.get(reverse("data_sheets", args=[company.pk]), **EN).content.decode()
    client.force_login(consultant)
    assert url not in client.get(reverse("data_sheets", args=[company.pk]), **EN).content.decode()
