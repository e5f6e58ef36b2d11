"""Hand-computed scoring cases for every rule type (the engine, no database).

Each case states its arithmetic in a comment; expected figures are the engine's rounded output.
"""

from decimal import Decimal as D

import pytest
from django.utils import translation

from assessment.criteria_rules import validate_criteria
from assessment.scoring import (
    AnswerData,
    CategorySpec,
    CriteriaSpec,
    GateSpec,
    SectorRef,
    score,
    top_actions,
    what_if,
)
from assessment.vocabulary import Status, Verdict
from tests.specs import E, ind, one, user

REV = ind("F01", "reverse_quant", 8, formula="energy_intensity", uses_sector_values=True, unit="tce/product unit")
POS = ind("P", "positive_quant", 8, unit="%")
CEMENT = SectorRef("cement", "kgce/t", D("80"), D("87"), D("94"))

WATER_REUSE = ind("F07", "positive_quant", 8, formula="water_reuse_rate", unit="%")


def computed(leading: str, benchmark: str, **inputs: str) -> AnswerData:
    """Formula inputs, scored against the user's own leading and benchmark values."""
    return AnswerData(
        inputs={k: D(v) for k, v in inputs.items()}, leading=D(leading), benchmark=D(benchmark), values_source="x"
    )


# One banded indicator worth 10 points: full from 90, half in [70, 90).
BANDS_90_70 = ind(
    "B", "bands", 10, rule={"bands": [{"min": "90", "fraction": "1"}, {"min": "70", "max": "90", "fraction": "0.5"}]}
)

