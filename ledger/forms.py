"""Forms of the data sheet: the sheet's own figures, one row per energy carrier, the products."""

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ledger.energy import CARRIERS, SHARE_FIGURES, Carrier, Kind
from ledger.models import DataSheet, ProductOutput, figure_label
from ledger.sheets import SHEET_FIELDS

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 4, "min_value": Decimal(0), "required": False}


class DataSheetForm(forms.ModelForm):
    class Meta:
        model = DataSheet
        fields = ["method", "grid_region", "gec_zero", *SHEET_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        generated, stored, utilised = (
            data.get(n) for n in ("waste_generated", "waste_stored_utilised", "waste_utilised")
        )
        if utilised is not None and utilised > (generated or 0) + (stored or 0):
            self.add_error("waste_utilised", _("More waste is utilised than generated plus taken from storage."))
        land, footprint = data.get("land_area"), data.get("building_footprint")
        if footprint is not None and land is not None and footprint > land:
            self.add_error("building_footprint", _("The footprint cannot exceed the land area."))
        for part_name, total_name in (*SHARE_FIGURES.values(), ("hazardous_handled", "hazardous_generated")):
            part, total = data.get(part_name), data.get(total_name)
            if part is not None and total is not None and part > total and part_name not in self.errors:
                self.add_error(
                    part_name,
                    _("This cannot exceed “%(total)s”.") % {"total": figure_label(total_name)},
                )
        if data.get("gec_zero") and data.get("method") != "market":
            self.add_error("gec_zero", _("Zero CO2 for certificates applies to the market method only."))
        return data


class EnergyUseForm(forms.Form):
    carrier = forms.ChoiceField(choices=Carrier.choices, widget=forms.HiddenInput)
    quantity = forms.DecimalField(label=_("Quantity consumed"), **AMOUNT)
    feedstock = forms.DecimalField(label=_("Of which feedstock"), **AMOUNT)
    measured_ncv = forms.DecimalField(
        label=_("Measured NCV (GJ per unit)"), max_digits=16, decimal_places=8, min_value=Decimal(0), required=False
    )
    evidence = forms.CharField(label=_("Evidence of the measured NCV"), max_length=300, required=False)

    @property
    def kind(self) -> str:
        return CARRIERS[self.initial["carrier"]][0]

    @property
    def unit(self) -> str:
        return CARRIERS[self.initial["carrier"]][1]

    @property
    def label(self) -> str:
        return str(Carrier(self.initial["carrier"]).label)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        quantity, feedstock = data.get("quantity"), data.get("feedstock")
        is_fuel = CARRIERS.get(data.get("carrier", ""), ("", ""))[0] == Kind.FUEL
        if feedstock and not is_fuel:
            self.add_error("feedstock", _("Only fuels can be used as feedstock."))
        elif feedstock is not None and feedstock > (quantity or 0):
            self.add_error("feedstock", _("The feedstock part cannot exceed the quantity."))
        if data.get("measured_ncv") is not None:
            if not is_fuel:
                self.add_error("measured_ncv", _("A measured calorific value applies to fuels only."))
            elif not data.get("evidence"):
                self.add_error("evidence", _("Name the analysis report behind the measured value."))
        return data


class BaseEnergyFormSet(BaseFormSet):
    def clean(self) -> None:
        carriers = [f.cleaned_data.get("carrier") for f in self.forms if hasattr(f, "cleaned_data")]
        if sorted(c for c in carriers if c) != sorted(CARRIERS):
            raise forms.ValidationError(_("Every energy carrier appears once."))


EnergyFormSet = formset_factory(
    EnergyUseForm, formset=BaseEnergyFormSet, extra=0, max_num=len(CARRIERS), validate_max=True
)


class BaseProductFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        mains = [f for f in self.forms if f.cleaned_data.get("main") and not f.cleaned_data.get("DELETE")]
        if len(mains) > 1:
            raise forms.ValidationError(_("Mark one product as the main product."))


ProductFormSet = inlineformset_factory(
    DataSheet,
    ProductOutput,
    formset=BaseProductFormSet,
    fields=["name_zh", "name_en", "unit", "quantity", "main", "carbon_footprint"],
    extra=2,
    max_num=50,
    validate_max=True,
)


class NewSheetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
