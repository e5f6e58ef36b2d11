"""Submission and what follows it: completeness, submit-once with a snapshot, reopen, re-assessment.

The scoring state these read (a draft's live scorecard) comes from assessment.scorecards; submit
freezes it into an immutable `Snapshot`, from which scorecards re-scores a submitted assessment.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment import actionplan, tasks
from assessment.answers import WRITTEN_FIELDS, criteria_for
from assessment.models import (
    Answer,
    Assessment,
    AuditEvent,
    CriteriaSet,
    Evidence,
    SectorValue,
    Snapshot,
    event_summary,
)
from assessment.reasons import Reason, ReasonCode
from assessment.scorecards import ScoringState, live_state
from assessment.scoring import AnswerData, CriteriaSpec, round_points
from assessment.specs import AnswersError, answer_data, answers_to_json, criteria_spec, parse_answers
from assessment.vocabulary import Status

log = logging.getLogger(__name__)


class SubmissionError(Exception):
    """The requested status change is not possible in the assessment's current state."""


class AlreadySubmitted(SubmissionError):
    pass


class NotSubmitted(SubmissionError):
    pass


class NoCriteriaSet(SubmissionError):
    pass


class Incomplete(SubmissionError):
    def __init__(self, problems: list["Problem"]) -> None:
        super().__init__(f"{len(problems)} item(s) missing")
        self.problems = problems


# --- Scoring state ------------------------------------------------------------------------------


def known_codes(spec: CriteriaSpec) -> tuple[set[str], set[str]]:
    """(gate codes, scored indicator codes) of a spec."""
    return {g.code for g in spec.gates}, {i.code for i in spec.indicators()}


# --- Completeness -----------------------------------------------------------------------------


class Missing(models.TextChoices):
    """What keeps an item from being submitted; the labels are the submit page's."""

    UNANSWERED = "unanswered", _("Not answered")
    NA_REASON = "na_reason", _("N/A needs a reason")
    CANNOT_SCORE = "cannot_score", _("Cannot be scored yet")
    INVALID = "invalid", _("Answer is not valid")
    OVERRIDE_REASON = "override_reason", _("A figure typed over the data sheet's needs a reason")


@dataclass(frozen=True)
class Problem:
    """One thing that keeps an assessment from being submitted."""

    code: str
    kind: str  # "gate" or "indicator"
    category: str  # category code ("" for gates)
    name_zh: str
    name_en: str
    reason: Missing
    why: Reason | None = None  # the engine's reason (na_reason, cannot_score)
    detail: str = ""  # what the answers check refused (invalid)


def snapshot_answers(state: ScoringState) -> dict[str, Any]:
    gates, _ = known_codes(state.spec)
    return answers_to_json(state.spec.code, state.answers, gate_codes=gates, notes=state.notes, embed_sector=True)


def completeness(state: ScoringState) -> list[Problem]:
    """Gates unanswered, required indicators neither answered nor N/A with a reason, invalid answers."""
    problems: list[Problem] = []
    for gate in state.spec.gates:
        answer = state.answers.get(gate.code)
        if answer is None or answer.passed is None:
            problems.append(Problem(gate.code, "gate", "", gate.text_zh, gate.text_en, Missing.UNANSWERED))
    results = {i.code: i for i in state.card.indicators}
    invalid = _invalid_answers(state)
    for category in state.spec.categories:
        for spec in category.indicators:
            result = results[spec.code]
            args = (spec.code, "indicator", category.code, spec.name_zh, spec.name_en)
            if result.reason is not None and result.reason.code == ReasonCode.NA_NEEDS_REASON:
                problems.append(Problem(*args, Missing.NA_REASON, result.reason))
            elif spec.code in state.unexplained:
                problems.append(Problem(*args, Missing.OVERRIDE_REASON, detail=", ".join(state.unexplained[spec.code])))
            elif spec.code in invalid:
                problems.append(Problem(*args, Missing.INVALID, detail=invalid[spec.code]))
            elif not spec.required:
                continue
            elif result.status == Status.UNANSWERED:
                problems.append(Problem(*args, Missing.UNANSWERED, result.reason))
            elif result.status == Status.CANNOT_SCORE:
                problems.append(Problem(*args, Missing.CANNOT_SCORE, result.reason))
    return problems


def _invalid_answers(state: ScoringState) -> dict[str, str]:
    """Answers the snapshot could not be re-scored from (e.g. a leading value without a benchmark)."""
    document = snapshot_answers(state)
    errors: dict[str, str] = {}
    for code, item in document["indicators"].items():
        try:
            parse_answers({"criteria_set": state.spec.code, "indicators": {code: item}}, state.spec)
        except AnswersError as exc:
            errors[code] = str(exc)
    return errors


# --- Audit ------------------------------------------------------------------------------------


def audit(assessment: Assessment, action: str, user: User | None, params: dict[str, Any], **details: Any) -> AuditEvent:
    """Record an event by its action code and parameters (models.EVENT_TEXTS), shown in the reader's language."""
    return AuditEvent.objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type="assessment",
        object_id=str(assessment.pk),
        summary=event_summary(action, params)[:300],
        details={**details, "params": params},
    )


