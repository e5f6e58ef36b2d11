"""E, E_re and C from physical quantities, checked by hand (GB/T 36132-2025 Annex B)."""

from decimal import Decimal as D

import pytest

from ledger.energy import Balance, CoefficientError, Factors, FuelFactor, Method, Rules, Use, balance, fuel_co2_factor

FACTORS = Factors(
    fuels={
        "raw_coal": FuelFactor(tce=D("0.7143"), ncv=D("19.570"), carbon=D("26.1"), oxidation=D("0.93")),
        "natural_gas": FuelFactor(tce=D("0.0012143"), ncv=D("0.038931"), carbon=D("15.3"), oxidation=D("0.99")),
    },
    grid=D("0.5306"),
    residual=D("0.6096"),
)

# 1 000 t raw coal, 100 000 m³ natural gas, 2 000 000 kWh grid, 500 000 kWh own PV, 300 GECs (300 MWh)
PLANT = [
    Use("raw_coal", D(1000)),
    Use("natural_gas", D(100000)),
    Use("grid", D(2000000)),
    Use("onsite_renewable", D(500000)),
    Use("gec", D(300)),
]


def test_comprehensive_energy_of_a_plant_with_coal_gas_grid_and_pv() -> None:
    result = balance(PLANT, FACTORS)
    # 714.3 (coal) + 121.43 (gas) + 245.8 (grid, 0.1229 kgce/kWh) + 61.45 (PV); GECs add no energy
    assert result.energy == D("1142.9800")


def test_renewable_energy_counts_pv_and_certificates_without_double_counting() -> None:
    result = balance(PLANT, FACTORS)
    # PV 500 000 kWh + GEC 300 000 kWh, both at 0.1229 kgce/kWh: 61.45 + 36.87
    assert result.renewable == D("98.3200")
    # B.5: R_re = 98.32 / 1142.98 × 100 %
    assert result.renewable_share == D("8.60")


def test_certificates_never_exceed_the_grid_purchase() -> None:
    result = balance([Use("grid", D(100000)), Use("gec", D(300))], FACTORS)
    assert result.renewable == D("12.2900")  # capped at 100 000 kWh
    assert result.renewable_share == D("100.00")


def test_co2_with_the_average_grid_factor() -> None:
    result = balance(PLANT, FACTORS)
    # coal 1000 × 19.570 × 26.1/1000 × 0.93 × 44/12 = 1741.7496; gas 100 000 × 0.038931 × 15.3/1000 × 0.99 × 44/12
    # = 216.2189; grid 2 000 MWh × 0.5306 = 1061.2; PV 0
    assert result.scope1 == D("1957.9685")
    assert result.scope2 == D("1061.2000")
    assert result.carbon == D("3019.1685")


def test_market_method_puts_gec_at_zero_only_when_the_rule_is_on() -> None:
    off = balance(PLANT, FACTORS, Rules(method=Method.MARKET, gec_zero=False))
    on = balance(PLANT, FACTORS, Rules(method=Method.MARKET, gec_zero=True))
    assert off.scope2 == D("1219.2000")  # 2 000 MWh × 0.6096 (residual factor)
    assert on.scope2 == D("1036.3200")  # 1 700 MWh × 0.6096


def test_green_power_bought_is_renewable_and_counts_at_grid_factor_by_default() -> None:
    result = balance([Use("green_traded", D(1000000))], FACTORS)
    assert result.energy == result.renewable == D("122.9000")
    assert result.carbon == D("530.6000")
    assert balance([Use("green_traded", D(1000000))], FACTORS, Rules(method=Method.MARKET)).carbon == 0


def test_feedstock_is_excluded_from_energy_and_co2() -> None:
    result = balance([Use("raw_coal", D(1000), feedstock=D(400))], FACTORS)
    assert result.energy == D("428.5800")  # 600 t × 0.7143


def test_a_measured_calorific_value_replaces_the_default() -> None:
    result = balance([Use("raw_coal", D(1000), measured_ncv=D("23.4456"))], FACTORS)
    # 1000 × 23.4456 / 29.3076 = 799.99 tce; CO2 on the measured NCV
    assert result.energy == D("799.9836")
    assert result.carbon == (D(1000) * fuel_co2_factor(FACTORS.fuels["raw_coal"], D("23.4456"))).quantize(D("0.0001"))


def test_heat_and_steam_use_gj() -> None:
    result = balance([Use("heat", D(1000)), Use("steam", D(100))], FACTORS)
    # heat 1000 GJ + steam 100 t × 2.777 GJ/t = 1277.7 GJ; × 0.03412 tce/GJ; × 0.11 tCO2/GJ
    assert result.energy == D("43.5951")
    assert result.carbon == D("140.5470")


def test_a_fuel_without_coefficient_is_an_error() -> None:
    with pytest.raises(CoefficientError):
        balance([Use("coke", D(1))], FACTORS)


def test_market_method_needs_the_residual_factor() -> None:
    with pytest.raises(CoefficientError):
        balance(PLANT, Factors(fuels=FACTORS.fuels, grid=D("0.5306")), Rules(method=Method.MARKET))


def test_no_energy_has_no_share() -> None:
    assert Balance(D(0), D(0), D(0), D(0), D(0)).renewable_share is None


def test_process_emissions_join_scope_1() -> None:
    result = balance([Use("grid", D(1000000))], FACTORS, process_co2=D("353600"))
    assert result.scope1 == D("353600.0000")
    assert result.carbon == D("354130.6000")  # + 1 000 MWh × 0.5306
