"""The annual dynamic-management form (动态管理表): key green indicators of a year, as plain data and files.

Prefilled from the company's yearly data sheet (ledger) where it exists: the physical quantities and
the energy and carbon figures computed from them; and from the submitted factory assessment of the
year (its frozen snapshot): the measured value of every quantitative indicator and the total score.
Each with the previous year's value where there is one. Exported as XLSX and PDF, indicator names in
both languages.
"""

import datetime
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    sheet: list[FormRow] = field(default_factory=list)  # from the yearly data sheet

    @property
    def prefilled(self) -> bool:
        return self.total is not None or bool(self.sheet)


# Data-sheet figures (ledger.energy input codes) in both languages.
SHEET_NAMES: dict[str, tuple[str, str]] = {
    "E": ("综合能源消费量", "Comprehensive energy consumption"),
    "E_re": ("可再生能源消费量", "Renewable energy consumption"),
    "C": ("二氧化碳排放量", "CO2 emissions"),
    "G": ("工业总产值", "Output value"),
    "GDP": ("工业增加值", "Industrial value added"),
    "M": ("主要原材料消耗量", "Main raw materials"),
    "V": ("取水量", "Water intake"),
    "V_r": ("重复利用水量", "Reused water"),
    "Z": ("一般工业固体废物产生量", "General industrial solid waste generated"),
    "Z_r": ("一般工业固体废物综合利用量", "Solid waste utilised"),
    "P": ("主要污染物产生量", "Main pollutants"),
    "A": ("用地面积", "Land area"),
    "Q": ("产品产量", "Output"),
}


def sheet_rows(current: Mapping[str, Any], previous: Mapping[str, Any]) -> list[FormRow]:
    """Rows from two years of stored data-sheet figures ({"inputs": {code: [value, unit]}})."""
    now, before = current.get("inputs", {}), previous.get("inputs", {})
    return [
        FormRow(code, zh, en, now[code][1], Decimal(now[code][0]), Decimal(before[code][0]) if code in before else None)
        for code, (zh, en) in SHEET_NAMES.items()
        if code in now
    ]


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
    year: int,
    current: Mapping[str, Any] | None,
    previous: Mapping[str, Any] | None,
    *,
    sheet: Mapping[str, Any] | None = None,
    previous_sheet: Mapping[str, Any] | None = None,
) -> DynamicForm:
    """`current` / `previous`: snapshot dicts with "criteria", "scorecard" and "criteria_set" (or None);
    `sheet` / `previous_sheet`: stored data-sheet figures (or None)."""
    from_sheet = sheet_rows(sheet, previous_sheet or {}) if sheet else []
    if current is None:
        return DynamicForm(year, due_date(year), None, None, "", [], from_sheet)
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
        sheet=from_sheet,
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
    sheet.append(
        [
            headings["code"],
            "指标",
            "Indicator",
            headings["unit"],
            str(form.year),
            str(form.year - 1),
            headings["change"],
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in [*form.sheet, *form.rows]:
        sheet.append([row.code, row.name_zh, row.name_en, row.unit, row.value, row.previous, row.change])
    for column, width in zip("ABCDEFG", (10, 36, 44, 18, 14, 14, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
