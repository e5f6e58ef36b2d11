"""Standing pages: the worker refresh, k-anonymity on every page, opt-out, the year series, criteria impact."""

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from assessment import submission
from assessment.models import Assessment, CriteriaSet, Indicator, RegionalReference, Snapshot
from organisations.models import AccessGrant, Company, Consultancy, Membership
from standing.models import Entry, PeerStat, split_firms
from standing.peers import K_COMPANIES, refusal
from standing.peers import Contributor as PeerContributor
from standing.refresh import record, refresh_after_submission, refresh_all, refresh_all_groups, refresh_groups
from tests.factories import make_user
from tests.standing_world import english, peers, submitted
from tests.worlds import answer_all, make_criteria_set, make_world, world_company

pytestmark = pytest.mark.django_db


def numbers(html: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", re.sub(r"<[^>]+>", " ", html)))


# --- The worker ---------------------------------------------------------------------------------


def test_submission_queues_the_refresh_and_the_worker_fills_the_tables(run_worker: Any) -> None:
    world = make_world(4)
    answer_all(world.assessment)
    submission.submit(world.assessment.pk, user=world.editor, language="en")
    job = DBTaskResult.objects.get(task_path="standing.tasks.refresh_after_submission_task")
    assert job.args_kwargs["args"] == [world.assessment.pk]
    assert not Entry.objects.exists()  # nothing computed on the request
    run_worker()
    entry = Entry.objects.get(company=world.company)
    assert entry.total == Snapshot.objects.get(assessment=world.assessment).total
    stats = PeerStat.objects.filter(criteria_set=world.assessment.criteria_set.code, year=2030)
    assert stats.count() == 4  # sector × province, sector, province, everyone
    assert {s.refusal for s in stats} == {"few_companies"}
    assert all(s.companies == 0 and s.totals == [] and s.mean is None for s in stats)


# --- k-anonymity --------------------------------------------------------------------------------


def test_nine_peers_show_no_figure_and_the_tenth_publishes(django_assert_max_num_queries: Any) -> None:
    criteria_set = make_criteria_set(4)
    world = make_world(4, criteria_set=criteria_set)
    mine = submitted(world.company, criteria_set, "77.5", values={"X01": "0.5"})
    others = peers(criteria_set, 8)
    for a in [mine, *others]:
        refresh_after_submission(a.pk)
    url = reverse("standing", args=[mine.pk])
    page = english(world.viewer).get(url).content.decode()
    assert page.count("Not shown") == 4 and "fewer than 10 companies" in page
    assert "band" not in page and "Average" not in page and "<svg" not in page
    sections = re.findall(r'<section class="card mb-3 scope">(.*?)</section>', page, re.S)
    assert len(sections) == 4
    for section in sections:
        assert numbers(section) <= {"10"}  # the rule's own constant, no figure of the 9 companies
    assert 'id="relative-bar"' not in page  # no platform average either

    last = peers(criteria_set, 1, start=99)[0]
    Company.objects.filter(pk=last.company_id).update(name="Peer last")
    refresh_after_submission(last.pk)
    client = english(world.viewer)
    with django_assert_max_num_queries(7):
        response = client.get(url)
    page = response.content.decode()
    assert "Not shown" not in page
    assert "Higher than 80 % of 10 companies" in page  # 77.5 beats 40 … 47
    assert 'class="band">A</strong>' in page  # rank 3 of 10: within 40 %
    assert "<svg" in page and "Platform peer values" in page


def test_a_dominant_consultancy_refuses_the_group() -> None:
    criteria_set = make_criteria_set(4)
    firm = Consultancy.objects.create(name="Big Firm")
    group = peers(criteria_set, 12)
    for a in group[:7]:
        AccessGrant.objects.create(company=a.company, consultancy=firm)
    refresh_all()
    stat = PeerStat.objects.get(criteria_set=criteria_set.code, sector="ZT", province="JS")
    assert stat.refusal == "dominant" and stat.totals == [] and stat.indicators == {}


def test_no_stored_or_shown_figure_comes_from_fewer_companies() -> None:
    """Groups of every size around the threshold, over two provinces: every stored figure passes the rule,
    and every page shows figures only for groups that do."""
    criteria_set = make_criteria_set(4)
    firms = [Consultancy.objects.create(name=f"F{i}") for i in range(3)]
    pages = []
    for province, n in (("JS", 9), ("ZJ", 11), ("SD", 2)):
        for i in range(n):
            company = world_company(f"{province} {i}")
            Company.objects.filter(pk=company.pk).update(province=province)
            if i % 3:
                AccessGrant.objects.create(company=company, consultancy=firms[i % 3])
            a = submitted(
                company, criteria_set, str(30 + 3 * i), values={"X01": str(i)} if i < 6 else {"X01": str(i), "X02": "1"}
            )
            user = make_user("member")
            Membership.objects.create(user=user, company=company, role="viewer")
            pages.append((user, a, province))
    refresh_all()
    entries = list(
        Entry.objects.filter(criteria_set=criteria_set.code).values(
            "company_id", "firms", "total", "sector", "province"
        )
    )
    for stat in PeerStat.objects.filter(criteria_set=criteria_set.code):
        behind = [
            PeerContributor(e["company_id"], frozenset(split_firms(e["firms"])), e["total"])
            for e in entries
            if stat.sector in ("", e["sector"]) and stat.province in ("", e["province"])
        ]
        if stat.refusal:
            assert (stat.companies, stat.totals, stat.mean, stat.indicators, stat.histogram) == (0, [], None, {}, [])
        else:
            assert refusal(behind) is None and stat.companies == len(behind) >= K_COMPANIES
            assert all(v["companies"] >= K_COMPANIES for v in stat.indicators.values())
            assert "X02" not in stat.indicators  # only 5 + 3 companies measured it
    for user, a, province in pages:
        page = english(user).get(reverse("standing", args=[a.pk])).content.decode()
        # JS (9) and SD (2) are refused, by sector and across sectors; ZJ (11) and the nation (22) publish.
        assert page.count("Higher than") == (4 if province == "ZJ" else 2)
        assert page.count("Not shown") == (0 if province == "ZJ" else 2)


# --- Opt-in -------------------------------------------------------------------------------------


def test_opting_out_removes_the_company_from_the_next_refresh(run_worker: Any) -> None:
    criteria_set = make_criteria_set(4)
    world = make_world(4, criteria_set=criteria_set)
    mine = submitted(world.company, criteria_set, "60")
    for a in [mine, *peers(criteria_set, 9)]:
        refresh_after_submission(a.pk)
    stat = PeerStat.objects.get(criteria_set=criteria_set.code, sector="ZT", province="JS")
    assert stat.companies == 10

    response = english(world.owner).post(reverse("standing_opt_in", args=[world.company.pk]), {})
    assert response.status_code == 302
    world.company.refresh_from_db()
    assert world.company.peer_opt_in is False
    run_worker()
    stat.refresh_from_db()
    assert stat.refusal == "few_companies" and stat.totals == []
    page = english(world.owner).get(reverse("company_detail", args=[world.company.pk])).content.decode()
    assert 'id="peer_opt_in"' in page and 'id="peer_opt_in" checked' not in page

    english(world.owner).post(reverse("standing_opt_in", args=[world.company.pk]), {"peer_opt_in": "on"})
    run_worker()
    stat.refresh_from_db()
    assert stat.companies == 10


def test_companies_are_counted_by_default_and_only_owners_change_it() -> None:
    world = make_world(4)
    assert world.company.peer_opt_in is True
    assert english(world.editor).post(reverse("standing_opt_in", args=[world.company.pk])).status_code == 403
    assert english(world.stranger).post(reverse("standing_opt_in", args=[world.company.pk])).status_code == 404
    assert english(world.owner).get(reverse("standing_opt_in", args=[world.company.pk])).status_code == 405
    world.company.refresh_from_db()
    assert world.company.peer_opt_in is True


# --- Relative bar ---------------------------------------------------------------------------------


def test_the_staff_reference_wins_over_the_platform_estimate() -> None:
    criteria_set = make_criteria_set(4)
    world = make_world(4, criteria_set=criteria_set)
    mine = submitted(world.company, criteria_set, "60")
    for a in [mine, *peers(criteria_set, 10)]:
        refresh_after_submission(a.pk)
    page = english(world.viewer).get(reverse("standing", args=[mine.pk])).content.decode()
    assert "estimated: the platform's average in your province" in page
    RegionalReference.objects.create(
        area=criteria_set.area, province="JS", year=2029, value=Decimal("65.00"), source="Provincial notice"
    )
    page = english(world.viewer).get(reverse("standing", args=[mine.pk])).content.decode()
    assert (
        "regional reference score 65.00 (2029" in page
        and "Provincial notice" in page
        and "Your total is below it." in page
    )


# --- Ladder ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["standing", "standing_years", "standing_impact"])
def test_ladder(name: str) -> None:
    world = make_world(4)
    url = reverse(name, args=[world.assessment.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert english(world.stranger).get(url).status_code == 404
    assert english(world.revoked).get(url).status_code == 404
    assert english(world.viewer).get(url).status_code == 200
    assert english(world.consultant).get(url).status_code == 200


def test_a_draft_has_no_standing_yet() -> None:
    world = make_world(4)
    page = english(world.viewer).get(reverse("standing", args=[world.assessment.pk])).content.decode()
    assert "Submit this assessment" in page


# --- Series by year -------------------------------------------------------------------------------


def _two_years() -> tuple[Any, Assessment]:
    old = make_criteria_set(6, area="factory_series")
    new = make_criteria_set(5, area="factory_series")
    Indicator.objects.filter(category__criteria_set=new, code="X05").update(points=Decimal(20))
    world = make_world(6, criteria_set=old)
    answer_all(world.assessment)
    submission.submit(world.assessment.pk, user=world.editor, language="en")
    following = Assessment.objects.create(company=world.company, criteria_set=new, year=2031, created_by=world.owner)
    answer_all(following)
    submission.submit(following.pk, user=world.editor, language="en")
    return world, following


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("en", ["Category 1", "Total score", "2030", "2031"], "类别1"),
        ("zh-hans", ["类别1", "2030", "2031"], "Category 1"),
    ],
)
def test_the_year_series_chart_and_table_in_both_languages(language: str, expected: list[str], absent: str) -> None:
    world, following = _two_years()
    client = Client()
    client.force_login(world.viewer)
    client.cookies["django_language"] = language
    with_queries = client.get(reverse("standing_years", args=[following.pk]))
    page = with_queries.content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    for text in expected:
        assert text in svg
    assert absent not in svg
    assert "<script" not in svg and "style=" not in svg
    changes = page[page.index('id="criteria-changes"') :]
    assert "X06" in changes.split("</li>")[0]  # removed in 2031
    assert "X05 10 → 20" in changes.split("</li>")[0]


def test_the_year_series_query_count_does_not_grow_with_years(django_assert_max_num_queries: Any) -> None:
    world, following = _two_years()
    client = english(world.viewer)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("standing_years", args=[following.pk])).status_code == 200


