"""Criteria fidelity: verdicts that do not overclaim, gates as the standards word them, provisional
rules, refused or flagged inputs, quota editions and electricity (the engine, no database).

Each case states its arithmetic or its source in a comment.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation

from assessment.criteria_rules import mark_problems, validate_criteria
from assessment.formulas import kwh_to_tce
from assessment.reasons import Reason, ReasonCode, reason, reason_text
from assessment.scoring import (
    AnswerData,
    Context,
    GateSpec,
    SectorRef,
    count_problem,
    score,
    threshold_problem,
    values_problem,
)
from assessment.vocabulary import Status, Verdict, verdict_text
from tests.specs import F01, F04_OPTIONS, E, ind, one, user

POS = ind("P", "positive_quant", 8, unit="%")
REV = ind("R", "reverse_quant", 8, unit="t/t")
F04 = ind("F04", "count", 6, rule={"target": 8, "max": 12, "options_zh": F04_OPTIONS, "options_en": F04_OPTIONS})
# GB 16780-2021 cement: level 1 = 80, level 2 = 87, level 3 (限定值, mandatory) = 94 kgce/t
CEMENT = SectorRef(
    "cement", "kgce/t", D("80"), D("87"), D("94"), sector="30", edition="GB 16780-2021", in_force=date(2022, 11, 1)
)
FACTORY_GATES = (GateSpec("B1", "basic"), GateSpec("B2", "basic"), GateSpec("N3", "negative"))
ALL_GATES = {"B1": AnswerData(passed=True), "B2": AnswerData(passed=True), "N3": AnswerData(passed=True)}
STARS = (
    {"min": 85, "label_zh": "五星", "label_en": "Five stars", "provisional": True},
    {"min": 0, "label_zh": "一星", "label_en": "One star", "provisional": True},
)


# --- Verdicts: one test per rule ----------------------------------------------------------------

FACTORY = one(POS, gates=FACTORY_GATES)  # one required indicator P behind the factory gates
COMPLETE = ALL_GATES | {"P": user("25", "30", "10")}  # 6.00 points
STAR_SET = one(*(ind(c, "positive_qual", 25) for c in ("X11", "X12", "X13", "X21")), rating="stars", bands=STARS)
PARK = one(POS, gates=(GateSpec("K1", "basic"), GateSpec("K7", "encouraged")))
ALL_PASS = one(ind("D1", "pass_fail", 10), ind("D2", "pass_fail", 10), rating="all_pass")
WATER_REUSE = one(ind("F07", "positive_quant", 8, formula="water_reuse_rate", unit="%"), gates=FACTORY_GATES)
NO_WATER = AnswerData(inputs={"V_r": D(0), "V": D(0)}, leading=D(95), benchmark=D(85), values_source="x")

# (id, spec, answers, reference, expected verdict, expected rating)
VERDICTS = [
    # An empty questionnaire compared with reference 0 is incomplete, never "above reference".
    ("empty-with-reference-0", FACTORY, {}, D("0"), Verdict.INCOMPLETE, ""),
    # Gates all passed but the required indicator unanswered: still incomplete.
    ("gates-only", FACTORY, ALL_GATES, D("0"), Verdict.INCOMPLETE, ""),
    # Supply chain: 3 of 4 required indicators unanswered → no star rating (was "One star").
    ("stars-with-open-indicators", STAR_SET, {"X11": AnswerData(choice="met")}, None, Verdict.INCOMPLETE, ""),
    # … the same set fully answered: 100 points → five stars.
    (
        "stars-complete",
        STAR_SET,
        {c: AnswerData(choice="met") for c in ("X11", "X12", "X13", "X21")},
        None,
        Verdict.RATED,
        "Five stars",
    ),
    # A zero denominator (V + V_r = 0) cannot be scored → the verdict is incomplete, not a silent 0.
    ("zero-denominator", WATER_REUSE, ALL_GATES | {"F07": NO_WATER}, D("0"), Verdict.INCOMPLETE, ""),
    # An optional (not required) indicator left open does not hold the verdict back: 6 ≥ 5.
    (
        "optional-open",
        one(POS, ind("O", "positive_qual", 2, required=False), gates=FACTORY_GATES),
        COMPLETE,
        D("5"),
        Verdict.ABOVE_REFERENCE,
        "",
    ),
    # Complete, no reference: no relative verdict.
    ("no-reference", FACTORY, COMPLETE, None, Verdict.NO_REFERENCE, ""),
    # Complete and 6.00 < 6.01 → below.
    ("below-reference", FACTORY, COMPLETE, D("6.01"), Verdict.BELOW_REFERENCE, ""),
    # A failed veto gate beats incompleteness.
    ("failed-gate-while-open", FACTORY, {"N3": AnswerData(passed=False)}, None, Verdict.NOT_ELIGIBLE, ""),
    # K7 (park) is "encouraged": answering no is not a veto, leaving it open is not incomplete.
    (
        "encouraged-no",
        PARK,
        {"K1": AnswerData(passed=True), "K7": AnswerData(passed=False), "P": user("35", "30", "10")},
        None,
        Verdict.NO_REFERENCE,
        "",
    ),
    (
        "encouraged-open",
        PARK,
        {"K1": AnswerData(passed=True), "P": user("35", "30", "10")},
        None,
        Verdict.NO_REFERENCE,
        "",
    ),
    # all_pass: one failure is a definite fail even with open items; open items alone → incomplete.
    ("all-pass-fail-while-open", ALL_PASS, {"D1": AnswerData(passed=False)}, None, Verdict.FAIL, ""),
    ("all-pass-open", ALL_PASS, {"D1": AnswerData(passed=True)}, None, Verdict.INCOMPLETE, ""),
]


@pytest.mark.parametrize(
    ("spec", "answers", "reference", "verdict", "rating"), [c[1:] for c in VERDICTS], ids=[c[0] for c in VERDICTS]
)
def test_verdicts(spec, answers, reference, verdict, rating):
    card = score(spec, answers, reference=reference)
    assert card.verdict == verdict
    assert card.rating == rating


def test_incomplete_scorecard_lists_what_is_open():
    spec = one(POS, ind("Q", "positive_qual", 2), gates=FACTORY_GATES)
    card = score(spec, {"B1": AnswerData(passed=True), "Q": AnswerData(choice="met")}).to_dict()
    assert card["verdict"] == "incomplete"
    assert card["open_gates"] == ["B2", "N3"]
    assert card["open_indicators"] == ["P"]


def test_no_reference_text_says_what_the_score_means():
    with translation.override("en"):
        text = verdict_text("no_reference")
    assert "cannot be compared" not in text
    assert "leading and benchmark values" in text and "regional average of existing national units" in text


# --- Inputs refused or flagged ------------------------------------------------------------------

# (id, spec, answer, expected status, expected reason code prefix)
REFUSED = [
    # Reverse indicator (lower is better) with leading 10 above benchmark 5: the wrong way round.
    (
        "reverse-reversed",
        REV,
        user("7", "10", "5"),
        Status.CANNOT_SCORE,
        "reversed_thresholds|leading=10|benchmark=5|direction=reverse",
    ),
    # Positive indicator with leading 10 below benchmark 30.
    (
        "positive-reversed",
        POS,
        user("20", "10", "30"),
        Status.CANNOT_SCORE,
        "reversed_thresholds|leading=10|benchmark=30|direction=positive",
    ),
    # Equal values are allowed (no interpolation: 5 ≤ 5 → met).
    ("reverse-equal", REV, user("5", "5", "5"), Status.MET, ""),
    # F04: 13 functions, the standard lists 12.
    ("f04-13", F04, AnswerData(count=13), Status.CANNOT_SCORE, "count_above_max|count=13|max=12"),
    # F04: 12 functions → capped at the target 8 → 6 points.
    ("f04-12", F04, AnswerData(count=12), Status.MET, ""),
    # A quota row and the user's own leading/benchmark together: one of them, said clearly.
    (
        "sector-and-user",
        F01,
        E("8200", "100000", CEMENT, leading=D("0.07"), benchmark=D("0.09"), values_source="x"),
        Status.CANNOT_SCORE,
        "sector_and_user_values",
    ),
]


@pytest.mark.parametrize(("spec", "answer", "status", "code"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_inputs(spec, answer, status, code):
    result = score(one(spec), {spec.code: answer}).indicator(spec.code)
    assert result.status == status
    assert (result.reason.encode() if result.reason else "") == code


def encoded(reasons):
    return [r.encode() for r in reasons]


def test_pure_checks_for_the_answers_layer():
    assert threshold_problem("reverse_quant", D(10), D(5)).code == ReasonCode.REVERSED_THRESHOLDS
    assert threshold_problem("reverse_quant", D(5), D(10)) is None
    assert threshold_problem("positive_quant", D(10), D(30)).code == ReasonCode.REVERSED_THRESHOLDS
    assert threshold_problem("positive_quant", D(30), D(10)) is None
    assert count_problem(F04, 13).encode() == "count_above_max|count=13|max=12" and count_problem(F04, 12) is None
    assert values_problem(AnswerData(sector=CEMENT, leading=D(1))) == Reason(ReasonCode.SECTOR_AND_USER_VALUES)
    assert (
        values_problem(AnswerData(sector=CEMENT)) is None
        and values_problem(AnswerData(leading=D(1), benchmark=D(2))) is None
    )


def test_reason_codes_are_translated_at_the_edge():
    with translation.override("en"):
        assert (
            reason_text(reason(ReasonCode.COUNT_ABOVE_MAX, count=13, max=12))
            == "13 is more than the 12 functions the standard lists"
        )
        text = reason_text(reason(ReasonCode.REVERSED_THRESHOLDS, leading=10, benchmark=5, direction="reverse"))
        assert "wrong way round" in text and "lower is better" in text
        # An unknown parameter set still gives the message, never an exception.
        assert reason_text(Reason(ReasonCode.WORSE_THAN_LIMIT)).startswith("worse than the quota's limit value")
        # A user's own N/A reason comes back unchanged.
        assert reason_text(reason(ReasonCode.NA_GIVEN, text="no product of our own")) == "no product of our own"


def test_f01_worse_than_the_limit_value_is_a_compliance_problem_pointing_at_b1():
    # 9500 tce / 100000 t = 0.095 tce/t = 95 kgce/t > limit 94 kgce/t: 0 points and a compliance problem.
    spec = one(F01, gates=FACTORY_GATES)
    card = score(spec, ALL_GATES | {"F01": E("9500", "100000", CEMENT)})
    f01 = card.indicator("F01")
    assert f01.status == Status.NOT_MET
    assert encoded(f01.flags) == ["worse_than_limit|limit=94|unit=kgce/t|gate=B1"]
    assert card.to_dict()["compliance_problems"] == [
        {"indicator": "F01", "gate": "B1", "reason": "worse_than_limit|limit=94|unit=kgce/t|gate=B1"}
    ]
    # 93 kgce/t: worse than the benchmark (0 points) but within the limit: no compliance problem.
    card = score(spec, ALL_GATES | {"F01": E("9300", "100000", CEMENT)})
    assert card.indicator("F01").flags == [] and card.compliance == ()


# (id, context, expected flags, provisional)
SECTOR_CONTEXTS = [
    # Company in 30 (non-metallic minerals) with its parent C: the cement quota fits.
    ("same-sector", Context(year=2025, sector_codes=frozenset({"30", "C"}), company_sector="30"), [], False),
    # Wood processing (20) picking the cement quota: warned.
    (
        "other-sector",
        Context(year=2025, sector_codes=frozenset({"20", "C"}), company_sector="20"),
        ["sector_mismatch|quota_sector=30|company_sector=20"],
        False,
    ),
    # No company sector known: no check.
    ("no-sector", Context(year=2025), [], False),
    # Evaluation year 2021, edition in force 2022-11-01: said so, provisional.
    (
        "later-edition",
        Context(year=2021),
        ["edition_not_in_force|edition=GB 16780-2021|in_force=2022-11-01|year=2021"],
        True,
    ),
]


@pytest.mark.parametrize(
    ("context", "flags", "provisional"), [c[1:] for c in SECTOR_CONTEXTS], ids=[c[0] for c in SECTOR_CONTEXTS]
)
def test_quota_row_checks(context, flags, provisional):
    # 8200 / 100000 = 0.082 tce/t: s = (0.087 − 0.082)/(0.087 − 0.080) = 5/7 → 5.71 whatever the flags
    card = score(one(F01), {"F01": E("8200", "100000", CEMENT)}, context=context)
    result = card.indicator("F01")
    assert card.to_dict()["indicators"][0]["points"] == "5.71"
    assert encoded(result.flags) == flags
    assert result.provisional is provisional


def test_superseded_edition_is_flagged():
    old = SectorRef(
        "old",
        "kgce/t",
        D("80"),
        D("87"),
        D("94"),
        edition="GB 16780-2012",
        in_force=date(2013, 10, 1),
        superseded=date(2022, 11, 1),
    )
    result = score(one(F01), {"F01": E("8200", "100000", old)}, context=Context(year=2025)).indicator("F01")
    assert encoded(result.flags) == ["edition_superseded|edition=GB 16780-2012|superseded=2022-11-01|year=2025"]
    assert result.provisional


# --- Electricity ---------------------------------------------------------------------------------


def test_kwh_to_tce_uses_the_calorific_equivalent():
    # 10 000 kWh × 0.1229 kgce/kWh = 1229 kgce = 1.229 tce
    assert kwh_to_tce(D(10000)) == D("1.229")


def test_tempered_glass_graded_on_electricity():
    # GB 21340-2019 tempered glass 5 mm: 2.64 / 3.30 / 3.98 kWh/m².
    # × 0.1229 kgce/kWh ÷ 1000 → leading 0.000324456, benchmark 0.00040557 tce/m².
    # E = 365.013 tce, Q = 1 000 000 m² → 0.000365013; s = 0.000040557 / 0.000081114 = 0.5 → 4.00
    glass = SectorRef("glass", "kWh/m²", D("2.64"), D("3.30"), D("3.98"))
    card = score(one(F01), {"F01": E("365.013", "1000000", glass)}).to_dict()
    result = card["indicators"][0]
    assert (result["points"], result["leading"], result["benchmark"]) == ("4.00", "0.000324", "0.000406")
    assert result["unit"] == "tce/m²"


# --- Provisional rules ----------------------------------------------------------------------------


def test_na_is_an_app_rule_and_provisional():
    spec = one(ind("F10", "positive_quant", 4, allows_na=True), POS)
    card = score(spec, {"F10": AnswerData(na=True, na_reason="new plant"), "P": user("35", "30", "10")})
    f10 = card.indicator("F10")
    assert f10.status == Status.NA and f10.provisional and encoded(f10.flags) == ["na_app_rule"]
    assert card.provisional


# (id, answer, points, provisional, flags)
F13_CASES = [
    # 3 of 4 product categories with a footprint: 8 × 3/4 = 6.00, our coverage rule.
    (
        "coverage-3-of-4",
        AnswerData(inputs={"part": D(3), "total": D(4)}),
        "6.00",
        False,
        ["coverage_share|part=3|total=4"],
    ),
    # All covered: 8.00
    (
        "coverage-all",
        AnswerData(inputs={"part": D(5), "total": D(5)}),
        "8.00",
        False,
        ["coverage_share|part=5|total=5"],
    ),
    # Zero categories: cannot be scored.
    ("coverage-zero", AnswerData(inputs={"part": D(0), "total": D(0)}), "0.00", False, []),
    # "Partly" without figures: half points, provisional (the standard gives no partial rule).
    ("partly", AnswerData(choice="partly"), "4.00", True, ["partial_rule_provisional"]),
    ("met", AnswerData(choice="met"), "8.00", False, []),
]
F13 = ind(
    "F13",
    "positive_qual",
    8,
    formula="share",
    allows_na=True,
    rule={
        "fractions": {"met": "1", "partly": "0.5", "not_met": "0"},
        "provisional_choices": ["partly"],
        "coverage": True,
    },
)


@pytest.mark.parametrize(
    ("answer", "points", "provisional", "flags"), [c[1:] for c in F13_CASES], ids=[c[0] for c in F13_CASES]
)
def test_f13_product_carbon_footprint(answer, points, provisional, flags):
    card = score(one(F13), {"F13": answer})
    result = card.to_dict()["indicators"][0]
    assert result["points"] == points
    assert result["provisional"] is provisional
    assert result["flags"] == flags


def test_provisional_star_bands_make_the_scorecard_provisional():
    spec = one(ind("X", "positive_qual", 100), rating="stars", bands=STARS)
    card = score(spec, {"X": AnswerData(choice="met")})
    assert card.rating_provisional and card.provisional


# --- Publish checks ------------------------------------------------------------------------------


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_mark_u_items_must_be_provisional(english):
    assert mark_problems({"code": "s", "mark": "U", "provisional": False}, []) == [
        "s: the set is marked uncertain [U] but not provisional"
    ]
    assert mark_problems(
        {"code": "s", "mark": "U", "provisional": True},
        [
            {"code": "X26", "mark": "U", "provisional": False},
            {"code": "X27", "mark": "U", "provisional": True},
            {"code": "X28", "mark": "S", "provisional": False},
        ],
    ) == ["X26: marked uncertain [U] but not provisional"]


def test_validate_criteria_refuses_reversed_defaults_and_unknown_gate_kinds(english):
    data = {
        "code": "x",
        "rating": "relative",
        "gates": [
            {"code": "K7", "kind": "encouraged", "text_zh": "鼓励", "text_en": "Encouraged"},
            {"code": "K8", "kind": "optional", "text_zh": "甲", "text_en": "A"},
        ],
        "categories": [
            {
                "code": "c",
                "name_zh": "类",
                "name_en": "Cat",
                "weight": "100",
                "indicators": [
                    {
                        "code": "R1",
                        "name_zh": "逆",
                        "name_en": "Rev",
                        "indicator_type": "reverse_quant",
                        "points": "50",
                        "rule": {"leading": "10", "benchmark": "5"},
                    },
                    {
                        "code": "P1",
                        "name_zh": "正",
                        "name_en": "Pos",
                        "indicator_type": "positive_quant",
                        "points": "50",
                        "rule": {"leading": "90", "benchmark": "50"},
                    },
                ],
            }
        ],
    }
    problems = validate_criteria(data)
    assert problems == [
        "K8: unknown gate kind 'optional'",
        "R1: leading 10 and benchmark 5 are the wrong way round (lower is better)",
    ]


# --- Annex B per-output forms ---------------------------------------------------------------------

# (code, formula, points, inputs, leading, benchmark, points scored, unit): reverse quantitative items
PER_OUTPUT_CASES = [
    # F01 B.2: 500 tce / 10 000 (10k CNY) = 0.05; reverse, s = (0.06 − 0.05) / (0.06 − 0.04) = 0.5 → 4.00
    ("F01", "energy_intensity", 8, {"E": "500", "G": "10000"}, "0.04", "0.06", "4.00", "tce/10k CNY"),
    # F02 B.4: 3000 tCO2 / 10 000 = 0.3; s = (0.4 − 0.3) / (0.4 − 0.2) = 0.5 → 4.00
    ("F02", "carbon_intensity", 8, {"C": "3000", "G": "10000"}, "0.2", "0.4", "4.00", "tCO2/10k CNY"),
    # F05 B.7: 800 t / 1000 = 0.8; s = (1.0 − 0.8) / (1.0 − 0.6) = 0.5 → 4.00
    ("F05", "material_intensity", 8, {"M": "800", "G": "1000"}, "0.6", "1.0", "4.00", "material unit/10k CNY"),
    # F06 B.9: 2000 m³ / 1000 = 2; s = (3 − 2) / (3 − 1) = 0.5 → 4.00
    ("F06", "water_intensity", 8, {"V": "2000", "G": "1000"}, "1", "3", "4.00", "m³/10k CNY"),
    # F11 B.21/B.23: 5 t / 1000 = 0.005; at the leading value → 6.00
    ("F11", "pollutant_intensity", 6, {"P": "5", "G": "1000"}, "0.005", "0.01", "6.00", "t/10k CNY"),
]


@pytest.mark.parametrize(
    ("code", "formula", "most", "inputs", "leading", "benchmark", "points", "unit"),
    PER_OUTPUT_CASES,
    ids=[f"{c[0].lower()}-{c[1].split('_')[0]}" for c in PER_OUTPUT_CASES],  # f01-energy, …
)
def test_per_output_forms(code, formula, most, inputs, leading, benchmark, points, unit):
    spec = ind(code, "reverse_quant", most, formula=formula)
    answer = AnswerData(
        inputs={k: D(v) for k, v in inputs.items()}, leading=D(leading), benchmark=D(benchmark), values_source="x"
    )
    result = score(one(spec), {spec.code: answer}).to_dict()["indicators"][0]
    assert (result["points"], result["unit"]) == (points, unit)
    assert result["flags"] == ["form_per_output"]


def test_per_product_form_says_nothing_and_per_output_refuses_a_quota_row():
    per_product = score(one(F01), {"F01": E("8200", "100000", CEMENT)}).indicator("F01")
    assert encoded(per_product.flags) == [] and per_product.unit == "tce/t"
    # Output value G with a per-product quota: the denominators differ, so it is refused, not mis-scored.
    answer = AnswerData(inputs={"E": D(500), "G": D(10000)}, sector=CEMENT)
    result = score(one(F01), {"F01": answer}).indicator("F01")
    assert result.status == Status.CANNOT_SCORE and result.reason.code == ReasonCode.PER_OUTPUT_WITH_QUOTA
    assert encoded(result.flags) == ["form_per_output"]


def test_electricity_quota_says_it_was_converted():
    glass = SectorRef("glass", "kWh/m²", D("2.64"), D("3.30"), D("3.98"))
    result = score(one(F01), {"F01": E("365.013", "1000000", glass)}).indicator("F01")
    assert encoded(result.flags) == ["electricity_converted|factor=0.1229"]
    with translation.override("en"):
        assert "0.1229 kgce/kWh" in reason_text(result.flags[0])


def test_numbers_in_reasons_are_plain():
    # Limit 120 kgce/t and 10 of 20 categories print as written, not 1.2E+2 / 1E+1.
    row = SectorRef("r", "kgce/t", D("100.0000"), D("110.0000"), D("120.0000"))
    result = score(one(F01), {"F01": E("130", "1000", row)}).indicator("F01")
    # Without a basic requirement in the set there is no gate to point at: "—".
    assert encoded(result.flags) == ["worse_than_limit|limit=120|unit=kgce/t|gate=—"]
    f13 = score(one(F13), {"F13": AnswerData(inputs={"part": D("10"), "total": D("20")})}).indicator("F13")
    assert encoded(f13.flags) == ["coverage_share|part=10|total=20"]
