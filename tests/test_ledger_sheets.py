"""Data sheet pages (permission ladder, editing, validation, query counts) and the questionnaire fed by the sheet."""

from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from assessment.answers import load_questionnaire, parse_answer, rescore_year, values_from_row, write_answer
from assessment.models import Answer, Assessment, CriteriaSet
from ledger.models import DataSheet, ProductOutput
from ledger.sheets import recompute
from organisations.models import Company, Role
from tests.factories import cement_company, make_sheet, member, sheet_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages are read in English (the site's default language is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def company(client: Any) -> Company:
    """A cement works whose owner is logged in on `client`."""
    works = cement_company()
    client.force_login(member(works, "owner", Role.OWNER))
    return works


# --- Permission ladder ------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Any) -> None:
    company = cement_company()
    response = client.get(reverse("data_sheet", args=[company.pk, 2025]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_another_company_gets_404(client: Any) -> None:
    company = cement_company()
    make_sheet(company)
    client.force_login(member(cement_company(), "owner", Role.OWNER))
    assert client.get(reverse("data_sheets", args=[company.pk])).status_code == 404
    assert client.post(reverse("data_sheet", args=[company.pk, 2025]), sheet_post(water_intake="1")).status_code == 404
    assert DataSheet.objects.get(company=company).water_intake is None


def test_a_viewer_reads_but_cannot_save(client: Any) -> None:
    company = cement_company()
    make_sheet(company)
    client.force_login(member(company, "viewer", Role.VIEWER))
    page = client.get(reverse("data_sheet", args=[company.pk, 2025]))
    assert page.status_code == 200
    assert b"1142.98" in page.content and b"Save the data sheet" not in page.content
    assert client.post(reverse("data_sheet", args=[company.pk, 2025]), sheet_post()).status_code == 403


# --- Editing ----------------------------------------------------------------------------------


def test_an_editor_creates_a_year_and_saves_the_sheet(client: Any) -> None:
    company = cement_company()
    client.force_login(member(company, "editor", Role.EDITOR))
    response = client.post(reverse("data_sheets", args=[company.pk]), {"year": "2024"})
    assert response["Location"] == reverse("data_sheet", args=[company.pk, 2024])
    response = client.post(reverse("data_sheet", args=[company.pk, 2024]), sheet_post())
    assert response.status_code == 302, (
        (
            response.context["form"].errors,
            response.context["products"].errors,
            response.context["energy"].non_form_errors(),
            response.context["products"].non_form_errors(),
        )
        or response.context["products"].errors
        or response.context["energy"].non_form_errors()
    )
    sheet = DataSheet.objects.get(company=company, year=2024)
    # 2024 has no published grid factor: the 2023 national factor (0.5306) applies
    assert sheet.figures["inputs"]["E"] == ["1142.98", "tce"]
    assert sheet.figures["inputs"]["E_re"] == ["98.32", "tce"]
    assert sheet.figures["inputs"]["C"] == ["3019.1685", "tCO2"]
    assert sheet.figures["inputs"]["Q"] == ["10000", "product unit"]
    assert sheet.figures["share"] == "8.6"
    assert "grid-national-2023" in sheet.figures["coefficients"]
    assert ProductOutput.objects.get(sheet=sheet).main
    page = client.get(reverse("data_sheet", args=[company.pk, 2024]))
    assert "default to verify" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("energy-0-quantity", "-5", "greater than or equal to 0"),
        ("energy-0-quantity", "abc", "Enter a number"),
        ("energy-0-feedstock", "5000", "cannot exceed the quantity"),
        ("energy-0-measured_ncv", "21", "Name the analysis report"),
        ("energy-12-feedstock", "1", "Only fuels"),
        ("waste_utilised", "10", "More waste is utilised"),
        ("gec_zero", "on", "market method only"),
        ("method", "bogus", "Select a valid choice"),
    ],
)
def test_invalid_input_is_refused_with_a_message(
    client: Any, company: Company, field: str, value: str, message: str
) -> None:
    response = client.post(
        reverse("data_sheet", args=[company.pk, 2025]), sheet_post(**{field: value}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DataSheet.objects.filter(company=company).exists()


def test_messages_come_in_chinese(client: Any, company: Company) -> None:
    response = client.post(
        reverse("data_sheet", args=[company.pk, 2025]),
        sheet_post(**{"energy-0-quantity": "-1"}),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "确保该值大于或等于0" in response.content.decode()


def test_a_tampered_carrier_list_is_refused(client: Any, company: Company) -> None:
    response = client.post(
        reverse("data_sheet", args=[company.pk, 2025]), sheet_post(**{"energy-1-carrier": "raw_coal"})
    )
    assert response.status_code == 400
    assert not DataSheet.objects.filter(company=company).exists()


def test_pages_use_a_fixed_number_of_queries(client: Any, django_assert_max_num_queries: Any) -> None:
    company = cement_company()
    user = member(company, "owner", Role.OWNER)
    for year in (2023, 2024, 2025):
        make_sheet(company, year)
    client.force_login(user)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("data_sheets", args=[company.pk])).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("data_sheet", args=[company.pk, 2025])).status_code == 200


# --- The questionnaire fed by the sheet -------------------------------------------------------


def factory_assessment(company: Company, user: Any) -> Assessment:
    return Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2025, created_by=user
    )


def result(assessment: Assessment, code: str) -> Any:
    fresh = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=assessment.pk)
    return next(r for r in load_questionnaire(fresh).scorecard.indicators if r.code == code)