# (id, the set's one indicator, its answer, expected points, expected status, extra checks on its result)
CASES = [
    # Reverse, between: 82 kgce/t (8200 tce / 100000 t = 0.082 tce/t); quota 80/87 kgce/t → 0.080/0.087 tce/t.
    # s = (0.087 − 0.082) / (0.087 − 0.080) = 5/7 = 0.714285…; 8 × 5/7 = 5.714… → 5.71
    (
        "reverse-between-kgce",
        REV,
        E("8200", "100000", CEMENT),
        "5.71",
        Status.PARTLY,
        {"value": "0.082000", "leading": "0.080000", "benchmark": "0.087000", "values_from": "sector"},
    ),
    # Reverse, better than leading: 0.078 < 0.080 → s = 1 → 8.00
    ("reverse-beyond-leading", REV, E("7800", "100000", CEMENT), "8.00", Status.MET, {}),
    # Reverse, worse than benchmark: 0.090 > 0.087 → 0
    ("reverse-below-benchmark", REV, E("9000", "100000", CEMENT), "0.00", Status.NOT_MET, {}),
    # Positive, between: (25 − 10) / (30 − 10) = 0.75; 8 × 0.75 = 6.00
    (
        "positive-between",
        POS,
        user("25", "30", "10"),
        "6.00",
        Status.PARTLY,
        {"user_supplied": True, "values_from": "user"},
    ),
    # Positive, beyond leading: 35 ≥ 30 → 8.00
    ("positive-beyond-leading", POS, user("35", "30", "10"), "8.00", Status.MET, {}),
    # Positive, below benchmark: 5 < 10 → 0
    ("positive-below-benchmark", POS, user("5", "30", "10"), "0.00", Status.NOT_MET, {}),
    # Level 1 = level 2 (PV rolled glass 260/260 kgce/t): at the value → full points, no division by zero
    (
        "l1-equals-l2-at",
        REV,
        E("26", "100", SectorRef("pv", "kgce/t", D("260"), D("260"), D("370"))),
        "8.00",
        Status.MET,
        {},
    ),
    # … just worse (0.261 tce/t > 0.260) → 0, no interpolation
    (
        "l1-equals-l2-worse",
        REV,
        E("26.1", "100", SectorRef("pv", "kgce/t", D("260"), D("260"), D("370"))),
        "0.00",
        Status.NOT_MET,
        {},
    ),
    # Missing level 2 (EAF 50–70 t: 61 / — / 72): level 3 stands in, provisional.
    # 6.65 tce / 100 t = 0.0665; s = (0.072 − 0.0665) / (0.072 − 0.061) = 0.0055/0.011 = 0.5 → 4.00
    (
        "missing-level-2",
        REV,
        E("6.65", "100", SectorRef("eaf", "kgce/t", D("61"), None, D("72"))),
        "4.00",
        Status.PARTLY,
        {"provisional": True, "benchmark": "0.072000"},
    ),
    # Negative values (converter −30 / −28 kgce/t): −2.9 tce / 100 t = −0.029 tce/t;
    # s = (−0.028 − (−0.029)) / (−0.028 − (−0.030)) = 0.001/0.002 = 0.5 → 4.00
    (
        "negative-converter",
        REV,
        E("-2.9", "100", SectorRef("bof", "kgce/t", D("-30"), D("-28"), D("-12"))),
        "4.00",
        Status.PARTLY,
        {"value": "-0.029000"},
    ),
    # kgoe (ethylene 580 / 590 kgoe/t) × 1.4286 → 0.828588 / 0.842874 tce/t; value 835 tce / 1000 t = 0.835.
    # s = (0.842874 − 0.835) / (0.842874 − 0.828588) = 0.007874 / 0.014286 = 0.551169…; 8 × s = 4.409… → 4.41
    (
        "kgoe-conversion",
        REV,
        E("835", "1000", SectorRef("eth", "kgoe/t", D("580"), D("590"), D("640"))),
        "4.41",
        Status.PARTLY,
        {"leading": "0.828588", "benchmark": "0.842874"},
    ),
    # tce as printed (no conversion): 0.080 / 0.087 tce/t, value 0.082 → 5.71 as in the kgce case
    (
        "tce-no-conversion",
        REV,
        E("8200", "100000", SectorRef("t", "tce/t", D("0.080"), D("0.087"))),
        "5.71",
        Status.PARTLY,
        {},
    ),
    # gce/kWh (combined cycle 203 / 215): 2.09 tce / 10000 kWh = 0.000209 tce/kWh;
    # s = (0.000215 − 0.000209) / 0.000012 = 0.5 → 4.00
    (
        "gce-conversion",
        REV,
        E("2.09", "10000", SectorRef("ccgt", "gce/kWh", D("203"), D("215"))),
        "4.00",
        Status.PARTLY,
        {},
    ),
    # Sector value marked [U] is scored but flagged provisional and not official
    (
        "uncertain-sector-value",
        REV,
        E("8200", "100000", SectorRef("u", "kgce/t", D("80"), D("87"), official=False)),
        "5.71",
        Status.PARTLY,
        {"provisional": True},
    ),
    # No sector value and no user values: cannot be scored (never a silent 0)
    ("missing-sector-values", REV, E("8200", "100000"), "0.00", Status.CANNOT_SCORE, {"reason": "no_thresholds"}),
    # A water quota (m³/t) against the tce energy formula: refused explicitly, not mis-converted
    (
        "unit-mismatch",
        REV,
        E("8200", "100000", SectorRef("w", "m³/t", D("3.1"), D("4.8"))),
        "0.00",
        Status.CANNOT_SCORE,
        {"reason": "unit_mismatch|source=m³/t|target=tce"},
    ),
    # Water reuse V_r/(V+V_r): 900 / (100 + 900) = 90 %; s = (90 − 85) / (95 − 85) = 0.5 → 8 × 0.5 = 4.00
    (
        "derived-water-reuse",
        WATER_REUSE,
        computed("95", "85", V_r="900", V="100"),
        "4.00",
        Status.PARTLY,
        {"value": "90.000000", "computed": True},
    ),
    # Solid waste Z_r/(Z+Z_w): 80 / (90 + 10) = 80 %; s = (80 − 70) / (90 − 70) = 0.5 → 6 × 0.5 = 3.00
    (
        "derived-solid-waste",
        ind("F08", "positive_quant", 6, formula="solid_waste_utilisation", unit="%"),
        computed("90", "70", Z_r="80", Z="90", Z_w="10"),
        "3.00",
        Status.PARTLY,
        {"value": "80.000000"},
    ),
    # Zero denominator in a formula: cannot be scored, with the reason
    (
        "derived-zero-denominator",
        WATER_REUSE,
        computed("95", "85", V_r="0", V="0"),
        "0.00",
        Status.CANNOT_SCORE,
        {"reason": "zero_denominator"},
    ),
    # Count F04: 6 of target 8 → 0.75 × 6 points = 4.50
    (
        "count-6-of-8",
        ind("F04", "count", 6, rule={"target": 8, "leading": "8", "benchmark": "0"}),
        AnswerData(count=6),
        "4.50",
        Status.PARTLY,
        {},
    ),
    # Count above target: 10 of 8 → capped at 1 → 6.00
    ("count-above-target", ind("F04", "count", 6, rule={"target": 8}), AnswerData(count=10), "6.00", Status.MET, {}),
    # Bands: 75 falls in [70, 90) → fraction 0.5 → 10 × 0.5 = 5.00
    ("bands-middle", BANDS_90_70, AnswerData(value=D("75")), "5.00", Status.PARTLY, {}),
    # Bands: 65 below every band → 0
    ("bands-below", BANDS_90_70, AnswerData(value=D("65")), "0.00", Status.NOT_MET, {}),
    # Qualitative partly (default 0.5): 6 × 0.5 = 3.00
    (
        "qualitative-partly",
        ind("F09", "positive_qual", 6),
        AnswerData(choice="partly"),
        "3.00",
        Status.PARTLY,
        {"provisional": False},
    ),
    # GSCI qualitative partly: 0.5 × 3 = 1.50, flagged provisional ([U] partial scoring)
    (
        "gsci-partly-provisional",
        ind(
            "X23",
            "positive_qual",
            3,
            rule={"fractions": {"met": "1", "partly": "0.5", "not_met": "0"}, "provisional_choices": ["partly"]},
        ),
        AnswerData(choice="partly"),
        "1.50",
        Status.PARTLY,
        {"provisional": True},
    ),
    # … while met is not provisional
    (
        "gsci-met-not-provisional",
        ind("X23", "positive_qual", 3, rule={"provisional_choices": ["partly"]}),
        AnswerData(choice="met"),
        "3.00",
        Status.MET,
        {"provisional": False},
    ),
    # Reverse qualitative: "met" (the bad thing is present) earns 0
    ("reverse-qualitative", ind("R", "reverse_qual", 4), AnswerData(choice="not_met"), "4.00", Status.MET, {}),
]


