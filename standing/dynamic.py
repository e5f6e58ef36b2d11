"""The annual dynamic-management form (动态管理表): key green indicators of a year, as plain data and files.

Prefilled from the company's submitted factory assessment of the year (its frozen snapshot): the
measured value of every quantitative indicator, the previous year's value where one was submitted,
and the total score. Exported as XLSX and PDF with the indicator names in both languages.
"""

import datetime
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from organisations.models import DYNAMIC_FORM_DUE


@dataclass(frozen=True)
class FormRow:
    code: str
    name_zh: str
    name_en: str
    unit: str
    value: Decimal | None
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        """Change against the previous year, in %."""
        if self.value is None or self.previous in (None, Decimal(0)):
            return None
        assert self.previous is not None
        return ((self.value - self.previous) / abs(self.previous) * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class DynamicForm:
    year: int
    due: datetime.date
    total: Decimal | None
    previous_total: Decimal | None
    criteria_set: str
    rows: list[FormRow]

    @property
    def prefilled(self) -> bool:
        return self.total is not None


def due_date(year: int) -> datetime.date:
    """The form for data year `year` is filed in the following spring."""
    return datetime.date(year + 1, *DYNAMIC_FORM_DUE)


def _values(scorecard: Mapping[str, Any]) -> dict[str, tuple[Decimal, str]]:
    return {
        i["code"]: (Decimal(str(i["value"])), i.get("unit", ""))
        for i in scorecard.get("indicators", [])
        if i.get("value") is not None
    }


def build(
    year: int, current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None
) -> DynamicForm:
    """`current` / `previous`: snapshot dicts with "criteria", "scorecard" and "criteria_set" (or None)."""
    if current is None:
        return DynamicForm(year, due_date(year), None, None, "", [])
    names = {
        i["code"]: (i.get("name_zh", ""), i.get("name_en", ""))
        for c in current["criteria"].get("categories", [])
        for i in c.get("indicators", [])
    }
    now = _values(current["scorecard"])
    before = _values(previous["scorecard"]) if previous else {}
    rows = [
        FormRow(code, *names.get(code, ("", "")), unit, value, before[code][0] if code in before else None)
        for code, (value, unit) in now.items()
    ]
    previous_total = previous["scorecard"].get("total") if previous else None
    return DynamicForm(
        year=year,
        due=due_date(year),
        total=Decimal(str(current["scorecard"]["total"])) if current["scorecard"].get("total") is not None else None,
        previous_total=Decimal(str(previous_total)) if previous_total is not None else None,
        criteria_set=current.get("criteria_set", ""),
        rows=rows,
    )


def to_xlsx(form: DynamicForm, *, company: Mapping[str, str], headings: Mapping[str, str]) -> bytes:
    """One sheet: the company block, then one row per indicator. `headings` are the reader's-language labels."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{form.year}"
    sheet.append([headings["title"], str(form.year)])
    sheet["A1"].font = Font(bold=True)
    for label, value in company.items():
        sheet.append([label, value])
    sheet.append([headings["total"], form.total, headings["previous"], form.previous_total])
    sheet.append([])
    sheet.append([headings["code"], "指标", "Indicator", headings["unit"], str(form.year), str(form.year - 1), headings["change"]])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in form.rows:
        sheet.append([row.code, row.name_zh, row.name_en, row.unit, row.value, row.previous, row.change])
    for column, width in zip("ABCDEFG", (10, 36, 44, 18, 14, 14, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
