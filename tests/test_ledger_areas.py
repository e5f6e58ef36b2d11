"""The data sheet drives supply-chain, park and factory share indicators: hand-checked figures, validation,
overrides with reasons, and the demo company's four assessments."""

from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from assessment.answers import load_questionnaire, parse_answer, sheet_for_indicator
from assessment.models import Answer, Assessment, CriteriaSet
from ledger.models import DataSheet, ProductOutput
from ledger.sheets import explain, recompute
from organisations.models import Role
from tests.factories import cement_company as make_company
from tests.factories import make_sheet, member, sheet_post

pytestmark = pytest.mark.django_db

TWO_PLACES = D("0.01")


@pytest.fixture(autouse=True)
def _english(client: Any) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def draft(company: Any, area: str) -> Assessment:
    owner = member(company, "owner", Role.OWNER)
    made = Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published(area), year=2025, created_by=owner
    )
    return Assessment.objects.select_related("company__sector", "criteria_set").get(pk=made.pk)


def recomputed(sheet: DataSheet) -> DataSheet:
    recompute(DataSheet.objects.prefetch_related("uses", "products").get(pk=sheet.pk))
    sheet.refresh_from_db()
    return sheet


def value_of(assessment: Assessment, code: str) -> D:
    card = load_questionnaire(assessment).scorecard
    return next(r for r in card.indicators if r.code == code).value.quantize(TWO_PLACES)


def test_supply_chain_shares_come_from_the_sheet() -> None:
    company = make_company()
    make_sheet(
        company,
        suppliers=D(120),
        suppliers_low_risk=D(72),
        products_sold=D(850000),
        products_recovered=D(8500),
        packaging_used=D(9000),
        packaging_recovered=D(5200),
    )
    assessment = draft(company, "supply_chain")
    questionnaire = load_questionnaire(assessment)
    assert questionnaire.from_sheet["X26"] == frozenset({"part", "total"})
    assert value_of(assessment, "X26") == D("60.00")  # 72 / 120
    assert value_of(assessment, "X41") == D("1.00")  # 8 500 / 850 000
    assert value_of(assessment, "X42") == D("57.78")  # 5 200 / 9 000


def test_park_shares_come_from_the_sheet() -> None:
    company = make_company()
    make_sheet(
        company,
        output_value=D(3000000),
        high_tech_output=D(1100000),
        land_area=D(12000000),
        green_area=D(2100000),
        wastewater_treated=D(18000000),
        reclaimed_water_reused=D(3600000),
        waste_generated=D(1000),
        waste_stored_utilised=D(100),
        waste_utilised=D(900),
        waste_disposed=D(150),
        hazardous_generated=D(50),
        hazardous_handled=D(40),
    )
    assessment = draft(company, "park")
    assert value_of(assessment, "CG1") == D("36.67")  # 1 100 000 / 3 000 000
    assert value_of(assessment, "HG4") == D("17.50")  # 2 100 000 / 12 000 000
    assert value_of(assessment, "RG5") == D("20.00")  # 3 600 000 / 18 000 000
    assert value_of(assessment, "HG1") == D("94.78")  # (900 + 150 + 40) / (1 000 + 100 + 50)
    # EG3: natural gas 121.43 + grid 245.8 + on-site PV 61.45 = 428.68 tce clean of E = 1 142.98 tce (coal 714.3)
    assert value_of(assessment, "EG3") == D("37.51")
    # RG6–RG8 have no figures on this sheet: nothing is filled
    assert "RG6" not in load_questionnaire(assessment).from_sheet


def test_the_clean_energy_calculation_is_shown() -> None:
    company = make_company()
    figures = make_sheet(company).figures
    assert figures["inputs"]["EG3.part"] == ["428.68", ""]
    with translation.override("en"):
        lines = explain(figures, "EG3.part")
    assert "Natural gas: 100000 m³ → 121.43 tce" in lines
    assert "Raw coal" not in " ".join(lines)
    assert lines[-1] == "Σ = 428.68 tce"


def test_product_carbon_footprint_coverage_comes_from_the_products() -> None:
    company = make_company()
    sheet = make_sheet(company)
    ProductOutput.objects.create(
        sheet=sheet, name_zh="水泥", unit="t", quantity=D(100), main=True, carbon_footprint=True
    )
    ProductOutput.objects.create(sheet=sheet, name_zh="熟料", unit="t", quantity=D(80))
    ProductOutput.objects.create(sheet=sheet, name_zh="骨料", unit="t", quantity=D(60))
    recomputed(sheet)
    assessment = draft(company, "factory")
    assert value_of(assessment, "F13") == D("33.33")  # 1 of 3 product lines


