"""The annual dynamic-management form: prefill, XLSX and PDF in both languages, the 1 March reminder."""

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from assessment.models import Assessment, Snapshot
from ledger.models import DataSheet
from organisations.models import Company, dynamic_form_due
from standing import dynamic
from tests.worlds import make_criteria_set, make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "listed", "due"),
    [
        (datetime.date(2027, 2, 28), True, None),
        (datetime.date(2027, 3, 1), True, datetime.date(2027, 4, 15)),
        (datetime.date(2027, 4, 15), True, datetime.date(2027, 4, 15)),
        (datetime.date(2027, 4, 16), True, None),
        (datetime.date(2027, 3, 20), False, None),
    ],
)
def test_the_reminder_runs_from_1_march_to_15_april_for_listed_companies(
    today: datetime.date, listed: bool, due: datetime.date | None
) -> None:
    assert dynamic_form_due(today, listed=listed) == due


def snapshot(year_total: str, values: dict[str, str]) -> dict[str, Any]:
    return {
        "criteria_set": "gbt36132-2025",
        "criteria": {
            "categories": [
                {
                    "code": "C1",
                    "indicators": [
                        {"code": code, "name_zh": f"指标{code}", "name_en": f"Indicator {code}"} for code in values
                    ],
                }
            ]
        },
        "scorecard": {
            "total": year_total,
            "indicators": [{"code": c, "value": v, "unit": "tce/t"} for c, v in values.items()],
        },
    }


def test_prefill_takes_this_year_and_last_year_values() -> None:
    form = dynamic.build(2026, snapshot("71.5", {"F01": "0.80", "F07": "95"}), snapshot("65", {"F01": "1.00"}))
    assert form.prefilled and form.total == Decimal("71.5") and form.previous_total == Decimal(65)
    assert form.due == datetime.date(2027, 4, 15)
    rows = {r.code: r for r in form.rows}
    assert (rows["F01"].value, rows["F01"].previous, rows["F01"].change) == (
        Decimal("0.80"),
        Decimal("1.00"),
        Decimal("-20.0"),
    )
    assert rows["F07"].previous is None and rows["F07"].change is None
    assert rows["F01"].name_zh == "指标F01"
    empty = dynamic.build(2026, None, None)
    assert not empty.prefilled and empty.rows == []


@pytest.fixture
def listed_world() -> Any:
    world = make_world(4, criteria_set=make_criteria_set(4, area="factory"))
    Company.objects.filter(pk=world.company.pk).update(list_level="national", listed_year=2024)
    for year, total, value in ((2025, "60.00", "2.0"), (2026, "70.00", "1.5")):
        a = Assessment.objects.create(
            company=world.company, criteria_set=world.assessment.criteria_set, year=year, status="submitted"
        )
        data = snapshot(total, {"X01": value})
        Snapshot.objects.create(
            assessment=a,
            criteria=data["criteria"],
            scorecard=data["scorecard"],
            answers={},
            total=Decimal(total),
            verdict="pass",
        )
    return world


def client_for(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@time_machine.travel(datetime.datetime(2027, 3, 10, 9, tzinfo=datetime.UTC), tick=False)
def test_the_page_and_the_dashboard_reminder(listed_world: Any) -> None:
    client = client_for(listed_world.viewer, "en")
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "dynamic-management form is due by" in dashboard
    assert reverse("dynamic_form", args=[listed_world.company.pk, 2026]) in dashboard
    page = client.get(reverse("dynamic_form", args=[listed_world.company.pk, 2026])).content.decode()
    table = page[page.index('id="dynamic-table"') :]
    assert "1.5" in table and "2.0" in table and "-25.0" in table
    assert "70.00" in page
    assert client.get(reverse("dynamic_form", args=[listed_world.company.pk, 1990])).status_code == 404
    assert client.get(reverse("dynamic_form", args=[listed_world.company.pk, 2031])).status_code == 404
    Company.objects.filter(pk=listed_world.company.pk).update(list_level="")
    assert "dynamic-management form is due by" not in client.get(reverse("dashboard")).content.decode()


@time_machine.travel(datetime.datetime(2027, 3, 10, 9, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(("language", "heading"), [("en", "Total score"), ("zh-hans", "动态管理表")])
def test_exports_in_both_languages(listed_world: Any, language: str, heading: str) -> None:
    client = client_for(listed_world.viewer, language)
    xlsx = client.get(reverse("dynamic_form_xlsx", args=[listed_world.company.pk, 2026]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["X01", "指标X01", "Indicator X01", "tce/t", 1.5, 2, -25] in cells
    pdf = client.get(reverse("dynamic_form_pdf", args=[listed_world.company.pk, 2026]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "动态管理表" in text and "指标X01" in text and "Indicator X01" in text
    if language == "en":
        assert heading in text


def test_the_form_follows_the_permission_ladder(listed_world: Any) -> None:
    for name in ("dynamic_form", "dynamic_form_xlsx", "dynamic_form_pdf"):
        url = reverse(name, args=[listed_world.company.pk, 2026])
        assert Client().get(url).status_code == 302
        assert client_for(listed_world.stranger, "en").get(url).status_code == 404
        assert client_for(listed_world.consultant, "en").get(url).status_code == 200


@time_machine.travel(datetime.datetime(2027, 3, 10, 9, tzinfo=datetime.UTC), tick=False)
def test_the_data_sheet_prefills_the_form_with_last_year_beside_it(
    listed_world: Any, django_assert_max_num_queries: Any
) -> None:
    company = listed_world.company
    DataSheet.objects.create(
        company=company, year=2026, figures={"inputs": {"V": ["1200", "m³"], "E": ["480.5", "tce"]}}
    )
    DataSheet.objects.create(company=company, year=2025, figures={"inputs": {"V": ["1500", "m³"]}})
    client = client_for(listed_world.viewer, "en")
    with django_assert_max_num_queries(8):
        page = client.get(reverse("dynamic_form", args=[company.pk, 2026])).content.decode()
    sheet = page[page.index("From the data sheet") : page.index("From the submitted assessment")]
    assert "取水量" in sheet and "1200" in sheet and "1500" in sheet and "-20.0" in sheet
    assert "480.5" in sheet and "综合能源消费量" in sheet
    cells = [
        [c.value for c in row]
        for row in load_workbook(
            io.BytesIO(client.get(reverse("dynamic_form_xlsx", args=[company.pk, 2026])).content)
        ).active.iter_rows()
    ]
    assert ["V", "取水量", "Water intake", "m³", 1200, 1500, -20] in cells
    # A year with a sheet and no submitted assessment still has a form.
    DataSheet.objects.create(company=company, year=2024, figures={"inputs": {"V": ["900", "m³"]}})
    page = client.get(reverse("dynamic_form", args=[company.pk, 2024])).content.decode()
    assert "900" in page and "No data sheet and no submitted" not in page
