import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessment import submission, tasks
from assessment.answers import WRITTEN_FIELDS
from assessment.models import (
    Answer,
    Assessment,
    AuditEvent,
    Category,
    CriteriaSet,
    Gate,
    Indicator,
    Snapshot,
    snapshot_digest,
)
from assessment.scorecards import live_state, rescore_snapshot, rescored, state_for
from assessment.scoring import round_points
from assessment.urls import urlpatterns
from organisations.models import Sector
from tests.worlds import answer, answer_all, make_criteria_set, make_sector_value, make_world

pytestmark = pytest.mark.django_db


def submit(world, user=None):
    return submission.submit(world.assessment.pk, user=user or world.editor, language="en")


# --- Completeness -----------------------------------------------------------------------------


def test_completeness_lists_unanswered_gates_and_required_indicators():
    world = make_world(6)
    answer(world.assessment, "G1", passed=True)
    answer(world.assessment, "X05", choice="met")
    Indicator.objects.filter(code="X06", category__criteria_set=world.assessment.criteria_set).update(required=False)
    problems = submission.completeness(live_state(world.assessment))
    listed = [(p.kind, p.code, p.reason) for p in problems]
    assert listed == [
        ("gate", "G2", "unanswered"),
        ("indicator", "X01", "unanswered"),
        ("indicator", "X04", "unanswered"),
        ("indicator", "X02", "unanswered"),
        ("indicator", "X03", "unanswered"),
    ]  # gates first, then category by category; X05 answered and X06 optional are absent


def test_na_needs_a_reason_and_counts_with_one():
    world = make_world(4)
    answer_all(world.assessment)
    answer(world.assessment, "X02", na=True, na_reason="", choice="")
    problems = submission.completeness(live_state(world.assessment))
    assert [(p.code, p.reason) for p in problems] == [("X02", "na_reason")]
    answer(world.assessment, "X02", na=True, na_reason="No such process on site")
    assert submission.completeness(live_state(world.assessment)) == []


def test_a_quantitative_answer_without_thresholds_cannot_be_submitted():
    world = make_world(4)
    answer_all(world.assessment)
    answer(world.assessment, "X01", inputs={"E": "1500", "Q": "10000"}, sector_value=None)
    problems = submission.completeness(live_state(world.assessment))
    assert [(p.code, p.reason) for p in problems] == [("X01", "cannot_score")]


def test_a_half_supplied_threshold_is_listed_as_invalid():
    world = make_world(4)
    answer_all(world.assessment)
    answer(world.assessment, "X01", sector_value=None, leading=Decimal("0.1"), benchmark=None, values_source="")
    problems = {p.code: p for p in submission.completeness(live_state(world.assessment))}
    assert problems["X01"].reason == "invalid"
    assert "leading and benchmark must be given together" in problems["X01"].detail


# --- Submit exactly once ------------------------------------------------------------------------


def test_submit_locks_and_stores_the_snapshot():
    world = make_world(6)
    answer_all(world.assessment)
    snapshot = submit(world)
    world.assessment.refresh_from_db()
    assert world.assessment.status == Assessment.Status.SUBMITTED
    assert world.assessment.submitted_by == world.editor and world.assessment.submitted_at is not None
    assert snapshot.criteria["code"] == world.assessment.criteria_set.code
    assert snapshot.answers["gates"] == {"G1": True, "G2": True}
    x01 = snapshot.answers["indicators"]["X01"]
    assert x01["sector_value"]["leading"] == "0.1000" and x01["inputs"] == {"E": "1500", "Q": "10000"}
    assert x01["comment"] == "meter readings 2030"
    assert snapshot.scorecard["total"] == str(snapshot.total)
    assert snapshot.verdict == snapshot.scorecard["verdict"] == "rated"
    event = AuditEvent.objects.get(action="assessment.submitted", object_id=str(world.assessment.pk))
    assert event.actor == world.editor and event.details["status_to"] == "submitted"


def test_submitting_twice_keeps_one_snapshot():
    world = make_world()
    answer_all(world.assessment)
    first = submit(world)
    with pytest.raises(submission.AlreadySubmitted):
        submit(world, user=world.owner)
    assert Snapshot.objects.filter(assessment=world.assessment).count() == 1
    assert Snapshot.objects.get(assessment=world.assessment).pk == first.pk
    assert AuditEvent.objects.filter(action="assessment.submitted", object_id=str(world.assessment.pk)).count() == 1


