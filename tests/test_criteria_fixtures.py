"""The reference fixtures load (conftest) and hold exactly the agreed codes and figures."""

from decimal import Decimal

import pytest

from assessment import specs
from assessment.criteria_rules import validate_criteria
from assessment.models import Answer, Assessment, Category, CriteriaSet, Gate, Indicator, SectorValue
from organisations.credit_code import validate_credit_code
from organisations.models import Company, Sector

pytestmark = pytest.mark.django_db

SETS = ["factory-gbt36132-2025", "supply-chain-gsci-586", "park-miit-2024", "design-product-gbt32161"]


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_every_set_is_published_and_valid():
    for code in SETS:
        cs = CriteriaSet.objects.get(code=code)
        assert cs.status == CriteriaSet.Status.PUBLISHED
        assert validate_criteria(specs.criteria_data(cs)) == [], code
        assert cs.note_zh and cs.note_en and cs.governing_documents.exists()


def test_factory_codes_weights_and_rules():
    cs = CriteriaSet.objects.get(code="factory-gbt36132-2025")
    assert codes(cs.gates.filter(kind="basic")) == ["B1", "B2", "B3"]
    assert codes(cs.gates.filter(kind="negative")) == [f"N{n}" for n in range(1, 7)]
    assert [c.weight for c in cs.categories.order_by("order")] == [Decimal(w) for w in (30, 30, 16, 16, 8)]
    indicators = Indicator.objects.filter(category__criteria_set=cs)
    assert codes(indicators) == [f"F{n:02d}" for n in range(1, 15)]
    by_code = {i.code: i for i in indicators}
    assert [int(by_code[f"F{n:02d}"].points) for n in range(1, 15)] == [8, 8, 8, 6, 8, 8, 8, 6, 6, 4, 6, 8, 8, 8]
    assert by_code["F01"].formula == "energy_intensity" and by_code["F01"].uses_sector_values
    assert by_code["F06"].formula == "water_intensity" and by_code["F06"].uses_sector_values
    assert by_code["F07"].formula == "water_reuse_rate" and by_code["F08"].formula == "solid_waste_utilisation"
    assert by_code["F04"].rule["target"] == 8 and len(by_code["F04"].rule["options_zh"]) == 12
    assert by_code["F01"].indicator_type == "reverse_quant" and by_code["F03"].indicator_type == "positive_quant"
    assert {c for c, i in by_code.items() if i.allows_na} == {"F10", "F11", "F13"}
    assert all(i.guidance_zh and i.guidance_en and i.recommendation_zh and i.recommendation_en for i in indicators)
    assert all(i.policy_basis.exists() for i in indicators)
    assert all(g.mark == "S" for g in cs.gates.filter(kind="negative"))
    assert cs.rating == "relative" and "相对" in cs.note_zh and "relative" in cs.note_en


def test_supply_chain_codes_points_and_bands():
    cs = CriteriaSet.objects.get(code="supply-chain-gsci-586")
    assert codes(cs.gates) == [f"G{n}" for n in range(1, 8)]
    indicators = Indicator.objects.filter(category__criteria_set=cs)
    expected = [
        "X11",
        "X12",
        "X13",
        "X21",
        "X22",
        "X23",
        "X24",
        "X25",
        "X26",
        "X31",
        "X32",
        "X41",
        "X42",
        "X43",
        "X44",
        "X51",
        "X61",
        "X62",
        "X63",
        "X64",
    ]
    assert codes(indicators) == expected
    assert sum(i.points for i in indicators) == Decimal(100)
    assert {i.code for i in indicators if i.formula == "share"} == {"X26", "X41", "X42"}
    assert all(i.provisional for i in indicators if i.formula == "share")
    assert cs.rating == "stars" and [b["min"] for b in cs.rating_bands] == [85, 80, 75, 70, 0]
    assert all(b["provisional"] for b in cs.rating_bands)
    assert all(i.policy_basis.exists() for i in indicators)


def test_park_and_design_product_codes():
    park = CriteriaSet.objects.get(code="park-miit-2024")
    assert codes(park.gates.filter(kind="basic")) == [f"E{n}" for n in range(1, 5)] + [f"K{n}" for n in range(1, 7)]
    assert codes(park.gates.filter(kind="encouraged")) == ["K7"]  # "encouraged" in the reference, not a veto
    assert codes(park.gates.filter(kind="negative")) == [f"N{n}" for n in range(1, 7)]
    assert all(g.mark == "V" for g in park.gates.filter(code__startswith="E"))
    assert [c.code for c in park.categories.order_by("order")] == ["EG", "RG", "IG", "CG", "HG", "MG"]
    assert park.provisional and "暂定" in park.note_zh and "provisional" in park.note_en.lower()
    assert sum(c.weight for c in park.categories.all()) == Decimal(100)
    design = CriteriaSet.objects.get(code="design-product-gbt32161")
    assert codes(design.gates) == ["P1", "P2", "P3", "P4"]
    assert design.rating == "all_pass"
    assert {"resource", "energy", "environment", "quality"} <= set(codes(design.categories))
    assert Indicator.objects.filter(category__criteria_set=design, code="DL1", indicator_type="pass_fail").exists()
    assert not Indicator.objects.filter(category__criteria_set=design).exclude(indicator_type="pass_fail").exists()


