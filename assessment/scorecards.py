"""The scoring state of an assessment: one engine `Scorecard` that every page, the report and the
exports read.

It comes from one of two places:
- a draft is scored live from the database (`live_state`, through the questionnaire's loader), in a
  constant number of queries;
- a submitted (or superseded) one is re-scored from its immutable `Snapshot`: the frozen criteria and
  answers (`snapshot_state`), so later admin edits of criteria or sector values never change what was
  submitted. Submission proves the re-scored total equal to the stored one (tests/test_submission.py);
  a snapshot that no longer agrees is logged, and its stored total stays the one of record.

`Scorecard.to_dict` is written into a snapshot at submission and nowhere else: nothing turns its
rounded strings back into numbers. This module imports neither submission nor reports, so
submission → reports → scorecards has no cycle.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from assessment.answers import Criteria, context_for, criteria_for, load_questionnaire, sheet_for_indicator
from assessment.models import Assessment, SectorValue, Snapshot
from assessment.scoring import (
    AnswerData,
    Context,
    CriteriaSpec,
    IndicatorResult,
    Scorecard,
    ranked_gaps,
    round_points,
    score,
    what_if,
)
from assessment.specs import criteria_spec, parse_answers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringState:
    """Everything the results, submit, what-if and report pages need: the criteria, answers and scorecard."""

    criteria: dict[str, Any]  # specs.criteria_data form
    spec: CriteriaSpec
    answers: dict[str, AnswerData]
    card: Scorecard
    context: Context
    reference_year: int | None = None
    reference_source: str = ""
    notes: dict[str, dict[str, str]] = field(default_factory=dict)  # code → comment, consultant_note
    from_snapshot: bool = False
    # Per indicator: inputs typed over a figure of the data sheet without a reason (drafts only).
    unexplained: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The sector value rows the answers use, by key, when read with them (drafts); None for a snapshot.
    sector_rows: dict[str, SectorValue] | None = None

    @property
    def reference(self) -> Decimal | None:
        return self.card.reference

    def ranked_gaps(self) -> list[tuple[IndicatorResult, Decimal]]:
        """Every indicator not fully met with its gain, largest first (scoring.ranked_gaps)."""
        return ranked_gaps(self.spec, self.card)

    def what_if(self, codes: Iterable[str]) -> tuple[Scorecard, list[str]]:
        """The scorecard if the chosen open indicators were fully met, and the codes that were open."""
        open_codes = {r.code for r in self.card.gaps()}
        chosen = sorted(c for c in set(codes) if c in open_codes)
        if not chosen:
            return self.card, []  # nothing to meet: the scorecard as it is, not scored again
        card = what_if(
            self.spec, self.answers, chosen, reference=self.reference, context=self.context, scored=self.card
        )
        return card, chosen

    def snapshot_scorecard(self) -> dict[str, Any]:
        """What a snapshot stores: the scorecard's dict form plus where the reference came from."""
        return self.card.to_dict() | {"reference_year": self.reference_year, "reference_source": self.reference_source}


def live_state(assessment: Assessment) -> ScoringState:
    """A draft scored from the database through the questionnaire's loader (answers.load_questionnaire).

    The assessment needs its company (with sector) and criteria set selected."""
    questionnaire = load_questionnaire(assessment)
    criteria, card = questionnaire.criteria, questionnaire.scorecard
    answers: dict[str, AnswerData] = {}
    notes: dict[str, dict[str, str]] = {}
    unexplained: dict[str, tuple[str, ...]] = {}
    sheet = questionnaire.sheet
    for code, row in questionnaire.rows.items():
        # Rows for headings or codes no longer in the set are not part of the score or the snapshot.
        if code in criteria.gates:
            answers[code] = questionnaire.answers[code]
        elif code in criteria.indicators:
            answers[code] = questionnaire.answers[code]
            if row.comment or row.consultant_note:
                notes[code] = {"comment": row.comment, "consultant_note": row.consultant_note}
            if sheet and (missing := unexplained_overrides(row.inputs, sheet, code)):
                unexplained[code] = missing
    ref = questionnaire.reference  # read once, with the score
    return ScoringState(
        criteria=criteria.data,
        spec=criteria.spec,
        answers=answers,
        card=card,
        context=questionnaire.context,
        reference_year=ref.year if ref else None,
        reference_source=ref.source if ref else "",
        notes=notes,
        unexplained=unexplained,
        sector_rows={sv.key: sv for sv in questionnaire.sector_values.values()},
    )


