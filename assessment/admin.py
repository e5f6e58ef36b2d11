"""Admin for criteria (editable while draft) and read-only views of assessment data.

A published criteria set is frozen: it and its gates, categories and indicators are read-only.
It changes through "clone as new draft version", then "publish", which validates the draft.
Every change to criteria writes an AuditEvent.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import specs
from assessment.criteria_io import clone_criteria_set, next_draft_code, replaced_sets, version_taken_by
from assessment.criteria_rules import mark_problems, validate_criteria
from assessment.models import (
    Answer,
    Assessment,
    AuditEvent,
    Category,
    ContextFigure,
    CriteriaSet,
    Evidence,
    Gate,
    Indicator,
    Library,
    RegionalReference,
    Report,
    SectorValue,
    Snapshot,
    event_summary,
)


def audit(request: HttpRequest, action: str, obj: Model, params: dict[str, Any], **details: Any) -> None:
    """Record an event by its action code and parameters (models.EVENT_TEXTS), shown in the reader's language."""
    AuditEvent.objects.create(
        actor=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=event_summary(action, params)[:300],
        details={**details, "params": params},
    )


def _named(obj: Model) -> str:
    """An object as audit texts name it, the same in both languages: its code where it has one."""
    return str(getattr(obj, "code", "") or getattr(obj, "key", "") or obj)


def owning_set(obj: Model | None) -> CriteriaSet | None:
    if obj is None:
        return None
    if isinstance(obj, CriteriaSet):
        return obj
    if isinstance(obj, Indicator):
        return obj.category.criteria_set
    assert isinstance(obj, (Gate, Category)), obj
    return obj.criteria_set


def touch(criteria_set: CriteriaSet | None) -> None:
    """A new updated_at: the per-version caches of assessment.answers (criteria, page rows) rebuild."""
    if criteria_set is not None and criteria_set.pk is not None:
        CriteriaSet.objects.filter(pk=criteria_set.pk).update(updated_at=timezone.now())


def is_frozen(obj: Model | None) -> bool:
    criteria_set = owning_set(obj)
    return criteria_set is not None and criteria_set.pk is not None and not criteria_set.is_editable


