"""`manage.py repair_answers`: rows stored before imports were validated are found, then repaired."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from assessment.models import Answer, Assessment, AuditEvent, CriteriaSet
from tests.factories import cement_company
from tests.questionnaire_world import make_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment() -> Assessment:
    return make_assessment(
        cement_company("Repair Works", province="FJ"), CriteriaSet.objects.latest_published("factory")
    )


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("repair_answers", *args, stdout=out)
    return out.getvalue()


def test_bad_rows_are_listed_then_repaired_and_good_rows_left_alone(assessment):
    Answer.objects.create(assessment=assessment, code="F09", choice="met", comment="x" * 1_000_000, version=3)
    Answer.objects.create(assessment=assessment, code="F04", inputs={"options": [0, 99]}, count=2, version=1)
    Answer.objects.create(assessment=assessment, code="F02", inputs={"C": "1e30", "Q": "abc"}, version=1)
    Answer.objects.create(assessment=assessment, code="F12", choice="partly", comment="fine", version=1)

    report = run()
    assert f"assessment {assessment.pk} F09: comment: Keep this under 2000 characters (it has 1000000)." in report
    assert f"assessment {assessment.pk} F04: options: Choose one of the options." in report
    assert f"assessment {assessment.pk} F02: in-C: This number is too large." in report
    assert "F12" not in report
    assert "3 answer(s) the questionnaire would refuse found" in report
    assert Answer.objects.get(assessment=assessment, code="F09").version == 3  # listing changes nothing

    assert "3 answer(s) the questionnaire would refuse repaired." in run("--fix")
    f09 = Answer.objects.get(assessment=assessment, code="F09")
    assert (f09.choice, len(f09.comment), f09.version) == ("met", 2000, 4)
    f04 = Answer.objects.get(assessment=assessment, code="F04")
    assert (f04.inputs, f04.count) == ({}, None)
    f02 = Answer.objects.get(assessment=assessment, code="F02")
    assert f02.inputs == {}
    assert Answer.objects.get(assessment=assessment, code="F12").version == 1
    assert AuditEvent.objects.filter(action="answers.repaired", object_id=str(assessment.pk)).count() == 3
    assert "0 answer(s)" in run()
