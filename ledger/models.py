"""A company's yearly data sheet (企业能源资源台账) and the coefficients that convert it."""

from typing import TYPE_CHECKING, Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.energy import ZERO, Carrier, Method
from organisations.models import Company
from policies.models import Mark, NamedByField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Quantity(models.TextChoices):
    TCE = "tce", _("tce per unit (GB/T 2589)")
    FUEL_CO2 = "fuel_co2", _("Fuel CO2 parameters (NCV, carbon content, oxidation)")
    GRID = "grid", _("Grid electricity CO2 factor")
    HEAT = "heat", _("Heat and steam")


class GridRegion(models.TextChoices):
    NATIONAL = "national", _("National average")
    RESIDUAL = "residual", _("National, excluding market-traded non-fossil power")
    NORTH = "north", _("North China grid")
    NORTHEAST = "northeast", _("Northeast China grid")
    EAST = "east", _("East China grid")
    CENTRAL = "central", _("Central China grid")
    NORTHWEST = "northwest", _("Northwest China grid")
    SOUTH = "south", _("South China grid")
    SOUTHWEST = "southwest", _("Southwest China grid")


class Coefficient(NamedByField):
    """One versioned conversion coefficient, maintained by staff; values marked S or U are defaults to verify."""

    natural_key_field = "key"

    key = models.SlugField(_("Key"), max_length=80, unique=True)
    quantity = models.CharField(_("Quantity"), max_length=10, choices=Quantity.choices)
    carrier = models.CharField(_("Carrier"), max_length=20, choices=Carrier.choices, blank=True)
    region = models.CharField(_("Grid region"), max_length=10, choices=GridRegion.choices, blank=True)
    year = models.PositiveSmallIntegerField(_("Data year"), null=True, blank=True)
    unit = models.CharField(_("Unit"), max_length=30)
    value = models.DecimalField(_("Value"), max_digits=16, decimal_places=8, null=True, blank=True)
    ncv = models.DecimalField(
        _("Net calorific value (GJ per unit)"), max_digits=16, decimal_places=8, null=True, blank=True
    )
    carbon = models.DecimalField(_("Carbon content (tC/TJ)"), max_digits=10, decimal_places=4, null=True, blank=True)
    oxidation = models.DecimalField(_("Oxidation rate"), max_digits=6, decimal_places=4, null=True, blank=True)
    name_zh = models.CharField(_("Name (Chinese)"), max_length=200)
    name_en = models.CharField(_("Name (English)"), max_length=200)
    source = models.CharField(_("Source"), max_length=300)
    edition = models.CharField(_("Edition"), max_length=100)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices)
    note_zh = models.TextField(_("Note (Chinese)"), blank=True)
    note_en = models.TextField(_("Note (English)"), blank=True)

    class Meta:
        ordering = ["quantity", "carrier", "region", "-year"]
        verbose_name = _("coefficient")
        verbose_name_plural = _("coefficients")

    def __str__(self) -> str:
        return self.key

    @property
    def to_verify(self) -> bool:
        return self.mark != Mark.VERIFIED


def _amount(label: "StrOrPromise", **kwargs: Any) -> "models.DecimalField[Any, Any]":
    """An optional physical quantity (t, m³, kWh …): never negative."""
    return models.DecimalField(
        label, max_digits=18, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(ZERO)], **kwargs
    )