# --- Submit -----------------------------------------------------------------------------------


def _enqueue_standing(assessment: Assessment) -> None:
    # Peer statistics (standing app) are refreshed by the worker; the job commits with the snapshot.
    from standing.tasks import refresh_after_submission_task

    refresh_after_submission_task.enqueue(assessment.pk)


def _locked(assessment_id: int, *related: str) -> Assessment:
    """The assessment with its row locked until the transaction ends (the joined `related` rows are not)."""
    return Assessment.objects.select_for_update(of=("self",)).select_related(*related).get(pk=assessment_id)


def submit(assessment_id: int, *, user: User, language: str) -> Snapshot:
    """Lock the assessment and freeze its snapshot, exactly once.

    The row lock plus the status check inside one transaction serialise concurrent submits; the
    one-to-one snapshot is the backstop. Raises AlreadySubmitted or Incomplete.
    """
    with transaction.atomic():
        assessment = _locked(assessment_id, "company", "criteria_set")
        if assessment.status != Assessment.Status.DRAFT:
            raise AlreadySubmitted(assessment.get_status_display())
        state = live_state(assessment)
        problems = completeness(state)
        if problems:
            raise Incomplete(problems)
        card = state.card
        try:
            with transaction.atomic():
                snapshot = Snapshot.objects.create(
                    assessment=assessment,
                    criteria=state.criteria,
                    answers=snapshot_answers(state),
                    scorecard=state.snapshot_scorecard(),
                    total=round_points(card.total),
                    verdict=str(card.verdict),
                )
        except IntegrityError:
            raise AlreadySubmitted("snapshot exists") from None
        assessment.status = Assessment.Status.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.submitted_by = user
        assessment.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
        audit(
            assessment,
            "assessment.submitted",
            user,
            {"revision": assessment.revision},
            status_from=Assessment.Status.DRAFT,
            status_to=Assessment.Status.SUBMITTED,
            total=str(snapshot.total),
            verdict=snapshot.verdict,
        )
        # Inside the transaction: the report job exists exactly when the snapshot does.
        tasks.enqueue_report(assessment, language, user)
        _enqueue_standing(assessment)
    return snapshot


# --- Reopen -----------------------------------------------------------------------------------

# What a copied answer keeps: its code, every field the one writer sets (answers.WRITTEN_FIELDS) and who wrote
# it; foreign keys by id, so no related row is read.
ANSWER_FIELDS = tuple(
    f.attname for f in Answer._meta.concrete_fields if f.name in {"code", *WRITTEN_FIELDS, "updated_by"}
)


def reopen(assessment_id: int, *, user: User) -> Assessment:
    """A submitted assessment becomes superseded by a new draft revision with the same answers."""
    with transaction.atomic():
        old = _locked(assessment_id, "company")
        if old.status != Assessment.Status.SUBMITTED:
            raise NotSubmitted(old.get_status_display())
        new = Assessment.objects.create(
            company=old.company,
            criteria_set_id=old.criteria_set_id,
            title=old.title,
            year=old.year,
            revision=old.revision + 1,
            previous=old,
            is_demo=old.is_demo,
            created_by=user,
        )
        Answer.objects.bulk_create(
            Answer(assessment=new, **{name: getattr(row, name) for name in ANSWER_FIELDS}) for row in old.answers.all()
        )
        _copy_evidence(old, new)
        actionplan.copy_plan(old, new)
        old.status = Assessment.Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        audit(
            old,
            "assessment.superseded",
            user,
            {"revision": new.revision},
            status_from=Assessment.Status.SUBMITTED,
            status_to=Assessment.Status.SUPERSEDED,
            new_revision=new.pk,
        )
        audit(
            new,
            "assessment.revision_created",
            user,
            {"revision": new.revision, "previous": old.revision},
            status_to=Assessment.Status.DRAFT,
            previous=old.pk,
        )
    return new


def _copy_evidence(old: Assessment, new: Assessment) -> None:
    # Copies get their own files, so deleting evidence from the new draft keeps the submitted one intact.
    for item in old.evidence.all():
        try:
            with item.file.open("rb") as source:
                content = ContentFile(source.read())
        except OSError:
            log.warning("evidence %s missing from storage; not copied to revision %s", item.pk, new.pk)
            continue
        copy = Evidence(
            assessment=new,
            code=item.code,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            uploaded_by_id=item.uploaded_by_id,
        )
        copy.file.save(item.original_name, content, save=False)
        copy.save()


def revisions(assessment: Assessment) -> list[Assessment]:
    """Every revision in the assessment's chain, oldest first, in one query."""
    candidates = {
        a.pk: a
        for a in Assessment.objects.filter(
            company_id=assessment.company_id, criteria_set_id=assessment.criteria_set_id, year=assessment.year
        ).select_related("snapshot", "submitted_by", "created_by")
    }
    first = candidates.get(assessment.pk, assessment)
    while first.previous_id in candidates:
        first = candidates[first.previous_id]
    following = {a.previous_id: a for a in candidates.values() if a.previous_id}
    chain = [first]
    while chain[-1].pk in following:
        chain.append(following[chain[-1].pk])
    return chain


