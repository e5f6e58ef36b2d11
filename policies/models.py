"""Policy reference content: documents, timeline, focus areas, cases, facts, process rules, list numbers.

Every text is stored as a `<name>_zh` / `<name>_en` pair; `points_*`/`measures_*` fields hold one item per
line. Every row carries the confidence mark and the source IDs of the shared reference material.

Natural keys name rows in the fixtures; Django's serializers order a dump by the foreign keys and
many-to-many fields, so no `natural_key` lists its dependencies by hand.
"""

from typing import ClassVar, TypeVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessment import vocabulary
from greenmfg.bilingual import pick


class Mark(models.TextChoices):
    """Confidence marks of the reference material (see shared reference files)."""

    VERIFIED = "V", _("Verified")
    SECONDARY = "S", _("Secondary source")
    DERIVED = "D", _("Derived")
    UNCERTAIN = "U", _("Uncertain")


_Named = TypeVar("_Named", bound="NamedByField")


class NaturalKeyManager(models.Manager[_Named]):
    """Natural key = the field the model names in `natural_key_field`."""

    def get_by_natural_key(self, value: str) -> _Named:
        return self.get(**{self.model.natural_key_field: value})


class NamedByField(models.Model):
    """A row the fixtures name by one unique field of its own: `natural_key_field` ("code", "key" or "slug")."""

    natural_key_field: ClassVar[str]

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def natural_key(self) -> tuple[str]:
        return (getattr(self, self.natural_key_field),)


class FocusArea(NamedByField):
    """Descriptive content for one of the four focus areas of the Green Manufacturing System."""

    natural_key_field = "code"

    code = models.CharField(_("Code"), max_length=20, choices=vocabulary.FocusArea.choices, unique=True)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    title_zh = models.CharField(_("Title (Chinese)"), max_length=200)
    title_en = models.CharField(_("Title (English)"), max_length=200)
    description_zh = models.TextField(_("Description (Chinese)"))
    description_en = models.TextField(_("Description (English)"))
    points_zh = models.TextField(
        _("Emphasis points (Chinese)"), blank=True, help_text=_("Emphasis points, one per line")
    )
    points_en = models.TextField(
        _("Emphasis points (English)"), blank=True, help_text=_("Emphasis points, one per line")
    )
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self) -> str:
        return pick(self, "title")

    def get_absolute_url(self) -> str:
        return reverse("policy_area", args=[self.code])