# --- Criteria-change impact -----------------------------------------------------------------------


def test_impact_maps_by_code_and_lists_what_does_not_carry() -> None:
    source = make_criteria_set(6, area="impact_area")
    target = make_criteria_set(4, area="impact_area")
    Indicator.objects.filter(category__criteria_set=target, code="X02").update(indicator_type="reverse_qual")
    world = make_world(6, criteria_set=source)
    answer_all(world.assessment)
    submission.submit(world.assessment.pk, user=world.editor, language="en")
    url = reverse("standing_impact", args=[world.assessment.pk])
    page = english(world.viewer).get(url).content.decode()
    assert target.code in page and "impact-table" not in page
    page = english(world.viewer).get(url, {"target": target.code}).content.decode()
    unmapped = page[page.index('id="unmapped"') : page.index("</ul>", page.index('id="unmapped"'))]
    assert "X05" in unmapped and "X06" in unmapped and "no such item in the other set" in unmapped
    assert "X02" in unmapped and "measured differently" in unmapped
    assert "X01" not in unmapped and "X03" not in unmapped
    table = page[page.index('id="impact-table"') :]
    assert "X05" in table and "X01" in table
    # An unknown target is ignored, not an error.
    assert english(world.viewer).get(url, {"target": "nope"}).status_code == 200