def test_the_sheet_fills_formula_inputs_and_a_change_rescores_the_draft() -> None:
    company = cement_company()
    assessment = factory_assessment(company, member(company, "owner", Role.OWNER))
    sheet = make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    Answer.objects.create(
        assessment=assessment, code="F07", leading=D(95), benchmark=D(85), values_source="sector average"
    )
    Answer.objects.create(assessment=assessment, code="F03", leading=D(10), benchmark=D(2), values_source="own target")
    # F07: 45 000 / 50 000 = 90 % → half-way between 85 and 95
    assert result(assessment, "F07").value == D(90)
    assert result(assessment, "F03").value.quantize(D("0.01")) == D("8.60")
    sheet.water_reused = D(95000)
    sheet.save()
    recompute(DataSheet.objects.prefetch_related("uses", "products").get(pk=sheet.pk))
    assert result(assessment, "F07").value == D(95)  # 95 000 / 100 000


def test_a_submitted_assessment_keeps_its_figures(client: Any) -> None:
    company = cement_company()
    owner = member(company, "owner", Role.OWNER)
    assessment = factory_assessment(company, owner)
    sheet = make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    Answer.objects.create(
        assessment=assessment, code="F07", leading=D(95), benchmark=D(85), values_source="sector average"
    )
    assessment.status = Assessment.Status.SUBMITTED
    assessment.save(update_fields=["status"])
    sheet.water_reused = D(95000)
    sheet.save()
    recompute(DataSheet.objects.prefetch_related("uses", "products").get(pk=sheet.pk))
    fresh = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=assessment.pk)
    assert load_questionnaire(fresh).sheet == {}


def test_typing_over_a_sheet_figure_needs_a_reason() -> None:
    company = cement_company()
    assessment = factory_assessment(company, member(company, "owner", Role.OWNER))
    spec = load_questionnaire(
        Assessment.objects.select_related("company__sector", "criteria_set").get(pk=assessment.pk)
    ).criteria.indicators["F06"]
    raw = {"in-Q": "680000", "in-V": ""}
    parsed = parse_answer(spec, raw, sheet={"Q", "V"})
    assert "why-Q" in parsed.pending
    parsed = parse_answer(spec, raw | {"why-Q": "quota per t of clinker"}, sheet={"Q", "V"})
    assert parsed.pending == {}
    row = Answer(assessment=assessment, code="F06")
    write_answer(row, parsed.values)
    row.save()
    assert row.inputs == {"Q": "680000", "why": {"Q": "quota per t of clinker"}}
    assert values_from_row(row, with_note=False).reasons == (("Q", "quota per t of clinker"),)


def test_an_override_with_reason_wins_over_the_sheet(client: Any) -> None:
    company = cement_company()
    owner = member(company, "owner", Role.OWNER)
    assessment = factory_assessment(company, owner)
    make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    client.force_login(owner)
    answer = reverse("assessment_answer", args=[assessment.pk, "F07"])
    fields = {"F07-in-V": "15000", "F07-leading": "95", "F07-benchmark": "85", "F07-values_source": "sector average"}
    why = {"F07-why-V": "meter replaced in May: corrected intake"}
    response = client.post(answer, fields | why | {"F07-version": "0"}, HTTP_X_AUTOSAVE="1")
    assert response.status_code == 200, response.content
    assert response.json()["pending"] == {}
    assert result(assessment, "F07").value == D(75)  # 45 000 / (15 000 + 45 000)
    # The same override without its reason: the reason is asked for.
    response = client.post(answer, fields | {"F07-version": "1"}, HTTP_X_AUTOSAVE="1")
    assert "why-V" in response.json()["pending"]


