"""Summary tables the worker keeps up to date after each submission (pages never aggregate snapshots)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.models import Assessment
from assessment.vocabulary import FocusArea
from organisations.models import Company, Province

ALL = ""  # sector or province of a peer group over every sector / province


class Entry(models.Model):
    """A company's latest submitted snapshot for one criteria set and evaluation year, flattened."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("Company"))
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+", verbose_name=_("Assessment"))
    area = models.CharField(_("Focus area"), max_length=20, choices=FocusArea.choices)
    criteria_set = models.CharField(_("Criteria set"), max_length=60)
    year = models.PositiveSmallIntegerField(_("Evaluation year"))
    sector = models.CharField(_("Sector"), max_length=4)
    province = models.CharField(_("Province"), max_length=2, choices=Province.choices)
    # Comma-separated ids of the consultancies with access ("" = none): plain text reads fast in bulk.
    firms = models.CharField(_("Consultancies"), max_length=300, blank=True)
    total = models.DecimalField(_("Total score"), max_digits=7, decimal_places=2)
    maximum = models.DecimalField(_("Maximum"), max_digits=7, decimal_places=2, default=100)
    # The company's opt-in, copied here so a refresh reads one table; kept in step by standing.refresh.
    counted = models.BooleanField(_("Counted"), default=True)
    values = models.JSONField(_("Indicator values"), default=dict, blank=True)
    lower_is_better = models.JSONField(_("Reverse indicators"), default=list, blank=True)

    class Meta:
        ordering = ["criteria_set", "year", "company"]
        verbose_name = _("peer entry")
        verbose_name_plural = _("peer entries")
        constraints = [
            models.UniqueConstraint(fields=["company", "criteria_set", "year"], name="one_entry_per_company_set_year")
        ]
        indexes = [models.Index(fields=["criteria_set", "year", "sector", "province"], name="entry_group")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.criteria_set} {self.year}"

    @property
    def firm_ids(self) -> list[str]:
        return split_firms(self.firms)


def split_firms(firms: str) -> list[str]:
    return firms.split(",") if firms else []


class PeerStat(models.Model):
    """The published statistics of one peer group; a refused group stores its refusal and no figure."""

    criteria_set = models.CharField(_("Criteria set"), max_length=60)
    year = models.PositiveSmallIntegerField(_("Evaluation year"))
    sector = models.CharField(_("Sector"), max_length=4, blank=True)
    province = models.CharField(_("Province"), max_length=2, blank=True)
    refusal = models.CharField(_("Refused because"), max_length=20, blank=True)
    companies = models.PositiveIntegerField(_("Companies"), default=0)
    # standing.peers.ladder: [distinct totals ascending, count of totals at or below each]
    totals = models.JSONField(_("Distribution of totals"), default=list, blank=True)
    mean = models.DecimalField(_("Mean"), max_digits=7, decimal_places=2, null=True, blank=True)
    top5_mean = models.DecimalField(_("Top 5 % mean"), max_digits=7, decimal_places=2, null=True, blank=True)
    bottom5_mean = models.DecimalField(_("Bottom 5 % mean"), max_digits=7, decimal_places=2, null=True, blank=True)
    histogram = models.JSONField(_("Histogram"), default=list, blank=True)
    indicators = models.JSONField(_("Indicator peer values"), default=dict, blank=True)
    # Who stands behind the published figures, as counts (standing.peers.Headcount): wider and narrower
    # groups are checked against each other with it.
    headcount = models.JSONField(_("Companies behind the figures (counts)"), default=dict, blank=True)
    refreshed_at = models.DateTimeField(_("Refreshed at"), auto_now=True)

    class Meta:
        ordering = ["criteria_set", "year", "sector", "province"]
        verbose_name = _("peer statistic")
        verbose_name_plural = _("peer statistics")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "year", "sector", "province"], name="one_stat_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.criteria_set} {self.year} {self.sector or '*'} {self.province or '*'}"

    @property
    def published(self) -> bool:
        return not self.refusal


class PeerBasis(models.Model):
    """Who stood behind one publication of a group's figures, so a refresh can refuse differencing.

    `members`: company id → "fingerprint#consultancy ids" (standing.peers.Basis, encoded by standing.refresh).
    Each distinct publication has one row; publishing it again moves its `published_at` (standing.refresh.remember),
    so the history grows with distinct publications only, and its latest row is the last one published.
    """

    stat = models.ForeignKey(PeerStat, on_delete=models.CASCADE, related_name="bases", verbose_name=_("Peer statistic"))
    members = models.JSONField(_("Companies behind the figures"), default=dict)
    published_at = models.DateTimeField(_("Published at"), auto_now_add=True)

    class Meta:
        ordering = ["stat", "published_at", "pk"]
        verbose_name = _("published peer basis")
        verbose_name_plural = _("published peer bases")

    def __str__(self) -> str:
        return f"{self.stat} @ {self.published_at:%Y-%m-%d %H:%M}"