def test_codes_unique_within_each_set():
    for code in SETS:
        gate_codes = list(Gate.objects.filter(criteria_set__code=code).values_list("code", flat=True))
        ind_codes = list(Indicator.objects.filter(category__criteria_set__code=code).values_list("code", flat=True))
        assert len(set(gate_codes + ind_codes)) == len(gate_codes) + len(ind_codes)


def test_sectors():
    assert codes(Sector.objects.filter(parent=None)) == list("ABCDEFGHIJKLMNOPQRST")
    divisions = {f"{n:02d}" for n in range(6, 47)}
    assert divisions <= set(Sector.objects.values_list("code", flat=True))
    assert Sector.objects.get(code="30").name_zh == "非金属矿物制品业"
    assert Sector.objects.get(code="30").parent.code == "C"
    assert Sector.objects.get(code="44").parent.code == "D"


def test_sector_values():
    cement = SectorValue.objects.get(key="gb-16780-2021-cement-unit-product-comprehensive-energy")
    assert (cement.leading, cement.benchmark, cement.limit) == (Decimal(80), Decimal(87), Decimal(94))
    assert cement.standard_edition == "GB 16780-2021" and cement.unit == "kgce/t" and cement.sector.code == "30"
    assert str(cement.in_force) == "2022-11-01" and cement.mark == "S"
    bof = SectorValue.objects.get(key="gb-21256-2025-basic-oxygen-converter-ordinary")
    assert bof.leading == Decimal(-30) and bof.benchmark == Decimal(-28)
    eaf = SectorValue.objects.get(key="gb-21256-2025-electric-arc-furnace-50-70-t")
    assert eaf.benchmark is None and eaf.limit == Decimal(72)
    # The six electricity-graded rows (tempered glass, grinding stations, clinker, aluminium AC power)
    assert SectorValue.objects.filter(indicator_code="F01", unit__startswith="kWh").count() == 6
    glass = SectorValue.objects.get(key="gb-21340-2019-tempered-glass-flat-plain-5mm")
    assert (glass.unit, glass.leading, glass.benchmark, glass.limit) == (
        "kWh/m²",
        Decimal("2.64"),
        Decimal("3.3"),
        Decimal("3.98"),
    )
    # [U] rows are kept with their mark and are not official
    assert not SectorValue.objects.get(key__startswith="gb-31830-2024").is_official
    assert SectorValue.objects.filter(indicator_code="F01").count() >= 100
    water = SectorValue.objects.filter(indicator_code="F06", standard="GB/T 18916.2")
    assert water.count() == 6 and water.get(product_en__contains="with coking and with cold").leading == Decimal("3.1")
    # Water units name their product; the GB/T 18916.8 rows say their edition is not stated.
    assert not SectorValue.objects.filter(indicator_code="F06", unit="m³/t").exists()
    assert water.get(product_en__contains="with coking and with cold").unit == "m³/t crude steel"
    ammonia = SectorValue.objects.filter(standard="GB/T 18916.8")
    assert ammonia.count() == 3 and all(a.edition == "" and "edition not stated" in a.standard_edition for a in ammonia)
    # The older-format GB 30183-2013 row maps 先进值/准入值 by our reading: uncertain, so not official.
    assert not SectorValue.objects.get(standard="GB 30183").is_official


def test_demo_company_and_assessments():
    company = Company.objects.get(is_demo=True)
    validate_credit_code(company.credit_code)
    demos = Assessment.objects.filter(company=company, is_demo=True, status="draft", year=2025)
    assert sorted(demos.values_list("criteria_set__area", flat=True)) == [
        "design_product",
        "factory",
        "park",
        "supply_chain",
    ]
    f01 = Answer.objects.get(
        assessment__criteria_set__code="factory-gbt36132-2025", assessment__is_demo=True, code="F01"
    )
    assert f01.sector_value.key.startswith("gb-16780-2021")
    assert Category.objects.filter(criteria_set__code="park-miit-2024").count() == 6
