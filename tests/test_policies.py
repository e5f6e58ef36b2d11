"""Policy reference content: fixture facts in both languages, public pages, chart, admin edits, query counts."""

import datetime
import importlib
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Category, CriteriaSet, Gate, Indicator
from assessment.models import FocusArea as AreaChoices
from policies import models as policy
from policies.charts import nice_step

pytestmark = pytest.mark.django_db

AGREED_CODES = (
    "guide-2016-2020 miit-2016-586 miit-2017-564 miit-2024-13 miit-2025-390 miit-2026-97 "
    "enterprise-green-code-2024 sector-standards-list-2024 gbt-36132-2025 gbt-36132-2018 gbt-32161-2015 "
    "gbt-33761-2017 gbt-32162 gbt-33635-2017 gbt-39256-2020 gbt-39257-2020 gbt-39258-2020 gbt-39259-2020 "
    "jct-2770-2024 db21t-3662-2022 gbt-19001 gbt-24001 gbt-23331 gbt-45001 gbt-24256 gbt-24067 gbt-32150 "
    "gb-energy-quotas gbt-18916 zero-carbon-parks-2025"
).split()
ZH, EN = "zh-hans", "en"


def get(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, language, response.status_code)
    return response.content.decode()


def make_criteria_set(code: str, *, status: str = CriteriaSet.Status.PUBLISHED) -> CriteriaSet:
    return CriteriaSet.objects.create(
        code=code,
        area=AreaChoices.FACTORY,
        version=f"2025-{code}",  # two published sets of an area never share a version
        name_zh=f"测试评价体系 {code}",
        name_en=f"Test criteria {code}",
        standard="GB/T 36132-2025",
        status=status,
        effective_date=datetime.date(2025, 12, 31),
        rating=CriteriaSet.Rating.RELATIVE,
    )


def make_citations(document: policy.PolicyDocument, criteria_set: CriteriaSet, n: int) -> None:
    """`n` gates and `n` indicators of `criteria_set` citing `document`."""
    criteria_set.governing_documents.add(document)
    category = Category.objects.create(
        criteria_set=criteria_set, code="C1", name_zh="能源低碳化", name_en="Energy", weight=30
    )
    for i in range(n):
        gate = Gate.objects.create(
            criteria_set=criteria_set,
            code=f"B{i}",
            kind=Gate.Kind.BASIC,
            text_zh=f"基本要求{i}",
            text_en=f"Basic requirement {i}",
        )
        gate.policy_basis.add(document)
        indicator = Indicator.objects.create(
            category=category,
            code=f"I{i}",
            name_zh=f"指标{i}",
            name_en=f"Indicator number {i}",
            indicator_type="positive_qual",
            points=8,
        )
        indicator.policy_basis.add(document)


# --- fixture content ------------------------------------------------------------------------------


def test_every_agreed_policy_code_exists_in_both_languages():
    documents = {d.code: d for d in policy.PolicyDocument.objects.filter(code__in=AGREED_CODES)}
    assert sorted(documents) == sorted(AGREED_CODES)
    for document in documents.values():
        assert document.title_zh and document.title_en, document.code
        assert re.search(r"[\u4e00-\u9fff]", document.title_zh), document.code
    assert documents["miit-2024-13"].number == "工信部节〔2024〕13号"
    assert documents["gbt-36132-2025"].in_force == datetime.date(2025, 12, 31)
    assert documents["gbt-32162"].mark == "U"


def test_green_bond_figure_is_stored_in_both_languages():
    event = policy.TimelineEvent.objects.get(key="green-bonds-h1-2019")
    assert event.year == 2019 and (event.date_text_zh, event.date_text_en) == ("2019年上半年", "H1 2019")
    assert "143.9 billion CNY" in event.body_en and "19.5 billion EUR" in event.body_en and "62 %" in event.body_en
    assert "1439亿元" in event.body_zh and "195亿欧元" in event.body_zh and "62%" in event.body_zh


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("2016-09", "2016-09"),
        ("2015-10-13", "2015-10-13"),
        ("2018–2020", "2018–2020"),
        ("H1 2019", "2019年上半年"),
        ("H2 2020", "2020年下半年"),
        ("as of Oct 2021", "截至2021年10月"),
        ("as of 2021", "截至2021年"),
        ("2024-01 (announced 2024-02-02)", "2024-01（2024-02-02公布）"),
        ("spring 2017", "spring 2017"),
    ],
)
def test_migration_derives_the_chinese_date_text(english, chinese):
    migration = importlib.import_module("policies.migrations.0003_timelineevent_date_text_bilingual")
    assert migration.chinese_date_text(english) == chinese


