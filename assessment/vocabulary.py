"""The words of an assessment, each defined once: focus areas, indicator types, gate kinds, answer
choices, rating rules, N/A rules, indicator statuses and verdicts.

Each is a `TextChoices` enum: its values are what the database, criteria data, snapshots and
answers files hold; its labels are the one table of names shown to people (translated when shown).
The models use them as field choices, the pure engine (scoring.py) compares against them, and pages,
the report and exports show `Enum(value).label`. No app imports: policies, standing and the engine
can all use it.
"""

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class FocusArea(models.TextChoices):
    FACTORY = "factory", _("Green factory")
    DESIGN_PRODUCT = "design_product", _("Green design product")
    PARK = "park", _("Green industrial park")
    SUPPLY_CHAIN = "supply_chain", _("Green supply chain")


class IndicatorType(models.TextChoices):
    POSITIVE_QUANT = "positive_quant", _("Positive quantitative")
    REVERSE_QUANT = "reverse_quant", _("Reverse quantitative")
    BANDS = "bands", _("Range bands")
    POSITIVE_QUAL = "positive_qual", _("Positive qualitative")
    REVERSE_QUAL = "reverse_qual", _("Reverse qualitative")
    COUNT = "count", _("Count toward a target")
    PASS_FAIL = "pass_fail", _("Pass / fail")


QUANTITATIVE = frozenset({IndicatorType.POSITIVE_QUANT, IndicatorType.REVERSE_QUANT})
QUALITATIVE = frozenset({IndicatorType.POSITIVE_QUAL, IndicatorType.REVERSE_QUAL})


class GateKind(models.TextChoices):
    BASIC = "basic", _("Basic requirement")
    NEGATIVE = "negative", _("Negative list")
    # Asked and shown, never a veto (e.g. park K7 "encouraged" systems and facilities).
    ENCOURAGED = "encouraged", _("Encouraged, not a veto")


# Gate kinds that veto: one "no" makes the assessment not eligible, one open answer leaves it
# incomplete. "encouraged" items (e.g. park K7) are asked and shown but never veto.
VETO_GATE_KINDS = frozenset({GateKind.BASIC, GateKind.NEGATIVE})


class Choice(models.TextChoices):
    """The answer to a qualitative indicator."""

    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class Rating(models.TextChoices):
    # Relative listing: no national pass mark; compare with a regional reference value.
    RELATIVE = "relative", _("Relative to the regional reference value")
    STARS = "stars", _("Star bands")
    ALL_PASS = "all_pass", _("Every indicator must pass")
    BANDS = "bands", _("Score bands")


class NaRule(models.TextChoices):
    RENORMALISE = "renormalise", _("Renormalise the remaining weights")
    EXCLUDE = "exclude", _("Exclude from the maximum, no renormalisation")


class Status(models.TextChoices):
    """How an indicator scored."""

    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")
    NA = "na", _("Not applicable")
    UNANSWERED = "unanswered", _("Not answered")
    CANNOT_SCORE = "cannot_score", _("Cannot be scored")


class Verdict(models.TextChoices):
    """What the scorecard says overall; the label is the short name, `verdict_text` the sentence."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    INCOMPLETE = "incomplete", _("Incomplete")
    ABOVE_REFERENCE = "above_reference", _("At or above the regional reference")
    BELOW_REFERENCE = "below_reference", _("Below the regional reference")
    NO_REFERENCE = "no_reference", _("Scored")
    RATED = "rated", _("Rated")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


VERDICT_TEXT: dict[Verdict, str] = {
    Verdict.NOT_ELIGIBLE: gettext_noop(
        "Not eligible: a basic requirement or negative-list item fails, whatever the score."
    ),
    Verdict.INCOMPLETE: gettext_noop(
        "Incomplete: some basic requirements or required indicators are unanswered or cannot be scored, "
        "so no verdict and no rating are given."
    ),
    Verdict.ABOVE_REFERENCE: gettext_noop("At or above the regional reference score."),
    Verdict.BELOW_REFERENCE: gettext_noop("Below the regional reference score."),
    Verdict.NO_REFERENCE: gettext_noop(
        "Scored out of 100 against the leading and benchmark values; no regional reference score is recorded, "
        "so the score is not placed against other units. MIIT lists new applicants that score at least the "
        "regional average of existing national units."
    ),
    Verdict.RATED: gettext_noop("Rated by score band."),
    Verdict.PASS: gettext_noop("Pass: every requirement is met."),
    Verdict.FAIL: gettext_noop("Fail: every indicator must pass and at least one is not met."),
}


def verdict_text(verdict: str) -> str:
    """What a verdict means, in the active language."""
    return gettext(VERDICT_TEXT[Verdict(verdict)]) if verdict in Verdict.values else verdict
