import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessment import exchange, submission
from assessment.models import Answer, Assessment, AuditEvent
from assessment.scorecards import live_state
from tests.worlds import answer, answer_all, make_sector_value, make_world

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fresh_draft(world):
    return Assessment.objects.create(company=world.company, criteria_set=world.assessment.criteria_set, year=2031)


def scorecard(assessment):
    return live_state(assessment).card.to_dict()


def rows(assessment):
    return {
        a.code: (
            a.value,
            a.inputs,
            a.choice,
            a.count,
            a.passed,
            a.na,
            a.na_reason,
            a.sector_value_id,
            a.leading,
            a.benchmark,
            a.values_source,
            a.comment,
        )
        for a in Answer.objects.filter(assessment=assessment)
    }


def filled_world():
    world = make_world(6)
    answer_all(world.assessment, make_sector_value())
    answer(world.assessment, "X02", na=True, na_reason="不适用：无此工序", choice="")
    answer(world.assessment, "X05", choice="partly", comment="见附件 <b>3</b>")
    return world


def test_json_export_is_the_import_format_and_round_trips():
    world = filled_world()
    document = exchange.export_json(world.assessment)
    assert document["criteria_set"] == world.assessment.criteria_set.code
    assert document["gates"] == {"G1": True, "G2": True}
    assert document["indicators"]["X02"] == {"na": True, "na_reason": "不适用：无此工序"}
    target = fresh_draft(world)
    count = exchange.import_answers(target.pk, json.dumps(document).encode(), user=world.editor, may_note=False)
    assert count == 8
    assert rows(target) == rows(world.assessment)
    assert scorecard(target)["total"] == scorecard(world.assessment)["total"]


def test_xlsx_export_has_one_row_per_gate_and_indicator_and_round_trips():
    world = filled_world()
    content = exchange.export_xlsx(world.assessment)
    sheet = load_workbook(io.BytesIO(content))["answers"]
    header = [c.value for c in sheet[1]]
    columns = (
        "code name type unit value input:E input:Q choice count passed na na_reason leading benchmark"
        " values_source sector_value comment"
    ).split()
    assert [c for c in columns if c not in header] == []
    codes = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["G1", "G2", "X01", "X04", "X02", "X05", "X03", "X06"]
    x01 = dict(zip(header, next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "X01"), strict=True))
    assert (x01["input:E"], x01["input:Q"], x01["type"]) == (1500, 10000, "reverse_quant")
    target = fresh_draft(world)
    exchange.import_answers(target.pk, content, user=world.editor, may_note=False, filename="answers.xlsx")
    assert rows(target) == rows(world.assessment)
    assert scorecard(target)["total"] == scorecard(world.assessment)["total"]