def test_company_form_keeps_list_level_and_year() -> None:
    world = make_world(4)
    data = {
        "name": world.company.name,
        "credit_code": world.company.credit_code,
        "sector": world.company.sector_id,
        "province": "JS",
        "size": "medium",
        "list_level": "",
        "listed_year": "2024",
    }
    url = reverse("company_edit", args=[world.company.pk])
    assert english(world.owner).post(url, data).status_code == 200  # a year without a list
    english(world.owner).post(url, {**data, "list_level": "national", "listed_year": "1999"})
    world.company.refresh_from_db()
    assert world.company.listed_year is None
    response = english(world.owner).post(url, {**data, "list_level": "national"})
    assert response.status_code == 302
    world.company.refresh_from_db()
    assert (world.company.list_level, world.company.listed_year, world.company.is_listed) == ("national", 2024, True)


def test_the_rebuild_command_recomputes_every_group_from_the_snapshots() -> None:
    criteria_set = make_criteria_set(4)
    group = peers(criteria_set, 10)
    assert not PeerStat.objects.exists()
    out = io.StringIO()
    call_command("refresh_standing", stdout=out)
    assert "4 peer groups refreshed" in out.getvalue()
    assert Entry.objects.count() == 10
    stat = PeerStat.objects.get(criteria_set=criteria_set.code, sector="", province="")
    assert stat.companies == 10 and stat.totals == [[float(40 + i) for i in range(10)], list(range(1, 11))]
    assert group[0].pk in Entry.objects.values_list("assessment_id", flat=True)