class DataSheet(models.Model):
    """Per company and year: the physical quantities every focus area's formulas are computed from."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="data_sheets", verbose_name=_("Company")
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    method = models.CharField(
        _("Electricity CO2 method"), max_length=10, choices=Method.choices, default=Method.AVERAGE
    )
    grid_region = models.CharField(
        _("Grid factor"),
        max_length=10,
        choices=GridRegion.choices,
        default=GridRegion.NATIONAL,
        help_text=_("Used by the average method"),
    )
    gec_zero = models.BooleanField(
        _("GEC-matched electricity at zero CO2"),
        default=False,
        help_text=_("Market method only; not settled in an official text, so off by default"),
    )
    process_co2 = _amount(
        _("Process CO2 emissions (t)"),
        help_text=_("Non-combustion emissions computed per the sector's part of GB/T 32151"),
    )
    output_value = _amount(_("Output value (10k CNY)"))
    value_added = _amount(_("Industrial value added (10k CNY)"))
    output_value_3y = _amount(_("Output value, last 3 years (10k CNY)"))
    retrofit_3y = _amount(_("Green retrofit investment, last 3 years (10k CNY)"))
    raw_material = _amount(_("Main raw materials (t)"))
    water_intake = _amount(_("Water intake (m³)"))
    water_reused = _amount(_("Reused water (m³)"))
    waste_generated = _amount(_("General industrial solid waste generated (t)"))
    waste_utilised = _amount(_("Solid waste utilised (t)"))
    waste_stored_utilised = _amount(_("Stored waste of earlier years utilised (t)"))
    pollutant = _amount(_("Main pollutants (t)"))
    land_area = _amount(_("Land area (m²)"))
    building_footprint = _amount(_("Building footprint (m²)"))
    # Supply chain (GSCI X26, X41, X42)
    suppliers = _amount(_("Suppliers (number)"))
    suppliers_low_risk = _amount(_("Of which assessed as low-risk (number)"))
    products_sold = _amount(_("Products sold (your unit)"))
    products_recovered = _amount(_("End-of-life products recovered (same unit)"))
    packaging_used = _amount(_("Packaging used (your unit)"))
    packaging_recovered = _amount(_("Packaging recovered (same unit)"))
    # Park (RG5–RG8, CG1, HG1, HG4), for a park operator's sheet
    wastewater_treated = _amount(_("Wastewater treated (m³)"))
    reclaimed_water_reused = _amount(_("Reclaimed water reused (m³)"))
    waste_heat_recoverable = _amount(_("Recoverable waste heat (GJ)"))
    waste_heat_recovered = _amount(_("Waste heat recovered (GJ)"))
    waste_gas_generated = _amount(_("Usable waste gas generated (m³)"))
    waste_gas_recovered = _amount(_("Waste gas recovered (m³)"))
    recyclables_generated = _amount(_("Recoverable resources generated (t)"))
    recyclables_recovered = _amount(_("Recycled resources recovered (t)"))
    high_tech_output = _amount(_("High-tech industry output value (10k CNY)"))
    waste_disposed = _amount(_("General solid waste safely disposed of (t)"))
    hazardous_generated = _amount(_("Hazardous waste generated (t)"))
    hazardous_handled = _amount(_("Hazardous waste utilised or safely disposed of (t)"))
    green_area = _amount(_("Green-covered area (m²)"))
    # Formula inputs computed by ledger.sheets.recompute, read by the questionnaire in one query.
    figures = models.JSONField(_("Computed figures"), default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ["company", "-year"]
        verbose_name = _("data sheet")
        verbose_name_plural = _("data sheets")
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="one_data_sheet_per_company_year")]

    def __str__(self) -> str:
        return f"{self.company} {self.year}"


def figure_label(name: str) -> str:
    """The label of one figure of the data sheet, in the active language."""
    field = DataSheet._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(name)
    return str(field.verbose_name)


class EnergyUse(models.Model):
    sheet = models.ForeignKey(DataSheet, on_delete=models.CASCADE, related_name="uses", verbose_name=_("Data sheet"))
    carrier = models.CharField(_("Carrier"), max_length=20, choices=Carrier.choices)
    quantity = _amount(_("Quantity consumed"))
    feedstock = _amount(_("Of which feedstock (excluded from E)"))
    measured_ncv = models.DecimalField(
        _("Measured NCV (GJ per unit)"),
        max_digits=16,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    evidence = models.CharField(_("Evidence of the measured NCV"), max_length=300, blank=True)

    class Meta:
        ordering = ["sheet", "pk"]
        verbose_name = _("energy use")
        verbose_name_plural = _("energy uses")
        constraints = [models.UniqueConstraint(fields=["sheet", "carrier"], name="one_use_per_carrier")]

    def __str__(self) -> str:
        return f"{self.sheet}: {self.carrier}"


class ProductOutput(models.Model):
    sheet = models.ForeignKey(
        DataSheet, on_delete=models.CASCADE, related_name="products", verbose_name=_("Data sheet")
    )
    name_zh = models.CharField(_("Product (Chinese)"), max_length=200)
    name_en = models.CharField(_("Product (English)"), max_length=200, blank=True)
    unit = models.CharField(_("Unit"), max_length=40)
    quantity = _amount(_("Qualified output"))
    main = models.BooleanField(_("Main product (Q of the formulas)"), default=False)
    carbon_footprint = models.BooleanField(_("Carbon footprint assessed"), default=False)

    class Meta:
        ordering = ["sheet", "-main", "pk"]
        verbose_name = _("product output")
        verbose_name_plural = _("product outputs")

    def __str__(self) -> str:
        return self.name_zh
