"""Data sheet pages: the years of a company, one year's sheet with its calculation, edited in the browser."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ledger.energy import CARRIERS
from ledger.forms import DataSheetForm, EnergyFormSet, NewSheetForm, ProductFormSet
from ledger.models import Coefficient, DataSheet
from ledger.sheets import FIGURE_FIELDS, PARK_FIELDS, SUPPLY_CHAIN_FIELDS, steps_for_display, store_sheet
from ledger.workbook import MAX_BYTES, WorkbookError, export_sheet, form_data
from organisations.access import get_company_for_user


@login_required
def sheet_list(request: HttpRequest, pk: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "edit" if request.method == "POST" else "read")
    form = NewSheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        DataSheet.objects.get_or_create(company=company, year=form.cleaned_data["year"])
        return redirect("data_sheet", company.pk, form.cleaned_data["year"])
    sheets = company.data_sheets.only("company_id", "year", "figures", "updated_at")
    return render(
        request, "ledger/sheet_list.html", {"company": company, "access": access, "sheets": sheets, "form": form}
    )


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
    return _save_or_show(request, company, access, sheet, request.POST if request.method == "POST" else None)


def _save_or_show(
    request: HttpRequest, company: Any, access: Any, sheet: DataSheet, data: Any, *, imported: bool = False
) -> HttpResponse:
    """Validate posted (or imported) fields with the page's forms; save and redirect, or show the page."""
    year = sheet.year
    form = DataSheetForm(data, instance=sheet)
    energy = EnergyFormSet(data, initial=_energy_initial(sheet), prefix="energy")
    products = ProductFormSet(data, instance=sheet, prefix="products")
    if data is not None and form.is_valid() and energy.is_valid() and products.is_valid():
        store_sheet(
            form.save(commit=False), [f.cleaned_data for f in energy.forms], products, replace_products=imported
        )
        messages.success(
            request, _("The data sheet is saved; draft assessments of %(year)s now use its figures.") % {"year": year}
        )
        return redirect("data_sheet", company.pk, year)
    if data is not None:
        messages.error(request, _("The data sheet was not saved: see the messages next to the fields."))
    figures = sheet.figures or {}
    coefficients = Coefficient.objects.filter(key__in=figures.get("coefficients", []))
    context = {
        "company": company,
        "access": access,
        "sheet": sheet,
        "year": year,
        "form": form,
        "energy": energy,
        "products": products,
        "figures": figures,
        "rule_fields": [form[n] for n in ("method", "grid_region", "gec_zero")],
        "figure_fields": [form[n] for n in FIGURE_FIELDS],
        "supply_chain_fields": [form[n] for n in SUPPLY_CHAIN_FIELDS],
        "park_fields": [form[n] for n in PARK_FIELDS],
        "steps": steps_for_display(figures),
        "coefficients": coefficients,
    }
    return render(request, "ledger/sheet_detail.html", context, status=400 if data is not None else 200)


@login_required
def sheet_export(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, _access = get_company_for_user(request.user, pk)
    sheet = DataSheet.objects.prefetch_related("uses", "products").filter(company=company, year=year).first()
    content = export_sheet(sheet or DataSheet(company=company, year=year))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="data-sheet-{company.pk}-{year}.xlsx"'
    return response


@login_required
def sheet_import(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise WorkbookError(_("Choose an XLSX file exported from this page."))
        data = form_data(upload.read(MAX_BYTES + 1))
    except WorkbookError as exc:
        messages.error(request, str(exc))
        return redirect("data_sheet", company.pk, year)
    sheet = DataSheet.objects.prefetch_related("uses", "products").filter(company=company, year=year).first()
    return _save_or_show(request, company, access, sheet or DataSheet(company=company, year=year), data, imported=True)
