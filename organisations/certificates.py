"""A company's certified management systems (ISO 9001, 14001, 45001, 50001 …) with their validity.

Owners keep the list on one page (a formset: add, change, remove); every member and granted consultant
reads it; the PDF report prints it in the company profile, marking certificates expired or not yet
valid on the report date (one row builder, `certificate_rows`, serves the page and the reports). A failed save shows the page again with everything typed and the errors in the user's language.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from organisations.access import get_company_for_user
from organisations.models import CertificateState, Company, ManagementCertificate, ManagementSystem

MAX_CERTIFICATES = 20


class CertificateForm(forms.ModelForm[ManagementCertificate]):
    class Meta:
        model = ManagementCertificate
        fields = ["system", "name", "number", "certifier", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {"valid_until": {"required": gettext_lazy("Enter the date the certificate expires.")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The certificate must expire after it starts."))
        if data.get("system") == ManagementSystem.OTHER and not (data.get("name") or "").strip():
            self.add_error("name", _("Name the management system."))
        return data


CertificateFormSet = forms.inlineformset_factory(
    Company,
    ManagementCertificate,
    form=CertificateForm,
    extra=1,
    can_delete=True,
    max_num=MAX_CERTIFICATES,
    validate_max=True,
)


@dataclass(frozen=True)
class CertificateRow:
    """One certificate as the company page and the reports show it."""

    system: str  # the system's label, or the name given for "other"
    number: str
    certifier: str
    valid_from: datetime.date | None
    valid_until: datetime.date
    state: CertificateState


def certificate_rows(company: Company, day: datetime.date) -> list[CertificateRow]:
    """The company's certificates for display, each with its state on `day` (valid, expired, not yet valid)."""
    return [
        CertificateRow(
            system=c.label,
            number=c.number,
            certifier=c.certifier,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            state=c.state_on(day),
        )
        for c in company.certificates.all()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def company_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    need = "manage" if request.method == "POST" else "read"
    company, access = get_company_for_user(request.user, pk, need)
    formset = CertificateFormSet(request.POST or None, instance=company, prefix="cert")
    if request.method == "POST":
        if formset.is_valid():
            formset.save()
            messages.success(request, _("The management system certificates are saved."))
            return redirect("company_certificates", company.pk)
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
    context = {
        "company": company,
        "access": access,
        "formset": formset,
        "rows": certificate_rows(company, datetime.date.today()),
        "tab": "certificates",
    }
    return render(request, "organisations/certificates.html", context, status=400 if formset.is_bound else 200)
