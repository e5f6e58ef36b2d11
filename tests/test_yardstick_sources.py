"""Where a yardstick comes from, in the reader's language: a shipped quota row is named by its product in the
page's language, with its standard and edition once, on the results page of a draft and of a submitted one."""

import re
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from assessment import submission
from assessment.answers import load_questionnaire, yardsticks_of, yardsticks_of_card
from assessment.models import Assessment
from assessment.scorecards import state_for
from tests.worlds import World, answer_all, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    world = make_world(4)
    answer_all(world.assessment)  # X01 on a quota row: GB 0000-2030, 测试产品 / Test product
    return world


def fresh(world: World) -> Assessment:
    return Assessment.objects.select_related("company__sector", "criteria_set").get(pk=world.assessment.pk)


def yardstick_line(world: World, language: str) -> str:
    url = reverse("assessment_indicators", args=[world.assessment.pk])
    body = world.client("viewer").get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    found = re.search(r'<div[^>]*data-yardstick="X01">(.*?)</div>', body, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def test_a_quota_source_is_its_product_in_each_language_with_the_edition_once(world: World) -> None:
    source = yardsticks_of(load_questionnaire(fresh(world))).source_of("X01")
    assert source is not None and source.owner == "quota"
    assert source.text("zh-hans") == "测试产品 (GB 0000-2030)"
    assert source.text("en") == "Test product (GB 0000-2030)"


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_the_indicators_page_names_the_quota_row_in_the_readers_language(world: World, submitted: bool) -> None:
    if submitted:
        submission.submit(world.assessment.pk, user=world.owner, language="zh-hans")
    zh = yardstick_line(world, "zh-hans")
    assert "测试产品 (GB 0000-2030)" in zh and "Test product" not in zh
    assert zh.count("2030") == 1
    en = yardstick_line(world, "en")
    assert "Quota standard · Test product (GB 0000-2030)" in en and en.count("2030") == 1


def test_a_snapshot_whose_quota_row_is_gone_names_it_once_from_its_label(world: World) -> None:
    submission.submit(world.assessment.pk, user=world.owner, language="en")
    state = state_for(fresh(world))
    assert state.from_snapshot
    x01 = state.answers["X01"]
    assert x01.sector is not None
    # Rows are looked up by key: under a key no row has (as after a deletion) the snapshot's own label serves.
    gone = {**state.answers, "X01": replace(x01, sector=replace(x01.sector, key="gone"))}
    with translation.override("zh-hans"):
        kept = yardsticks_of_card(state.card, state.answers).source_of("X01")
        lost = yardsticks_of_card(state.card, gone).source_of("X01")
    assert kept is not None and kept.text("zh-hans") == "测试产品 (GB 0000-2030)"
    assert lost is not None and lost.owner == "quota" and lost.text("zh-hans") == "Test product (GB 0000-2030)"