def test_timeline_covers_the_synopsis_from_2007_to_2021():
    years = set(policy.TimelineEvent.objects.values_list("year", flat=True))
    assert {2007, 2015, 2016, 2017, 2018, 2019, 2021} <= years
    titles = " ".join(policy.TimelineEvent.objects.values_list("title_en", flat=True))
    for needle in [
        "Ecological Civilisation",
        "Made in China 2025",
        "Paris Agreement",
        "13th Five-Year Plan",
        "Implementation Guideline",
        "Comprehensive Implementation Plan",
        "Annual Green Manufacturing System Program",
        "Demonstration of Enterprises with Green Industrial Designs",
        "Remanufacturing",
        "Green Industrial Design Demonstration",
        "14th Five-Year Plan",
        "State Council Guideline",
        "People's Bank of China",
    ]:
        assert needle in titles, needle
    guideline = policy.TimelineEvent.objects.get(key="guide-2016-2020")
    assert len(guideline.points_zh.splitlines()) == len(guideline.points_en.splitlines()) == 3
    remanufacturing = policy.TimelineEvent.objects.get(key="remanufacturing-2018-2020")
    assert len(remanufacturing.points_zh.splitlines()) == len(remanufacturing.points_en.splitlines()) == 3
    program = policy.TimelineEvent.objects.get(key="green-mfg-system-program-2017")
    assert "Third-party green manufacturing evaluation bodies" in program.points_en
    assert "第三方绿色制造评价机构" in program.points_zh


def test_focus_areas_match_the_assessment_choices():
    areas = {a.code: a for a in policy.FocusArea.objects.all()}
    assert sorted(areas) == sorted(AreaChoices.values)
    assert "backbone" in areas["factory"].description_en and "主干" in areas["factory"].description_zh
    assert (
        "life cycle" in areas["design_product"].description_en
        and "全生命周期" in areas["design_product"].description_zh
    )
    assert "integration rates" in areas["park"].description_en and "土地利用率" in areas["park"].description_zh
    assert (
        "digital platforms" in areas["supply_chain"].description_en
        and "数字化平台" in areas["supply_chain"].description_zh
    )


def test_three_company_cases_with_their_measures():
    cases = {c.slug: c for c in policy.CompanyCase.objects.select_related("focus_area")}
    assert sorted(cases) == ["baic-motor", "chilwee", "esurging-tianjin"]
    assert (cases["baic-motor"].focus_area.code, cases["baic-motor"].industry_en) == ("factory", "Automotive")
    assert "Photovoltaic" in cases["baic-motor"].measures_en and "光伏" in cases["baic-motor"].measures_zh
    assert (cases["esurging-tianjin"].focus_area.code, cases["esurging-tianjin"].industry_en) == (
        "supply_chain",
        "Machinery",
    )
    assert (
        "Industrial Internet" in cases["esurging-tianjin"].measures_en
        and "工业互联网" in cases["esurging-tianjin"].measures_zh
    )
    assert (cases["chilwee"].focus_area.code, cases["chilwee"].industry_en) == ("design_product", "Electronics")
    assert (
        "lifecycle of lead batteries" in cases["chilwee"].measures_en and "全生命周期" in cases["chilwee"].measures_zh
    )


def test_green_finance_and_findings():
    kinds = {kind: list(policy.Fact.objects.filter(kind=kind)) for kind in policy.Fact.Kind.values}
    assert len(kinds[policy.Fact.Kind.FINANCE_MEASURE]) == 3 and len(kinds[policy.Fact.Kind.FINANCE_PROSPECT]) == 3
    measures = " ".join(f.body_en for f in kinds[policy.Fact.Kind.FINANCE_MEASURE])
    assert "Macroprudential Assessment" in measures and "collateral" in measures and "Preferential interest" in measures
    prospects = " ".join(f.body_en + f.body_zh for f in kinds[policy.Fact.Kind.FINANCE_PROSPECT])
    assert (
        "ESG" in prospects
        and "foreign investment" in prospects
        and "initial stage" in prospects
        and "外资" in prospects
    )
    findings = {f.key: f for f in kinds[policy.Fact.Kind.FINDING]}
    assert "eco-friendly products" in findings["goals-exceeded-products-lagging"].body_en
    assert "滞后" in findings["goals-exceeded-products-lagging"].body_zh
    assert "few public government sources" in findings["few-public-sources"].body_en


def test_process_rules_keep_their_marks():
    rules = {r.key: r for r in policy.ProcessRule.objects.all()}
    assert rules["third-party-limit"].mark == "V" and "15" in rules["third-party-limit"].title_en
    assert rules["removal-bottom-5"].mark == "S" and "后5%" in rules["removal-bottom-5"].title_zh
    assert rules["cycle-timing-2017"].mark == "U"
    assert {r.section for r in rules.values()} == set(policy.ProcessRule.Section.values)


