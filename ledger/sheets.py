"""Data sheets: coefficients from the database, the computed figures stored for the questionnaire.

`recompute(sheet)` runs after every change of a sheet; it stores the formula inputs and the calculation in
`DataSheet.figures`, so the questionnaire reads a company-year's figures in one query and every draft of
that year scores on them (submitted snapshots keep the figures they were submitted with).
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from greenmfg.bilingual import pick
from ledger.energy import (
    CARRIERS,
    CLEAN_CARRIERS,
    PER_PRODUCT_NOTES,
    SHARE_FIGURES,
    Balance,
    Carrier,
    CoefficientError,
    Factors,
    Figures,
    FuelFactor,
    Kind,
    Method,
    Rules,
    Use,
    balance,
    per_product,
    sheet_inputs,
)
from ledger.models import Coefficient, DataSheet, EnergyUse, GridRegion, ProductOutput, Quantity, figure_label

FIGURE_FIELDS = (
    "process_co2",
    "output_value",
    "value_added",
    "output_value_3y",
    "retrofit_3y",
    "raw_material",
    "water_intake",
    "water_reused",
    "waste_generated",
    "waste_utilised",
    "waste_stored_utilised",
    "pollutant",
    "land_area",
    "building_footprint",
)
SUPPLY_CHAIN_FIELDS = (
    "suppliers",
    "suppliers_low_risk",
    "products_sold",
    "products_recovered",
    "packaging_used",
    "packaging_recovered",
)
PARK_FIELDS = (
    "wastewater_treated",
    "reclaimed_water_reused",
    "waste_heat_recoverable",
    "waste_heat_recovered",
    "waste_gas_generated",
    "waste_gas_recovered",
    "recyclables_generated",
    "recyclables_recovered",
    "high_tech_output",
    "waste_disposed",
    "hazardous_generated",
    "hazardous_handled",
    "green_area",
)
# Every figure of the sheet: the page's fields, the workbook's rows, the computation's inputs.
SHEET_FIELDS = (*FIGURE_FIELDS, *SUPPLY_CHAIN_FIELDS, *PARK_FIELDS)


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
                ncv=c.ncv if c else None,
                carbon=c.carbon if c else None,
                oxidation=c.oxidation if c else None,
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
    factors = Factors(
        fuels=fuels, grid=grid.value or Decimal(0), residual=residual.value if residual else None, **extra
    )
    return factors, used


def main_product(products: list[ProductOutput]) -> ProductOutput | None:
    """The product Q counts: the one marked main, or the only one."""
    main = next((p for p in products if p.main), None)
    return products[0] if main is None and len(products) == 1 else main


def figures_of(sheet: DataSheet) -> Figures:
    products = list(sheet.products.all())
    main = main_product(products)
    return Figures(
        **{name: getattr(sheet, name) for name in SHEET_FIELDS if name != "process_co2"},
        output=main.quantity if main else None,
        product_lines=len(products),
        footprinted_lines=sum(1 for p in products if p.carbon_footprint),
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
    rules = Rules(method=sheet.method, gec_zero=sheet.gec_zero)
    return balance(uses, factors, rules, process_co2=sheet.process_co2 or Decimal(0)), used


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
    main = main_product(list(sheet.products.all()))
    data: dict[str, Any] = {
        "year": sheet.year,
        "inputs": {code: [_s(value), unit] for code, (value, unit) in inputs.items()},
        "error": error,
        # the main product (Q): name and unit, for figures per product
        "product": [main.name_zh, main.name_en, main.unit] if main else None,
    }
    if result is not None:
        data["steps"] = [
            [
                s.carrier,
                _s(s.quantity),
                s.unit,
                _s(s.tce.quantize(Decimal("0.0001"))),
                _s(s.co2.quantize(Decimal("0.0001"))),
                _s(s.renewable_tce.quantize(Decimal("0.0001"))),
            ]
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


# Every draft's pages read the figures of its company-year: as SQL by the unique key, since the ORM would spend
# three times the query's own time compiling it (bench/results_bench.py). The column goes through the field.
FIGURES_SQL = f'SELECT "id", "figures" FROM "{DataSheet._meta.db_table}" WHERE "company_id" = %s AND "year" = %s'


def figures_for(company_id: int, year: int) -> dict[str, Any]:
    """The stored figures of a company-year (one query), or {} when there is no sheet."""
    sheets = DataSheet.objects.raw(FIGURES_SQL, [company_id, year])
    return next((sheet.figures for sheet in sheets), None) or {}


def store_sheet(sheet: DataSheet, uses: list[dict[str, Any]], products: Any, *, replace_products: bool = False) -> None:
    """Save a validated sheet, its carriers (rows with nothing in them are dropped) and products; recompute."""
    with transaction.atomic():
        sheet.save()
        sheet.uses.all().delete()
        EnergyUse.objects.bulk_create(
            EnergyUse(
                sheet=sheet,
                **{k: row.get(k) for k in ("carrier", "quantity", "feedstock", "measured_ncv")},
                evidence=row.get("evidence") or "",
            )
            for row in uses
            if row.get("quantity")
        )
        if replace_products:  # an imported workbook lists every product
            sheet.products.all().delete()
        products.instance = sheet
        products.save()
        sheet = DataSheet.objects.prefetch_related("uses", "products").get(pk=sheet.pk)
        recompute(sheet)


def steps_for_display(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"carrier": Carrier(c).label, "quantity": q, "unit": u, "tce": t, "co2": co2, "renewable": r}
        for c, q, u, t, co2, r in figures.get("steps", [])
    ]


def _explain_share(figures: dict[str, Any], code: str) -> list[str]:
    """Where the part or total of a share indicator comes from ("X26.part")."""
    indicator, side = code.split(".", 1)
    value = (figures.get("inputs") or {}).get(code, [""])[0]
    if indicator in SHARE_FIGURES:
        return [f"{figure_label(SHARE_FIGURES[indicator][side == 'total'])}: {value}"]
    if indicator == "F13":
        what = _("products with a carbon footprint") if side == "part" else _("products on the data sheet")
        return [f"{what}: {value}"]
    if indicator == "EG3" and side == "part":
        steps = [s for s in figures.get("steps", []) if s[0] in CLEAN_CARRIERS and s[3] != "0"]
        return [f"{Carrier(s[0]).label}: {s[1]} {s[2]} → {s[3]} tce" for s in steps] + [f"Σ = {value} tce"]
    if indicator == "EG3":
        return [_("comprehensive energy consumption E: %(value)s tce") % {"value": value}]
    names = (
        ("waste_utilised", "waste_disposed", "hazardous_handled")
        if side == "part"
        else ("waste_generated", "waste_stored_utilised", "hazardous_generated")
    )
    return [" + ".join(figure_label(n) for n in names) + f" = {value}"]


def per_product_note(figures: dict[str, Any], code: str) -> str:
    """What the sheet says for a design-product check (e.g. DE1: energy per unit of the main product), or ""."""
    if code not in PER_PRODUCT_NOTES or not figures.get("product"):
        return ""
    inputs = {k: (Decimal(v), u) for k, (v, u) in (figures.get("inputs") or {}).items()}
    found = per_product(inputs, code)
    if found is None:
        return ""
    numerator, value, unit = found
    name_zh, name_en, product_unit = figures["product"]
    product = pick({"name_zh": name_zh, "name_en": name_en}, "name")
    per = format(value.quantize(Decimal("0.000001")).normalize(), "f")
    return _(
        "From the data sheet: %(code)s / Q = %(value)s %(unit)s per %(product_unit)s of %(product)s. Compare it with "
        "the product's evaluation specification; it is not scored."
    ) % {"code": numerator, "value": per, "unit": unit, "product_unit": product_unit, "product": product}


def explain(figures: dict[str, Any], code: str) -> list[str]:
    """The calculation behind one formula input, line by line, for the questionnaire."""
    if "." in code:
        return _explain_share(figures, code)
    steps = figures.get("steps", [])
    column = {"E": 3, "E_re": 5, "C": 4}.get(code)
    if column is None:
        return []
    unit = "tCO₂" if code == "C" else "tce"
    lines = [f"{Carrier(s[0]).label}: {s[1]} {s[2]} → {s[column]} {unit}" for s in steps if s[column] != "0"]
    if code == "C" and figures.get("scope1") is not None:
        lines.append(_("scope 1: %(s1)s, scope 2: %(s2)s") % {"s1": figures["scope1"], "s2": figures["scope2"]})
    if code == "E_re" and figures.get("share"):
        lines.append(f"R_re = E_re / E × 100 % = {figures['share']} %")
    return lines
