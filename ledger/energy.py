"""Energy and CO₂ of a company-year from physical quantities (GB/T 36132-2025 Annex B, GB/T 2589, GB/T 32151).

Plain data and functions: no ORM, no HTTP. The caller passes the quantities of the data sheet and the
coefficients in force; `balance(...)` returns E, E_re, C and every step of the calculation.

Rules (docs/data-sheet.md):
- E counts every carrier consumed inside the boundary, fuel used as feedstock excluded (B.1, B.5); electricity
  and heat at their 当量值 (0.1229 kgce/kWh, 0.03412 tce/GJ); on-site renewable electricity is counted in E, so
  E_re ≤ E.
- E_re (B.5) = on-site renewable + green power bought by trading or direct supply + the grid electricity matched by
  green certificates, capped at the grid purchase (no double counting).
- C = scope 1 (fuel combustion: quantity × NCV × carbon content × oxidation × 44/12) + scope 2 (heat, steam,
  electricity), on the same boundary as E. Electricity either at the average grid factor for every kWh bought
  (location method, the default) or, market method, green power at 0 and the rest at the factor that excludes
  market-traded non-fossil power; whether GEC-matched kWh count as 0 is a separate switch (not settled in an
  official text), never combined with the average factor.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

CARBON_TO_CO2 = Decimal(44) / Decimal(12)
GJ_PER_TCE = Decimal("29.3076")  # 1 kgce = 29 307.6 kJ (GB/T 2589)
KWH_TCE = Decimal("0.0001229")  # electricity 当量值 0.1229 kgce/kWh
THOUSAND = Decimal(1000)
FOUR_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


class Kind(models.TextChoices):
    FUEL = "fuel", _("Fuel")
    HEAT = "heat", _("Purchased heat")
    STEAM = "steam", _("Steam")
    GRID = "grid", _("Grid electricity")
    RENEWABLE = "renewable", _("Renewable electricity")
    CERTIFICATE = "certificate", _("Green certificates")


class Carrier(models.TextChoices):
    RAW_COAL = "raw_coal", _("Raw coal")
    CLEANED_COAL = "cleaned_coal", _("Cleaned coal")
    COKE = "coke", _("Coke")
    FUEL_OIL = "fuel_oil", _("Fuel oil")
    DIESEL = "diesel", _("Diesel")
    GASOLINE = "gasoline", _("Gasoline")
    LPG = "lpg", _("LPG")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    COKE_OVEN_GAS = "coke_oven_gas", _("Coke-oven gas")
    BLAST_FURNACE_GAS = "blast_furnace_gas", _("Blast-furnace gas")
    HEAT = "heat", _("Purchased heat")
    STEAM = "steam", _("Purchased steam")
    GRID = "grid", _("Purchased grid electricity")
    ONSITE_RENEWABLE = "onsite_renewable", _("On-site renewable electricity (self-consumed)")
    GREEN_TRADED = "green_traded", _("Green electricity bought by trading")
    GREEN_DIRECT = "green_direct", _("Green electricity by direct supply")
    GEC = "gec", _("Green electricity certificates (GEC)")


# (kind, unit of the quantity on the data sheet)
CARRIERS: dict[str, tuple[str, str]] = {
    Carrier.RAW_COAL: (Kind.FUEL, "t"),
    Carrier.CLEANED_COAL: (Kind.FUEL, "t"),
    Carrier.COKE: (Kind.FUEL, "t"),
    Carrier.FUEL_OIL: (Kind.FUEL, "t"),
    Carrier.DIESEL: (Kind.FUEL, "t"),
    Carrier.GASOLINE: (Kind.FUEL, "t"),
    Carrier.LPG: (Kind.FUEL, "t"),
    Carrier.NATURAL_GAS: (Kind.FUEL, "m³"),
    Carrier.COKE_OVEN_GAS: (Kind.FUEL, "m³"),
    Carrier.BLAST_FURNACE_GAS: (Kind.FUEL, "m³"),
    Carrier.HEAT: (Kind.HEAT, "GJ"),
    Carrier.STEAM: (Kind.STEAM, "t"),
    Carrier.GRID: (Kind.GRID, "kWh"),
    Carrier.ONSITE_RENEWABLE: (Kind.RENEWABLE, "kWh"),
    Carrier.GREEN_TRADED: (Kind.RENEWABLE, "kWh"),
    Carrier.GREEN_DIRECT: (Kind.RENEWABLE, "kWh"),
    Carrier.GEC: (Kind.CERTIFICATE, "MWh"),
}


# Carriers counted as clean energy for the park's clean-energy share (EG3): the park criteria name natural gas,
# electricity and renewables; coal, oil products and coal-derived gases are not clean.
CLEAN_CARRIERS = frozenset(
    {
        Carrier.NATURAL_GAS,
        Carrier.LPG,
        Carrier.GRID,
        Carrier.ONSITE_RENEWABLE,
        Carrier.GREEN_TRADED,
        Carrier.GREEN_DIRECT,
    }
)


class Method(models.TextChoices):
    AVERAGE = "average", _("Average grid factor for all purchased electricity")
    MARKET = "market", _("Green power at zero, the rest at the factor excluding market-traded non-fossil power")


class CoefficientError(ValueError):
    """A coefficient the sheet needs is missing."""


@dataclass(frozen=True)
class Use:
    """One carrier of the sheet: quantity in the carrier's unit, the part used as feedstock, a measured NCV."""

    carrier: str
    quantity: Decimal
    feedstock: Decimal = Decimal(0)
    measured_ncv: Decimal | None = None  # GJ per unit, from the company's own analysis