def test_xlsx_import_lists_every_bad_row_and_saves_nothing():
    world = filled_world()
    content = exchange.export_xlsx(world.assessment)
    book = load_workbook(io.BytesIO(content))
    sheet = book["answers"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    line = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(line["X01"], col["input:E"]).value = "lots"
    sheet.cell(line["X05"], col["choice"]).value = "mostly"
    sheet.cell(line["X03"], col["count"]).value = 2.5
    sheet.cell(line["X02"], col["na_reason"]).value = None
    sheet.cell(line["G1"], col["passed"]).value = False  # valid on its own: must not be saved either
    sheet.append(["Z99"])
    buffer = io.BytesIO()
    book.save(buffer)
    target = fresh_draft(world)
    answer(target, "G1", passed=True)
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(target.pk, buffer.getvalue(), user=world.editor, may_note=False)
    errors = {e.where: e.message for e in info.value.errors}
    assert errors.keys() == {f"row {line['X03']} (X03)"}  # conversion errors are reported first
    sheet.cell(line["X03"], col["count"]).value = 2
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(target.pk, buffer.getvalue(), user=world.editor, may_note=False)
    errors = {e.where: e.message for e in info.value.errors}
    assert errors == {
        f"row {line['X01']} (X01)": "inputs.E: Enter a number, for example 1234.5.",
        f"row {line['X05']} (X05)": "choice: Choose one of the options.",
        f"row {line['X02']} (X02)": "na_reason: Say why this indicator does not apply.",
        f"row {sheet.max_row} (Z99)": "no such gate or indicator in " + world.assessment.criteria_set.code,
    }
    assert rows(target) == {"G1": (None, {}, "", None, True, False, "", None, None, None, "", "")}


def test_json_import_lists_errors_per_key():
    world = make_world(6)
    document = {
        "criteria_set": world.assessment.criteria_set.code,
        "gates": {"G1": "yes", "G9": True},
        "indicators": {"X01": {"inputs": {"E": "5", "Q": "-10"}}, "X03": {"count": 2}, "X04": {"colour": "red"}},
        "extra": 1,
    }
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(world.assessment.pk, json.dumps(document).encode(), user=world.editor, may_note=False)
    wheres = [e.where for e in info.value.errors]
    assert wheres == ["extra", "gates.G1", "gates.G9", "indicators.X01", "indicators.X04"]
    assert info.value.errors[3].message == "inputs.Q: This quantity cannot be negative."
    assert not Answer.objects.filter(assessment=world.assessment).exists()


def test_a_sector_value_for_another_indicator_is_refused():
    world = make_world(6)
    other = make_sector_value("X77")
    document = {"indicators": {"X01": {"inputs": {"E": "1", "Q": "10"}, "sector_value": other.key}}}
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(world.assessment.pk, json.dumps(document).encode(), user=world.editor, may_note=False)
    assert "is for indicator X77" in info.value.errors[0].message


def test_garbage_is_refused_clearly():
    world = make_world()
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(world.assessment.pk, b"\x00\x01not json", user=world.editor, may_note=False)
    assert (
        info.value.errors[0].where == "file"
        and "neither an XLSX workbook nor valid JSON" in info.value.errors[0].message
    )


def test_consultant_notes_are_imported_only_for_consultants():
    world = make_world()
    document = {"indicators": {"X05": {"choice": "met", "comment": "c", "consultant_note": "n"}}}
    exchange.import_answers(world.assessment.pk, json.dumps(document).encode(), user=world.editor, may_note=False)
    row = Answer.objects.get(assessment=world.assessment, code="X05")
    assert (row.comment, row.consultant_note, row.version) == ("c", "", 1)
    exchange.import_answers(world.assessment.pk, json.dumps(document).encode(), user=world.consultant, may_note=True)
    row.refresh_from_db()
    assert (row.consultant_note, row.version) == ("n", 2)
    assert AuditEvent.objects.filter(action="answers.imported", object_id=str(world.assessment.pk)).count() == 2


def test_import_view_saves_a_good_file_and_lists_errors_of_a_bad_one():
    world = make_world(6)
    url = reverse("assessment_import", args=[world.assessment.pk])
    client = world.client("consultant")
    bad = {"indicators": {"X05": {"choice": "maybe"}, "X06": {"choice": "met"}}}
    response = client.post(url, {"file": SimpleUploadedFile("a.json", json.dumps(bad).encode())}, **EN)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 1 problem was found." in body and body.count('class="import-error"') == 1
    assert "indicators.X05" in body
    assert not Answer.objects.filter(assessment=world.assessment).exists()
    good = {"gates": {"G1": True}, "indicators": {"X05": {"choice": "met"}}}
    response = client.post(url, {"file": SimpleUploadedFile("a.json", json.dumps(good).encode())}, **EN)
    assert response.status_code == 302
    assert Answer.objects.get(assessment=world.assessment, code="X05").choice == "met"


def test_import_view_refuses_a_submitted_assessment():
    world = make_world()
    answer_all(world.assessment)
    submission.submit(world.assessment.pk, user=world.editor, language="en")
    url = reverse("assessment_import", args=[world.assessment.pk])
    page = world.client("editor").get(url, **EN)
    assert "only be imported into a draft" in page.content.decode()
    response = world.client("editor").post(
        url, {"file": SimpleUploadedFile("a.json", b'{"gates": {"G1": false}}')}, **EN
    )
    assert response.status_code == 400
    assert Answer.objects.get(assessment=world.assessment, code="G1").passed is True


def test_export_views_download_attachments():
    world = filled_world()
    json_response = world.client("viewer").get(reverse("assessment_export_json", args=[world.assessment.pk]))
    assert json_response["Content-Disposition"].startswith('attachment; filename="Test Co-test-set-')
    assert json.loads(json_response.content)["indicators"]["X05"]["comment"] == "见附件 <b>3</b>"
    xlsx = world.client("viewer").get(reverse("assessment_export_xlsx", args=[world.assessment.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content))["meta"]["B1"].value == world.assessment.criteria_set.code


def test_decimal_values_survive_the_xlsx_round_trip():
    world = make_world(6)
    answer(
        world.assessment,
        "X01",
        inputs={"E": "1234.567891", "Q": "0.3"},
        leading=Decimal("0.125"),
        benchmark=Decimal("0.25"),
        values_source="Association",
    )
    target = fresh_draft(world)
    exchange.import_answers(target.pk, exchange.export_xlsx(world.assessment), user=world.editor, may_note=False)
    row = Answer.objects.get(assessment=target, code="X01")
    assert {k: Decimal(v) for k, v in row.inputs.items()} == {"E": Decimal("1234.567891"), "Q": Decimal("0.3")}
    assert (row.leading, row.benchmark) == (Decimal("0.125"), Decimal("0.25"))
