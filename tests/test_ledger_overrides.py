"""Figures typed over the data sheet's: their reasons travel through the answers export and import (JSON and
XLSX), an import without a reason is refused, and submission names every override still lacking one."""

import io
import json
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessment import exchange, submission
from assessment.models import Answer, Assessment, CriteriaSet
from organisations.models import Role
from tests.factories import cement_company as make_company
from tests.factories import make_sheet, member

pytestmark = pytest.mark.django_db
WHY = "meter replaced in May: corrected intake"


@pytest.fixture(autouse=True)
def _english(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def company_with_sheet() -> tuple[Any, Any]:
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    make_sheet(company, water_intake=D(5000), water_reused=D(45000))
    return company, owner


def draft(company: Any, owner: Any) -> Assessment:
    return Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published("factory"), year=2025, created_by=owner
    )


def overridden(company: Any, owner: Any, *, why: str = WHY) -> Assessment:
    assessment = draft(company, owner)
    inputs: dict[str, Any] = {"V": "15000"} | ({"why": {"V": why}} if why else {})
    Answer.objects.create(
        assessment=assessment,
        code="F07",
        inputs=inputs,
        leading=D(95),
        benchmark=D(85),
        values_source="sector average",
    )
    return assessment


def test_json_export_carries_the_reason_and_imports_it_back() -> None:
    company, owner = company_with_sheet()
    source = overridden(company, owner)
    document = exchange.export_json(source)
    assert document["indicators"]["F07"]["inputs"] == {"V": "15000"}
    assert document["indicators"]["F07"]["input_reasons"] == {"V": WHY}
    target = draft(company, owner)
    exchange.import_answers(target.pk, json.dumps(document).encode(), user=owner, may_note=False)
    assert Answer.objects.get(assessment=target, code="F07").inputs == {"V": "15000", "why": {"V": WHY}}
    # the score is the same: V typed over, V_r from the sheet, 45 000 / 60 000 = 75 %
    assert (
        submission.live_state(target).card.to_dict()["indicators"]
        == submission.live_state(source).card.to_dict()["indicators"]
    )


def test_xlsx_export_carries_the_reason_and_imports_it_back() -> None:
    company, owner = company_with_sheet()
    content = exchange.export_xlsx(overridden(company, owner))
    sheet = load_workbook(io.BytesIO(content))["answers"]
    header = [c.value for c in sheet[1]]
    f07 = dict(zip(header, next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "F07"), strict=True))
    assert (f07["input:V"], f07["why:V"]) == (15000, WHY)
    target = draft(company, owner)
    exchange.import_answers(target.pk, content, user=owner, may_note=False, filename="answers.xlsx")
    assert Answer.objects.get(assessment=target, code="F07").inputs == {"V": "15000", "why": {"V": WHY}}


def test_an_import_typing_over_the_sheet_without_a_reason_is_refused() -> None:
    company, owner = company_with_sheet()
    target = draft(company, owner)
    document = {
        "criteria_set": target.criteria_set.code,
        "indicators": {"F07": {"inputs": {"V": "15000"}, "leading": "95", "benchmark": "85", "values_source": "x"}},
    }
    with pytest.raises(exchange.ImportFailed) as failed:
        exchange.import_answers(target.pk, json.dumps(document).encode(), user=owner, may_note=False)
    assert [str(e.message) for e in failed.value.errors] == [
        "input_reasons.V: Say why this figure replaces the one from the data sheet."
    ]
    assert not Answer.objects.filter(assessment=target).exists()


def test_input_reasons_must_name_inputs_of_the_formula() -> None:
    company, owner = company_with_sheet()
    target = draft(company, owner)
    document = {
        "criteria_set": target.criteria_set.code,
        "indicators": {"F07": {"inputs": {"V": "15000"}, "input_reasons": {"E": "no"}}},
    }
    with pytest.raises(exchange.ImportFailed) as failed:
        exchange.import_answers(target.pk, json.dumps(document).encode(), user=owner, may_note=False)
    assert "input_reasons.E: not an input of this indicator's formula" in str(failed.value.errors[0].message)


def test_without_a_sheet_no_reason_is_needed() -> None:
    company = make_company()
    owner = member(company, "owner", Role.OWNER)
    target = draft(company, owner)
    document = {"criteria_set": target.criteria_set.code, "indicators": {"F07": {"inputs": {"V": "15000"}}}}
    assert exchange.import_answers(target.pk, json.dumps(document).encode(), user=owner, may_note=False) == 1


def test_submission_refuses_an_override_without_a_reason(client: Any) -> None:
    company, owner = company_with_sheet()
    assessment = overridden(company, owner, why="")
    problems = submission.completeness(submission.live_state(assessment))
    assert [(p.code, p.reason, p.detail) for p in problems if p.reason == "override_reason"] == [
        ("F07", "override_reason", "V")
    ]
    client.force_login(owner)
    response = client.post(reverse("assessment_submit", args=[assessment.pk]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "A figure typed over the data sheet&#x27;s needs a reason" in body
    assert "inputs: V" in body
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_an_override_with_its_reason_is_no_submission_problem() -> None:
    company, owner = company_with_sheet()
    problems = submission.completeness(submission.live_state(overridden(company, owner)))
    assert not [p for p in problems if p.reason == "override_reason"]
