from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies.models import (
    CompanyCase,
    Fact,
    FocusArea,
    ListCount,
    ListRelease,
    PolicyDocument,
    ProcessRule,
    TimelineEvent,
)


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "title_zh", "order", "mark"]
    list_editable = ["order"]
    list_filter = ["mark"]
    search_fields = ["code", "title_en", "title_zh", "description_en", "description_zh"]


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ["code", "number", "title_en", "title_zh", "kind", "year", "mark"]
    list_filter = ["kind", "mark", "focus_areas", "year"]
    search_fields = ["code", "number", "title_en", "title_zh", "summary_en", "summary_zh", "source"]
    filter_horizontal = ["focus_areas"]
    fieldsets = [
        (None, {"fields": ["code", "kind", "number", "year", "issued", "in_force", "focus_areas"]}),
        ("中文", {"fields": ["title_zh", "issuer_zh", "summary_zh"]}),
        ("English", {"fields": ["title_en", "issuer_en", "summary_en"]}),
        (_("Provenance"), {"fields": ["mark", "source"]}),
    ]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["year", "date_text_en", "date_text_zh", "title_en", "title_zh", "order", "mark"]
    list_display_links = ["title_en"]
    list_filter = ["mark", "year"]
    search_fields = ["key", "date_text_en", "date_text_zh", "title_en", "title_zh", "body_en", "body_zh", "source"]
    filter_horizontal = ["documents"]


@admin.register(CompanyCase)
class CompanyCaseAdmin(admin.ModelAdmin):
    list_display = ["slug", "company_en", "company_zh", "industry_en", "focus_area", "mark"]
    list_filter = ["focus_area", "mark"]
    search_fields = ["slug", "company_en", "company_zh", "measures_en", "measures_zh"]
    list_select_related = ["focus_area"]


class StatementAdmin(admin.ModelAdmin):
    """Facts and process rules (policies.models.Statement): searched by key, title, text and source."""

    search_fields = ["key", "title_en", "title_zh", "body_en", "body_zh", "source"]


@admin.register(Fact)
class FactAdmin(StatementAdmin):
    list_display = ["key", "kind", "title_en", "title_zh", "order", "mark"]
    list_filter = ["kind", "mark", "focus_areas"]
    filter_horizontal = ["focus_areas"]


@admin.register(ProcessRule)
class ProcessRuleAdmin(StatementAdmin):
    list_display = ["key", "section", "period", "title_en", "order", "mark"]
    list_filter = ["section", "mark", "period"]
    filter_horizontal = ["documents"]


class ListCountInline(admin.TabularInline):
    model = ListCount
    extra = 0
    fields = ["area", "measure", "value", "approximate", "mark", "note_zh", "note_en", "source"]


@admin.register(ListRelease)
class ListReleaseAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "year", "label_en", "label_zh", "notice", "mark"]
    list_filter = ["kind", "mark", "year"]
    search_fields = ["key", "label_en", "label_zh", "notice", "note_en", "note_zh"]
    autocomplete_fields = ["document"]
    inlines = [ListCountInline]


@admin.register(ListCount)
class ListCountAdmin(admin.ModelAdmin):
    list_display = ["release", "area", "measure", "value", "approximate", "mark"]
    list_filter = ["measure", "area", "mark", "release__kind", "release__year"]
    search_fields = ["release__key", "release__label_en", "release__label_zh", "note_en", "note_zh"]
    list_select_related = ["release"]