def test_the_page_shows_sheet_figures_with_their_calculation(client: Any) -> None:
    company = cement_company()
    owner = member(company, "owner", Role.OWNER)
    assessment = factory_assessment(company, owner)
    make_sheet(company)
    client.force_login(owner)
    page = client.get(reverse("assessment_category", args=[assessment.pk, "energy"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "From the data sheet" in body
    assert 'placeholder="1142.98' in body
    assert "Raw coal: 1000 t → 714.3 tce" in body
    assert reverse("data_sheet", args=[company.pk, 2025]) in body


def test_the_demo_sheet_drives_the_demo_factory_assessment() -> None:
    demo = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=9001)
    questionnaire = load_questionnaire(demo)
    assert questionnaire.sheet["E"] == (D("69700"), "tce")
    assert questionnaire.from_sheet["F01"] == frozenset({"E", "Q"})
    assert questionnaire.from_sheet["F06"] == frozenset({"V"})  # Q typed over, with its reason
    assert questionnaire.answers["F03"].inputs == {"E_re": D("2788"), "E": D("69700")}
    assert Answer.objects.get(assessment=demo, code="F06").inputs["why"]["Q"]


def test_rescoring_a_company_year_reads_the_sheet_once(django_assert_max_num_queries: Any) -> None:
    rescore_year(9001, 2025)  # warm the criteria cache
    # drafts, sheet figures, sectors; then per assessment: answers (+ regional reference for relative ratings)
    with django_assert_max_num_queries(3 + 4 * 2):
        cards = rescore_year(9001, 2025)
    assert set(cards) == {9001, 9002, 9003, 9004}
    assert cards[9001].total.quantize(D("0.01")) == D(
        "54.48"
    )  # the documented demo total, now computed from the data sheet


# --- XLSX template: export, import through the same forms ---------------------------------------


def _workbook(rows: list[list[Any]]) -> Any:
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415

    from ledger.workbook import HEADER  # noqa: PLC0415

    book = Workbook()
    ws = book.active
    ws.title = "data_sheet"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "sheet.xlsx"
    return out


def test_an_exported_sheet_imports_back_unchanged(client: Any) -> None:
    import io  # noqa: PLC0415

    from openpyxl import load_workbook  # noqa: PLC0415

    company = cement_company()
    owner = member(company, "owner", Role.OWNER)
    sheet = make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    ProductOutput.objects.create(sheet=sheet, name_zh="水泥", name_en="Cement", unit="t", quantity=10000, main=True)
    client.force_login(owner)
    content = client.get(reverse("data_sheet_export", args=[company.pk, 2025])).content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    coal = rows[[r[0] for r in rows].index("energy:raw_coal")]
    assert (coal[0], coal[2], coal[3], coal[4]) == ("energy:raw_coal", "Raw coal", "t", "1000")
    before = dict(sheet.figures)
    upload = io.BytesIO(content)
    upload.name = "sheet.xlsx"
    response = client.post(reverse("data_sheet_import", args=[company.pk, 2025]), {"file": upload})
    assert response.status_code == 302
    sheet.refresh_from_db()
    # the product was added after the last recompute: Q and the footprint coverage (F13) now count it
    assert sheet.figures["inputs"] == {
        **before["inputs"],
        "Q": ["10000", "product unit"],
        "F13.part": ["0", ""],
        "F13.total": ["1", ""],
    }
    assert ProductOutput.objects.filter(sheet=sheet).count() == 1  # replaced, not duplicated


def test_an_import_with_a_bad_cell_is_refused_with_a_message(client: Any) -> None:
    company = cement_company()
    client.force_login(member(company, "editor", Role.EDITOR))
    upload = _workbook([["energy:raw_coal", "", "", "t", "-3"], ["land_area", "", "", "", "abc"]])
    response = client.post(
        reverse("data_sheet_import", args=[company.pk, 2025]), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.content.decode()
    assert "Enter a number" in response.content.decode()
    assert not DataSheet.objects.filter(company=company).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not a valid XLSX"),
        (None, "unknown key"),
    ],
)
def test_a_broken_workbook_is_refused_without_error(
    client: Any, company: Company, content: bytes | None, message: str
) -> None:
    import io  # noqa: PLC0415

    upload = _workbook([["secret_field", "", "", "", "1"]]) if content is None else io.BytesIO(content)
    upload.name = "x.xlsx"
    response = client.post(
        reverse("data_sheet_import", args=[company.pk, 2025]), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DataSheet.objects.filter(company=company).exists()


def test_a_formula_in_the_workbook_is_never_evaluated(client: Any, company: Company) -> None:
    upload = _workbook([["water_intake", "", "", "", "=1+1"], ["water_reused", "", "", "", "900"]])
    assert client.post(reverse("data_sheet_import", args=[company.pk, 2025]), {"file": upload}).status_code == 302
    sheet = DataSheet.objects.get(company=company)
    assert (sheet.water_intake, sheet.water_reused) == (None, D(900))


def test_a_viewer_cannot_import(client: Any) -> None:
    company = cement_company()
    client.force_login(member(company, "viewer", Role.VIEWER))
    response = client.post(reverse("data_sheet_import", args=[company.pk, 2025]), {"file": _workbook([])})
    assert response.status_code == 403