def test_list_numbers_keep_values_and_marks():
    def count(release: str, area: str, measure: str = "listed") -> policy.ListCount:
        return policy.ListCount.objects.get_by_natural_key(release, area, measure)

    assert count("batch-2025", "factory").value == 2038
    assert count("batch-7-2022", "design_product", "removed").value == 72
    assert count("batch-7-2022", "", "renamed").value == 104
    batch1 = count("batch-1-2017", "design_product")
    assert (batch1.value, batch1.approximate, batch1.mark) == (194, True, "D")
    assert count("batch-4-2019", "park").mark == "U"
    assert count("stock-2024-03", "factory").value == 5095
    assert policy.ListRelease.objects.filter(kind=policy.ListRelease.Kind.BATCH).count() == 10


def test_loaddata_again_changes_nothing_and_dumpdata_round_trips():
    before = {
        m: m.objects.count() for m in (policy.PolicyDocument, policy.TimelineEvent, policy.ListCount, policy.Fact)
    }
    call_command("loaddata", "policies", verbosity=0)
    assert {m: m.objects.count() for m in before} == before
    out = StringIO()
    call_command("dumpdata", "policies", natural_primary=True, natural_foreign=True, stdout=out)
    dumped = json.loads(out.getvalue())
    assert all("pk" not in row for row in dumped)
    event = next(
        r for r in dumped if r["model"] == "policies.timelineevent" and r["fields"]["key"] == "guide-2016-2020"
    )
    assert event["fields"]["documents"] == [["guide-2016-2020"]]


# --- public pages -----------------------------------------------------------------------------------

PAGES = [
    ("/", ZH, ["绿色工厂", "绿色供应链管理企业", "2038", "北京汽车股份有限公司"]),
    ("/", EN, ["Green factories", "Start a self-assessment", "2,038", "BAIC Motor"]),
    ("/policy/", ZH, ["1439亿元", "195亿欧元", "生态文明", "宏观审慎评估", "滞后", "2019年上半年", "截至2021年10月"]),
    (
        "/policy/",
        EN,
        [
            "143.9 billion CNY",
            "19.5 billion EUR",
            "62 %",
            "Macroprudential Assessment",
            "ESG",
            "H1 2019",
            "as of Oct 2021",
        ],
    ),
    ("/policy/documents/", ZH, ["绿色工厂评价通则", "GB/T 36132-2025", "取水定额"]),
    ("/policy/documents/", EN, ["General principles for green factory evaluation", "JC/T 2770-2024"]),
    ("/policy/documents/miit-2024-13/", ZH, ["绿色工厂梯度培育及管理暂行办法", "工信部节〔2024〕13号", "6章27条"]),
    (
        "/policy/documents/miit-2024-13/",
        EN,
        ["Interim Measures for Gradient Cultivation", "27 articles", "Bottom 5 % score"],
    ),
    ("/policy/areas/factory/", ZH, ["主干", "北京汽车", "2038"]),
    ("/policy/areas/factory/", EN, ["backbone", "BAIC Motor", "2,038", "GB/T 36132-2025"]),
    ("/policy/areas/supply_chain/", EN, ["upstream and downstream", "Esurging (Tianjin) Technology"]),
    ("/policy/cases/baic-motor/", ZH, ["北京汽车股份有限公司", "屋顶余热回收系统", "光伏发电"]),
    ("/policy/cases/baic-motor/", EN, ["BAIC Motor", "Roof heat recovery systems", "centralised inspection system"]),
    ("/policy/cases/esurging-tianjin/", ZH, ["绿色供应链管理小组", "可再利用资源"]),
    ("/policy/cases/esurging-tianjin/", EN, ["Esurging (Tianjin) Technology", "Annual green industrial target plans"]),
    ("/policy/cases/chilwee/", ZH, ["超威", "废旧铅蓄电池"]),
    ("/policy/cases/chilwee/", EN, ["CHILWEE", "recycle waste lead batteries", "lifecycle of lead batteries"]),
    ("/policy/numbers/", ZH, ["第一批（2017）", "2038", "工信厅节〔2026〕97号", "≈194"]),
    ("/policy/numbers/", EN, ["Batch 1 (2017)", "2,038", "publicity list; final not confirmed", "Removed:"]),
    ("/policy/process/", ZH, ["连续3年得分处于后5%", "动态管理表"]),
    ("/policy/process/", EN, ["Bottom 5 % score for 3 consecutive years", "at most 15 national"]),
]


