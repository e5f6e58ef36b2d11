import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.evidence import ACCEPT
from assessment.models import CriteriaSet
from assessment.vocabulary import FocusArea
from greenmfg.bilingual import pick


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
