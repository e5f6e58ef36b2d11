"""The governing standard named in the reader's language: ministry notices have an English name too."""

import pytest
from django.urls import reverse
from django.utils import translation

from assessment.models import CriteriaSet
from organisations.models import Membership
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db
SUPPLY_CHAIN_ZH = "工信厅节函〔2016〕586号 附件 绿色供应链管理评价要求"
SUPPLY_CHAIN_EN = "MIIT General Office Energy Saving Letter [2016] No. 586"


def test_supply_chain_and_park_sets_carry_english_standard_names():
    for code in ("supply-chain-gsci-586", "park-miit-2024"):
        criteria_set = CriteriaSet.objects.get(code=code)
        with translation.override("en"):
            assert criteria_set.standard_label == criteria_set.standard_en and criteria_set.standard_en.startswith(
                "MIIT"
            )
        with translation.override("zh-hans"):
            assert criteria_set.standard_label == criteria_set.standard
    factory = CriteriaSet.objects.get(code="factory-gbt36132-2025")
    with translation.override("en"):
        assert factory.standard_label == "GB/T 36132-2025"  # a GB number reads the same in both


def test_the_questionnaire_subtitle_follows_the_language(client):
    owner = make_user("owner@example.com")
    company = make_company(owner=owner)
    assert Membership.objects.filter(company=company, user=owner).exists()
    client.force_login(owner)
    response = client.post(
        reverse("assessment_start", args=[company.pk]),
        {"area": "supply_chain", "year": "2025"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(response["Location"], follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SUPPLY_CHAIN_EN in page and SUPPLY_CHAIN_ZH not in page
    page = client.get(response["Location"], follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SUPPLY_CHAIN_ZH in page and SUPPLY_CHAIN_EN not in page


def test_the_english_report_names_the_english_standard():
    from assessment import reports
    from assessment.models import Assessment

    assessment = Assessment.objects.get(pk=9002)  # the demo supply-chain assessment
    english = reports.build_context(assessment, language="en")["criteria_set"]["standard"]
    chinese = reports.build_context(assessment, language="zh-hans")["criteria_set"]["standard"]
    assert SUPPLY_CHAIN_EN in english and "工信" not in english
    assert "绿色供应链管理评价要求" in chinese and "MIIT" not in chinese