def test_incomplete_submit_changes_nothing():
    world = make_world()
    answer(world.assessment, "G1", passed=True)
    with pytest.raises(submission.Incomplete) as info:
        submit(world)
    assert "G2" in [p.code for p in info.value.problems]
    world.assessment.refresh_from_db()
    assert world.assessment.status == Assessment.Status.DRAFT
    assert not Snapshot.objects.filter(assessment=world.assessment).exists()


def test_submit_enqueues_exactly_one_report(monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks, "enqueue_report", lambda assessment, language, user: calls.append((assessment.pk, language, user.pk))
    )
    world = make_world()
    answer_all(world.assessment)
    submit(world)
    with pytest.raises(submission.AlreadySubmitted):
        submit(world)
    assert calls == [(world.assessment.pk, "en", world.editor.pk)]


def test_the_snapshot_rescores_to_the_stored_total_after_admins_change_the_criteria():
    world = make_world(6)
    sector_value = make_sector_value()
    answer_all(world.assessment, sector_value)
    snapshot = submit(world)
    stored_total = snapshot.total
    # Admins edit the criteria and the sector value afterwards.
    Indicator.objects.filter(category__criteria_set=world.assessment.criteria_set, code="X05").update(
        points=Decimal(40)
    )
    Category.objects.filter(criteria_set=world.assessment.criteria_set, code="C1").update(weight=Decimal(70))
    sector_value.leading, sector_value.benchmark = Decimal("0.01"), Decimal("0.02")
    sector_value.save()
    # Published sets are read-only in the admin: editing means unpublish, edit, publish (bumps updated_at).
    CriteriaSet.objects.filter(pk=world.assessment.criteria_set_id).update(updated_at=timezone.now())
    world.assessment.criteria_set.refresh_from_db()
    live = live_state(world.assessment).card
    assert round_points(live.total) != stored_total  # the edits do change a live score…
    rescored = rescore_snapshot(Snapshot.objects.get(pk=snapshot.pk))
    assert str(round_points(rescored.total)) == str(stored_total)  # …but never the snapshot
    assert rescored.to_dict()["categories"] == snapshot.scorecard["categories"]
    assert rescored.to_dict()["indicators"] == snapshot.scorecard["indicators"]
    world.assessment.refresh_from_db()
    state = state_for(world.assessment)
    assert state.from_snapshot and round_points(state.card.total) == stored_total


def test_post_submit_twice_gives_one_snapshot():
    world = make_world()
    answer_all(world.assessment)
    client = world.client("editor")
    url = reverse("assessment_submit", args=[world.assessment.pk])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == 302 and first["Location"] == reverse("assessment_results", args=[world.assessment.pk])
    assert second.status_code == 302
    assert Snapshot.objects.filter(assessment=world.assessment).count() == 1


