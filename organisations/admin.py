from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from greenmfg.http import signed_in_user
from organisations import consultancy as consultancies
from organisations import identity
from organisations.models import (
    AccessGrant,
    AccessRequest,
    ClaimStatus,
    Company,
    Consultancy,
    ConsultancyInvitation,
    Consultant,
    EmailConfirmation,
    Invitation,
    Membership,
    OwnershipClaim,
    Role,
    Sector,
    Verification,
    VerificationQueue,
)


def _serve_licence(field: FieldFile, content_type: str) -> HttpResponseBase:
    """The stored licence, for staff only (admin views); its type was checked by content at upload."""
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
    return response


def _licence_preview(url: str, content_type: str, *, height: int) -> str:
    if content_type.startswith("image/"):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" height="{}"></a>',
            url,
            url,
            height,
        )
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the licence (PDF)"))


class LicenceAdminMixin(admin.ModelAdmin):
    """A staff-only URL serving a model's licence file, and previews of it: a thumbnail for the list and a
    larger one beside the other fields (`licence_preview_height` pixels high)."""

    licence_preview_height = 640

    @property
    def licence_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_licence"

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/licence/",
                self.admin_site.admin_view(self.licence_view),
                name=self.licence_url_name,
            )
        ]
        return own + super().get_urls()

    def licence_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise Http404
        obj = get_object_or_404(self.model, pk=pk)
        return _serve_licence(obj.licence, obj.licence_type)

    def preview(self, obj: Company | OwnershipClaim, *, height: int) -> str:
        if not obj.licence:
            return "—"
        url = reverse(f"admin:{self.licence_url_name}", args=[obj.pk])
        return _licence_preview(url, obj.licence_type, height=height)

    @admin.display(description=_("Business licence"))
    def licence_thumbnail(self, obj: Company | OwnershipClaim) -> str:
        return self.preview(obj, height=160)

    @admin.display(description=_("Business licence"))
    def licence_preview(self, obj: Company | OwnershipClaim) -> str:
        return self.preview(obj, height=self.licence_preview_height)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class GrantInline(admin.TabularInline):
    model = AccessGrant
    fk_name = "company"
    extra = 0
    readonly_fields = ["granted_at"]
    autocomplete_fields = ["consultancy", "granted_by"]


@admin.action(description=_("Verify the identity (licence checked)"))
def verify_companies(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Company]) -> None:
    done = [identity.verify_company(company, by=signed_in_user(request)) for company in queryset.exclude(licence="")]
    modeladmin.message_user(
        request,
        ngettext("%(n)d company verified.", "%(n)d companies verified.", len(done)) % {"n": len(done)},
        messages.SUCCESS,
    )


@admin.action(description=_("Reject the licence"))
def reject_licences(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Company]) -> None:
    done = [identity.reject_licence(company, by=signed_in_user(request)) for company in queryset]
    modeladmin.message_user(
        request,
        ngettext("%(n)d licence rejected.", "%(n)d licences rejected.", len(done)) % {"n": len(done)},
        messages.WARNING,
    )


@admin.register(Company)
class CompanyAdmin(LicenceAdminMixin, admin.ModelAdmin):
    licence_preview_height = 480
    list_display = ["name", "credit_code", "sector", "province", "size", "verification", "is_demo", "created_at"]
    list_filter = ["verification", "is_demo", "size", "province"]
    search_fields = ["name", "credit_code", "memberships__user__email"]
    list_select_related = ["sector"]
    autocomplete_fields = ["sector"]
    readonly_fields = ["licence_preview", "licence_uploaded_at", "verified_at", "verified_by"]
    exclude = ["licence", "licence_type"]
    inlines = [MembershipInline, GrantInline]
    actions = [verify_companies, reject_licences]


