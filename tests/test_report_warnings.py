"""The PDF report says what the results page says: identity not verified, compliance problems, warnings."""

import pytest
from django.utils import translation

from assessment import reports
from assessment.models import Answer, Assessment, CriteriaSet, SectorValue
from organisations.models import Company, Verification
from tests.factories import cement_company
from tests.questionnaire_world import make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment() -> Assessment:
    return make_assessment(
        cement_company("Limit Cement Co", province="FJ"), CriteriaSet.objects.latest_published("factory")
    )


def html(assessment: Assessment) -> str:
    with translation.override("en"):
        return reports.render_html(Assessment.objects.get(pk=assessment.pk), language="en")


def test_an_unverified_company_is_said_so_on_the_cover(assessment):
    assert not assessment.company.is_verified
    assert "identity not verified" in html(assessment)
    Company.objects.filter(pk=assessment.company_id).update(verification=Verification.VERIFIED)
    assert "identity not verified" not in html(assessment)


def test_f01_worse_than_the_limit_value_is_a_compliance_problem_in_the_report(assessment):
    # 95 kgce/t cement against the GB 16780-2021 limit of 94 kgce/t (level 3, mandatory)
    quota = SectorValue.objects.get(key="gb-16780-2021-cement-unit-product-comprehensive-energy")
    Answer.objects.create(
        assessment=assessment, code="F01", inputs={"E": "95", "Q": "1000"}, sector_value=quota, version=1
    )
    page = html(assessment)
    assert "Compliance problems" in page
    assert "limit value 94 kgce/t" in page and "B1" in page