# --- Differencing between refreshes ---------------------------------------------------------------


def _published_state(criteria_set: CriteriaSet, sector: str, province: str) -> tuple[Any, ...] | None:
    stat = PeerStat.objects.filter(criteria_set=criteria_set.code, year=2030, sector=sector, province=province).first()
    if stat is None or stat.refusal:
        return None
    return (stat.companies, stat.totals, stat.mean, stat.top5_mean, stat.bottom5_mean, stat.histogram, stat.indicators)


def _contributions(criteria_set: CriteriaSet, sector: str, province: str) -> dict[int, tuple[Any, frozenset[str]]]:
    rows = Entry.objects.filter(criteria_set=criteria_set.code, year=2030, counted=True)
    rows = rows.filter(sector=sector) if sector else rows
    rows = rows.filter(province=province) if province else rows
    return {
        e.company_id: ((e.total, tuple(sorted(e.values.items()))), frozenset(split_firms(e.firms)))
        for e in rows.only("company_id", "total", "values", "firms")
    }


def test_one_more_company_does_not_change_published_figures_until_enough_have() -> None:
    criteria_set = make_criteria_set(4)
    for a in peers(criteria_set, 10):
        refresh_after_submission(a.pk)
    before = _published_state(criteria_set, "ZT", "JS")
    assert before is not None and before[0] == 10
    # An 11th company: the mean of 11 minus the mean of 10 would give its total away.
    late = peers(criteria_set, 1, start=90)[0]
    refresh_after_submission(late.pk)
    assert _published_state(criteria_set, "ZT", "JS") == before
    # So would a resubmission of one company.
    resubmitted = submitted(Assessment.objects.get(pk=late.pk).company, criteria_set, "12")
    refresh_after_submission(resubmitted.pk)
    assert _published_state(criteria_set, "ZT", "JS") == before
    # Nine more (ten changes from three consultancies-or-none): republished, over 20 companies.
    for a in peers(criteria_set, 9, start=60):
        refresh_after_submission(a.pk)
    after = _published_state(criteria_set, "ZT", "JS")
    assert after is not None and after[0] == 20


def test_no_two_published_states_differ_by_fewer_companies_than_the_rule_allows() -> None:
    """Random joins, resubmissions and opt-outs; after each refresh the published figures of every group
    are read as a user would. Any two distinct published states of a group differ by companies that
    themselves pass the disclosure rule: subtracting them never isolates one company."""
    import random

    rng = random.Random(15)
    criteria_set = make_criteria_set(4)
    firms = [Consultancy.objects.create(name=f"Firm {i}") for i in range(4)]
    groups = [("ZT", "JS"), ("ZT", ""), ("", "JS"), ("", "")]
    seen: dict[tuple[str, str], list[tuple[tuple[Any, ...], dict[int, Any]]]] = {g: [] for g in groups}
    companies: list[Company] = []
    for step in range(70):
        action = rng.random()
        if action < 0.6 or len(companies) < 10:
            company = world_company(f"Random {step}")
            if rng.random() < 0.75:
                AccessGrant.objects.create(company=company, consultancy=rng.choice(firms))
            companies.append(company)
            refresh_after_submission(submitted(company, criteria_set, str(rng.randint(20, 95))).pk)
        elif action < 0.85:
            company = rng.choice(companies)
            total, value = str(rng.randint(20, 95)), str(rng.randint(1, 9))
            refresh_after_submission(submitted(company, criteria_set, total, values={"X01": value}).pk)
        else:
            company = rng.choice(companies)
            Company.objects.filter(pk=company.pk).update(peer_opt_in=not company.peer_opt_in)
            company.refresh_from_db()
            from standing.refresh import refresh_company

            refresh_company(company.pk)
        for group in groups:
            state = _published_state(criteria_set, *group)
            if state is not None and (not seen[group] or seen[group][-1][0] != state):
                seen[group].append((state, _contributions(criteria_set, *group)))
    published = 0
    for group, states in seen.items():
        published += len(states)
        for i, (state_a, behind_a) in enumerate(states):
            for state_b, behind_b in states[i + 1 :]:
                if state_a == state_b:
                    continue
                changed = [
                    (behind_a.get(c) or behind_b[c])[1]
                    for c in behind_a.keys() | behind_b.keys()
                    if (behind_a.get(c) or (None,))[0] != (behind_b.get(c) or (None,))[0]
                ]
                assert len(changed) >= K_COMPANIES, (group, len(changed))
                assert refusal([PeerContributor(n, firms_, Decimal(0)) for n, firms_ in enumerate(changed)]) is None
    assert published >= 8  # the walk published and republished figures, so the check had pairs to compare