@pytest.mark.parametrize(("url", "language", "expected"), PAGES)
def test_public_page_shows_content_in_language(client, url, language, expected):
    html = get(client, url, language)
    for text in expected:
        assert text in html, (url, language, text)
    # The other language's title must not leak in where a translation exists.
    if url == "/policy/cases/baic-motor/":
        assert ("Roof heat recovery" in html) == (language == EN)
    # CSP: no inline styles, handlers or scripts.
    assert not re.search(r'\sstyle="|<style|\son[a-z]+="|<script>', html)


def test_language_cookie_switches_content(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "High-End Intelligent Remanufacturing Action Plan" in client.get("/policy/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "高端智能再制造行动计划" in client.get("/policy/").content.decode()


def test_timeline_dates_are_in_the_page_language(client):
    def dates(language: str) -> dict[str, str]:
        html = get(client, reverse("timeline"), language)
        return dict(
            re.findall(r'<li class="timeline-item" id="([^"]+)">\s*<div class="timeline-date[^"]*">([^<]*)</div>', html)
        )

    zh, en = dates(ZH), dates(EN)
    assert zh["green-bonds-h1-2019"] == "2019 · 2019年上半年" and en["green-bonds-h1-2019"] == "2019 · H1 2019"
    assert (
        zh["pboc-green-finance-2021"] == "2021 · 截至2021年10月"
        and en["pboc-green-finance-2021"] == "2021 · as of Oct 2021"
    )
    assert zh["miit-2024-13"] == "2024 · 2024-01（2024-02-02公布）"
    assert en["miit-2024-13"] == "2024 · 2024-01 (announced 2024-02-02)"
    assert zh["remanufacturing-2018-2020"] == en["remanufacturing-2018-2020"] == "2018 · 2018–2020"
    assert zh["eco-civilisation-2007"] == en["eco-civilisation-2007"] == "2007"
    assert len(zh) == len(en) == policy.TimelineEvent.objects.count()


def test_timeline_date_falls_back_to_the_other_language(client):
    policy.TimelineEvent.objects.filter(key="miit-2016-586").update(date_text_zh="")
    policy.TimelineEvent.objects.filter(key="miit-2025-390").update(date_text_en="")
    zh, en = get(client, reverse("timeline"), ZH), get(client, reverse("timeline"), EN)
    assert ">2016 · 2016-09</div>" in zh and ">2025 · 2025-10-09</div>" in en


def test_timeline_is_chronological(client):
    html = get(client, reverse("timeline"), EN)
    positions = [
        html.index(f'id="{key}"')
        for key in (
            "eco-civilisation-2007",
            "made-in-china-2025",
            "paris-agreement-2016",
            "green-bonds-h1-2019",
            "sc-guideline-2021",
            "miit-2026-97",
        )
    ]
    assert positions == sorted(positions)


def test_marks_are_visible_badges_with_legend(client):
    html = get(client, reverse("policy_numbers"), EN)
    assert re.search(r'<span class="badge mark-badge mark-U" title="Uncertain"[^>]*>U</span>', html)
    assert 'class="badge mark-badge mark-D"' in html
    assert "Confidence marks:" in html


def test_landing_leads_to_signup_or_dashboard(client, django_user_model):
    assert f'href="{reverse("signup")}"' in get(client, reverse("landing"), EN)
    user = django_user_model.objects.create_user("landing-user", "landing@example.com", "pw-landing-123")
    client.force_login(user)
    html = get(client, reverse("landing"), EN)
    assert f'href="{reverse("dashboard")}"' in html and "Go to your self-assessments" in html


def test_unknown_codes_are_404(client):
    assert client.get("/policy/documents/no-such-doc/").status_code == 404
    assert client.get("/policy/areas/spaceships/").status_code == 404
    assert client.get("/policy/cases/nobody/").status_code == 404


# --- chart --------------------------------------------------------------------------------------------


def test_chart_has_a_group_with_bars_for_each_list(client):
    html = get(client, reverse("policy_numbers"), EN)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "style=" not in svg and "<script" not in svg
    groups = re.findall(r'<g class="group" data-group="([^"]+)">(.*?)</g>', svg)
    releases = list(policy.ListRelease.objects.filter(kind=policy.ListRelease.Kind.BATCH).values_list("key", flat=True))
    assert [key for key, _ in groups] == releases
    for key, body in groups:
        assert body.count('class="bar bar-factory"') == 1, key
    group_2025 = dict(groups)["batch-2025"]
    assert "bar-park" in group_2025 and "bar-design_product" not in group_2025
    assert "Batch 4 (2019) · Green industrial parks: 40 [U]" in svg
    assert (
        len(re.findall(r'<rect class="bar ', svg))
        == policy.ListCount.objects.filter(release__kind="batch", measure="listed").exclude(area="").count()
    )


@pytest.mark.parametrize(("maximum", "step"), [(0, 1), (7, 2), (2038, 500), (480, 100), (1073, 500)])
def test_nice_step(maximum, step):
    assert nice_step(maximum) == step


# --- admin ----------------------------------------------------------------------------------------------


def _admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("policy-admin", "policy-admin@example.com", "pw-admin-123")
    client.force_login(admin)
    return client


def test_admin_edit_of_a_document_title_shows_on_its_page(client, django_user_model):
    admin_client = _admin_client(client, django_user_model)
    document = policy.PolicyDocument.objects.get(code="miit-2025-390")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(document).items()}
    data["focus_areas"] = [area.pk for area in data["focus_areas"]]
    data["title_en"] = "Notice on the 2025 green factory round (edited)"
    data["title_zh"] = "关于开展2025年度绿色工厂推荐工作的通知（已编辑）"
    response = admin_client.post(reverse("admin:policies_policydocument_change", args=[document.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "(edited)" in get(client, document.get_absolute_url(), EN)
    assert "（已编辑）" in get(client, document.get_absolute_url(), ZH)


def test_admin_edit_of_a_case_shows_on_its_page(client, django_user_model):
    admin_client = _admin_client(client, django_user_model)
    case = policy.CompanyCase.objects.get(slug="chilwee")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(case).items()}
    data["measures_en"] += "\nA brand-new measure entered by staff"
    response = admin_client.post(reverse("admin:policies_companycase_change", args=[case.pk]), data)
    assert response.status_code == 302
    assert "<li>A brand-new measure entered by staff</li>" in get(client, case.get_absolute_url(), EN)


@pytest.mark.parametrize(
    "model",
    ["policydocument", "timelineevent", "companycase", "fact", "processrule", "listrelease", "listcount", "focusarea"],
)
def test_admin_changelists_search_and_filter(client, django_user_model, model):
    admin_client = _admin_client(client, django_user_model)
    url = reverse(f"admin:policies_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "green"}).status_code == 200
    assert admin_client.get(url, {"mark__exact": "S"}).status_code == 200


def test_admin_release_page_edits_counts_inline(client, django_user_model):
    admin_client = _admin_client(client, django_user_model)
    release = policy.ListRelease.objects.get(key="batch-2025")
    html = admin_client.get(reverse("admin:policies_listrelease_change", args=[release.pk])).content.decode()
    assert 'name="counts-0-value"' in html


# --- citations and query counts ---------------------------------------------------------------------------


def test_document_page_lists_published_criteria_that_cite_it(client):
    document = policy.PolicyDocument.objects.get(code="gbt-24067")
    make_citations(document, make_criteria_set("test-policies-published"), 2)
    make_citations(document, make_criteria_set("test-policies-draft", status=CriteriaSet.Status.DRAFT), 1)
    html = get(client, document.get_absolute_url(), EN)
    assert "Test criteria test-policies-published" in html
    assert "Indicator number 1" in html and "Basic requirement 1" in html
    assert "Governing document of this criteria set" in html
    assert "test-policies-draft" not in html


def test_document_page_queries_do_not_grow_with_citations(client, django_assert_max_num_queries):
    document = policy.PolicyDocument.objects.get(code="gbt-24067")
    url = document.get_absolute_url()
    make_citations(document, make_criteria_set("test-policies-q1"), 1)
    with CaptureQueriesContext(connection) as few:
        get(client, url, EN)
    make_citations(document, make_criteria_set("test-policies-q2"), 8)
    with django_assert_max_num_queries(len(few)):
        html = get(client, url, EN)
    assert "Indicator number 7" in html


def test_timeline_queries_do_not_grow_with_events(client, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        get(client, reverse("timeline"), EN)
    documents = list(policy.PolicyDocument.objects.all()[:3])
    for i in range(6):
        event = policy.TimelineEvent.objects.create(
            key=f"test-event-{i}", year=2030, title_zh=f"测试事件{i}", title_en=f"Test event {i}"
        )
        event.documents.set(documents)
    with django_assert_max_num_queries(len(few)):
        html = get(client, reverse("timeline"), EN)
    assert "Test event 5" in html


@pytest.mark.parametrize(
    "url", ["/", "/policy/documents/", "/policy/numbers/", "/policy/process/", "/policy/areas/factory/"]
)
def test_other_pages_use_a_fixed_number_of_queries(client, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(8):
        get(client, url, ZH)