@admin.register(VerificationQueue)
class VerificationQueueAdmin(LicenceAdminMixin, admin.ModelAdmin):
    """Companies whose licence waits for a check: the licence beside the data it must match."""

    list_display = ["name", "credit_code", "sector", "province", "owners", "licence_uploaded_at", "licence_thumbnail"]
    list_select_related = ["sector"]
    search_fields = ["name", "credit_code"]
    ordering = ["licence_uploaded_at"]
    readonly_fields = (
        "name",
        "credit_code",
        "sector",
        "province",
        "size",
        "owners",
        "licence_uploaded_at",
        "licence_preview",
    )
    fields = readonly_fields
    actions = [verify_companies, reject_licences]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        return (
            super()
            .get_queryset(request)
            .filter(verification=Verification.PENDING)
            .prefetch_related("memberships__user")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        return False

    @admin.display(description=_("Owners"))
    def owners(self, obj: Company) -> str:
        return ", ".join(m.user.email for m in obj.memberships.all() if m.role == Role.OWNER)


@admin.action(description=_("Approve: transfer the company to the claimant"))
def approve_claims(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[OwnershipClaim]) -> None:
    approved = 0
    for claim in queryset.filter(status=ClaimStatus.PENDING):
        try:
            identity.approve_claim(claim, by=signed_in_user(request))
            approved += 1
        except identity.ClaimError:
            continue  # answered by an earlier claim in the same selection
    modeladmin.message_user(
        request,
        ngettext("%(n)d claim approved.", "%(n)d claims approved.", approved) % {"n": approved},
        messages.SUCCESS,
    )


@admin.action(description=_("Reject the claim"))
def reject_claims(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[OwnershipClaim]) -> None:
    rejected = [
        identity.reject_claim(claim, by=signed_in_user(request))
        for claim in queryset.filter(status=ClaimStatus.PENDING)
    ]
    modeladmin.message_user(
        request,
        ngettext("%(n)d claim rejected.", "%(n)d claims rejected.", len(rejected)) % {"n": len(rejected)},
        messages.WARNING,
    )


@admin.register(OwnershipClaim)
class OwnershipClaimAdmin(LicenceAdminMixin, admin.ModelAdmin):
    list_display = [
        "company",
        "company_name",
        "claimant",
        "contact_name",
        "contact_phone",
        "status",
        "created_at",
        "licence_thumbnail",
    ]
    list_filter = ["status"]
    search_fields = ["company__name", "company__credit_code", "company_name", "claimant__email"]
    list_select_related = ["company", "claimant"]
    readonly_fields = (
        "company",
        "credit_code",
        "holder_verified",
        "company_name",
        "claimant",
        "contact_name",
        "contact_phone",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "licence_preview",
    )
    fields = readonly_fields
    actions = [approve_claims, reject_claims]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("Unified social credit code"))
    def credit_code(self, obj: OwnershipClaim) -> str:
        return obj.company.credit_code

    @admin.display(boolean=True, description=_("Current holder verified"))
    def holder_verified(self, obj: OwnershipClaim) -> bool:
        return obj.company.is_verified


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["company", "consultancy", "requested_by", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["company__name", "consultancy__name"]
    list_select_related = ["company", "consultancy", "requested_by"]
    autocomplete_fields = ["company", "consultancy", "requested_by", "decided_by"]


@admin.register(EmailConfirmation)
class EmailConfirmationAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "confirmed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "company__name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]


class InvitationAdminMixin(admin.ModelAdmin):
    """A mailed invitation link (to a company or to a consultancy): its token and date are not edited."""

    readonly_fields = ["token", "created_at"]

    @admin.display(boolean=True, description=_("Accepted"))
    def accepted(self, obj: Invitation | ConsultancyInvitation) -> bool:
        return obj.accepted_at is not None


@admin.register(Invitation)
class InvitationAdmin(InvitationAdminMixin, admin.ModelAdmin):
    list_display = ["email", "company", "role", "invited_by", "created_at", "accepted"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "company__name"]
    list_select_related = ["company", "invited_by"]
    autocomplete_fields = ["company", "invited_by"]


@admin.register(ConsultancyInvitation)
class ConsultancyInvitationAdmin(InvitationAdminMixin, admin.ModelAdmin):
    list_display = ["email", "consultancy", "invited_by", "created_at", "accepted", "revoked"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "consultancy__name"]
    list_select_related = ["consultancy", "invited_by"]
    autocomplete_fields = ["consultancy", "invited_by"]

    @admin.display(boolean=True, description=_("Revoked"))
    def revoked(self, obj: ConsultancyInvitation) -> bool:
        return obj.revoked_at is not None


def _withdraw_links(consultants: Iterable[Consultant]) -> None:
    """A consultant removed by staff loses the open links to their address too (as in remove_consultant)."""
    for consultant in consultants:
        consultancies.revoke_invitations(consultant.consultancy_id, consultant.user.email)


class ConsultantInline(admin.TabularInline):
    model = Consultant
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Consultancy)
class ConsultancyAdmin(admin.ModelAdmin):
    list_display = ["name", "access_code", "created_at"]
    search_fields = ["name", "access_code", "consultants__user__email"]
    inlines = [ConsultantInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        _withdraw_links(obj for obj in formset.deleted_objects if isinstance(obj, Consultant))


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = ["user", "consultancy", "is_admin"]
    list_filter = ["is_admin"]
    search_fields = ["user__email", "user__username", "consultancy__name"]
    list_select_related = ["user", "consultancy"]
    autocomplete_fields = ["user", "consultancy"]

    def delete_model(self, request: HttpRequest, obj: Consultant) -> None:
        _withdraw_links([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Consultant]) -> None:
        _withdraw_links(queryset.select_related("user"))
        super().delete_queryset(request, queryset)


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ["company", "consultancy", "granted_by", "granted_at", "active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["company__name", "consultancy__name"]
    list_select_related = ["company", "consultancy", "granted_by"]
    autocomplete_fields = ["company", "consultancy", "granted_by"]

    @admin.display(boolean=True, description=_("Active"))
    def active(self, obj: AccessGrant) -> bool:
        return obj.revoked_at is None