class PolicyDocument(NamedByField):
    """A governing document or standard: notices, measures, guidelines, national standards."""

    natural_key_field = "code"

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan or guideline")
        NOTICE = "notice", _("Notice")
        MEASURES = "measures", _("Measures")
        PROCEDURE = "procedure", _("Procedure")
        STANDARD = "standard", _("Standard")
        LIST = "list", _("National list")

    code = models.SlugField(_("Code"), max_length=80, unique=True)
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("Document number"), max_length=120, blank=True)
    title_zh = models.CharField(_("Title (Chinese)"), max_length=300)
    title_en = models.CharField(_("Title (English)"), max_length=300)
    issuer_zh = models.CharField(_("Issuer (Chinese)"), max_length=200, blank=True)
    issuer_en = models.CharField(_("Issuer (English)"), max_length=200, blank=True)
    issued = models.CharField(
        _("Issued"), max_length=60, blank=True, help_text=_("As precise as known, e.g. 2016-09 or 2025-10-09")
    )
    in_force = models.DateField(_("In force"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("Year"), help_text=_("Year used for ordering"))
    summary_zh = models.TextField(_("Summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("Summary (English)"), blank=True)
    source = models.CharField(_("Source"), max_length=200, blank=True, help_text=_("Source IDs from the reference"))
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="documents", verbose_name=_("Focus areas"))

    class Meta:
        ordering = ["year", "code"]
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")

    def __str__(self) -> str:
        return f"{self.number or self.code} {pick(self, 'title')}"

    def get_absolute_url(self) -> str:
        return reverse("policy_document", args=[self.code])


class TimelineEvent(NamedByField):
    """A milestone of the policy timeline; `points` lists objectives or aims, one per line."""

    natural_key_field = "key"

    key = models.SlugField(_("Key"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("Year"))
    date_text_zh = models.CharField(
        _("Date (Chinese)"), max_length=60, blank=True, help_text=_("e.g. 2016-09, 2019年上半年, 2018–2020")
    )
    date_text_en = models.CharField(
        _("Date (English)"), max_length=60, blank=True, help_text=_("e.g. 2016-09, H1 2019, 2018–2020")
    )
    order = models.PositiveSmallIntegerField(_("Order"), default=0, help_text=_("Order within the year"))
    title_zh = models.CharField(_("Title (Chinese)"), max_length=300)
    title_en = models.CharField(_("Title (English)"), max_length=300)
    body_zh = models.TextField(_("Text (Chinese)"), blank=True)
    body_en = models.TextField(_("Text (English)"), blank=True)
    points_zh = models.TextField(_("Key points (Chinese)"), blank=True, help_text=_("One per line"))
    points_en = models.TextField(_("Key points (English)"), blank=True, help_text=_("One per line"))
    documents = models.ManyToManyField(
        PolicyDocument, blank=True, related_name="timeline_events", verbose_name=_("Documents")
    )
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    class Meta:
        ordering = ["year", "order", "key"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.year} {pick(self, 'title')}"


class CompanyCase(NamedByField):
    """A company listed under the programme, as a worked example; `measures` one per line."""

    natural_key_field = "slug"

    slug = models.SlugField(_("Slug"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    company_zh = models.CharField(_("Company (Chinese)"), max_length=200)
    company_en = models.CharField(_("Company (English)"), max_length=200)
    industry_zh = models.CharField(_("Industry (Chinese)"), max_length=100)
    industry_en = models.CharField(_("Industry (English)"), max_length=100)
    focus_area = models.ForeignKey(
        FocusArea, on_delete=models.PROTECT, related_name="cases", verbose_name=_("Focus area")
    )
    summary_zh = models.TextField(_("Summary (Chinese)"))
    summary_en = models.TextField(_("Summary (English)"))
    measures_zh = models.TextField(_("Measures taken (Chinese)"), help_text=_("One per line"))
    measures_en = models.TextField(_("Measures taken (English)"), help_text=_("One per line"))
    outcome_zh = models.TextField(_("Outcome (Chinese)"), blank=True)
    outcome_en = models.TextField(_("Outcome (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("company case")
        verbose_name_plural = _("company cases")

    def __str__(self) -> str:
        return pick(self, "company")

    def get_absolute_url(self) -> str:
        return reverse("policy_case", args=[self.slug])


class Statement(NamedByField):
    """A keyed statement of the reference material: a title and a text in both languages, ordered within its
    group, with its confidence mark and source. Facts and process rules are statements."""

    natural_key_field = "key"

    key = models.SlugField(_("Key"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    title_zh = models.CharField(_("Title (Chinese)"), max_length=300)
    title_en = models.CharField(_("Title (English)"), max_length=300)
    body_zh = models.TextField(_("Text (Chinese)"), blank=True)
    body_en = models.TextField(_("Text (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return pick(self, "title")


class Fact(Statement):
    """A stand-alone statement: a green-finance measure or prospect, or a finding of the sources."""

    class Kind(models.TextChoices):
        FINANCE_MEASURE = "finance_measure", _("Green-finance measure")
        FINANCE_PROSPECT = "finance_prospect", _("Green-finance prospect")
        FINDING = "finding", _("Finding")

    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="facts", verbose_name=_("Focus areas"))

    class Meta:
        ordering = ["kind", "order", "key"]
        verbose_name = _("fact")
        verbose_name_plural = _("facts")


class ProcessRule(Statement):
    """A rule of the annual listing process or of dynamic management (有进有出)."""

    class Section(models.TextChoices):
        TIERS = "tiers", _("Tiers")
        CYCLE = "cycle", _("Annual cycle")
        THIRD_PARTY = "third_party", _("Third-party agencies")
        DYNAMIC = "dynamic", _("Dynamic management")
        REMOVAL = "removal", _("Removal triggers")
        OBLIGATION = "obligation", _("Earlier obligations")

    section = models.CharField(_("Section"), max_length=20, choices=Section.choices)
    period = models.CharField(
        _("Period"), max_length=40, blank=True, help_text=_("When the rule applies, e.g. 2017–2024 or 2025–")
    )
    documents = models.ManyToManyField(
        PolicyDocument, blank=True, related_name="process_rules", verbose_name=_("Documents")
    )

    class Meta:
        ordering = ["section", "order", "key"]
        verbose_name = _("process rule")
        verbose_name_plural = _("process rules")


class ListRelease(NamedByField):
    """One published national list (a batch) or one reported cumulative stock of listed units."""

    natural_key_field = "key"

    class Kind(models.TextChoices):
        BATCH = "batch", _("National list (batch)")
        STOCK = "stock", _("Cumulative stock")

    key = models.SlugField(_("Key"), max_length=80, unique=True)
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("Year"))
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    label_zh = models.CharField(_("Label (Chinese)"), max_length=100)
    label_en = models.CharField(_("Label (English)"), max_length=100)
    notice = models.CharField(_("Notice"), max_length=120, blank=True, help_text=_("Notice number and date, if known"))
    document = models.ForeignKey(
        PolicyDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_releases",
        verbose_name=_("Document"),
    )
    note_zh = models.TextField(_("Note (Chinese)"), blank=True)
    note_en = models.TextField(_("Note (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "year", "order"]
        verbose_name = _("list release")
        verbose_name_plural = _("list releases")

    def __str__(self) -> str:
        return pick(self, "label")


class ListCountManager(models.Manager["ListCount"]):
    def get_by_natural_key(self, release_key: str, area: str, measure: str) -> "ListCount":
        return self.get(release__key=release_key, area=area, measure=measure)


class ListCount(models.Model):
    """One number of a release: units listed, removed or renamed in one area, with its own mark."""

    class Measure(models.TextChoices):
        LISTED = "listed", _("Listed")
        REMOVED = "removed", _("Removed")
        RENAMED = "renamed", _("Renamed")

    release = models.ForeignKey(
        ListRelease, on_delete=models.CASCADE, related_name="counts", verbose_name=_("List release")
    )
    # Blank area: a count reported for all areas together (e.g. "104 renamed").
    area = models.CharField(_("Focus area"), max_length=20, choices=vocabulary.FocusArea.choices, blank=True)
    measure = models.CharField(_("Measure"), max_length=10, choices=Measure.choices, default=Measure.LISTED)
    value = models.PositiveIntegerField(_("Value"))
    approximate = models.BooleanField(_("Approximate"), default=False, help_text=_("Shown with ≈"))
    note_zh = models.CharField(_("Note (Chinese)"), max_length=300, blank=True)
    note_en = models.CharField(_("Note (English)"), max_length=300, blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    source = models.CharField(_("Source"), max_length=200, blank=True)

    objects = ListCountManager()

    class Meta:
        ordering = ["release", "measure", "area"]
        verbose_name = _("list count")
        verbose_name_plural = _("list counts")
        constraints = [
            models.UniqueConstraint(fields=["release", "area", "measure"], name="one_count_per_release_area")
        ]

    def __str__(self) -> str:
        return f"{pick(self.release, 'label')} {self.area or 'all'} {self.measure}: {self.value}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.release.key, self.area, self.measure)