def unexplained_overrides(inputs: Mapping[str, Any] | None, sheet: Mapping[str, Any], code: str) -> tuple[str, ...]:
    """The inputs of a stored answer typed over a figure of the data sheet without a reason."""
    if not inputs or not sheet:
        return ()
    supplied = sheet_for_indicator(sheet, code)
    reasons = inputs.get("why") or {}
    return tuple(sorted(k for k, v in inputs.items() if k in supplied and v not in (None, "") and not reasons.get(k)))


def rescore_snapshot(snapshot: Snapshot, context: Context | None = None) -> Scorecard:
    """Score the frozen criteria and answers again: must equal what was stored at submission."""
    return snapshot_state(snapshot, context).card


def snapshot_state(snapshot: Snapshot, context: Context | None = None, current: Criteria | None = None) -> ScoringState:
    """A submitted assessment re-scored from its snapshot (the evaluation year and sector as `context`).
    `current`: its criteria set as it stands (cached); when the frozen criteria equal it, its spec is the
    same and is taken as built."""
    spec = (
        current.spec if current is not None and current.data == snapshot.criteria else criteria_spec(snapshot.criteria)
    )
    reference = snapshot.scorecard.get("reference")
    answers = parse_answers(snapshot.answers, spec)
    context = context or Context()
    card = score(spec, answers, reference=Decimal(reference) if reference is not None else None, context=context)
    if round_points(card.total) != snapshot.total:
        log.error("snapshot %s re-scores to %s, stored %s", snapshot.pk, round_points(card.total), snapshot.total)
    notes = {
        code: {key: str(item.get(key) or "") for key in ("comment", "consultant_note")}
        for code, item in (snapshot.answers.get("indicators") or {}).items()
        if isinstance(item, dict) and (item.get("comment") or item.get("consultant_note"))
    }
    return ScoringState(
        criteria=snapshot.criteria,
        spec=spec,
        answers=answers,
        card=card,
        context=context,
        reference_year=snapshot.scorecard.get("reference_year"),
        reference_source=snapshot.scorecard.get("reference_source", ""),
        notes=notes,
        from_snapshot=True,
    )


def state_for(assessment: Assessment) -> ScoringState:
    """Submitted and superseded assessments are re-scored from their snapshot, drafts scored live."""
    if assessment.status != Assessment.Status.DRAFT:
        snapshot = _snapshot_of(assessment)
        if snapshot is not None:
            context = context_for(assessment)
            if snapshot.digest:
                return rescored(snapshot.digest, context)
            if snapshot.get_deferred_fields():
                snapshot.refresh_from_db(fields=Snapshot.CONTENT)
            return snapshot_state(snapshot, context, criteria_for(assessment.criteria_set))
    return live_state(assessment)


def _snapshot_of(assessment: Assessment) -> Snapshot | None:
    """The assessment's snapshot, kept on the instance (pages that show it ask no second time). Read without
    its frozen content when not already there: `rescored` has that content in memory once computed."""
    if Assessment.snapshot.is_cached(assessment):
        return assessment.snapshot
    snapshot = Snapshot.objects.defer(*Snapshot.CONTENT).filter(assessment=assessment).first()
    if snapshot is not None:
        assessment.snapshot = snapshot
    return snapshot


@lru_cache(maxsize=32)
def rescored(digest: str, context: Context) -> ScoringState:
    """The snapshot with this content digest re-scored in this context (snapshot_state).

    A pure function of the two: a snapshot is never changed and other content has another digest, so the
    newest 32 stay in memory (functools.lru_cache) and none can go stale. A re-score that disagrees with
    the stored total is logged when first computed."""
    snapshot = Snapshot.objects.select_related("assessment__criteria_set").filter(digest=digest).first()
    if snapshot is None:
        raise Snapshot.DoesNotExist(digest)
    return snapshot_state(snapshot, context, criteria_for(snapshot.assessment.criteria_set))