class CriteriaAdminMixin:
    """Read-only once the owning set is published; edits of drafts are audited."""

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_frozen(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_frozen(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if is_frozen(obj):
            # Also guards a child moved into a published set through the form.
            raise PermissionDenied("criteria of a published set cannot be changed")
        super().save_model(request, obj, form, change)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method
        fields = sorted(form.changed_data) if change else []
        verb = "changed" if change else "added"
        audit(request, f"criteria.{verb}", obj, {"object": _named(obj)}, fields=fields)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the many-to-many fields (policy basis) and the inlines: the new version is complete.
        super().save_related(request, form, formsets, change)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method
        touch(owning_set(form.instance))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        audit(request, "criteria.deleted", obj, {"object": _named(obj)})
        criteria_set = owning_set(obj)
        super().delete_model(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method
        if not isinstance(obj, CriteriaSet):
            touch(criteria_set)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        sets = {owning_set(obj) for obj in queryset if not isinstance(obj, CriteriaSet)}
        super().delete_queryset(request, queryset)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method
        for criteria_set in sets:
            touch(criteria_set)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save()
        for obj in instances:
            audit(request, "criteria.inline_saved", obj, {"object": _named(obj), "parent": _named(form.instance)})
        for obj in formset.deleted_objects:
            audit(request, "criteria.inline_deleted", obj, {"object": _named(obj), "parent": _named(form.instance)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # New or moved children may only go into draft sets.
        if db_field.name == "criteria_set":
            kwargs["queryset"] = CriteriaSet.objects.filter(status=CriteriaSet.Status.DRAFT)
        elif db_field.name == "category":
            kwargs["queryset"] = Category.objects.filter(criteria_set__status=CriteriaSet.Status.DRAFT).select_related(
                "criteria_set"
            )
        elif db_field.name == "parent":
            kwargs["queryset"] = Indicator.objects.filter(
                category__criteria_set__status=CriteriaSet.Status.DRAFT
            ).select_related("category__criteria_set")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method


class FrozenInlineMixin:
    """Inlines follow their parent: no add, change or delete under a published set."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_frozen(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_frozen(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_frozen(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]  # a mixin: the ModelAdmin or inline it is mixed into has the method


class GateInline(FrozenInlineMixin, admin.StackedInline[Gate, CriteriaSet]):
    model = Gate
    extra = 0
    fields = [("code", "kind", "order", "mark"), "text_zh", "text_en", "source", "policy_basis"]
    filter_horizontal = ["policy_basis"]


class CategoryInline(FrozenInlineMixin, admin.TabularInline[Category, CriteriaSet]):
    model = Category
    extra = 0
    fields = ["code", "order", "name_zh", "name_en", "weight"]
    show_change_link = True


class IndicatorInline(FrozenInlineMixin, admin.TabularInline[Indicator, Category]):
    model = Indicator
    fk_name = "category"
    extra = 0
    fields = ["code", "order", "name_zh", "name_en", "indicator_type", "points", "allows_na", "formula", "provisional"]
    show_change_link = True


class CloneForm(forms.Form):
    """What a new version of a criteria set is called: asked before cloning."""

    code = forms.SlugField(
        label=gettext_lazy("Code of the new version"),
        max_length=80,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    version = forms.CharField(
        label=gettext_lazy("Version label"), max_length=40, help_text=gettext_lazy("e.g. 2026, or 2025 revision 2")
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if CriteriaSet.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A criteria set already has this code."), code="taken")
        return code


def _action_page(
    modeladmin: admin.ModelAdmin[CriteriaSet], request: HttpRequest, template: str, **context: Any
) -> TemplateResponse:
    """An intermediate admin page that posts the same action again with "apply" (like the delete confirmation)."""
    return TemplateResponse(
        request,
        f"admin/assessment/criteriaset/{template}",
        {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, **context},
    )


@admin.action(description=gettext_lazy("Publish (validate first)"))
def publish(
    modeladmin: admin.ModelAdmin[CriteriaSet], request: HttpRequest, queryset: QuerySet[CriteriaSet]
) -> TemplateResponse | None:
    drafts = list(queryset)
    replaced = {cs.pk: replaced_sets(cs) for cs in drafts if cs.status == CriteriaSet.Status.DRAFT}
    if any(replaced.values()) and "apply" not in request.POST:
        # Offer to retire what each draft replaces (ticked): the admin decides, nothing is retired silently.
        items = [{"draft": cs, "replaced": replaced.get(cs.pk, [])} for cs in drafts]
        return _action_page(modeladmin, request, "publish.html", items=items, title=_("Publish criteria sets"))
    retiring = {int(pk) for pk in request.POST.getlist("retire") if pk.isdigit()}
    for criteria_set in drafts:
        retire_now = [r for r in replaced.get(criteria_set.pk, []) if r.pk in retiring]
        _publish_one(modeladmin, request, criteria_set, retire_now)
    return None


def _publish_one(
    modeladmin: admin.ModelAdmin[CriteriaSet],
    request: HttpRequest,
    criteria_set: CriteriaSet,
    retire_now: list[CriteriaSet],
) -> None:
    if criteria_set.status != CriteriaSet.Status.DRAFT:
        modeladmin.message_user(
            request, _("%(code)s: only a draft can be published.") % {"code": criteria_set.code}, messages.WARNING
        )
        return
    problems = validate_criteria(specs.criteria_data(criteria_set))
    items = Indicator.objects.filter(category__criteria_set=criteria_set).values("code", "mark", "provisional")
    problems += mark_problems(
        {"code": criteria_set.code, "mark": criteria_set.mark, "provisional": criteria_set.provisional}, list(items)
    )
    taken = version_taken_by(criteria_set, retiring={r.pk for r in retire_now})
    if taken is not None:
        problems.append(
            _(
                "%(other)s is already published for the same focus area and version %(version)s: retire it "
                "when publishing, or give this draft another version"
            )
            % {"other": taken.code, "version": criteria_set.version}
        )
    if problems:
        modeladmin.message_user(
            request,
            _("%(code)s was not published. Fix these problems first: %(problems)s")
            % {"code": criteria_set.code, "problems": "; ".join(problems)},
            messages.ERROR,
        )
        return
    with transaction.atomic():
        for old in retire_now:
            _retire_one(modeladmin, request, old)
        criteria_set.status = CriteriaSet.Status.PUBLISHED
        criteria_set.save(update_fields=["status", "updated_at"])
        audit(request, "criteria.published", criteria_set, {"code": criteria_set.code})
    modeladmin.message_user(request, _("%(code)s is published.") % {"code": criteria_set.code}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Clone as new draft version"))
def clone_as_draft(
    modeladmin: admin.ModelAdmin[CriteriaSet], request: HttpRequest, queryset: QuerySet[CriteriaSet]
) -> TemplateResponse | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select one criteria set to clone."), messages.WARNING)
        return None
    original = queryset.get()
    initial = {"code": next_draft_code(original.code), "version": original.version}
    form = CloneForm(request.POST if "apply" in request.POST else None, initial=initial)
    if not form.is_valid():
        title = _("Clone %(code)s as a new version") % {"code": original.code}
        return _action_page(modeladmin, request, "clone.html", form=form, original=original, title=title)
    copy = clone_criteria_set(original, code=form.cleaned_data["code"], version=form.cleaned_data["version"])
    audit(request, "criteria.cloned", copy, {"original": original.code, "code": copy.code}, original=original.code)
    modeladmin.message_user(
        request,
        _("%(code)s cloned as draft %(copy)s.") % {"code": original.code, "copy": copy.code},
        messages.SUCCESS,
    )
    return None


def _retire_one(modeladmin: admin.ModelAdmin[CriteriaSet], request: HttpRequest, criteria_set: CriteriaSet) -> None:
    criteria_set.status = CriteriaSet.Status.RETIRED
    criteria_set.save(update_fields=["status", "updated_at"])
    audit(request, "criteria.retired", criteria_set, {"code": criteria_set.code})
    modeladmin.message_user(request, _("%(code)s is retired.") % {"code": criteria_set.code}, messages.SUCCESS)


@admin.action(description=gettext_lazy("Retire"))
def retire(modeladmin: admin.ModelAdmin[CriteriaSet], request: HttpRequest, queryset: QuerySet[CriteriaSet]) -> None:
    for criteria_set in queryset.filter(status=CriteriaSet.Status.PUBLISHED):
        _retire_one(modeladmin, request, criteria_set)


@admin.register(CriteriaSet)
class CriteriaSetAdmin(CriteriaAdminMixin, admin.ModelAdmin[CriteriaSet]):
    list_display = ["code", "area", "version", "status", "rating", "effective_date", "provisional", "mark"]
    list_filter = ["area", "status", "rating", "provisional"]
    search_fields = ["code", "name_zh", "name_en", "standard"]
    inlines = [GateInline, CategoryInline]
    actions = [publish, clone_as_draft, retire]
    filter_horizontal = ["governing_documents"]
    readonly_fields = ["status", "previous", "created_at", "updated_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)


@admin.register(Category)
class CategoryAdmin(CriteriaAdminMixin, admin.ModelAdmin[Category]):
    list_display = ["code", "name_en", "name_zh", "criteria_set", "weight", "order"]
    list_filter = ["criteria_set"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [IndicatorInline]
    list_select_related = ["criteria_set"]


@admin.register(Indicator)
class IndicatorAdmin(CriteriaAdminMixin, admin.ModelAdmin[Indicator]):
    list_display = [
        "code",
        "name_en",
        "criteria_set",
        "category",
        "indicator_type",
        "points",
        "allows_na",
        "provisional",
        "mark",
    ]
    list_filter = ["category__criteria_set", "indicator_type", "mark", "provisional", "uses_sector_values"]
    search_fields = ["code", "name_zh", "name_en", "guidance_zh", "guidance_en"]
    list_select_related = ["category__criteria_set"]
    filter_horizontal = ["policy_basis"]

    @admin.display(ordering="category__criteria_set__code")
    def criteria_set(self, obj: Indicator) -> str:
        return obj.category.criteria_set.code


@admin.register(Gate)
class GateAdmin(CriteriaAdminMixin, admin.ModelAdmin[Gate]):
    list_display = ["code", "kind", "criteria_set", "text_en", "mark"]
    list_filter = ["criteria_set", "kind", "mark"]
    search_fields = ["code", "text_zh", "text_en"]
    list_select_related = ["criteria_set"]
    filter_horizontal = ["policy_basis"]


@admin.register(SectorValue)
class SectorValueAdmin(admin.ModelAdmin[SectorValue]):
    list_display = [
        "key",
        "indicator_code",
        "sector",
        "product_en",
        "standard",
        "edition",
        "unit",
        "leading",
        "benchmark",
        "limit",
        "mark",
    ]
    list_filter = ["indicator_code", "library", "sector", "mark", "standard"]
    search_fields = ["key", "product_zh", "product_en", "standard", "notes_en", "notes_zh"]
    list_select_related = ["sector"]

    def save_model(self, request: HttpRequest, obj: SectorValue, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit(
            request,
            "sector_value.changed" if change else "sector_value.added",
            obj,
            {"object": _named(obj)},
            fields=sorted(form.changed_data),
        )


class LibraryRowInline(admin.TabularInline[SectorValue, Library]):
    model = SectorValue
    fields = [
        "key",
        "area",
        "indicator_code",
        "sector",
        "product_zh",
        "product_en",
        "standard",
        "edition",
        "unit",
        "leading",
        "benchmark",
        "mark",
    ]
    extra = 0


@admin.register(ContextFigure)
class ContextFigureAdmin(admin.ModelAdmin[ContextFigure]):
    list_display = ["key", "area", "indicator_code", "document", "mark"]
    list_filter = ["area", "indicator_code", "mark"]
    search_fields = ["key", "text_zh", "text_en", "document"]


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin[Library]):
    list_display = ["name_en", "owner", "consultancy", "company", "source"]
    list_filter = ["owner"]
    search_fields = ["name_zh", "name_en", "source"]
    inlines = [LibraryRowInline]


@admin.register(RegionalReference)
class RegionalReferenceAdmin(admin.ModelAdmin[RegionalReference]):
    list_display = ["area", "province", "year", "value", "source"]
    list_filter = ["area", "province", "year"]
    search_fields = ["source"]

    def save_model(self, request: HttpRequest, obj: RegionalReference, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit(request, "reference.changed" if change else "reference.added", obj, {"object": str(obj)})


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Company data is changed through the app, never through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AssessmentRowAdmin(ReadOnlyAdmin):
    """A row of one assessment: the list names its assessment (company, criteria set) in one query, not one a row."""

    list_select_related = ["assessment__company", "assessment__criteria_set"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "criteria_set", "year", "revision", "status", "is_demo", "updated_at"]
    list_filter = ["status", "criteria_set", "year", "is_demo"]
    search_fields = ["company__name", "title"]
    list_select_related = ["company", "criteria_set"]


@admin.register(Answer)
class AnswerAdmin(AssessmentRowAdmin):
    list_display = ["assessment", "code", "value", "choice", "count", "passed", "na", "updated_at"]
    list_filter = ["na", "choice"]
    search_fields = ["code", "assessment__company__name"]


@admin.register(Snapshot)
class SnapshotAdmin(AssessmentRowAdmin):
    list_display = ["assessment", "total", "verdict", "created_at"]
    list_filter = ["verdict"]


@admin.register(Report)
class ReportAdmin(AssessmentRowAdmin):
    list_display = ["id", "assessment", "language", "status", "pages", "created_at"]
    list_filter = ["status", "language"]


@admin.register(Evidence)
class EvidenceAdmin(AssessmentRowAdmin):
    list_display = ["assessment", "code", "original_name", "content_type", "size", "uploaded_at"]
    search_fields = ["code", "original_name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "text"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id"]

    @admin.display(description=gettext_lazy("Summary"))
    def text(self, obj: AuditEvent) -> str:
        return obj.text()
