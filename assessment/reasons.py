"""Why an indicator scored as it did: a reason code with parameters, translated only when shown.

The engine (scoring.py, formulas.py) never writes a sentence: it returns a `Reason`, a code from
`ReasonCode` plus string parameters. Code that decides something (submission's completeness check)
compares codes; pages, the PDF report and the CLI call `reason_text` to say it in the active language.

Stored form (snapshots, `score_answers` JSON): `code|key=value|…` (`Reason.encode`). A user's own N/A
reason is stored as typed. Nothing reads a stored reason back: a submitted assessment is re-scored from
its snapshot's criteria and answers (assessment.scorecards), so its reasons are the engine's own.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext, gettext_noop


class ReasonCode(StrEnum):
    NA_GIVEN = "na_given"  # the user's own N/A reason, parameter "text"
    NA_NEEDS_REASON = "na_needs_reason"
    NA_NOT_ALLOWED = "na_not_allowed"
    NO_THRESHOLDS = "no_thresholds"
    MISSING_INPUTS = "missing_inputs"
    UNIT_MISMATCH = "unit_mismatch"
    ZERO_DENOMINATOR = "zero_denominator"
    SECTOR_UNOFFICIAL = "sector_unofficial"
    LIMIT_AS_BENCHMARK = "limit_as_benchmark"
    REVERSED_THRESHOLDS = "reversed_thresholds"
    COUNT_ABOVE_MAX = "count_above_max"
    SECTOR_AND_USER_VALUES = "sector_and_user_values"
    WORSE_THAN_LIMIT = "worse_than_limit"
    SECTOR_MISMATCH = "sector_mismatch"
    EDITION_NOT_IN_FORCE = "edition_not_in_force"
    EDITION_SUPERSEDED = "edition_superseded"
    NA_APP_RULE = "na_app_rule"
    PARTIAL_RULE_PROVISIONAL = "partial_rule_provisional"
    FORM_PER_OUTPUT = "form_per_output"
    PER_OUTPUT_WITH_QUOTA = "per_output_with_quota"
    ELECTRICITY_CONVERTED = "electricity_converted"
    COVERAGE_SHARE = "coverage_share"


# One sentence per code (msgids of the Chinese catalogue); %(name)s are the reason's parameters.
REASON_TEXT: dict[ReasonCode, str] = {
    ReasonCode.NA_GIVEN: "%(text)s",
    ReasonCode.NA_NEEDS_REASON: gettext_noop("N/A needs a reason"),
    ReasonCode.NA_NOT_ALLOWED: gettext_noop("N/A is not allowed for this indicator"),
    ReasonCode.NO_THRESHOLDS: gettext_noop("no leading or benchmark value"),
    ReasonCode.MISSING_INPUTS: gettext_noop("missing input(s): %(names)s"),
    ReasonCode.UNIT_MISMATCH: gettext_noop("%(source)s cannot be expressed in %(target)s"),
    ReasonCode.ZERO_DENOMINATOR: gettext_noop("the denominator is zero, so the indicator cannot be scored"),
    ReasonCode.SECTOR_UNOFFICIAL: gettext_noop(
        "The sector value used is not confirmed against the official text of its standard, so these points are provisional."
    ),
    ReasonCode.LIMIT_AS_BENCHMARK: gettext_noop("no level 2 in the quota; level 3 used as benchmark"),
    ReasonCode.REVERSED_THRESHOLDS: gettext_noop(
        "the leading value %(leading)s and the benchmark %(benchmark)s are the wrong way round for this indicator "
        "(%(direction)s)"
    ),
    ReasonCode.COUNT_ABOVE_MAX: gettext_noop("%(count)s is more than the %(max)s functions the standard lists"),
    ReasonCode.SECTOR_AND_USER_VALUES: gettext_noop(
        "both a quota row and your own leading and benchmark values were given; keep one of them"
    ),
    ReasonCode.WORSE_THAN_LIMIT: gettext_noop(
        "worse than the quota's limit value %(limit)s %(unit)s (level 3, mandatory): a compliance problem, see basic requirement %(gate)s"
    ),
    ReasonCode.SECTOR_MISMATCH: gettext_noop(
        "the quota row is for sector %(quota_sector)s, not the company's sector %(company_sector)s"
    ),
    ReasonCode.EDITION_NOT_IN_FORCE: gettext_noop(
        "%(edition)s comes into force on %(in_force)s, after the evaluation year %(year)s; no edition in force in %(year)s is shipped"
    ),
    ReasonCode.EDITION_SUPERSEDED: gettext_noop(
        "%(edition)s was superseded on %(superseded)s, before the evaluation year %(year)s"
    ),
    ReasonCode.NA_APP_RULE: gettext_noop("N/A is allowed here by this app's rule, not by the standard (provisional)"),
    ReasonCode.PARTIAL_RULE_PROVISIONAL: gettext_noop(
        "the standard gives no rule for partial compliance; half points are provisional"
    ),
    ReasonCode.FORM_PER_OUTPUT: gettext_noop("per-output form (per 10k CNY of output value), GB/T 36132-2025 Annex B"),
    ReasonCode.PER_OUTPUT_WITH_QUOTA: gettext_noop(
        "a quota row is per product, but the figures were given per output value (G); give Q for the quota, or your own per-output leading and benchmark values"
    ),
    ReasonCode.ELECTRICITY_CONVERTED: gettext_noop(
        "the quota is graded on electricity; kWh converted at the calorific equivalent %(factor)s kgce/kWh (GB/T 2589)"
    ),
    ReasonCode.COVERAGE_SHARE: gettext_noop(
        "scored by coverage: %(part)s of %(total)s product categories have a carbon footprint"
    ),
}

DIRECTIONS = {
    "reverse": gettext_noop("lower is better: the leading value must not be above the benchmark"),
    "positive": gettext_noop("higher is better: the leading value must not be below the benchmark"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code and its parameters (strings, in the order given)."""

    code: ReasonCode
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str:
        return dict(self.params).get(key, "")

    def encode(self) -> str:
        """The stored form: `code|key=value|…`; a user's N/A reason as typed."""
        if self.code == ReasonCode.NA_GIVEN:
            return self.param("text")
        parts = [str(self.code), *(f"{key}={value}" for key, value in self.params)]
        return "|".join(part.replace("|", "/") for part in parts)


def reason(code: ReasonCode, **params: object) -> Reason:
    """A reason with its parameters, each turned into text as it will be shown."""
    return Reason(code, tuple((key, str(value)) for key, value in params.items()))


def reason_text(reason_: Reason | None) -> str:
    """A reason in the active language (a user's own N/A reason comes back as typed)."""
    if reason_ is None:
        return ""
    params = dict(reason_.params)
    if reason_.code == ReasonCode.NA_GIVEN:
        return params.get("text", "")
    if "direction" in params:
        params["direction"] = gettext(DIRECTIONS.get(params["direction"], params["direction"]))
    message = gettext(REASON_TEXT[reason_.code])
    try:
        return message % params
    except (KeyError, ValueError, TypeError):
        return message
