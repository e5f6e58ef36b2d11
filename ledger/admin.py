from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ledger.models import Coefficient, DataSheet, EnergyUse, ProductOutput
from ledger.sheets import recompute


@admin.register(Coefficient)
class CoefficientAdmin(admin.ModelAdmin):
    list_display = ["key", "quantity", "carrier", "region", "year", "value", "ncv", "unit", "edition", "mark"]
    list_filter = ["quantity", "mark", "region", "year"]
    search_fields = ["key", "name_zh", "name_en", "source"]


class EnergyUseInline(admin.TabularInline):
    model = EnergyUse
    extra = 0


class ProductOutputInline(admin.TabularInline):
    model = ProductOutput
    extra = 0


@admin.register(DataSheet)
class DataSheetAdmin(admin.ModelAdmin):
    list_display = ["company", "year", "method", "updated_at"]
    list_filter = ["year", "method"]
    search_fields = ["company__name"]
    inlines = [EnergyUseInline, ProductOutputInline]
    actions = ["recompute_figures"]

    @admin.action(description=_("Recompute the figures (after a coefficient change)"))
    def recompute_figures(self, request: HttpRequest, queryset: QuerySet[DataSheet]) -> None:
        for sheet in queryset.prefetch_related("uses", "products"):
            recompute(sheet)