@pytest.mark.parametrize(
    ("indicator", "answer", "points", "status", "extra"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_indicator_cases(indicator, answer, points, status, extra):
    card = score(one(indicator), {indicator.code: answer})
    result = next(i for i in card.to_dict()["indicators"] if i["code"] == indicator.code)
    assert result["points"] == points
    assert result["status"] == str(status)
    for key, value in extra.items():
        if key == "reason":
            assert result["reason"] == value
        else:
            assert result[key] == value, key


FACTORY_GATES = (GateSpec("B1", "basic"), GateSpec("N3", "negative"))


def test_failing_gate_makes_not_eligible_and_names_it():
    spec = one(POS, gates=FACTORY_GATES)
    card = score(spec, {"B1": AnswerData(passed=True), "N3": AnswerData(passed=False), "P": user("35", "30", "10")})
    # Full points on the indicator do not help: one failed gate → not eligible.
    assert card.total == D(8)
    assert card.verdict == Verdict.NOT_ELIGIBLE
    assert card.to_dict()["failed_gates"] == ["N3"]


def test_unanswered_gate_is_incomplete_and_reference_comparison():
    spec = one(POS, gates=FACTORY_GATES)
    answers = {"P": user("25", "30", "10")}  # 6.00 points
    assert score(spec, answers).verdict == Verdict.INCOMPLETE
    answers |= {"B1": AnswerData(passed=True), "N3": AnswerData(passed=True)}
    assert score(spec, answers).verdict == Verdict.NO_REFERENCE
    assert score(spec, answers, reference=D("6.00")).verdict == Verdict.ABOVE_REFERENCE
    assert score(spec, answers, reference=D("6.01")).verdict == Verdict.BELOW_REFERENCE


def test_na_renormalises_within_category():
    # Clean production (16): F09 6 met = 6; F10 4 N/A; F11 6 at s = 0.5 = 3.
    # Raw 9 of 12 → scaled to the weight: 9 × 16 / 12 = 12.00.
    cat = CategorySpec(
        "clean",
        D(16),
        (
            ind("F09", "positive_qual", 6),
            ind("F10", "positive_quant", 4, allows_na=True),
            ind("F11", "positive_quant", 6),
        ),
    )
    spec = CriteriaSpec("t", "relative", (), (cat,))
    card = score(
        spec,
        {
            "F09": AnswerData(choice="met"),
            "F10": AnswerData(na=True, na_reason="new plant"),
            "F11": user("20", "30", "10"),
        },
    )
    assert card.indicator("F10").status == Status.NA
    assert card.indicator("F10").maximum == 0
    assert card.categories[0].points == D(12)
    assert card.to_dict()["total"] == "12.00"


def test_na_of_a_whole_category_rescales_the_total():
    # A (30): one indicator at s = 0.5 → 15. B (10): its only indicator N/A → leaves.
    # Earned 15 of 30 available → 15 × 40 / 30 = 20.00 out of 40.
    spec = CriteriaSpec(
        "t",
        "relative",
        (),
        (
            CategorySpec("A", D(30), (ind("a", "positive_quant", 30),)),
            CategorySpec("B", D(10), (ind("b", "positive_qual", 10, allows_na=True),)),
        ),
    )
    card = score(spec, {"a": user("20", "30", "10"), "b": AnswerData(na=True, na_reason="does not apply")})
    assert card.to_dict()["total"] == "20.00"
    assert card.to_dict()["maximum"] == "40.00"


def test_na_without_permission_or_reason_is_not_accepted():
    spec = one(ind("F09", "positive_qual", 6))
    card = score(spec, {"F09": AnswerData(na=True, na_reason="x")})
    assert card.indicator("F09").status == Status.UNANSWERED
    assert card.indicator("F09").maximum == D(6)


BANDS = (
    {"min": 85, "label_zh": "五星", "label_en": "Five stars", "provisional": True},
    {"min": 80, "label_zh": "四星", "label_en": "Four stars", "provisional": True},
    {"min": 70, "label_zh": "二星", "label_en": "Two stars", "provisional": True},
    {"min": 0, "label_zh": "一星", "label_en": "One star", "provisional": True},
)


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("86", "Five stars"),  # 100 points × (86 − 0)/(100 − 0) = 86 ≥ 85
        ("85", "Five stars"),  # boundary: ≥ 85
        ("84.99", "Four stars"),
        ("80", "Four stars"),
        ("69.99", "One star"),  # < 70
    ],
)
def test_star_bands(value, label):
    spec = one(ind("S", "positive_quant", 100, rule={"leading": "100", "benchmark": "0"}), rating="stars", bands=BANDS)
    card = score(spec, {"S": AnswerData(value=D(value))})
    assert card.verdict == Verdict.RATED
    assert card.rating == label
    assert card.rating_provisional is True