@dataclass(frozen=True)
class FuelFactor:
    tce: Decimal  # tce per unit (GB/T 2589 reference coefficient)
    ncv: Decimal | None = None  # GJ per unit
    carbon: Decimal | None = None  # tC/TJ
    oxidation: Decimal | None = None  # fraction


@dataclass(frozen=True)
class Factors:
    fuels: Mapping[str, FuelFactor]
    grid: Decimal  # tCO2/MWh = kgCO2/kWh: average factor (national or regional)
    residual: Decimal | None = None  # national factor excluding market-traded non-fossil power
    heat_co2: Decimal = Decimal("0.11")  # tCO2/GJ
    heat_tce: Decimal = Decimal("0.03412")  # tce/GJ
    steam_gj: Decimal = Decimal("2.777")  # GJ per t of steam (enthalpy)


@dataclass(frozen=True)
class Rules:
    method: str = Method.AVERAGE
    gec_zero: bool = False  # GEC-matched grid kWh count as 0 tCO2 (market method only)


@dataclass(frozen=True)
class Step:
    carrier: str
    quantity: Decimal
    unit: str
    tce: Decimal
    co2: Decimal
    renewable_tce: Decimal
    note: str = ""


@dataclass(frozen=True)
class Balance:
    energy: Decimal  # E, tce
    renewable: Decimal  # E_re, tce
    carbon: Decimal  # C, tCO2
    scope1: Decimal
    scope2: Decimal
    steps: tuple[Step, ...] = field(default=())

    @property
    def clean(self) -> Decimal:
        """Clean energy (tce): natural gas, LPG and all electricity consumed (park EG3; our reading, [D])."""
        return _round(sum((s.tce for s in self.steps if s.carrier in CLEAN_CARRIERS), Decimal(0)))

    @property
    def renewable_share(self) -> Decimal | None:
        """R_re = E_re / E × 100 % (B.5), two places."""
        if not self.energy:
            return None
        return (self.renewable / self.energy * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fuel_co2_factor(factor: FuelFactor, ncv: Decimal | None = None) -> Decimal:
    """tCO2 per unit: NCV (GJ/unit) × carbon content (tC/TJ) / 1000 × oxidation × 44/12."""
    ncv = ncv if ncv is not None else factor.ncv
    if ncv is None or factor.carbon is None or factor.oxidation is None:
        raise CoefficientError("no CO2 default")
    return ncv * factor.carbon / THOUSAND * factor.oxidation * CARBON_TO_CO2


def _fuel_step(use: Use, factor: FuelFactor | None, unit: str) -> Step:
    if factor is None:
        raise CoefficientError(use.carrier)
    burnt = use.quantity - use.feedstock
    if use.measured_ncv is not None:
        tce = burnt * use.measured_ncv / GJ_PER_TCE
        note = "measured NCV"
    else:
        tce = burnt * factor.tce
        note = ""
    co2 = burnt * fuel_co2_factor(factor, use.measured_ncv)
    return Step(use.carrier, use.quantity, unit, tce, co2, Decimal(0), note)


def balance(uses: list[Use], factors: Factors, rules: Rules = Rules(), *, process_co2: Decimal = Decimal(0)) -> Balance:
    """E, E_re and C of one company-year; values rounded once, to 4 places. `process_co2`: process emissions
    (e.g. clinker calcination) computed by the sector's GB/T 32151 part, added to scope 1."""
    by_kind: dict[str, Decimal] = {}
    steps: list[Step] = []
    for use in uses:
        kind, unit = CARRIERS[use.carrier]
        by_kind[use.carrier] = by_kind.get(use.carrier, Decimal(0)) + use.quantity
        if kind == Kind.FUEL:
            steps.append(_fuel_step(use, factors.fuels.get(use.carrier), unit))
        elif kind in (Kind.HEAT, Kind.STEAM):
            gj = use.quantity * (factors.steam_gj if kind == Kind.STEAM else 1)
            steps.append(
                Step(use.carrier, use.quantity, unit, gj * factors.heat_tce, gj * factors.heat_co2, Decimal(0))
            )
    grid = by_kind.get(Carrier.GRID, Decimal(0))
    onsite = by_kind.get(Carrier.ONSITE_RENEWABLE, Decimal(0))
    bought_green = by_kind.get(Carrier.GREEN_TRADED, Decimal(0)) + by_kind.get(Carrier.GREEN_DIRECT, Decimal(0))
    # Certificates match grid kWh; never more than the grid purchase, never the green power already counted.
    certified = min(by_kind.get(Carrier.GEC, Decimal(0)) * THOUSAND, grid)
    if rules.method == Method.MARKET:
        if factors.residual is None:
            raise CoefficientError("residual grid factor")
        zero = certified if rules.gec_zero else Decimal(0)
        grid_co2 = (grid - zero) * factors.residual / THOUSAND
        green_co2 = Decimal(0)
    else:
        grid_co2 = grid * factors.grid / THOUSAND
        green_co2 = bought_green * factors.grid / THOUSAND
    if grid:
        steps.append(Step(Carrier.GRID, grid, "kWh", grid * KWH_TCE, grid_co2, Decimal(0)))
    if onsite:
        steps.append(Step(Carrier.ONSITE_RENEWABLE, onsite, "kWh", onsite * KWH_TCE, Decimal(0), onsite * KWH_TCE))
    if bought_green:
        steps.append(
            Step(Carrier.GREEN_TRADED, bought_green, "kWh", bought_green * KWH_TCE, green_co2, bought_green * KWH_TCE)
        )
    if certified:
        steps.append(Step(Carrier.GEC, certified / THOUSAND, "MWh", Decimal(0), Decimal(0), certified * KWH_TCE))
    scope1 = sum((s.co2 for s in steps if CARRIERS[s.carrier][0] == Kind.FUEL), process_co2)
    total_co2 = sum((s.co2 for s in steps), process_co2)
    return Balance(
        energy=_round(sum((s.tce for s in steps), Decimal(0))),
        renewable=_round(sum((s.renewable_tce for s in steps), Decimal(0))),
        carbon=_round(total_co2),
        scope1=_round(scope1),
        scope2=_round(total_co2 - scope1),
        steps=tuple(steps),
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """The non-energy figures of the sheet (None when not given)."""

    output_value: Decimal | None = None  # G, 10k CNY
    value_added: Decimal | None = None  # 10k CNY
    output_value_3y: Decimal | None = None  # G3
    retrofit_3y: Decimal | None = None  # I3
    raw_material: Decimal | None = None  # M, t
    water_intake: Decimal | None = None  # V, m³
    water_reused: Decimal | None = None  # V_r, m³
    waste_generated: Decimal | None = None  # Z, t
    waste_utilised: Decimal | None = None  # Z_r, t
    waste_stored_utilised: Decimal | None = None  # Z_w, t
    pollutant: Decimal | None = None  # P, t
    land_area: Decimal | None = None  # A, m²
    building_footprint: Decimal | None = None  # B, m²
    output: Decimal | None = None  # Q, the main product's qualified output
    # Product lines on the sheet, and those with a carbon footprint (F13's coverage of product categories).
    product_lines: int = 0
    footprinted_lines: int = 0
    # Supply chain (GSCI X26, X41, X42): counts and quantities in the company's own unit.
    suppliers: Decimal | None = None
    suppliers_low_risk: Decimal | None = None
    products_sold: Decimal | None = None
    products_recovered: Decimal | None = None
    packaging_used: Decimal | None = None
    packaging_recovered: Decimal | None = None
    # Park (RG5–RG8, CG1, HG1, HG4): the park operator's sheet.
    wastewater_treated: Decimal | None = None
    reclaimed_water_reused: Decimal | None = None
    waste_heat_recoverable: Decimal | None = None
    waste_heat_recovered: Decimal | None = None
    waste_gas_generated: Decimal | None = None
    waste_gas_recovered: Decimal | None = None
    recyclables_generated: Decimal | None = None
    recyclables_recovered: Decimal | None = None
    high_tech_output: Decimal | None = None
    waste_disposed: Decimal | None = None
    hazardous_generated: Decimal | None = None
    hazardous_handled: Decimal | None = None
    green_area: Decimal | None = None


# Formula input code → (figure, unit). Units let the questionnaire convert (CNY vs 10k CNY).
INPUT_FIGURES: dict[str, tuple[str, str]] = {
    "G": ("output_value", "10k CNY"),
    "GDP": ("value_added", "10k CNY"),
    "G3": ("output_value_3y", "10k CNY"),
    "I3": ("retrofit_3y", "10k CNY"),
    "M": ("raw_material", "t"),
    "V": ("water_intake", "m³"),
    "V_r": ("water_reused", "m³"),
    "Z": ("waste_generated", "t"),
    "Z_r": ("waste_utilised", "t"),
    "Z_w": ("waste_stored_utilised", "t"),
    "P": ("pollutant", "t"),
    "A": ("land_area", "m²"),
    "B": ("building_footprint", "m²"),
    "Q": ("output", "product unit"),
}


# Share indicators (formula part / total) the sheet computes, by indicator code: (part figure, total figure).
# Their inputs are keyed "<indicator>.part" and "<indicator>.total", since part and total differ per indicator.
SHARE_FIGURES: dict[str, tuple[str, str]] = {
    "X26": ("suppliers_low_risk", "suppliers"),
    "X41": ("products_recovered", "products_sold"),
    "X42": ("packaging_recovered", "packaging_used"),
    "RG5": ("reclaimed_water_reused", "wastewater_treated"),
    "RG6": ("waste_heat_recovered", "waste_heat_recoverable"),
    "RG7": ("waste_gas_recovered", "waste_gas_generated"),
    "RG8": ("recyclables_recovered", "recyclables_generated"),
    "CG1": ("high_tech_output", "output_value"),
    "HG4": ("green_area", "land_area"),
}


# Design-product checks the sheet informs but cannot decide (pass/fail against the product's own specification):
# indicator code → the sheet figure divided by the main product's output Q.
PER_PRODUCT_NOTES: dict[str, str] = {"DE1": "E", "DR1": "M", "DR2": "V", "DV1": "P"}


def per_product(inputs: Mapping[str, tuple[Decimal, str]], code: str) -> tuple[str, Decimal, str] | None:
    """(input code, figure per unit of main product, its unit) for a design-product check, or None."""
    numerator = PER_PRODUCT_NOTES.get(code)
    if numerator is None or numerator not in inputs or "Q" not in inputs or not inputs["Q"][0]:
        return None
    value, unit = inputs[numerator]
    return numerator, value / inputs["Q"][0], unit


def share_inputs(result: Balance | None, figures: Figures) -> dict[str, tuple[Decimal, Decimal]]:
    """Part and total of every share indicator the sheet has both figures for: indicator code → (part, total)."""
    shares: dict[str, tuple[Decimal, Decimal]] = {}
    for code, (part_name, total_name) in SHARE_FIGURES.items():
        part, total = getattr(figures, part_name), getattr(figures, total_name)
        if part is not None and total is not None:
            shares[code] = (part, total)
    if figures.product_lines:  # F13: product categories with a carbon footprint (one line, one category)
        shares["F13"] = (Decimal(figures.footprinted_lines), Decimal(figures.product_lines))
    if result is not None and result.energy:  # EG3: clean energy over E
        shares["EG3"] = (result.clean, result.energy)
    generated, utilised, disposed = figures.waste_generated, figures.waste_utilised, figures.waste_disposed
    if generated is not None and utilised is not None and disposed is not None:
        # HG1: general waste utilised or safely disposed of, plus hazardous waste handled, over all generated
        # (stored waste of earlier years taken up counts on both sides, as Z_w in B.13)
        stored, hazardous = figures.waste_stored_utilised or ZERO, figures.hazardous_generated or ZERO
        part = utilised + disposed + (figures.hazardous_handled or ZERO)
        shares["HG1"] = (part, generated + stored + hazardous)
    return shares


def sheet_inputs(result: Balance | None, figures: Figures) -> dict[str, tuple[Decimal, str]]:
    """Every formula input the sheet supplies: code → (value, unit); share inputs as "<indicator>.part"."""
    inputs: dict[str, tuple[Decimal, str]] = {}
    if result is not None and result.energy:
        inputs |= {"E": (result.energy, "tce"), "E_re": (result.renewable, "tce"), "C": (result.carbon, "tCO2")}
    for code, (name, unit) in INPUT_FIGURES.items():
        value = getattr(figures, name)
        if value is not None:
            inputs[code] = (value, unit)
    for code, (part, total) in share_inputs(result, figures).items():
        inputs[f"{code}.part"], inputs[f"{code}.total"] = (part, ""), (total, "")
    return inputs