# --- Re-assessment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Carryover:
    code: str
    name_zh: str
    name_en: str
    reason: str  # "removed", "changed", "invalid"
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "reason": self.reason,
            "detail": self.detail,
        }


def _item_index(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """code → {kind, name_zh, name_en, indicator_type, formula, leaf} from criteria data."""
    index: dict[str, dict[str, Any]] = {
        g["code"]: {"kind": "gate", "name_zh": g.get("text_zh", ""), "name_en": g.get("text_en", "")}
        for g in data["gates"]
    }
    parents = {i["parent"] for c in data["categories"] for i in c["indicators"] if i.get("parent")}
    for category in data["categories"]:
        for i in category["indicators"]:
            index[i["code"]] = {
                "kind": "indicator",
                "name_zh": i.get("name_zh", ""),
                "name_en": i.get("name_en", ""),
                "indicator_type": i["indicator_type"],
                "formula": i.get("formula", ""),
                "leaf": i["code"] not in parents,
            }
    return index


def map_answers(
    rows: Iterable[Answer], *, old_criteria: Mapping[str, Any], new_criteria: Mapping[str, Any]
) -> tuple[list[Answer], list[Carryover]]:
    """Carry answers across criteria versions by gate/indicator code; list what does not map.

    An answer maps when its code still names the same kind of item (same indicator type and
    formula) and it validates against the new criteria. Returns unsaved Answer rows.
    """
    old, new = _item_index(old_criteria), _item_index(new_criteria)
    spec = criteria_spec(new_criteria)
    gate_codes = {g.code for g in spec.gates}
    mapped: list[Answer] = []
    unmapped: list[Carryover] = []
    for row in rows:
        before = old.get(row.code) or {"kind": "indicator", "name_zh": "", "name_en": ""}
        after = new.get(row.code)
        names = (row.code, before["name_zh"], before["name_en"])
        if after is None or after["kind"] != before["kind"] or (after["kind"] == "indicator" and not after["leaf"]):
            unmapped.append(Carryover(*names, "removed"))
            continue
        if after["kind"] == "indicator" and (
            after["indicator_type"] != before.get("indicator_type") or after["formula"] != before.get("formula")
        ):
            unmapped.append(Carryover(*names, "changed"))
            continue
        answer = answer_data(row, row.sector_value)
        if answer == AnswerData() and not (row.comment or row.consultant_note):
            continue  # an empty row carries nothing
        try:
            # The embedded sector value keeps validation free of database look-ups.
            parse_answers(
                answers_to_json(spec.code, {row.code: answer}, gate_codes=gate_codes, embed_sector=True), spec
            )
        except AnswersError as exc:
            unmapped.append(Carryover(*names, "invalid", str(exc)))
            continue
        mapped.append(Answer(**{name: getattr(row, name) for name in ANSWER_FIELDS}))
    return mapped, unmapped


def start_reassessment(source_id: int, *, user: User) -> tuple[Assessment, bool]:
    """Next year's draft on the latest published criteria set, pre-filled by code.

    Returns (assessment, created); a second request returns the draft already started.
    """
    with transaction.atomic():
        source = _locked(source_id, "company", "criteria_set")
        if source.status != Assessment.Status.SUBMITTED:
            raise NotSubmitted(source.get_status_display())
        existing = Assessment.objects.filter(prefilled_from=source, status=Assessment.Status.DRAFT).first()
        if existing is not None:
            return existing, False
        target = CriteriaSet.objects.latest_published(source.criteria_set.area)
        if target is None:
            raise NoCriteriaSet(source.criteria_set.area)
        snapshot = Snapshot.objects.filter(assessment=source).first()
        old_criteria = snapshot.criteria if snapshot else criteria_for(source.criteria_set).data
        new_criteria = criteria_for(target).data
        mapped, unmapped = map_answers(
            source.answers.select_related("sector_value__sector", "sector_value__library"),
            old_criteria=old_criteria,
            new_criteria=new_criteria,
        )
        new = Assessment.objects.create(
            company=source.company,
            criteria_set=target,
            title=source.title,
            year=source.year + 1,
            is_demo=source.is_demo,
            created_by=user,
            prefilled_from=source,
            carryover_unmapped=[c.as_dict() for c in unmapped],
        )
        for answer in mapped:
            answer.assessment = new
        Answer.objects.bulk_create(mapped)
        audit(
            new,
            "assessment.created",
            user,
            {"year": new.year, "source_year": source.year, "source_revision": source.revision},
            status_to=Assessment.Status.DRAFT,
            prefilled_from=source.pk,
            criteria_set=target.code,
            carried=len(mapped),
            unmapped=[c.code for c in unmapped],
        )
    return new, True


def sector_lookup_for(keys: Iterable[str]) -> dict[str, SectorValue]:
    """Sector values by key, in one query."""
    return {sv.key: sv for sv in SectorValue.objects.filter(key__in=set(keys))}
