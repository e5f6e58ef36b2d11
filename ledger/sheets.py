"""Data sheets: coefficients from the database, the computed figures stored for the questionnaire.

`recompute(sheet)` runs after every change of a sheet; it stores the formula inputs and the calculation in
`DataSheet.figures`, so the questionnaire reads a company-year's figures in one query and every draft of
that year scores on them (submitted snapshots keep the figures they were submitted with).
"""

from decimal import Decimal
from typing import Any

from ledger.energy import (
    CARRIERS,
    Balance,
    CoefficientError,
    Factors,
    Figures,
    FuelFactor,
    Kind,
    Method,
    Rules,
    Use,
    balance,
    sheet_inputs,
)
from ledger.models import Coefficient, DataSheet, GridRegion, Quantity

FIGURE_FIELDS = (
    "output_value", "value_added", "output_value_3y", "retrofit_3y", "raw_material", "water_intake", "water_reused",
    "waste_generated", "waste_utilised", "waste_stored_utilised", "pollutant", "land_area", "building_footprint",
)


def _grid_row(rows: list[Coefficient], region: str, year: int) -> Coefficient | None:
    """The factor of the evaluation year, else the latest published before it."""
    fits = [r for r in rows if r.region == region and r.year is not None and r.year <= year]
    return max(fits, key=lambda r: r.year or 0, default=None)


def factors_for(year: int, region: str, rows: list[Coefficient]) -> tuple[Factors, list[Coefficient]]:
    """Factors in force for a sheet, and the coefficient rows used (shown with their source and mark)."""
    fuels: dict[str, FuelFactor] = {}
    used: list[Coefficient] = []
    tce = {r.carrier: r for r in rows if r.quantity == Quantity.TCE}
    co2 = {r.carrier: r for r in rows if r.quantity == Quantity.FUEL_CO2}
    for carrier, (kind, _unit) in CARRIERS.items():
        if kind == Kind.FUEL and carrier in tce:
            c = co2.get(carrier)
            fuels[carrier] = FuelFactor(
                tce=tce[carrier].value or Decimal(0),
                ncv=c.ncv if c else None, carbon=c.carbon if c else None, oxidation=c.oxidation if c else None,
            )
    heat = {r.key: r for r in rows if r.quantity == Quantity.HEAT}
    grid = _grid_row(rows, region, year) or _grid_row(rows, GridRegion.NATIONAL, year)
    residual = _grid_row(rows, GridRegion.RESIDUAL, year)
    if grid is None:
        raise CoefficientError("grid factor")
    used += [grid] + ([residual] if residual else [])
    extra: dict[str, Any] = {}
    for key, name in (("heat-co2", "heat_co2"), ("heat-tce", "heat_tce"), ("steam-enthalpy", "steam_gj")):
        if key in heat and heat[key].value is not None:
            extra[name] = heat[key].value
            used.append(heat[key])
    factors = Factors(fuels=fuels, grid=grid.value or Decimal(0), residual=residual.value if residual else None, **extra)
    return factors, used


def figures_of(sheet: DataSheet) -> Figures:
    main = next((p for p in sheet.products.all() if p.main), None)
    products = list(sheet.products.all())
    if main is None and len(products) == 1:
        main = products[0]
    return Figures(
        **{name: getattr(sheet, name) for name in FIGURE_FIELDS},
        output=main.quantity if main else None,
    )


def compute(sheet: DataSheet, rows: list[Coefficient] | None = None) -> tuple[Balance, list[Coefficient]]:
    rows = rows if rows is not None else list(Coefficient.objects.all())
    factors, used = factors_for(sheet.year, sheet.grid_region, rows)
    uses = [
        Use(u.carrier, u.quantity or Decimal(0), u.feedstock or Decimal(0), u.measured_ncv)
        for u in sheet.uses.all()
        if u.quantity
    ]
    used_keys = {u.carrier for u in uses}
    used += [r for r in rows if r.carrier in used_keys and r.quantity in (Quantity.TCE, Quantity.FUEL_CO2)]
    return balance(uses, factors, Rules(method=sheet.method, gec_zero=sheet.gec_zero)), used


def _s(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def figures_json(sheet: DataSheet, rows: list[Coefficient] | None = None) -> dict[str, Any]:
    """What the questionnaire needs, as JSON: inputs (code → [value, unit]) and the calculation."""
    try:
        result, used = compute(sheet, rows)
        error = ""
    except CoefficientError as exc:
        result, used, error = None, [], str(exc)
    inputs = sheet_inputs(result, figures_of(sheet))
    data: dict[str, Any] = {
        "year": sheet.year,
        "inputs": {code: [_s(value), unit] for code, (value, unit) in inputs.items()},
        "error": error,
    }
    if result is not None:
        data["steps"] = [
            [s.carrier, _s(s.quantity), s.unit, _s(s.tce.quantize(Decimal("0.0001"))), _s(s.co2.quantize(Decimal("0.0001"))),
             _s(s.renewable_tce.quantize(Decimal("0.0001")))]
            for s in result.steps
        ]
        data["scope1"], data["scope2"] = _s(result.scope1), _s(result.scope2)
        data["share"] = _s(result.renewable_share) if result.renewable_share is not None else None
        data["method"] = sheet.method if sheet.method != Method.AVERAGE else f"average:{sheet.grid_region}"
        data["coefficients"] = sorted({r.key for r in used})
    return data


def recompute(sheet: DataSheet) -> None:
    """Store the computed figures; every draft of the company-year scores on them from now on."""
    sheet.figures = figures_json(sheet)
    sheet.save(update_fields=["figures", "updated_at"])


def figures_for(company_id: int, year: int) -> dict[str, Any]:
    """The stored figures of a company-year (one query), or {} when there is no sheet."""
    row = DataSheet.objects.filter(company_id=company_id, year=year).values_list("figures", flat=True).first()
    return row or {}
