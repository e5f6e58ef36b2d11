"""The gain of meeting one open indicator: computed directly (`gains`), equal to re-scoring (`what_if`).

The gap list, the what-if simulator, the PDF's top actions and the CLI all read this one figure, so
they agree by construction, N/A renormalisation within a category and across categories included.
"""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings

from assessment.models import CriteriaSet
from assessment.scoring import (
    AnswerData,
    CategorySpec,
    CriteriaSpec,
    IndicatorSpec,
    gains,
    score,
    top_actions,
    what_if,
)
from assessment.specs import criteria_data, criteria_spec, parse_answers
from assessment.vocabulary import Status

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"


def _spec(na_rule: str = "renormalise") -> CriteriaSpec:
    qual = lambda code, points, **kw: IndicatorSpec(code=code, indicator_type="positive_qual", points=D(points), **kw)  # noqa: E731
    return CriteriaSpec(
        code="t",
        version="1",
        rating="relative",
        na_rule=na_rule,
        gates=(),
        categories=(
            CategorySpec("a", D(40), (qual("A1", 10), qual("A2", 10, allows_na=True), qual("A3", 5))),
            CategorySpec("b", D(60), (qual("B1", 30, allows_na=True), qual("B2", 30, allows_na=True))),
        ),
    )


@pytest.mark.parametrize("na_rule", ["renormalise", "exclude"])
@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"A1": AnswerData(choice="partly"), "A2": AnswerData(na=True, na_reason="no such process")},
        {
            "A1": AnswerData(choice="met"),
            "B1": AnswerData(na=True, na_reason="x"),
            "B2": AnswerData(na=True, na_reason="y"),
        },
        {
            "A2": AnswerData(na=True, na_reason="x"),
            "A3": AnswerData(choice="not_met"),
            "B1": AnswerData(choice="partly"),
        },
    ],
)
def test_each_gain_equals_the_what_if_of_that_indicator(na_rule, answers):
    spec = _spec(na_rule)
    card = score(spec, answers)
    direct = gains(spec, card)
    assert set(direct) == {r.code for r in card.gaps()}
    for code, gain in direct.items():
        assert gain == pytest.approx(what_if(spec, answers, [code]).total - card.total, abs=D("1e-20")), code


def test_a_gap_in_a_category_with_na_is_worth_its_scaled_points():
    # A2 is N/A: A1 and A3 fill category a's 40 points, so A1 (10 of 15 points left) is worth 40 × 10 / 15.
    spec = _spec()
    answers = {"A2": AnswerData(na=True, na_reason="x"), "A3": AnswerData(choice="met")}
    assert round(gains(spec, score(spec, answers))["A1"], 2) == D("26.67")
    assert [(r.code, round(g, 2)) for r, g in top_actions(spec, score(spec, answers), limit=2)] == [
        ("B1", D("30.00")),
        ("B2", D("30.00")),
    ]


def _demo(example: str) -> tuple[CriteriaSpec, dict[str, AnswerData]]:
    """A shipped criteria set and its demo answers (those naming a sector value row left out)."""
    document = json.loads((EXAMPLES / example).read_text())
    criteria_set = CriteriaSet.objects.get(code=document["criteria_set"])
    spec = criteria_spec(criteria_data(criteria_set))
    document["indicators"] = {
        k: v for k, v in document["indicators"].items() if not isinstance(v.get("sector_value"), str)
    }
    return spec, parse_answers(document, spec)


@pytest.mark.django_db
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_shipped_criteria_and_demo_answers_agree(example):
    spec, answers = _demo(example)
    card = score(spec, answers)
    for code, gain in gains(spec, card).items():
        assert gain == pytest.approx(what_if(spec, answers, [code]).total - card.total, abs=D("1e-20")), code
    assert all(r.status != Status.MET for r, _gain in top_actions(spec, card))


@pytest.mark.django_db
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_a_what_if_on_the_scored_card_equals_scoring_everything_again(example):
    """`scored=card` re-scores only the forced indicators; the scorecard is the same as a full re-score."""
    spec, answers = _demo(example)
    card = score(spec, answers)
    codes = sorted(r.code for r in card.indicators)  # open or not: forcing a met one changes nothing
    for chosen in ([codes[0]], codes[::2], codes, sorted(r.code for r in card.gaps())):
        assert what_if(spec, answers, chosen, scored=card) == what_if(spec, answers, chosen), chosen
