"""Data sheet pages: the years of a company, one year's sheet with its calculation, edited in the browser."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ledger.energy import CARRIERS
from ledger.forms import DataSheetForm, EnergyFormSet, NewSheetForm, ProductFormSet
from ledger.models import Coefficient, DataSheet
from ledger.sheets import FIGURE_FIELDS, steps_for_display, store_sheet
from organisations.access import get_company_for_user


@login_required
def sheet_list(request: HttpRequest, pk: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "edit" if request.method == "POST" else "read")
    form = NewSheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        DataSheet.objects.get_or_create(company=company, year=form.cleaned_data["year"])
        return redirect("data_sheet", company.pk, form.cleaned_data["year"])
    sheets = company.data_sheets.only("company_id", "year", "figures", "updated_at")
    return render(request, "ledger/sheet_list.html", {"company": company, "access": access, "sheets": sheets, "form": form})


def _energy_initial(sheet: DataSheet) -> list[dict[str, Any]]:
    stored = {u.carrier: u for u in sheet.uses.all()} if sheet.pk else {}
    rows = []
    for carrier in CARRIERS:
        use = stored.get(carrier)
        fields = ("quantity", "feedstock", "measured_ncv", "evidence")
        rows.append({"carrier": carrier} | ({f: getattr(use, f) for f in fields} if use else {}))
    return rows


@login_required
def sheet_detail(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "edit" if request.method == "POST" else "read")
    sheet = DataSheet.objects.prefetch_related("uses", "products").filter(company=company, year=year).first()
    if sheet is None:
        if request.method != "POST":
            return redirect("data_sheets", company.pk)
        sheet = DataSheet(company=company, year=year)
    data = request.POST if request.method == "POST" else None
    form = DataSheetForm(data, instance=sheet)
    energy = EnergyFormSet(data, initial=_energy_initial(sheet), prefix="energy")
    products = ProductFormSet(data, instance=sheet, prefix="products")
    if data is not None and form.is_valid() and energy.is_valid() and products.is_valid():
        store_sheet(form.save(commit=False), [f.cleaned_data for f in energy.forms], products)
        messages.success(request, _("The data sheet is saved; draft assessments of %(year)s now use its figures.") % {"year": year})
        return redirect("data_sheet", company.pk, year)
    figures = sheet.figures or {}
    coefficients = Coefficient.objects.filter(key__in=figures.get("coefficients", []))
    context = {
        "company": company, "access": access, "sheet": sheet, "year": year, "form": form, "energy": energy,
        "products": products, "figures": figures,
        "rule_fields": [form[n] for n in ("method", "grid_region", "gec_zero")], "figure_fields": [form[n] for n in FIGURE_FIELDS], "steps": steps_for_display(figures), "coefficients": coefficients,
    }
    return render(request, "ledger/sheet_detail.html", context, status=400 if data is not None else 200)


