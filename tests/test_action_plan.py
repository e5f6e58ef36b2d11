"""The action plan: the page's permission ladder and validation, the projection (the engine's what-if),
and the plan printed in the PDF report in both languages."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessment import actionplan, reports
from assessment.models import ActionItem
from assessment.scorecards import state_for
from assessment.scoring import what_if
from organisations.models import AccessGrant, Consultancy, Consultant, Membership, Role
from tests.factories import make_user, member
from tests.report_world import make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db


def plan_post(**rows: dict[str, str]) -> dict[str, list[str] | str]:
    data: dict[str, list[str] | str] = {"code": list(rows)}
    for code, values in rows.items():
        for name in actionplan.PLAN_FIELDS:
            data[f"{code}-{name}"] = values.get(name, "")
    return data


@pytest.fixture
def setup(client):
    owner = make_user("owner")
    assessment = make_assessment(user=owner)
    Membership.objects.create(user=owner, company=assessment.company, role=Role.OWNER)
    return assessment, owner


def engine(assessment):
    source = state_for(assessment)
    return source, source.spec, source.context, source.card


def test_projection_is_the_engines_what_if_over_the_planned_gaps(setup):
    assessment, _owner = setup
    source, spec, context, card = engine(assessment)
    gaps = [r.code for r in card.gaps()]
    assert "T12" in gaps and "T13" in gaps
    projection = actionplan.project(spec, source.answers, card, ["T13", "T12", "T09"], context=context)
    assert projection is not None
    assert projection.planned == ("T12", "T13")  # T09 is met: not a gap, not projected
    expected = what_if(spec, source.answers, ["T12", "T13"], reference=source.reference, context=context)
    assert projection.total == expected.total
    assert projection.gain == expected.total - card.total > 0
    assert actionplan.project(spec, source.answers, card, ["T09"], context=context) is None


def test_the_plan_and_its_totals_hold_planned_gaps_only(setup):
    assessment, _owner = setup
    _source, _spec, _context, card = engine(assessment)
    items = [
        ActionItem(code="T12", priority="low", cost=Decimal("30")),
        ActionItem(code="T13", priority="high", cost=Decimal("120"), saving=Decimal("40")),
        ActionItem(code="T11", priority="", cost=Decimal("999"), saving=Decimal("999")),  # no priority
        ActionItem(code="T09", priority="high", cost=Decimal("999"), saving=Decimal("999")),  # met since
    ]
    plan = actionplan.plan_items(items, card)
    assert [i.code for i in plan] == ["T13", "T12"]
    assert actionplan.totals(plan) == (Decimal("150"), Decimal("40"))
    assert actionplan.payback_years(Decimal("150"), Decimal("40")) == Decimal("3.8")
    assert actionplan.payback_years(Decimal("150"), None) is None


def test_the_page_totals_count_only_the_gaps_it_shows(client, setup):
    assessment, owner = setup
    ActionItem.objects.create(assessment=assessment, code="T13", priority="high", cost=Decimal("80"))
    # An item of an indicator met since: kept, but not a row of the page, so not in its totals either.
    ActionItem.objects.create(assessment=assessment, code="T09", priority="high", cost=Decimal("999"))
    client.force_login(owner)
    text = client.get(reverse("action_plan", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="plan-T13"' in text and 'id="plan-T09"' not in text
    assert "Estimated cost: 80.00" in text and "1079" not in text
    with translation.override("en"):
        printed = reports.action_plan_context(assessment, state_for(assessment), indicator_names={}, language="en")
    assert printed is not None
    assert [r["code"] for r in printed["rows"]] == ["T13"] and printed["cost"] == "80"


@pytest.mark.parametrize("valid", [True, False], ids=["saved", "refused"])
def test_a_post_scores_the_assessment_once(client, setup, valid):
    """The gaps that may be planned and the page shown again come from one scoring: one read of the answers."""
    assessment, owner = setup
    client.force_login(owner)
    url = reverse("action_plan", args=[assessment.pk])
    client.get(url)  # warm the session and the criteria cache
    data = plan_post(T13={"priority": "high", "cost": "80" if valid else "-5"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == (302 if valid else 400)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "assessment_answer"' in q["sql"]
    ]
    assert len(reads) == 1, reads


def test_ladder_anonymous_other_company_viewer_and_editors(client, setup):
    assessment, owner = setup
    url = reverse("action_plan", args=[assessment.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]

    outsider = member(make_company("Other Co", "91320500MA1TEST002"), "outsider", Role.OWNER)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, plan_post(T13={"priority": "high"})).status_code == 404

    viewer = make_user("viewer")
    Membership.objects.create(user=viewer, company=assessment.company, role=Role.VIEWER)
    client.force_login(viewer)
    page = client.get(url)
    assert page.status_code == 200 and b"T13" in page.content and b"disabled" in page.content
    assert client.post(url, plan_post(T13={"priority": "high"})).status_code == 403
    assert not ActionItem.objects.exists()

    editor = make_user("editor")
    Membership.objects.create(user=editor, company=assessment.company, role=Role.EDITOR)
    client.force_login(editor)
    response = client.post(url, plan_post(T13={"priority": "high", "owner": "王工", "cost": "80"}))
    assert response.status_code == 302
    assert ActionItem.objects.get(code="T13").owner == "王工"

    firm = Consultancy.objects.create(name="Plan Advisors")
    consultant = make_user("consultant")
    Consultant.objects.create(user=consultant, consultancy=firm)
    AccessGrant.objects.create(company=assessment.company, consultancy=firm, granted_by=owner)
    client.force_login(consultant)
    response = client.post(
        url,
        plan_post(
            T12={"priority": "medium", "action": "补全设计评审记录", "due": "2026-06-30", "saving": "12.5"},
            T13={"priority": "high", "owner": "王工", "cost": "80"},
        ),
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(code="T12")
    assert (item.due, item.saving, item.updated_by) == (date(2026, 6, 30), Decimal("12.5"), consultant)
    # An emptied row leaves the plan.
    client.post(url, plan_post(T12={}, T13={"priority": "high"}))
    assert list(ActionItem.objects.values_list("code", flat=True)) == ["T13"]


def test_page_shows_the_projected_score(client, setup):
    assessment, owner = setup
    source, spec, context, card = engine(assessment)
    ActionItem.objects.create(assessment=assessment, code="T13", priority="high")
    expected = what_if(spec, source.answers, ["T13"], reference=source.reference, context=context).total
    client.force_login(owner)
    response = client.get(reverse("action_plan", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{expected:.2f}" in text and f"+{expected - card.total:.2f}" in text


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            [
                "Enter an amount of zero or more.",
                "Choose a priority to put this gap in the plan.",
                "Enter a valid date.",
            ],
        ),
        ("zh-hans", ["请输入零或更大的金额。", "请选择优先级，才能把这一差距列入计划。", "输入一个有效的日期。"]),
    ],
)
def test_bad_input_is_refused_in_the_users_language_and_kept(client, setup, language, messages):
    assessment, owner = setup
    client.force_login(owner)
    data = plan_post(
        T12={"priority": "high", "cost": "-5", "action": "补全设计评审记录"},
        T13={"owner": "李工"},
        T11={"priority": "low", "due": "2026-13-45", "owner": "赵工"},
    )
    response = client.post(reverse("action_plan", args=[assessment.pk]), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    text = response.content.decode()
    for message in messages:
        assert message in text
    # Nothing saved, everything typed shown again.
    assert not ActionItem.objects.exists()
    for typed in ("补全设计评审记录", "李工", "赵工", "-5", "2026-13-45"):
        assert typed in text


def test_report_prints_the_plan_and_the_projection_in_both_languages(setup):
    assessment, _owner = setup
    source, spec, context, card = engine(assessment)
    ActionItem.objects.create(
        assessment=assessment,
        code="T13",
        priority="high",
        action="开展产品碳足迹核算",
        owner="王工",
        due=date(2026, 9, 30),
        cost=Decimal("80"),
        saving=Decimal("20"),
    )
    ActionItem.objects.create(assessment=assessment, code="T12", priority="", owner="notes only")
    expected = what_if(spec, source.answers, ["T13"], reference=source.reference, context=context).total
    for language, heading, projected in (
        ("en", "Action plan", "Projected score once the planned actions are met"),
        ("zh-hans", "行动计划", "计划行动完成后的预计得分"),
    ):
        with translation.override(language):
            ctx = reports.build_context(assessment, language=language)
            pdf = reports.render_pdf(assessment, language=language)
        plan = ctx["action_plan"]
        assert [r["code"] for r in plan["rows"]] == ["T13"]  # T12 has no priority: not in the plan
        assert plan["projection"]["total"] == f"{expected:.2f}"
        text, _reader = pdf_text(pdf.data)
        flat = text.replace("\n", "")
        assert heading in flat and projected in flat
        assert f"{expected:.2f}" in flat and "王工" in flat and "4.0" in flat  # payback 80 / 20


def test_editing_the_plan_changes_the_report_fingerprint(setup):
    assessment, _owner = setup
    before = reports.fingerprint(assessment, language="en")
    item = ActionItem.objects.create(assessment=assessment, code="T13", priority="high")
    added = reports.fingerprint(assessment, language="en")
    assert before != added
    item.priority = "low"
    item.save()
    assert reports.fingerprint(assessment, language="en") != added


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_new_sections_keep_each_report_in_its_language(language):
    """The action plan, certificates and a consultancy's template add no word of the other language."""
    from assessment.models import Assessment
    from organisations.models import ManagementCertificate
    from tests.report_world import CJK, DEMO_COMPANY, pdftotext

    assessment = Assessment.objects.select_related("company", "criteria_set").get(pk=9001)
    zh = language == "zh-hans"
    source, spec, context, card = engine(assessment)
    for code in [r.code for r in card.gaps()][:3]:
        ActionItem.objects.create(
            assessment=assessment,
            code=code,
            priority="high",
            action="更换高效电机" if zh else "Replace motors",
            owner="王工" if zh else "Wang",
            due=date(2026, 6, 30),
            cost=Decimal("120"),
            saving=Decimal("35"),
        )
    ManagementCertificate.objects.create(
        company=assessment.company,
        system="iso14001",
        number="00124E3-0815",
        certifier="中国质量认证中心" if zh else "CQC",
        valid_until=date(2020, 1, 1),
    )
    firm = Consultancy.objects.create(
        name="蓝天咨询" if zh else "Blue Sky Advisors",
        brand_colour="#1d4e89",
        contact_lines="杭州市文三路 100 号" if zh else "100 Wensan Road, Hangzhou",
    )
    text = pdftotext(reports.render_pdf(assessment, language=language, consultancy=firm).data)
    if zh:
        words = set(re.findall(r"\b[A-Za-z]{4,}\b", text)) - {"DRAFT", "GSCI"}
        assert not words, sorted(words)
        assert "行动计划" in text and "已认证的管理体系" in text and "已过期" in text
    else:
        rest = text.replace(DEMO_COMPANY, "").replace("(引领值)", "").replace("(基准值)", "")
        assert not CJK.findall(rest), sorted(set(CJK.findall(rest)))
        assert "Action plan" in text and "Certified management systems" in text and "expired" in text


def test_a_reopened_revision_starts_with_the_plan(setup):
    from assessment import submission

    assessment, owner = setup
    ActionItem.objects.create(assessment=assessment, code="T13", priority="high", owner="王工", cost=Decimal("80"))
    submission.submit(assessment.pk, user=owner, language="en")
    new = submission.reopen(assessment.pk, user=owner)
    item = ActionItem.objects.get(assessment=new)
    assert (item.code, item.priority, item.owner, item.cost) == ("T13", "high", "王工", Decimal("80"))
    assert ActionItem.objects.filter(assessment=assessment).count() == 1  # the old revision keeps its own
