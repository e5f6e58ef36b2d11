import hashlib
import json
import uuid
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from assessment.vocabulary import Choice, FocusArea, GateKind, IndicatorType, NaRule, Rating
from greenmfg.bilingual import is_chinese, pick
from organisations.models import Company, Consultancy, Province, Sector, done_by
from policies.models import Mark, NamedByField, NaturalKeyManager, PolicyDocument

# --- Criteria: what admins maintain -------------------------------------------------------------


class CriteriaSetQuerySet(models.QuerySet["CriteriaSet"]):
    def published(self) -> "CriteriaSetQuerySet":
        return self.filter(status=CriteriaSet.Status.PUBLISHED)

    def latest_published(self, area: str) -> "CriteriaSet | None":
        return self.published().filter(area=area).order_by("-effective_date", "-id").first()


class CriteriaSetManager(NaturalKeyManager.from_queryset(CriteriaSetQuerySet)):  # type: ignore[misc]  # from_queryset builds the base class at run time
    """The set queries, with the natural key of NamedByField."""


class CriteriaSet(NamedByField):
    """One focus area under one version of its governing standard, e.g. GB/T 36132-2025."""

    natural_key_field = "code"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    Rating = Rating
    NaRule = NaRule

    code = models.SlugField(_("Code"), max_length=80, unique=True)
    area = models.CharField(_("Focus area"), max_length=20, choices=FocusArea.choices)
    version = models.CharField(_("Version"), max_length=40, help_text=_("e.g. 2025"))
    name_zh = models.CharField(_("Name (Chinese)"), max_length=200)
    name_en = models.CharField(_("Name (English)"), max_length=200)
    standard = models.CharField(
        _("Governing standard"), max_length=120, help_text=_("Governing standard or document, e.g. GB/T 36132-2025")
    )
    standard_en = models.CharField(
        _("Governing standard (English)"),
        max_length=200,
        blank=True,
        help_text=_("The standard's name in English where it differs, e.g. for a ministry notice"),
    )
    clause = models.CharField(
        _("Clause"), max_length=200, blank=True, help_text=_("Clause or table the set comes from")
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(_("Effective date"))
    rating = models.CharField(_("Rating method"), max_length=10, choices=Rating.choices)
    rating_bands = models.JSONField(
        _("Rating bands"),
        default=list,
        blank=True,
        help_text=_('For stars/bands: [{"min": 85, "label_zh": "五星", "label_en": "Five stars"}, ...], highest first'),
    )
    na_rule = models.CharField(
        _("Not-applicable rule"), max_length=12, choices=NaRule.choices, default=NaRule.RENORMALISE
    )
    provisional = models.BooleanField(
        _("Provisional"), default=False, help_text=_("The aggregation itself is not official")
    )
    note_zh = models.TextField(_("Note (Chinese)"), blank=True)
    note_en = models.TextField(_("Note (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    source = models.CharField(_("Source"), max_length=200, blank=True)
    governing_documents = models.ManyToManyField(
        PolicyDocument, blank=True, related_name="criteria_sets", verbose_name=_("Governing documents")
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
        verbose_name=_("Previous version"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    objects: ClassVar[CriteriaSetManager] = CriteriaSetManager()

    class Meta:
        ordering = ["area", "-effective_date", "code"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [
            # Assessments pick the published set of an area; two of the same version would be ambiguous.
            models.UniqueConstraint(
                fields=["area", "version"],
                condition=models.Q(status="published"),
                name="one_published_set_per_area_version",
                violation_error_message=_("Another published criteria set has the same focus area and version."),
            )
        ]

    def __str__(self) -> str:
        return f"{pick(self, 'name')} · {self.code} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def standard_label(self) -> str:
        """The governing standard as the active language names it (a GB number reads the same in both)."""
        return self.standard_en if self.standard_en and not is_chinese() else self.standard


_Child = TypeVar("_Child", bound=models.Model)


class ChildOfSetManager(models.Manager[_Child]):
    def get_by_natural_key(self, set_code: str, code: str) -> _Child:
        return self.get(criteria_set__code=set_code, code=code)


class ChildOfSet(models.Model):
    """A row of a criteria set named by its code within the set: a gate or a category.

    The subclasses declare `criteria_set` (each with its own related name), `code` and `order`; they are
    named by set and code (ChildOfSetManager).
    """

    criteria_set: CriteriaSet
    code: str

    objects = ChildOfSetManager()

    class Meta:
        abstract = True
        ordering = ["criteria_set", "order", "code"]

    def natural_key(self) -> tuple[str, str]:
        return (self.criteria_set.code, self.code)


class Gate(ChildOfSet):
    """A pass/fail precondition: a basic requirement or an item of the negative list."""

    Kind = GateKind

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="gates", verbose_name=_("Criteria set")
    )
    code = models.CharField(_("Code"), max_length=20)
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    text_zh = models.TextField(_("Text (Chinese)"))
    text_en = models.TextField(_("Text (English)"))
    guidance_zh = models.TextField(_("Guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("Guidance (English)"), blank=True)
    evidence_zh = models.TextField(_("Evidence expected (Chinese)"), blank=True)
    evidence_en = models.TextField(_("Evidence expected (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    source = models.CharField(_("Source"), max_length=200, blank=True)
    policy_basis = models.ManyToManyField(
        PolicyDocument, blank=True, related_name="gates", verbose_name=_("Policy basis")
    )

    class Meta(ChildOfSet.Meta):
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="unique_gate_code")]

    def __str__(self) -> str:
        return f"{self.code} {pick(self, 'text')[:60]}"


class Category(ChildOfSet):
    """A level-1 indicator (一级指标) with its weight in points."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="categories", verbose_name=_("Criteria set")
    )
    code = models.CharField(_("Code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    name_zh = models.CharField(_("Name (Chinese)"), max_length=200)
    name_en = models.CharField(_("Name (English)"), max_length=200)
    weight = models.DecimalField(_("Weight"), max_digits=7, decimal_places=3, help_text=_("Points of this category"))

    class Meta(ChildOfSet.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="unique_category_code")]

    def __str__(self) -> str:
        return f"{self.code} {pick(self, 'name')}"


class IndicatorManager(models.Manager["Indicator"]):
    def get_by_natural_key(self, set_code: str, code: str) -> "Indicator":
        return self.get(category__criteria_set__code=set_code, code=code)


class Indicator(models.Model):
    """A scored indicator (level 2, or level 3 under a level-2 parent).

    `rule` holds the type's parameters as data:
      quantitative: {"leading": "8", "benchmark": "0"} defaults, used when no sector value applies
      bands:        {"bands": [{"min": "90", "fraction": "1"}, {"min": "70", "fraction": "0.5"}]}
      qualitative:  {"fractions": {"met": "1", "partly": "0.5", "not_met": "0"}, "provisional_choices": ["partly"]}
      count:        {"target": 8, "options_zh": [...], "options_en": [...]}
      pass_fail:    {"requirement_zh": "...", "requirement_en": "..."}
    `formula` names an entry of assessment.formulas.FORMULAS; the questionnaire then asks for
    the formula's raw inputs and the engine computes the indicator value.
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("Category")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("Parent indicator"),
    )
    code = models.CharField(_("Code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    name_zh = models.CharField(_("Name (Chinese)"), max_length=300)
    name_en = models.CharField(_("Name (English)"), max_length=300)
    indicator_type = models.CharField(_("Indicator type"), max_length=20, choices=IndicatorType.choices)
    points = models.DecimalField(_("Points"), max_digits=7, decimal_places=3)
    required = models.BooleanField(_("Required"), default=True)
    allows_na = models.BooleanField(_("Not applicable allowed"), default=False)
    unit = models.CharField(_("Unit"), max_length=60, blank=True)
    formula = models.CharField(_("Formula"), max_length=60, blank=True)
    rule = models.JSONField(_("Scoring rule"), default=dict, blank=True)
    uses_sector_values = models.BooleanField(
        _("Uses sector values"), default=False, help_text=_("Leading/benchmark come from sector values")
    )
    guidance_zh = models.TextField(_("Guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("Guidance (English)"), blank=True)
    evidence_zh = models.TextField(_("Evidence expected (Chinese)"), blank=True)
    evidence_en = models.TextField(_("Evidence expected (English)"), blank=True)
    recommendation_zh = models.TextField(_("Recommendation (Chinese)"), blank=True)
    recommendation_en = models.TextField(_("Recommendation (English)"), blank=True)
    provisional = models.BooleanField(
        _("Provisional"), default=False, help_text=_("The scoring rule rests on an uncertain [U] figure")
    )
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.VERIFIED)
    source = models.CharField(_("Source"), max_length=200, blank=True)
    policy_basis = models.ManyToManyField(
        PolicyDocument, blank=True, related_name="indicators", verbose_name=_("Policy basis")
    )

    objects = IndicatorManager()

    class Meta:
        ordering = ["category__criteria_set", "category__order", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="unique_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {pick(self, 'name')}"

    def natural_key(self) -> tuple[str, str]:
        return (self.category.criteria_set.code, self.code)


class Library(models.Model):
    """A set of leading/benchmark values (SectorValue rows) with one owner: the platform (official rows), a
    consultancy (its own research, offered to every client that granted it access) or one company."""

    class Owner(models.TextChoices):
        PLATFORM = "platform", _("Platform")
        CONSULTANCY = "consultancy", _("Consultancy")
        COMPANY = "company", _("Company")

    owner = models.CharField(_("Owner"), max_length=12, choices=Owner.choices)
    consultancy = models.ForeignKey(
        Consultancy,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="libraries",
        verbose_name=_("Consultancy"),
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="libraries", verbose_name=_("Company")
    )
    name_zh = models.CharField(_("Name (Chinese)"), max_length=200)
    name_en = models.CharField(_("Name (English)"), max_length=200)
    source = models.CharField(
        _("Source"), max_length=300, help_text=_("Research, survey or document behind the values")
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["owner", "name_en"]
        verbose_name = _("reference-value library")
        verbose_name_plural = _("reference-value libraries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(owner="platform", consultancy__isnull=True, company__isnull=True)
                    | models.Q(owner="consultancy", consultancy__isnull=False, company__isnull=True)
                    | models.Q(owner="company", consultancy__isnull=True, company__isnull=False)
                ),
                name="library_owner_matches",
            )
        ]

    def __str__(self) -> str:
        return pick(self, "name")

    @property
    def self_set(self) -> bool:
        """Values the assessed company or its consultancy chose, not official rows."""
        return self.owner != self.Owner.PLATFORM


class SectorValueQuerySet(models.QuerySet["SectorValue"]):
    def for_year(self, year: int) -> "SectorValueQuerySet":
        """Rows to offer for an evaluation year: editions superseded by then are left out. A row that
        only comes into force later stays (the only one shipped); the engine says so on the indicator."""
        return self.exclude(superseded__year__lte=year)

    def offered(self, keep: Any = ()) -> "SectorValueQuerySet":
        """A consultancy's or company's row once retired (superseded set) is offered only where an answer already
        chose it (`keep`: row ids, or a subquery of them), so that answer keeps its values."""
        retired = models.Q(library__owner__in=["consultancy", "company"], superseded__isnull=False)
        # A library row without figures: platform peer values withdrawn when their peers fell below the rule.
        withdrawn = models.Q(library__isnull=False, leading__isnull=True)
        # A library row marked [U] is never offered as a yardstick (shipped quota rows marked [U] are shown,
        # flagged as not official, where the criteria use quotas).
        uncertain = models.Q(library__isnull=False, mark=Mark.UNCERTAIN)
        return self.exclude((retired | withdrawn) & ~models.Q(pk__in=keep)).exclude(uncertain)

    def visible_to(self, company_id: int, consultancy_ids: "models.QuerySet[Any] | list[int]") -> "SectorValueQuerySet":
        """Shipped rows, platform libraries, the company's own library and those of consultancies it granted access."""
        return self.filter(
            models.Q(library__isnull=True)
            | models.Q(library__owner=Library.Owner.PLATFORM)
            | models.Q(library__company_id=company_id)
            | models.Q(library__consultancy_id__in=consultancy_ids)
        )


class SectorValueManager(NaturalKeyManager.from_queryset(SectorValueQuerySet)):  # type: ignore[misc]  # from_queryset builds the base class at run time
    """The row queries, with the natural key of NamedByField."""


class SectorValue(NamedByField):
    """Leading and benchmark values for one indicator, sector and product, from a quota standard.

    Keyed by indicator code (not by a criteria-set row) so values survive new criteria versions.
    """

    natural_key_field = "key"

    key = models.SlugField(_("Key"), max_length=120, unique=True, help_text=_("Stable key, e.g. gb-16780-2021-cement"))
    area = models.CharField(_("Focus area"), max_length=20, choices=FocusArea.choices, default=FocusArea.FACTORY)
    indicator_code = models.CharField(_("Indicator code"), max_length=20)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="sector_values", verbose_name=_("Industry sector")
    )
    product_zh = models.CharField(_("Product (Chinese)"), max_length=200)
    product_en = models.CharField(_("Product (English)"), max_length=200)
    standard = models.CharField(
        _("Standard"), max_length=60, help_text=_("Standard number without edition, e.g. GB 16780")
    )
    edition = models.CharField(
        _("Edition"),
        max_length=10,
        blank=True,
        help_text=_("Edition year, e.g. 2021; blank when the source does not state it"),
    )
    in_force = models.DateField(_("In force"), null=True, blank=True)
    superseded = models.DateField(
        _("Superseded"), null=True, blank=True, help_text=_("Date a newer edition replaced this one, if any")
    )
    unit = models.CharField(_("Unit"), max_length=40, help_text=_("As printed in the standard, e.g. kgce/t"))
    leading = models.DecimalField(_("Leading value"), max_digits=14, decimal_places=4, null=True, blank=True)
    benchmark = models.DecimalField(_("Benchmark value"), max_digits=14, decimal_places=4, null=True, blank=True)
    limit = models.DecimalField(
        _("Limit value"), max_digits=14, decimal_places=4, null=True, blank=True, help_text=_("Level 3 / 限定值")
    )
    notes_zh = models.TextField(_("Notes (Chinese)"), blank=True)
    notes_en = models.TextField(_("Notes (English)"), blank=True)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)
    source = models.CharField(_("Source"), max_length=60, blank=True)
    library = models.ForeignKey(
        Library,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rows",
        verbose_name=_("Library"),
        help_text=_("Blank: the quota standards shipped with the app"),
    )

    objects: ClassVar[SectorValueManager] = SectorValueManager()

    class Meta:
        ordering = ["indicator_code", "sector", "standard", "product_en"]
        verbose_name = _("sector value")
        verbose_name_plural = _("sector values")

    def __str__(self) -> str:
        return f"{self.standard_edition} {self.product_en} ({self.indicator_code})"

    @property
    def is_official(self) -> bool:
        """[U] rows are shown, never used as official values."""
        return self.mark != Mark.UNCERTAIN

    @property
    def standard_edition(self) -> str:
        if not self.standard:  # a library row named by its library (platform peer values: the year)
            return self.edition
        return f"{self.standard}-{self.edition}" if self.edition else f"{self.standard} ({_('edition not stated')})"

    def in_force_in(self, year: int) -> bool:
        """Whether this edition applied during the evaluation year (unknown dates count as in force)."""
        started = self.in_force is None or self.in_force.year <= year
        ended = self.superseded is not None and self.superseded.year <= year
        return started and not ended


class ContextFigure(NamedByField):
    """A national policy figure shown beside an indicator as context (a macro target, never a yardstick)."""

    natural_key_field = "key"

    key = models.SlugField(_("Key"), max_length=80, unique=True)
    area = models.CharField(_("Focus area"), max_length=20, choices=FocusArea.choices, default=FocusArea.FACTORY)
    indicator_code = models.CharField(_("Indicator code"), max_length=20)
    text_zh = models.TextField(_("Text (Chinese)"))
    text_en = models.TextField(_("Text (English)"))
    document = models.CharField(_("Document"), max_length=300)
    source = models.CharField(_("Source"), max_length=300)
    mark = models.CharField(_("Confidence mark"), max_length=1, choices=Mark.choices, default=Mark.SECONDARY)

    class Meta:
        ordering = ["area", "indicator_code", "key"]
        verbose_name = _("policy context figure")
        verbose_name_plural = _("policy context figures")

    def __str__(self) -> str:
        return self.key


class RegionalReference(models.Model):
    """The regional average score of existing national units, entered by staff when known."""

    area = models.CharField(_("Focus area"), max_length=20, choices=FocusArea.choices)
    province = models.CharField(_("Province"), max_length=2, choices=Province.choices)
    year = models.PositiveSmallIntegerField(_("Year"))
    value = models.DecimalField(_("Reference score"), max_digits=6, decimal_places=2)
    source = models.CharField(_("Source"), max_length=300)

    class Meta:
        ordering = ["area", "province", "-year"]
        verbose_name = _("regional reference")
        verbose_name_plural = _("regional references")
        constraints = [models.UniqueConstraint(fields=["area", "province", "year"], name="one_reference_per_year")]

    def __str__(self) -> str:
        return f"{self.area} {self.province} {self.year}: {self.value}"


# --- Assessments: what companies fill in ------------------------------------------------------


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def submitted(self) -> "AssessmentQuerySet":
        return self.filter(status=Assessment.Status.SUBMITTED)

    def drafts(self) -> "AssessmentQuerySet":
        return self.filter(status=Assessment.Status.DRAFT)


class Assessment(models.Model):
    """One revision of a company's self-assessment against one criteria-set version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SUPERSEDED = "superseded", _("Superseded by a newer revision")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("Company")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("Criteria set")
    )
    title = models.CharField(_("Title"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("Reporting year"))
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveSmallIntegerField(_("Revision"), default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Previous revision")
    )
    is_demo = models.BooleanField(_("Demo data"), default=False)
    created_by = done_by(_("Created by"))
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("Submitted at"), null=True, blank=True)
    submitted_by = done_by(_("Submitted by"), blank=True)
    # Re-assessment: the submitted assessment this one was pre-filled from, and what did not carry over.
    prefilled_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Pre-filled from")
    )
    carryover_unmapped = models.JSONField(
        _("Answers not carried over"),
        default=list,
        blank=True,
        help_text=_('Answers of the previous assessment that did not map: [{"code", "reason"}, ...]'),
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.company} · {self.criteria_set.code} · {self.year} r{self.revision}"

    @property
    def is_locked(self) -> bool:
        return self.status != self.Status.DRAFT


class CodeRow(models.Model):
    """A row an assessment keeps per gate or indicator code, edited by its users: who saved it last, and when.

    Answers and action-plan items are both such rows; the subclasses declare `assessment` and `code` (their
    related names and labels differ) and their own constraint of one row per code.
    """

    assessment_id: int
    code: str

    updated_by = done_by(_("Updated by"), blank=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["assessment", "code"]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.code}"


class Answer(CodeRow):
    """The answer to one gate or indicator, keyed by its code within the assessment's criteria set.

    One row per (assessment, code); `seq` is the client's save sequence and `version` counts
    accepted saves, so replays and stale saves can be detected.
    """

    Choice = Choice

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("Assessment")
    )
    code = models.CharField(_("Code"), max_length=20)
    value = models.DecimalField(_("Value"), max_digits=20, decimal_places=6, null=True, blank=True)
    inputs = models.JSONField(
        _("Formula inputs"), default=dict, blank=True, help_text=_("Raw figures of the formula, as decimal strings")
    )
    choice = models.CharField(_("Choice"), max_length=10, choices=Choice.choices, blank=True)
    count = models.PositiveSmallIntegerField(_("Count"), null=True, blank=True)
    passed = models.BooleanField(_("Passed"), null=True, blank=True, help_text=_("Gates and pass/fail indicators"))
    na = models.BooleanField(_("Not applicable"), default=False)
    na_reason = models.TextField(_("Reason not applicable"), blank=True)
    sector_value = models.ForeignKey(
        SectorValue, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("Sector value")
    )
    leading = models.DecimalField(_("Leading value"), max_digits=20, decimal_places=6, null=True, blank=True)
    benchmark = models.DecimalField(_("Benchmark value"), max_digits=20, decimal_places=6, null=True, blank=True)
    values_source = models.CharField(
        _("Source of the values"), max_length=300, blank=True, help_text=_("Source of user-supplied leading/benchmark")
    )
    comment = models.TextField(_("Comment"), blank=True)
    consultant_note = models.TextField(_("Consultant note"), blank=True)
    seq = models.BigIntegerField(_("Save sequence"), default=0)
    version = models.PositiveIntegerField(_("Saves"), default=0)

    class Meta(CodeRow.Meta):
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="one_answer_per_code")]


def snapshot_digest(criteria: Any, answers: Any, scorecard: Any, total: Any) -> str:
    """SHA-256 of a snapshot's content in canonical JSON: equal digests, equal content."""
    content = json.dumps(
        [criteria, answers, scorecard, str(total)], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(content.encode()).hexdigest()


class Snapshot(models.Model):
    """Frozen at submission: criteria as plain data, answers, and the scorecard they produced.

    Never changed once written (the admin is read-only). `digest` names its content, so what is computed
    from a snapshot can be kept in memory under it (assessment.scorecards.state_for)."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="snapshot", verbose_name=_("Assessment")
    )
    criteria = models.JSONField(_("Criteria"))
    answers = models.JSONField(_("Answers"))
    scorecard = models.JSONField(_("Scorecard"))
    total = models.DecimalField(_("Total score"), max_digits=7, decimal_places=2, null=True)
    verdict = models.CharField(_("Verdict"), max_length=20)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    digest = models.CharField(_("Content digest"), max_length=64, editable=False, db_index=True, default="")

    # The frozen content; pages that only show when and what was submitted read the row without it.
    CONTENT = ("criteria", "answers", "scorecard")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return f"Snapshot of {self.assessment}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.digest = snapshot_digest(self.criteria, self.answers, self.scorecard, self.total)
        super().save(*args, **kwargs)


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under a generated name; the user's file name is kept in original_name only.
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("Assessment")
    )
    code = models.CharField(_("Code"), max_length=20, help_text=_("Gate or indicator code"))
    file = models.FileField(_("File"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("Original file name"), max_length=255)
    content_type = models.CharField(_("Content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("Size (bytes)"))
    uploaded_by = done_by(_("Uploaded by"))
    uploaded_at = models.DateTimeField(_("Uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["assessment", "code", "uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.code}: {self.original_name}"


class Report(models.Model):
    """A PDF report of one assessment revision in one language, rendered by the task worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Generation failed")

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF report")
        FILING_PACK = "filing", _("Filing pack")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("Assessment")
    )
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices, default=Kind.PDF)
    language = models.CharField(_("Language"), max_length=10, choices=settings.LANGUAGES)
    fingerprint = models.CharField(
        _("Fingerprint"), max_length=64, help_text=_("State of the assessment the PDF was made from")
    )
    consultancy = models.ForeignKey(
        "organisations.Consultancy", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("Consultancy")
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Progress"), default=0)
    file = models.FileField(_("File"), upload_to="reports/", blank=True, max_length=200)
    pages = models.PositiveSmallIntegerField(_("Pages"), null=True, blank=True)
    error = models.TextField(_("Error"), blank=True)
    task_id = models.CharField(_("Task ID"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    requested_by = done_by(_("Requested by"))
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"Report {self.assessment_id} {self.language} ({self.status})"


class ActionItem(CodeRow):
    """One gap of an assessment in the company's action plan: who does what by when, at what cost.

    Kept per indicator code; the report projects the score as if every planned gap were met.
    """

    class Priority(models.TextChoices):
        HIGH = "high", pgettext_lazy("priority", "High")
        MEDIUM = "medium", pgettext_lazy("priority", "Medium")
        LOW = "low", pgettext_lazy("priority", "Low")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("Assessment")
    )
    code = models.CharField(_("Indicator code"), max_length=20)
    priority = models.CharField(_("Priority"), max_length=10, choices=Priority.choices, blank=True)
    action = models.CharField(_("Planned action"), max_length=300, blank=True)
    owner = models.CharField(_("Responsible"), max_length=100, blank=True)
    due = models.DateField(_("Due date"), null=True, blank=True)
    cost = models.DecimalField(_("Estimated cost (10k CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    saving = models.DecimalField(
        _("Expected saving (10k CNY a year)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta(CodeRow.Meta):
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="one_action_per_code")]

    @property
    def planned(self) -> bool:
        """In the plan: a priority is set (the other fields alone are notes, not a commitment)."""
        return bool(self.priority)


# What each audit action says, translated when shown; an event's details["params"] fill it in.
# `summary` keeps the English text (for searching the admin and for events stored before the codes).
EVENT_TEXTS: dict[str, str] = {
    "assessment.submitted": gettext_noop("Submitted revision %(revision)s"),
    "assessment.superseded": gettext_noop("Reopened as revision %(revision)s"),
    "assessment.revision_created": gettext_noop("Revision %(revision)s opened from revision %(previous)s"),
    "assessment.created": gettext_noop("Re-assessment %(year)s pre-filled from %(source_year)s r%(source_revision)s"),
    "answers.repaired": gettext_noop("Repaired answer %(code)s"),
    "answers.imported": gettext_noop("Imported %(count)s answer(s)"),
    "criteria.added": gettext_noop("Added %(object)s"),
    "criteria.changed": gettext_noop("Changed %(object)s"),
    "criteria.deleted": gettext_noop("Deleted %(object)s"),
    "criteria.inline_saved": gettext_noop("Saved %(object)s in %(parent)s"),
    "criteria.inline_deleted": gettext_noop("Deleted %(object)s from %(parent)s"),
    "criteria.published": gettext_noop("Published %(code)s"),
    "criteria.cloned": gettext_noop("Cloned %(original)s as %(code)s"),
    "criteria.retired": gettext_noop("Retired %(code)s"),
    "criteria.imported": gettext_noop("Imported %(code)s from %(file)s as a draft"),
    "sector_value.added": gettext_noop("Added sector value %(object)s"),
    "sector_value.changed": gettext_noop("Changed sector value %(object)s"),
    "reference.added": gettext_noop("Added regional reference %(object)s"),
    "reference.changed": gettext_noop("Changed regional reference %(object)s"),
}


def event_summary(action: str, params: dict[str, Any]) -> str:
    """The English text stored with an event (its `summary`)."""
    return _event_text(action, params) or action


def _event_text(action: str, params: Any) -> str | None:
    template = EVENT_TEXTS.get(action)
    if template is None or not isinstance(params, dict):
        return None
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return None


class AuditEvent(models.Model):
    """Who changed criteria or an assessment's status, when, and what."""

    actor = done_by(_("Actor"), blank=True)
    action = models.CharField(_("Action"), max_length=40)
    object_type = models.CharField(_("Object type"), max_length=60)
    object_id = models.CharField(_("Object ID"), max_length=40)
    summary = models.CharField(_("Summary"), max_length=300)
    details = models.JSONField(_("Details"), default=dict, blank=True)
    at = models.DateTimeField(_("Time"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def text(self) -> str:
        """What happened, in the active language (events stored before the codes keep their summary)."""
        template = EVENT_TEXTS.get(self.action)
        params = self.details.get("params") if isinstance(self.details, dict) else None
        if template is None or _event_text(self.action, params) is None:
            return self.summary
        return gettext(template) % params