def test_the_rating_is_named_in_the_readers_language():
    spec = one(ind("S", "positive_quant", 100, rule={"leading": "100", "benchmark": "0"}), rating="stars", bands=BANDS)
    card = score(spec, {"S": AnswerData(value=D("86"))})
    assert (card.rating_for("zh-hans"), card.rating_for("en")) == ("五星", "Five stars")
    with translation.override("zh-hans"):
        assert card.rating_for() == "五星"
    english_only = tuple({**band, "label_zh": ""} for band in BANDS)
    spec = one(
        ind("S", "positive_quant", 100, rule={"leading": "100", "benchmark": "0"}), rating="stars", bands=english_only
    )
    assert score(spec, {"S": AnswerData(value=D("86"))}).rating_for("zh-hans") == "Five stars"


def design_spec():
    return CriteriaSpec(
        "d",
        "all_pass",
        (GateSpec("P1", "basic"),),
        (
            CategorySpec("resource", D(20), (ind("DR1", "pass_fail", 10), ind("DR2", "pass_fail", 10, allows_na=True))),
            CategorySpec("lca", D(10), (ind("DL1", "pass_fail", 10),)),
        ),
    )


def design_answers(**answers: AnswerData) -> dict[str, AnswerData]:
    """Every item of design_spec() passed, but for `answers`."""
    return {code: AnswerData(passed=True) for code in ("P1", "DR1", "DR2", "DL1")} | answers