def test_the_submit_page_lists_what_is_missing_with_links(settings):
    world = make_world(4)
    answer(world.assessment, "G1", passed=True)
    response = world.client("editor").get(
        reverse("assessment_submit", args=[world.assessment.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "5 items must be completed" in body
    assert body.count('class="list-group-item d-flex justify-content-between gap-3 missing-item"') == 5
    assert "No major accident" in body and "Indicator 3" in body
    try:
        gates = reverse("assessment_gates", args=[world.assessment.pk])
    except Exception:
        gates = None
    if gates:
        assert f'href="{gates}#gate-G2"' in body
    assert "disabled" in body


def test_an_incomplete_post_is_refused_with_the_list():
    world = make_world(4)
    response = world.client("editor").post(
        reverse("assessment_submit", args=[world.assessment.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "must be completed before you can submit" in response.content.decode()
    world.assessment.refresh_from_db()
    assert world.assessment.status == Assessment.Status.DRAFT


def test_a_submitted_assessment_refuses_answer_changes_through_import():
    from assessment import exchange

    world = make_world()
    answer_all(world.assessment)
    submit(world)
    with pytest.raises(exchange.ImportFailed):
        exchange.import_answers(world.assessment.pk, b'{"gates": {"G1": false}}', user=world.editor, may_note=False)
    assert Answer.objects.get(assessment=world.assessment, code="G1").passed is True


# --- Reopen and history -------------------------------------------------------------------------


def test_reopen_creates_a_new_revision_with_the_answers():
    world = make_world(5)
    answer_all(world.assessment)
    submit(world)
    new = submission.reopen(world.assessment.pk, user=world.owner)
    world.assessment.refresh_from_db()
    assert world.assessment.status == Assessment.Status.SUPERSEDED
    assert (new.status, new.revision, new.previous_id) == (Assessment.Status.DRAFT, 2, world.assessment.pk)
    assert new.criteria_set_id == world.assessment.criteria_set_id and new.year == world.assessment.year
    # Every field the one writer sets (answers.WRITTEN_FIELDS), and who wrote it.
    kept = [f.attname for f in Answer._meta.concrete_fields if f.name in {*WRITTEN_FIELDS, "updated_by"}]
    old_rows = {a.code: [getattr(a, name) for name in kept] for a in world.assessment.answers.all()}
    new_rows = {a.code: [getattr(a, name) for name in kept] for a in new.answers.all()}
    assert new_rows == old_rows and len(new_rows) == 7
    actions = set(
        AuditEvent.objects.filter(object_id__in=[str(world.assessment.pk), str(new.pk)]).values_list(
            "action", flat=True
        )
    )
    assert {"assessment.submitted", "assessment.superseded", "assessment.revision_created"} <= actions
    with pytest.raises(submission.NotSubmitted):
        submission.reopen(world.assessment.pk, user=world.owner)
    # The snapshot of revision 1 is still what its results show.
    assert state_for(world.assessment).from_snapshot


def test_reopen_copies_evidence_into_its_own_file():
    from django.core.files.base import ContentFile

    from assessment.models import Evidence

    world = make_world()
    answer_all(world.assessment)
    evidence = Evidence(
        assessment=world.assessment, code="X01", original_name="meter.pdf", content_type="application/pdf", size=8
    )
    evidence.file.save("meter.pdf", ContentFile(b"%PDF-1.4"), save=True)
    submit(world)
    new = submission.reopen(world.assessment.pk, user=world.owner)
    copy = new.evidence.get()
    with copy.file.open("rb"):
        assert copy.file.name != evidence.file.name and copy.file.read() == b"%PDF-1.4"


def test_history_lists_revisions_and_status_changes():
    world = make_world()
    answer_all(world.assessment)
    submit(world)
    new = submission.reopen(world.assessment.pk, user=world.owner)
    assert [a.revision for a in submission.revisions(new)] == [1, 2]
    response = world.client("viewer").get(reverse("assessment_history", args=[new.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "r1" in body and "r2" in body
    assert "Reopened as revision 2" in body and "Submitted revision 1" in body
    # The same events, dates and statuses in Chinese: stored as codes and parameters, translated when shown.
    zh = world.client("viewer").get(reverse("assessment_history", args=[new.pk])).content.decode()
    assert "重新打开为修订版 2" in zh and "已提交修订版 1" in zh and "修订版 2 由修订版 1 打开" in zh
    assert "Reopened as" not in zh and "Submitted revision" not in zh
    event = AuditEvent.objects.get(action="assessment.superseded")
    assert event.details["params"] == {"revision": 2} and event.summary == "Reopened as revision 2"


DATE_IN = {"en": r"\d{1,2} [A-Z][a-z]{2} \d{4}", "zh-hans": r"\d{4}年\d{1,2}月\d{1,2}日"}
# What Django's stock formats would show: "Dec. 2, 2026", "12/02/2026", "5:39 p.m."
FOREIGN = r"[A-Z][a-z]{2}\. \d|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}<|[ap]\.m\."


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dates_have_one_format_per_language(language):
    """History (started, submitted, events), submit and results pages: every date in the language's one form."""
    world = make_world()
    answer_all(world.assessment)
    submit(world)
    new = submission.reopen(world.assessment.pk, user=world.owner)
    client = world.client("viewer")
    pages = [
        reverse("assessment_history", args=[new.pk]),
        reverse("assessment_results", args=[world.assessment.pk]),
        reverse("assessment_submit", args=[world.assessment.pk]),
    ]
    for url in pages:
        body = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", body, flags=re.S)
        assert re.search(DATE_IN[language], text), url
        assert not re.search(FOREIGN, text), (url, re.search(FOREIGN, text))
    history = client.get(pages[0], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    when = timezone.localtime(new.created_at)
    expected = (
        f"{when.day} {when:%b %Y}, {when:%H:%M}"
        if language == "en"
        else f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"
    )
    assert expected in history


def test_reopen_view_needs_owner_or_consultant():
    world = make_world()
    answer_all(world.assessment)
    submit(world)
    url = reverse("assessment_reopen", args=[world.assessment.pk])
    assert world.client("editor").post(url).status_code == 403
    response = world.client("consultant").post(url)
    assert response.status_code == 302
    assert Assessment.objects.filter(previous=world.assessment, revision=2).count() == 1


# --- Re-assessment ------------------------------------------------------------------------------


def make_next_version(old: CriteriaSet) -> CriteriaSet:
    """The next version: X03 removed, X04 now qualitative, X02 no longer allows N/A, new X99."""
    new = make_criteria_set(6, area=old.area, effective=datetime.date(2031, 1, 1))
    Indicator.objects.filter(category__criteria_set=new, code="X03").delete()
    Indicator.objects.filter(category__criteria_set=new, code="X04").update(indicator_type="positive_qual")
    Indicator.objects.filter(category__criteria_set=new, code="X02").update(allows_na=False)
    Indicator.objects.create(
        category=new.categories.get(code="C1"),
        code="X99",
        name_zh="新指标",
        name_en="New indicator",
        indicator_type="positive_qual",
        points=Decimal(5),
    )
    Gate.objects.filter(criteria_set=new, code="G2").update(code="G3")
    return new


def test_reassessment_carries_answers_by_code_and_lists_what_does_not_map():
    world = make_world(6)
    answer_all(world.assessment)
    answer(world.assessment, "X02", na=True, na_reason="No such process", choice="")
    submit(world)
    new_set = make_next_version(world.assessment.criteria_set)
    new, created = submission.start_reassessment(world.assessment.pk, user=world.editor)
    assert created and new.criteria_set == new_set and new.year == 2031 and new.prefilled_from == world.assessment
    carried = {a.code: a for a in new.answers.all()}
    assert set(carried) == {"G1", "X01", "X05", "X06"}
    assert carried["X01"].inputs == {"E": "1500", "Q": "10000"} and carried["X01"].sector_value_id is not None
    unmapped = {item["code"]: item["reason"] for item in new.carryover_unmapped}
    assert unmapped == {"G2": "removed", "X03": "removed", "X04": "changed", "X02": "invalid"}
    again, created_again = submission.start_reassessment(world.assessment.pk, user=world.owner)
    assert again.pk == new.pk and not created_again


def test_reassessment_view_redirects_and_the_carryover_partial_lists_unmapped(rf):
    from django.template.loader import render_to_string

    world = make_world(6)
    answer_all(world.assessment)
    submit(world)
    make_next_version(world.assessment.criteria_set)
    response = world.client("consultant").post(reverse("assessment_reassess", args=[world.assessment.pk]))
    assert response.status_code == 302
    new = Assessment.objects.get(prefilled_from=world.assessment)
    with translation.override("en"):
        html = render_to_string("assessment/_results_carryover.html", {"assessment": new, "LANGUAGE_CODE": "en"})
    assert html.count('class="carryover-item"') == 3 and "X03" in html and "no longer in the criteria" in html


def test_reassessment_needs_a_submitted_source():
    world = make_world()
    with pytest.raises(submission.NotSubmitted):
        submission.start_reassessment(world.assessment.pk, user=world.editor)


# --- Permission ladder ------------------------------------------------------------------------

# name → (method, need): need is "read", "edit" or "reopen".
LADDER = {
    "assessment_results": ("get", "read"),
    "assessment_indicators": ("get", "read"),
    "assessment_submit": ("post", "edit"),
    "assessment_reopen": ("post", "reopen"),
    "assessment_history": ("get", "read"),
    "assessment_reassess": ("post", "edit"),
    "assessment_export_json": ("get", "read"),
    "assessment_export_xlsx": ("get", "read"),
    "assessment_import": ("post", "edit"),
}
ALLOWED = {
    "read": {"viewer", "editor", "owner", "consultant"},
    "edit": {"editor", "owner", "consultant"},
    "reopen": {"owner", "consultant"},
}


def test_every_url_of_this_area_has_a_ladder_case():
    assert {p.name for p in urlpatterns if p.callback.__module__ == "assessment.views.results"} == set(LADDER)


@pytest.mark.parametrize("name", sorted(LADDER))
def test_permission_ladder(name):
    method, need = LADDER[name]
    world = make_world(4)
    url = reverse(name, args=[world.assessment.pk])
    anonymous = getattr(world.client(None), method)(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for role in ("stranger", "revoked"):
        assert getattr(world.client(role), method)(url).status_code == 404, role
    for role in ("viewer", "editor", "owner", "consultant"):
        status = getattr(world.client(role), method)(url).status_code
        if role in ALLOWED[need]:
            assert status not in (403, 404), (role, status)
        else:
            assert status == 403, (role, status)
    if method == "post":
        assert world.client("owner").get(url).status_code in (200, 405)
    else:
        assert world.client("owner").post(url).status_code == 405


def test_a_viewer_can_read_the_submit_check_but_not_submit():
    world = make_world()
    answer_all(world.assessment)
    url = reverse("assessment_submit", args=[world.assessment.pk])
    page = world.client("viewer").get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "an editor, owner or consultant submits it" in page.content.decode()
    assert world.client("viewer").post(url).status_code == 403
    assert not Snapshot.objects.filter(assessment=world.assessment).exists()


def test_a_snapshot_is_named_by_a_digest_of_its_content():
    world = make_world(4)
    answer_all(world.assessment)
    snapshot = submit(world)
    stored = Snapshot.objects.get(pk=snapshot.pk)
    assert len(stored.digest) == 64
    # The same content read back from the database gives the same digest (decimals, key order)…
    assert snapshot_digest(stored.criteria, stored.answers, stored.scorecard, stored.total) == stored.digest
    # …and any change to it another one.
    changed = {**stored.answers, "gates": {**stored.answers["gates"], "G1": False}}
    assert snapshot_digest(stored.criteria, changed, stored.scorecard, stored.total) != stored.digest
    assert snapshot_digest(stored.criteria, stored.answers, stored.scorecard, Decimal("1.00")) != stored.digest


def test_the_digest_migration_names_existing_snapshots_as_save_does():
    """Snapshots written before the digest existed get the one Snapshot.save would give them."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("assessment.migrations.0010_snapshot_digest")
    world = make_world(4)
    answer_all(world.assessment)
    snapshot = submit(world)
    expected = Snapshot.objects.get(pk=snapshot.pk).digest
    Snapshot.objects.filter(pk=snapshot.pk).update(digest="")
    migration.digest_existing(apps, None)
    assert Snapshot.objects.get(pk=snapshot.pk).digest == expected


def test_a_re_scored_snapshot_is_kept_by_content_and_context(django_assert_num_queries):
    """state_for reads a snapshot's frozen content once per content and context; the page after that reads
    the row without it. A changed context (a sector added under the company's) is scored again."""
    world = make_world(6)
    answer_all(world.assessment)
    submit(world)

    def fresh() -> Assessment:
        return Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)

    first = state_for(fresh())
    assessment = fresh()
    with django_assert_num_queries(2) as counted:  # the snapshot without its content, the sector family
        again = state_for(assessment)
    assert again is first and '"criteria"' not in counted.captured_queries[0]["sql"]
    assert rescored(Snapshot.objects.get(assessment=world.assessment).digest, first.context) is first
    company_sector = fresh().company.sector
    Sector.objects.create(code=f"{company_sector.code}1", parent=company_sector, name_zh="子行业", name_en="Sub")
    state = state_for(fresh())
    assert state is not first and f"{company_sector.code}1" in (state.context.sector_codes or ())
    assert state.card == first.card  # the same answers score the same here


def test_a_snapshot_without_a_digest_is_re_scored_from_its_own_row_and_not_kept():
    """A snapshot written around Snapshot.save (loaddata, bulk_create) has no digest: it is re-scored from
    its own row on every view, never from the memory kept for another snapshot's content."""
    world = make_world(6)
    answer_all(world.assessment)
    stored = submit(world)
    Snapshot.objects.filter(pk=stored.pk).update(digest="")
    assessment = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)
    state = state_for(assessment)
    assert state.from_snapshot and round_points(state.card.total) == stored.total
    assert rescored.cache_info().currsize == 0
    again = Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)
    assert state_for(again) is not state
