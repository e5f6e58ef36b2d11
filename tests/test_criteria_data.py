"""The shipped criteria say what the standards say, flag what the reference marks uncertain, and the
command line, admin and results page carry the verdict rules through (database tests)."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from assessment.criteria_rules import mark_problems
from assessment.models import CriteriaSet, Gate, Indicator, SectorValue
from assessment.scoring import AnswerData, Context, score
from assessment.specs import sector_ref
from tests.specs import F01, F04_OPTIONS, one
from tests.worlds import answer, answer_all, make_criteria_set, make_sector_value, make_world


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db
FACTORY = "factory-gbt36132-2025"
SETS = ["factory-gbt36132-2025", "supply-chain-gsci-586", "park-miit-2024", "design-product-gbt32161"]


def gate(set_code, code):
    return Gate.objects.get(criteria_set__code=set_code, code=code)


def indicator(set_code, code):
    return Indicator.objects.get(category__criteria_set__code=set_code, code=code)


# GB/T 36132-2025 §4.2 a)–c), word for word.
@pytest.mark.parametrize(
    ("code", "text_zh", "english"),
    [
        ("B1", "近三年未发生安全、质量、环保等违法违规行为。", "of any severity"),
        ("B2", "明确绿色制造相关管理层职责，制定绿色低碳发展中长期规划及年度量化目标。", "annual quantified targets"),
        (
            "B3",
            "按照 GB/T 19001、GB/T 23331、GB/T 24001、GB/T 45001 或相关行业适用的其他标准建立、实施、保持并持续改进质量、"
            "环境、能源和职业健康安全管理体系。",
            "continually improved",
        ),
    ],
)
def test_basic_requirements_in_the_standards_wording(code, text_zh, english):
    g = gate(FACTORY, code)
    assert g.text_zh == text_zh
    assert english in g.text_en
    assert "较大" not in g.text_zh and "serious" not in g.text_en


def test_f04_functions_in_the_standards_wording():
    # Table C.1 #4 scoring rule lists the 12 functions.
    f04 = indicator(FACTORY, "F04")
    assert f04.rule["options_zh"] == F04_OPTIONS
    assert len(f04.rule["options_en"]) == 12 and f04.rule["max"] == 12 and f04.rule["target"] == 8


def test_uncertain_rules_are_provisional_in_the_data():
    factory = CriteriaSet.objects.get(code=FACTORY)
    assert factory.provisional and factory.mark == "U"  # Table C.1 weights are "仅作为示例"
    for code in ("F09", "F12", "F13"):
        assert indicator(FACTORY, code).rule["provisional_choices"] == ["partly"]
    assert indicator(FACTORY, "F13").rule["coverage"] is True and indicator(FACTORY, "F13").formula == "share"
    design = CriteriaSet.objects.get(code="design-product-gbt32161")
    assert design.provisional and design.mark == "U"
    bands = CriteriaSet.objects.get(code="supply-chain-gsci-586").rating_bands
    assert all(
        "electronics sector bands, provisional" in b["label_en"] and "电子电器行业分档，暂定" in b["label_zh"]
        for b in bands
    )
    for code in SETS:
        cs = CriteriaSet.objects.get(code=code)
        items = list(Indicator.objects.filter(category__criteria_set=cs).values("code", "mark", "provisional"))
        assert mark_problems({"code": cs.code, "mark": cs.mark, "provisional": cs.provisional}, items) == [], code
    assert all(not sv.is_official for sv in SectorValue.objects.filter(standard="GB 30183"))


def test_publish_refuses_an_uncertain_item_that_is_not_provisional(admin_client):
    original = CriteriaSet.objects.get(code=FACTORY)
    admin_client.post(
        reverse("admin:assessment_criteriaset_changelist"),
        {
            "action": "clone_as_draft",
            "_selected_action": [original.pk],
            "apply": "1",
            "code": f"{FACTORY}-draft-1",
            "version": "2026",
        },
    )
    copy = CriteriaSet.objects.get(code=f"{FACTORY}-draft-1")
    Indicator.objects.filter(category__criteria_set=copy, code="F03").update(mark="U", provisional=False)
    response = admin_client.post(
        reverse("admin:assessment_criteriaset_changelist"),
        {"action": "publish", "_selected_action": [copy.pk], "apply": "1"},
        follow=True,
    )
    assert "F03：标为待核实 [U]，却未标为暂定" in response.content.decode()
    copy.refresh_from_db()
    assert copy.status == "draft"
    Indicator.objects.filter(category__criteria_set=copy, code="F03").update(provisional=True)
    admin_client.post(
        reverse("admin:assessment_criteriaset_changelist"),
        {"action": "publish", "_selected_action": [copy.pk], "apply": "1"},
    )
    copy.refresh_from_db()
    assert copy.status == "published"


# --- score_answers ---------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("score_answers", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def write(tmp_path, document):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_empty_answers_with_reference_zero_are_incomplete(tmp_path):
    card = run(write(tmp_path, {"criteria_set": FACTORY}), "--reference", "0")
    assert card["verdict"] == "incomplete"
    assert len(card["open_indicators"]) == 14 and "B1" in card["open_gates"]
    assert "no verdict" in card["verdict_text"].lower()


def park_document(**gates):
    answers = (
        {f"E{n}": True for n in range(1, 5)}
        | {f"K{n}": True for n in range(1, 8)}
        | {f"N{n}": True for n in range(1, 7)}
    )
    indicators = {
        i.code: {"choice": "met"}
        if i.indicator_type == "positive_qual"
        else {
            "value": "50",
            "leading": "60" if i.indicator_type == "positive_quant" else "40",
            "benchmark": "40" if i.indicator_type == "positive_quant" else "60",
            "values_source": "park plan",
        }
        for i in Indicator.objects.filter(category__criteria_set__code="park-miit-2024")
    }
    return {"criteria_set": "park-miit-2024", "year": 2025, "gates": answers | gates, "indicators": indicators}


def test_park_k7_no_is_not_a_veto_but_an_eligibility_rule_is(tmp_path):
    card = run(write(tmp_path, park_document(K7=False)))
    assert card["verdict"] == "no_reference" and card["failed_gates"] == []
    card = run(write(tmp_path, park_document(E2=False)))  # industrial value added not above 50 %
    assert card["verdict"] == "not_eligible" and card["failed_gates"] == ["E2"]
    card = run(write(tmp_path, park_document(N6=False)))  # 2024 Measures negative list
    assert card["verdict"] == "not_eligible" and card["failed_gates"] == ["N6"]


def factory_f01(key, e, q, year=2025):
    return {
        "criteria_set": FACTORY,
        "year": year,
        "indicators": {"F01": {"inputs": {"E": e, "Q": q}, "sector_value": key}},
    }


def test_edition_not_yet_in_force_in_the_evaluation_year_is_said(tmp_path):
    # EAF 50–70 t (61 / — / 72 kgce/t); 65 kgce/t is within the limit.
    key = "gb-21256-2025-electric-arc-furnace-50-70-t"
    f01 = next(i for i in run(write(tmp_path, factory_f01(key, "65", "1000")))["indicators"] if i["code"] == "F01")
    assert f01["flags"] == ["edition_not_in_force|edition=GB 21256-2025|in_force=2026-07-01|year=2025"]
    assert f01["provisional"] is True and "comes into force on 2026-07-01" in f01["flags_text"][0]
    f01 = next(
        i for i in run(write(tmp_path, factory_f01(key, "65", "1000", year=2026)))["indicators"] if i["code"] == "F01"
    )
    assert f01["flags"] == []


def test_quota_of_another_sector_is_warned(tmp_path):
    # A wood-processing company (20) picking the coal-to-methanol water quota (chemicals, 26).
    key = "db13-t-5448-7-2021-methanol-from-coal-hebei-provincial"
    document = {
        "criteria_set": FACTORY,
        "year": 2025,
        "indicators": {"F06": {"inputs": {"V": "5000", "Q": "1000"}, "sector_value": key}},
    }
    f06 = next(i for i in run(write(tmp_path, document), "--sector", "20")["indicators"] if i["code"] == "F06")
    assert "sector_mismatch|quota_sector=26|company_sector=20" in f06["flags"]
    assert f06["unit"] == "m³/t methanol"
    f06 = next(i for i in run(write(tmp_path, document), "--sector", "26")["indicators"] if i["code"] == "F06")
    assert not any(f.startswith("sector_mismatch") for f in f06["flags"])


def test_f01_above_the_limit_value_is_reported_as_a_compliance_problem(tmp_path):
    # 95 kgce/t cement against the GB 16780-2021 limit 94 kgce/t
    card = run(write(tmp_path, factory_f01("gb-16780-2021-cement-unit-product-comprehensive-energy", "95", "1000")))
    assert [(p["indicator"], p["gate"]) for p in card["compliance_problems"]] == [("F01", "B1")]
    assert "limit value 94 kgce/t" in card["compliance_problems"][0]["reason_text"]


def test_grinding_station_graded_on_electricity(tmp_path):
    # GB 16780-2021 grinding 26 / 29 / 34 kWh/t → × 0.1229 kgce/kWh: 3.1954 / 3.5641 kgce/t.
    # E = 3.37975 tce for Q = 1000 t → 3.37975 kgce/t, halfway → 0.5 × 8 = 4.00
    card = run(write(tmp_path, factory_f01("gb-16780-2021-cement-grinding-station-electricity", "3.37975", "1000")))
    f01 = next(i for i in card["indicators"] if i["code"] == "F01")
    assert (f01["points"], f01["unit"]) == ("4.00", "tce/t cement")


@pytest.mark.parametrize("year", ["2025", 20.5, True, 3000])
def test_a_bad_year_is_refused_with_its_key(tmp_path, year):
    with pytest.raises(CommandError, match="year: expected the evaluation year"):
        run(write(tmp_path, {"criteria_set": FACTORY, "year": year}))


def test_an_unknown_sector_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--sector: unknown sector code"):
        run(write(tmp_path, {"criteria_set": FACTORY}), "--sector", "99")


# --- Results page ------------------------------------------------------------------------------


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_results_name_open_indicators_and_compliance_problems():
    criteria_set = make_criteria_set(4, rating=CriteriaSet.Rating.RELATIVE)
    world = make_world(criteria_set=criteria_set)
    limit_row = make_sector_value(key="test-limit", benchmark=Decimal("0.12"), limit=Decimal("0.14"))
    answer_all(world.assessment, sector_value=limit_row)  # X01 = 1500 / 10000 = 0.15 tce/t > limit 0.14
    answer(world.assessment, "X03", count=None)
    url = reverse("assessment_results", args=[world.assessment.pk])
    body = world.client("viewer").get(url, **EN).content.decode()
    assert "Incomplete" in body and "<strong>X03</strong> Indicator 3" in body
    assert 'id="compliance-problems"' in body and "limit value 0.14 tce/t" in body and "basic requirement G1" in body


def test_per_output_form_from_an_answers_file(tmp_path):
    # F01 per output value (B.2): 500 tce / 10 000 (10k CNY) = 0.05 tce/10k CNY; s = (0.06 − 0.05)/0.02 = 0.5 → 4.00
    document = {
        "criteria_set": FACTORY,
        "year": 2025,
        "indicators": {
            "F01": {
                "inputs": {"E": "500", "G": "10000"},
                "leading": "0.04",
                "benchmark": "0.06",
                "values_source": "provincial statistics",
            }
        },
    }
    f01 = next(i for i in run(write(tmp_path, document))["indicators"] if i["code"] == "F01")
    assert (f01["points"], f01["unit"], f01["flags"]) == ("4.00", "tce/10k CNY", ["form_per_output"])


def test_rows_offered_for_a_year_leave_out_superseded_editions():
    old = SectorValue.objects.get(key="gb-16780-2021-cement-unit-product-comprehensive-energy")
    old.superseded = date(2026, 1, 1)
    old.save(update_fields=["superseded"])
    assert old.in_force_in(2025) and not old.in_force_in(2026)
    assert SectorValue.objects.for_year(2025).filter(pk=old.pk).exists()
    assert not SectorValue.objects.for_year(2026).filter(pk=old.pk).exists()
    later = SectorValue.objects.get(key="gb-21256-2025-electric-arc-furnace-50-70-t")  # in force 2026-07-01
    assert not later.in_force_in(2025) and SectorValue.objects.for_year(2025).filter(pk=later.pk).exists()


def test_the_21_rows_in_force_only_from_2026_are_flagged_for_2025():
    later = SectorValue.objects.select_related("sector").filter(in_force__year__gt=2025)
    assert later.count() == 21
    assert {sv.standard_edition for sv in later} == {
        "GB 21256-2025",
        "GB 36889-2025",
        "GB 21342-2025",
        "GB 46029-2025",
        "GB 29447-2026",
        "GB 47835-2026",
        "GB 32047-2025",
        "GB 29445-2025",
    }
    for sv in later:
        answer = AnswerData(inputs={"E": Decimal(1), "Q": Decimal(1000)}, sector=sector_ref(sv))
        result = score(one(F01), {"F01": answer}, context=Context(year=2025)).indicator("F01")
        assert any(f.code == "edition_not_in_force" for f in result.flags), sv.key
        assert result.provisional, sv.key


def test_a_snapshot_keeps_what_the_sector_and_edition_checks_read():
    # A submitted assessment is re-scored from its snapshot: the quota row's sector, edition and dates
    # travel with it, so "wrong sector" and "edition not in force" still mark the indicator provisional.
    from datetime import date

    from assessment import specs
    from assessment.scoring import SectorRef

    ref = SectorRef(
        key="cement-clinker-2025",
        unit="kgce/t",
        leading=Decimal("100"),
        benchmark=Decimal("110"),
        limit=Decimal("117"),
        official=False,
        label="GB 16780-2021 clinker",
        sector="30",
        edition="GB 16780-2021",
        in_force=date(2022, 10, 1),
        superseded=date(2026, 1, 1),
    )
    assert specs._parse_sector(specs.sector_ref_data(ref), "F01", None) == ref
    older = {
        k: v for k, v in specs.sector_ref_data(ref).items() if k not in ("sector", "edition", "in_force", "superseded")
    }
    assert specs._parse_sector(older, "F01", None).sector == ""  # snapshots written before: no check, no error