def test_design_product_all_pass():
    answers = design_answers(DR2=AnswerData(na=True, na_reason="no water indicator"))
    assert score(design_spec(), answers).verdict == Verdict.PASS


def test_design_product_one_fail_fails():
    card = score(design_spec(), design_answers(DL1=AnswerData(passed=False)))
    assert card.verdict == Verdict.FAIL
    assert [i.code for i in card.gaps()] == ["DL1"]


def test_design_product_gate_fail_beats_pass():
    assert score(design_spec(), design_answers(P1=AnswerData(passed=False))).verdict == Verdict.NOT_ELIGIBLE


def two_indicator_spec():
    return CriteriaSpec(
        "t", "relative", (), (CategorySpec("A", D(10), (ind("a1", "positive_qual", 6), ind("a2", "positive_qual", 4))),)
    )


def test_what_if_and_top_actions():
    answers = {"a1": AnswerData(choice="not_met"), "a2": AnswerData(choice="partly")}
    base = score(two_indicator_spec(), answers)
    assert base.total == D(2)  # 0 + 4 × 0.5
    # What if a1 were fully met: 6 + 2 = 8
    assert what_if(two_indicator_spec(), answers, ["a1"]).total == D(8)
    # Gains: a1 +6, a2 +2 — a1 first
    actions = top_actions(two_indicator_spec(), base)
    assert [(r.code, g) for r, g in actions] == [("a1", D(6)), ("a2", D(2))]


def test_validate_criteria_finds_problems():
    data = {
        "code": "x",
        "rating": "stars",
        "rating_bands": [{"min": 70, "label_zh": "a", "label_en": "a"}, {"min": 85, "label_zh": "b", "label_en": "b"}],
        "gates": [{"code": "G1", "kind": "basic", "text_zh": "甲", "text_en": "A"}],
        "categories": [
            {
                "code": "c",
                "name_zh": "类",
                "name_en": "Cat",
                "weight": "20",
                "indicators": [
                    {
                        "code": "G1",
                        "name_zh": "重",
                        "name_en": "Dup",
                        "indicator_type": "positive_qual",
                        "points": "8",
                        "rule": {},
                    },
                    {
                        "code": "Q1",
                        "name_zh": "量",
                        "name_en": "Quant",
                        "indicator_type": "positive_quant",
                        "points": "4",
                        "rule": {},
                    },
                    {
                        "code": "C1",
                        "name_zh": "计",
                        "name_en": "Count",
                        "indicator_type": "count",
                        "points": "4",
                        "rule": {"target": 0},
                    },
                ],
            }
        ],
    }
    with translation.override("en"):
        problems = validate_criteria(data)
    text = "\n".join(problems)
    assert "G1: code used 2 times" in text
    assert "Q1: quantitative indicator without a rule" in text
    assert "C1: count rule needs a whole-number target > 0" in text
    assert "category c: weight 20 ≠ sum of its indicators' points 16" in text
    assert "the category weights add up to 20, not 100" in text
    assert "rating_bands[2]: bands must be listed highest first" in text