# --- Differencing between groups ------------------------------------------------------------------


def _jiangsu_and_one_outsider(criteria_set: CriteriaSet) -> tuple[list[Assessment], str]:
    """Ten peers in Jiangsu and one company of the same industry in Zhejiang, submitted, not yet refreshed."""
    jiangsu = peers(criteria_set, 10)
    outsider = world_company("Zhejiang works")
    Company.objects.filter(pk=outsider.pk).update(province="ZJ")
    outsider.refresh_from_db()
    assessments = [*jiangsu, submitted(outsider, criteria_set, "55", values={"X01": "3"})]
    for a in assessments:
        record(a.pk)
    return assessments, jiangsu[0].company.sector.code


def _stats(criteria_set: CriteriaSet) -> dict[tuple[str, str], PeerStat]:
    return {(s.sector, s.province): s for s in PeerStat.objects.filter(criteria_set=criteria_set.code, year=2030)}


def test_a_group_inside_a_wider_one_is_withheld_when_the_difference_is_one_company() -> None:
    # The industry nationally (11) is shown; the industry in Jiangsu (10) would be that figure minus the
    # Zhejiang company's own, so it is withheld, as is Jiangsu over all industries.
    criteria_set = make_criteria_set(4)
    _assessments, sector = _jiangsu_and_one_outsider(criteria_set)
    refresh_all_groups()
    stats = _stats(criteria_set)
    assert stats[sector, ""].published and stats[sector, ""].companies == 11
    assert stats[sector, "JS"].refusal == "complement" and stats[sector, "JS"].companies == 0
    assert stats["", "JS"].refusal == "complement"
    # No two published groups, one inside the other, differ by one to nine companies.
    published = [s for s in stats.values() if s.published]
    for wide in published:
        for narrow in published:
            inside = wide.sector in ("", narrow.sector) and wide.province in ("", narrow.province)
            if inside and wide is not narrow:
                assert wide.companies - narrow.companies == 0 or wide.companies - narrow.companies >= 10


def test_a_published_group_is_withheld_when_a_wider_group_is_published_around_it() -> None:
    # Two workers may refresh the groups in either order: the narrow group first, then the wide one.
    criteria_set = make_criteria_set(4)
    _assessments, sector = _jiangsu_and_one_outsider(criteria_set)
    refresh_groups([(criteria_set.code, 2030, sector, "JS")])
    assert _stats(criteria_set)[sector, "JS"].published  # nothing wider is shown yet
    refresh_groups([(criteria_set.code, 2030, sector, "")])
    cell = _stats(criteria_set)[sector, "JS"]
    assert cell.refusal == "complement" and cell.totals == [] and cell.mean is None


def test_published_siblings_never_leave_a_few_companies_of_a_wider_group_uncovered() -> None:
    # The industry nationally: ten companies in Jiangsu, ten in Zhejiang and one in Shanghai. Jiangsu and
    # Zhejiang may each be shown beside the national figure, but not both: the national figure minus the
    # two would be the Shanghai company.
    criteria_set = make_criteria_set(4)
    jiangsu = peers(criteria_set, 10)
    zhejiang = peers(criteria_set, 10, start=60)
    Company.objects.filter(pk__in=[a.company_id for a in zhejiang]).update(province="ZJ")
    shanghai = world_company("Shanghai works")
    Company.objects.filter(pk=shanghai.pk).update(province="SH")
    shanghai.refresh_from_db()
    for a in [*jiangsu, *zhejiang, submitted(shanghai, criteria_set, "55", values={"X01": "3"})]:
        record(a.pk)
    refresh_all_groups()
    stats = _stats(criteria_set)
    sector = jiangsu[0].company.sector.code
    assert stats[sector, ""].published and stats[sector, ""].companies == 21
    shown = [p for p in ("JS", "ZJ", "SH") if stats[sector, p].published]
    assert len(shown) == 1  # Shanghai is too small; of Jiangsu and Zhejiang only one stands
    assert stats[sector, "ZJ" if shown == ["JS"] else "JS"].refusal == "complement"
