import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.evidence import ACCEPT
from assessment.libraries import Target, new_row_key, unit_problem
from assessment.models import ActionItem, CriteriaSet, Library, SectorValue
from assessment.reasons import reason_text
from assessment.scoring import threshold_problem
from assessment.vocabulary import FocusArea
from greenmfg.bilingual import pick, unit_label
from organisations.models import Sector


class StartAssessmentForm(forms.Form):
    """Start an assessment: only focus areas with a published criteria set can be chosen."""

    area = forms.ChoiceField(label=_("Focus area"), widget=forms.RadioSelect)
    year = forms.IntegerField(label=_("Reporting year"), min_value=2000)
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = datetime.date.today().year - 1
        self.fields["year"].help_text = _("The year the figures you enter refer to, usually last year.")
        self.criteria_sets: dict[str, CriteriaSet] = {}
        for area, _label in FocusArea.choices:
            latest = CriteriaSet.objects.latest_published(area)
            if latest is not None:
                self.criteria_sets[area] = latest
        labels = dict(FocusArea.choices)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [
            (area, f"{labels[area]} — {pick(cs, 'name')} ({cs.standard})") for area, cs in self.criteria_sets.items()
        ]

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if year > datetime.date.today().year:
            raise forms.ValidationError(_("The reporting year cannot be in the future."))
        return year

    def clean_area(self) -> CriteriaSet:
        return self.criteria_sets[self.cleaned_data["area"]]


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Add evidence"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose a file to upload.")},
    )


class ActionItemForm(forms.ModelForm[ActionItem]):
    """One gap's line of the action plan (prefixed with the indicator code on the plan page)."""

    class Meta:
        model = ActionItem
        fields = ["priority", "action", "owner", "due", "cost", "saving"]
        widgets = {
            "priority": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "action": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "owner": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "due": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
            "cost": forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01", "min": "0"}),
            "saving": forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01", "min": "0"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        priority = self.fields["priority"]
        assert isinstance(priority, forms.ChoiceField)
        priority.choices = [("", _("Not planned")), *ActionItem.Priority.choices]

    def clean_cost(self) -> Decimal | None:
        return _not_negative(self.cleaned_data.get("cost"))

    def clean_saving(self) -> Decimal | None:
        return _not_negative(self.cleaned_data.get("saving"))

    def clean_due(self) -> datetime.date | None:
        due = self.cleaned_data.get("due")
        if due is not None and due.year < 2000:
            raise forms.ValidationError(_("Enter a due date from the year 2000 on."))
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        details = [name for name in ("action", "owner", "due", "cost", "saving") if data.get(name) not in (None, "")]
        if details and not data.get("priority"):
            self.add_error("priority", _("Choose a priority to put this gap in the plan."))
        return data


def _not_negative(value: Decimal | None) -> Decimal | None:
    if value is not None and value < 0:
        raise forms.ValidationError(_("Enter an amount of zero or more."))
    return value


class LibraryForm(forms.ModelForm[Library]):
    class Meta:
        model = Library
        fields = ["name_zh", "name_en", "source"]


class LibraryRowForm(forms.ModelForm[SectorValue]):
    """One row of a consultancy's or company's library: leading and benchmark values for one indicator, sector
    and product, with its source; checked as the scoring engine will use it (direction, unit)."""

    target = forms.ChoiceField(label=_("Indicator"))
    sector_code = forms.ChoiceField(label=_("Industry sector (GB/T 4754)"))

    class Meta:
        model = SectorValue
        fields = ["product_zh", "product_en", "unit", "leading", "benchmark", "standard", "edition", "source"]
        labels = {"standard": _("Document or study"), "source": _("Source")}
        help_texts = {
            "standard": _("e.g. the survey or report the values come from"),
            "source": _("Who published it, and when"),
        }

    field_order = ["target", "sector_code"]

    def __init__(self, *args: Any, targets: dict[str, Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = targets
        areas = dict(FocusArea.choices)
        cast(forms.ChoiceField, self.fields["target"]).choices = [
            (key, f"{areas[t.area]} · {t.code} {pick(t, 'name')}" + (f" ({unit_label(t.unit)})" if t.unit else ""))
            for key, t in targets.items()
        ]
        cast(forms.ChoiceField, self.fields["sector_code"]).choices = [
            (s.code, f"{s.code} {pick(s, 'name')}") for s in Sector.objects.all()
        ]
        for name in ("leading", "benchmark", "source", "product_zh", "unit"):
            self.fields[name].required = True
        if self.instance.pk:
            self.initial.update(
                target=f"{self.instance.area}:{self.instance.indicator_code}", sector_code=self.instance.sector.code
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = self.targets.get(data.get("target", ""))
        leading, benchmark, unit = data.get("leading"), data.get("benchmark"), data.get("unit")
        if target is not None and leading is not None and benchmark is not None:
            if reversed_pair := threshold_problem(target.indicator_type, leading, benchmark):
                self.add_error("benchmark", reason_text(reversed_pair))
        if target is not None and unit and (unit_refused := unit_problem(target, unit)):
            self.add_error("unit", unit_refused)
        return data

    def save_for(self, library: Library) -> SectorValue:
        row: SectorValue = self.instance
        target = self.targets[self.cleaned_data["target"]]
        row.library = library
        row.area, row.indicator_code = target.area, target.code
        row.sector = Sector.objects.get(code=self.cleaned_data["sector_code"])
        if not row.pk:
            row.key = new_row_key(library, target.code)
        row.save()
        return row
