from django.db import models
from django.utils.translation import gettext_lazy as _


class Mark(models.TextChoices):
    """Confidence marks of the reference material (see shared reference files)."""

    VERIFIED = "V", _("Verified")
    SECONDARY = "S", _("Secondary source")
    DERIVED = "D", _("Derived")
    UNCERTAIN = "U", _("Uncertain")


class PolicyDocumentManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "PolicyDocument":
        return self.get(code=code)


class PolicyDocument(models.Model):
    """A governing document or standard: notices, measures, guidelines, national standards."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan or guideline")
        NOTICE = "notice", _("Notice")
        MEASURES = "measures", _("Measures")
        PROCEDURE = "procedure", _("Procedure")
        STANDARD = "standard", _("Standard")
        LIST = "list", _("National list")

    code = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(_("document number"), max_length=120, blank=True)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    issuer_zh = models.CharField(max_length=200, blank=True)
    issuer_en = models.CharField(max_length=200, blank=True)
    issued = models.CharField(_("issued"), max_length=60, blank=True, help_text="As precise as known, e.g. 2016-09 or 2025-10-09")
    in_force = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(help_text="Year used for ordering")
    summary_zh = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Source IDs from the reference")
    mark = models.CharField(max_length=1, choices=Mark.choices, default=Mark.VERIFIED)

    objects = PolicyDocumentManager()

    class Meta:
        ordering = ["year", "code"]

    def __str__(self) -> str:
        return f"{self.number or self.code} {self.title_en}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)