def test_a_share_input_typed_over_the_sheet_needs_a_reason() -> None:
    company = make_company()
    sheet = make_sheet(company, suppliers=D(120), suppliers_low_risk=D(72))
    assessment = draft(company, "supply_chain")
    spec = load_questionnaire(assessment).criteria.indicators["X26"]
    codes = sheet_for_indicator(sheet.figures["inputs"], "X26").keys()
    assert codes >= {"part", "total", "E"}
    assert "part" not in sheet_for_indicator(sheet.figures["inputs"], "X41")
    parsed = parse_answer(spec, {"in-part": "80", "in-total": "120"}, sheet=codes)
    assert set(parsed.pending) == {"why-part", "why-total"}
    parsed = parse_answer(
        spec, {"in-part": "80", "in-total": "120", "why-part": "audit of May", "why-total": "audit of May"}, sheet=codes
    )
    assert parsed.pending == {}


def test_the_part_of_one_indicator_is_not_offered_to_another() -> None:
    sheet = {"E": (D(1), "tce"), "X26.part": (D(72), ""), "X26.total": (D(120), "")}
    assert sheet_for_indicator(sheet, "X26") == {"E": (D(1), "tce"), "part": (D(72), ""), "total": (D(120), "")}
    assert sheet_for_indicator(sheet, "X41") == {"E": (D(1), "tce")}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("suppliers_low_risk", "130", "This cannot exceed “Suppliers (number)”."),
        ("products_recovered", "9", "This cannot exceed “Products sold (your unit)”."),
        ("green_area", "500", "This cannot exceed “Land area (m²)”."),
    ],
)
def test_a_part_larger_than_its_total_is_refused(client: Any, field: str, value: str, message: str) -> None:
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    client.force_login(owner)
    data = sheet_post(suppliers="120", products_sold="8", land_area="400", **{field: value})
    response = client.post(reverse("data_sheet", args=[company.pk, 2025]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"][field].value() == value  # nothing typed is lost


def test_the_sheet_page_saves_supply_chain_and_park_figures(client: Any) -> None:
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    client.force_login(owner)
    data = sheet_post(suppliers="120", suppliers_low_risk="72", wastewater_treated="1000", reclaimed_water_reused="250")
    response = client.post(reverse("data_sheet", args=[company.pk, 2025]), data)
    assert response.status_code == 302
    sheet = DataSheet.objects.get(company=company, year=2025)
    assert sheet.figures["inputs"]["X26.part"] == ["72", ""]
    assert sheet.figures["inputs"]["RG5.total"] == ["1000", ""]
    page = client.get(reverse("data_sheet", args=[company.pk, 2025])).content.decode()
    assert "Supply chain" in page and "Wastewater treated (m³)" in page


def test_the_demo_sheet_drives_the_demo_supply_chain_and_park() -> None:
    supply = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=9002)
    questionnaire = load_questionnaire(supply)
    assert questionnaire.from_sheet["X26"] == frozenset({"part", "total"})
    assert questionnaire.answers["X42"].inputs == {"part": D(5200000), "total": D(9000000)}
    assert value_of(supply, "X26") == D("60.00")
    park = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=9003)
    # park-wide figures typed over the company's sheet, each with its reason
    eg3 = Answer.objects.get(assessment=park, code="EG3")
    assert set(eg3.inputs["why"]) == {"part", "total"}


def test_the_demo_design_product_checks_show_the_sheet_figures_per_product(client: Any) -> None:
    """Pass/fail checks are not scored from the sheet; the sheet's figure per unit of main product is shown."""
    owner = member(Assessment.objects.get(pk=9004).company, "owner", Role.OWNER)
    client.force_login(owner)
    body = client.get(reverse("assessment_category", args=[9004, "energy"])).content.decode()
    # E = 69 700 tce over 850 000 t of cement
    assert "From the data sheet: E / Q = 0.082 tce per t of Cement." in body
    water = client.get(reverse("assessment_category", args=[9004, "resource"])).content.decode()
    assert "From the data sheet: V / Q = 0.24 m³ per t of Cement." in water  # 204 000 m³ / 850 000 t
    demo = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=9004)
    before = load_questionnaire(demo).scorecard.total
    assert before == load_questionnaire(demo, figures={}).scorecard.total  # not scored from the sheet


def test_the_supply_chain_page_shows_the_sheet_figures_with_their_source(client: Any) -> None:
    owner = member(Assessment.objects.get(pk=9002).company, "owner", Role.OWNER)
    client.force_login(owner)
    x26 = Assessment.objects.get(pk=9002).criteria_set.categories.get(indicators__code="X26").code
    body = client.get(reverse("assessment_category", args=[9002, x26])).content.decode()
    assert 'name="X26-in-part"' in body and 'placeholder="72"' in body and 'placeholder="120"' in body
    assert "Of which assessed as low-risk (number): 72" in body
    assert "Suppliers (number): 120" in body
