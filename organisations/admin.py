from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisations.models import AccessGrant, Company, Consultancy, Consultant, Invitation, Membership, Sector


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


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "sector", "province", "size", "is_demo", "created_at"]
    list_filter = ["is_demo", "size", "province"]
    search_fields = ["name", "credit_code", "memberships__user__email"]
    list_select_related = ["sector"]
    autocomplete_fields = ["sector"]
    inlines = [MembershipInline, GrantInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "company__name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "invited_by", "created_at", "accepted"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "company__name"]
    list_select_related = ["company", "invited_by"]
    readonly_fields = ["token", "created_at"]
    autocomplete_fields = ["company", "invited_by"]

    @admin.display(boolean=True, description=_("Accepted"))
    def accepted(self, obj: Invitation) -> bool:
        return obj.accepted_at is not None


class ConsultantInline(admin.TabularInline):
    model = Consultant
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Consultancy)
class ConsultancyAdmin(admin.ModelAdmin):
    list_display = ["name", "access_code", "created_at"]
    search_fields = ["name", "access_code", "consultants__user__email"]
    inlines = [ConsultantInline]


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = ["user", "consultancy", "is_admin"]
    list_filter = ["is_admin"]
    search_fields = ["user__email", "user__username", "consultancy__name"]
    list_select_related = ["user", "consultancy"]
    autocomplete_fields = ["user", "consultancy"]


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
