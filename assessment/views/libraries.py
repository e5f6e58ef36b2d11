"""Library pages: a company or a consultancy keeps its own leading and benchmark values (rows with sources) that
its questionnaires offer; staff keep the platform's in the admin. Rules live in assessment.libraries."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment.access import get_library_for_user, library_access
from assessment.forms import LibraryForm, LibraryRowForm
from assessment.libraries import is_retired, retire, targets
from assessment.models import Library, SectorValue
from organisations.access import get_company_for_user, get_consultancy_for_user


def _libraries_page(
    request: HttpRequest, libraries: QuerySet[Library], owner: dict[str, Any], new: Library, can_edit: bool
) -> HttpResponse:
    """List an owner's libraries; a POST creates one (the caller checked the user may)."""
    form = LibraryForm(request.POST if request.method == "POST" else None, instance=new)
    if request.method == "POST" and form.is_valid():
        library = form.save()
        messages.success(request, _("The library is created: add its rows."))
        return redirect("library_detail", library.pk)
    context = owner | {"libraries": libraries, "form": form, "can_edit": can_edit}
    return render(request, "assessment/library_list.html", context, status=400 if form.errors else 200)


@login_required
def company_libraries(request: HttpRequest, pk: int) -> HttpResponse:
    company, access = get_company_for_user(request.user, pk, "edit" if request.method == "POST" else "read")
    if access.is_consultant:
        raise Http404  # the company's own yardsticks: its members keep them
    libraries = Library.objects.filter(company=company)
    new = Library(owner=Library.Owner.COMPANY, company=company)
    return _libraries_page(request, libraries, {"company": company, "access": access}, new, access.can_edit)


@login_required
def consultancy_libraries(request: HttpRequest, pk: int) -> HttpResponse:
    firm, _me = get_consultancy_for_user(request.user, pk)
    libraries = Library.objects.filter(consultancy=firm)
    new = Library(owner=Library.Owner.CONSULTANCY, consultancy=firm)
    return _libraries_page(request, libraries, {"consultancy": firm}, new, True)


def _can_edit(request: HttpRequest, library: Library) -> bool:
    try:
        library_access(request.user, library, "edit")
    except PermissionDenied:  # a viewer reads only
        return False
    return True


@login_required
def library_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows of a library; a POST adds one (or, with `library` set, renames the library)."""
    library = get_library_for_user(request.user, pk, "edit" if request.method == "POST" else "read")
    found = targets()
    data = request.POST if request.method == "POST" else None
    editing_library = data is not None and "library" in data
    form = LibraryRowForm(None if editing_library else data, targets=found, instance=SectorValue())
    library_form = LibraryForm(data if editing_library else None, instance=library)
    if data is not None and editing_library and library_form.is_valid():
        library_form.save()
        messages.success(request, _("The library is saved."))
        return redirect("library_detail", library.pk)
    if data is not None and not editing_library and form.is_valid():
        form.save_for(library)
        messages.success(request, _("The row is added; questionnaires offer it from now on."))
        return redirect("library_detail", library.pk)
    today = timezone.localdate()
    rows = library.rows.select_related("sector").order_by("area", "indicator_code", "sector__code", "pk")
    context = {
        "library": library,
        "rows": [{"row": r, "retired": is_retired(r, today)} for r in rows],
        "form": form,
        "library_form": library_form,
        "can_edit": _can_edit(request, library),
    }
    return render(request, "assessment/library_detail.html", context, status=400 if data is not None else 200)


@login_required
def library_row(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    library = get_library_for_user(request.user, pk, "edit")
    row = get_object_or_404(SectorValue.objects.select_related("sector"), pk=row_pk, library=library)
    form = LibraryRowForm(request.POST if request.method == "POST" else None, targets=targets(), instance=row)
    if request.method == "POST" and form.is_valid():
        form.save_for(library)
        messages.success(request, _("The row is saved."))
        return redirect("library_detail", library.pk)
    context = {"library": library, "row": row, "form": form}
    return render(request, "assessment/library_row.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def library_row_retire(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    library = get_library_for_user(request.user, pk, "edit")
    row = get_object_or_404(SectorValue, pk=row_pk, library=library)
    retire(row, timezone.localdate())
    messages.success(request, _("The row is retired: no longer offered; answers that chose it keep its values."))
    return redirect("library_detail", library.pk)
