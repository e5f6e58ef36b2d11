"""Export answers as the JSON import format or as an XLSX workbook; import either into a draft.

Import goes through the questionnaire's own validator (`answers.parse_answer`, the rules and limits
of the page) and its one writer (`answers.write_answer`): a file can store nothing the page would
refuse. It is all-or-nothing: every gate and indicator is checked on its own so that all errors can
be listed at once (by key for JSON, by row for XLSX), and nothing is saved while any remain. What
the page keeps as a draft (half a pair, N/A without a reason) is an error in a file. Filled rows /
keys replace the whole answer for that code; codes the file leaves out, and empty XLSX rows, keep
their current answer (so several departments can each fill their own rows).

Files are read with caps (size, nesting, rows, cells, uncompressed size) and refused early, and
XLSX text cells are always written as text, never as formulas.
"""

import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.answers import (
    WRITTEN_FIELDS,
    AnswerValues,
    criteria_for,
    load_questionnaire,
    parse_answer,
    plain_number,
    sheet_for,
    sheet_for_indicator,
    sheet_values,
    values_from_row,
    write_answer,
)
from assessment.formulas import FORMULAS, accepted_inputs
from assessment.models import Answer, Assessment
from assessment.scoring import GateSpec, IndicatorSpec
from assessment.specs import ANSWER_KEYS, DOCUMENT_KEYS
from assessment.submission import audit, sector_lookup_for
from assessment.vocabulary import QUALITATIVE, QUANTITATIVE, IndicatorType
from greenmfg.filenames import file_part

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 6  # document → indicators → code → inputs → value
# openpyxl reads a whole worksheet at load, even read-only (0.8–0.9 s for 7.6 MB of XML, bench/import_bench.py): a real answers
# sheet is some 50 kB, so 8 MB leaves room and refuses a sheet padded with millions of empty rows early.
MAX_XLSX_UNCOMPRESSED = 8 * 1024 * 1024
MAX_XLSX_MEMBERS = 200
MAX_ROWS = 5000
MAX_COLUMNS = 200
SHEET = "answers"
META_SHEET = "meta"
NOTE_KEYS = ("comment", "consultant_note")
# Read-only description columns, then the answer columns the import reads.
INFO_COLUMNS = ["code", "kind", "category", "name", "type", "unit", "required", "allows_na"]
ANSWER_COLUMNS = list(ANSWER_KEYS)
TRUE_WORDS = {"true", "yes", "y", "1", "是", "x", "✓"}
FALSE_WORDS = {"false", "no", "n", "0", "否"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportFailed(Exception):
    def __init__(self, errors: list["RowError"]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    where: str  # "row 7 (F01)" or "indicators.F01"
    message: str


# --- Export -------------------------------------------------------------------------------------


def _stored(assessment: Assessment) -> tuple[Any, dict[str, AnswerValues], dict[str, str]]:
    """(criteria, values per answered code, sector-value key per code) of an assessment."""
    questionnaire = load_questionnaire(assessment)
    criteria = questionnaire.criteria
    values: dict[str, AnswerValues] = {}
    sector_keys: dict[str, str] = {}
    for code, row in questionnaire.rows.items():
        if code in criteria.gates or code in criteria.indicators:
            values[code] = values_from_row(row, with_note=True)
            if row.sector_value_id is not None:
                sector_keys[code] = questionnaire.sector_values[row.sector_value_id].key
    return criteria, values, sector_keys


def _item_json(values: AnswerValues, sector_key: str | None) -> dict[str, Any]:
    """One indicator's answer in the JSON format (only what is set; numbers as exact strings)."""
    item: dict[str, Any] = {}
    if values.value is not None:
        item["value"] = plain_number(values.value)
    if values.inputs:
        item["inputs"] = {k: plain_number(Decimal(v)) for k, v in values.inputs}
    if values.reasons:
        item["input_reasons"] = dict(values.reasons)
    if values.choice:
        item["choice"] = values.choice
    if values.options:
        item["options"] = list(values.options)
    if values.count is not None:
        item["count"] = values.count
    if values.passed is not None:
        item["passed"] = values.passed
    if values.na:
        item["na"] = True
    if values.na_reason:
        item["na_reason"] = values.na_reason
    if values.leading is not None:
        item["leading"] = plain_number(values.leading)
    if values.benchmark is not None:
        item["benchmark"] = plain_number(values.benchmark)
    if values.values_source:
        item["values_source"] = values.values_source
    if sector_key:
        item["sector_value"] = sector_key
    if values.comment:
        item["comment"] = values.comment
    if values.consultant_note:
        item["consultant_note"] = values.consultant_note
    return item


def export_json(assessment: Assessment) -> dict[str, Any]:
    criteria, values, sector_keys = _stored(assessment)
    gates = {code: values[code].passed for code in criteria.gates if code in values}
    indicators = {
        code: _item_json(values[code], sector_keys.get(code)) for code in sorted(criteria.indicators) if code in values
    }
    return {
        "criteria_set": criteria.spec.code,
        "gates": gates,
        "indicators": indicators,
        "company": assessment.company.name,
        "year": assessment.year,
    }


def export_filename(assessment: Assessment, extension: str) -> str:
    return f"{file_part(assessment.company.name)}-{assessment.criteria_set.code}-{assessment.year}-r{assessment.revision}.{extension}"


def _input_codes(criteria: Mapping[str, Any]) -> list[str]:
    codes: list[str] = []
    for category in criteria["categories"]:
        for indicator in category["indicators"]:
            formula = FORMULAS.get(indicator.get("formula", ""))
            for item in formula.inputs if formula else ():
                if item.code not in codes:
                    codes.append(item.code)
    return codes


def _cell(value: Decimal | None) -> Decimal | str | None:
    """A number as a spreadsheet number when a float holds it exactly, else as its exact text."""
    if value is None:
        return None
    text = plain_number(value)
    return Decimal(text) if Decimal(repr(float(text))) == Decimal(text) else text


def _row(values: list[Any]) -> list[Any]:
    """Cell values a workbook can hold: characters XML forbids are dropped from text."""
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]


def _as_text(cell: Cell) -> None:
    """Text stays text: a value starting like a formula (=, +, -, @, tab, CR) is never one."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True


def export_xlsx(assessment: Assessment) -> bytes:
    """One row per gate and indicator: what it is, then one column per answer field or formula input."""
    criteria, values, sector_keys = _stored(assessment)
    data = criteria.data
    inputs = _input_codes(data)
    columns = (
        INFO_COLUMNS
        + ANSWER_COLUMNS[:1]
        + [f"input:{c}" for c in inputs]
        + [f"why:{c}" for c in inputs]  # the reason for a figure typed over the data sheet's
        + ANSWER_COLUMNS[1:]
    )
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D1E7DD")
    for line in _answer_lines(data, values, sector_keys):
        sheet.append(_row([(dict.fromkeys(columns) | line)[c] for c in columns]))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            _as_text(cell)
    _format_answer_sheet(sheet, columns)
    _meta_sheet(book, assessment, criteria.spec.code)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _answer_lines(
    data: Mapping[str, Any], values: Mapping[str, AnswerValues], sector_keys: Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """Column → cell of each gate and scored indicator, in the criteria's order."""
    for gate in data["gates"]:
        answer = values.get(gate["code"])
        yield {
            "code": gate["code"],
            "kind": "gate",
            "type": gate["kind"],
            "name": gate["text_zh"] or gate["text_en"],
            "required": True,
            "allows_na": False,
            "passed": answer.passed if answer else None,
        }
    parents = {i["parent"] for c in data["categories"] for i in c["indicators"] if i.get("parent")}
    for category in data["categories"]:
        for indicator in category["indicators"]:
            if indicator["code"] in parents:
                continue  # a heading: its children carry the answers
            code = indicator["code"]
            answer = values.get(code) or AnswerValues()
            line = {
                "code": code,
                "kind": "indicator",
                "category": category["code"],
                "name": indicator["name_zh"] or indicator["name_en"],
                "type": indicator["indicator_type"],
                "unit": indicator.get("unit", ""),
                "required": indicator.get("required", True),
                "allows_na": indicator.get("allows_na", False),
                "value": _cell(answer.value),
                "choice": answer.choice or None,
                "count": answer.count if not answer.options else None,
                "options": ",".join(str(i) for i in answer.options) or None,
                "passed": answer.passed,
                "na": True if answer.na else None,
                "na_reason": answer.na_reason or None,
                "leading": _cell(answer.leading),
                "benchmark": _cell(answer.benchmark),
                "values_source": answer.values_source or None,
                "sector_value": sector_keys.get(code),
                "comment": answer.comment or None,
                "consultant_note": answer.consultant_note or None,
            }
            yield (
                line
                | {f"input:{key}": _cell(Decimal(value)) for key, value in answer.inputs}
                | {f"why:{key}": reason for key, reason in answer.reasons}
            )


def _format_answer_sheet(sheet: Any, columns: list[str]) -> None:
    """Drop-down lists for choice, passed and na; frozen header; wide text columns."""
    choice = DataValidation(type="list", formula1='"met,partly,not_met"', allow_blank=True)
    boolean = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
    sheet.add_data_validation(choice)
    sheet.add_data_validation(boolean)
    last = sheet.max_row
    for name, validation in (("choice", choice), ("passed", boolean), ("na", boolean)):
        letter = get_column_letter(columns.index(name) + 1)
        validation.add(f"{letter}2:{letter}{max(last, 2)}")
    sheet.freeze_panes = "B2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if name in ("name", "comment", "na_reason") else 14


def _meta_sheet(book: Workbook, assessment: Assessment, criteria_code: str) -> None:
    meta = book.create_sheet(META_SHEET)
    for key, value in (
        ("criteria_set", criteria_code),
        ("company", assessment.company.name),
        ("year", assessment.year),
        ("revision", assessment.revision),
        ("format", "greenmfg answers 1"),
        (
            "help",
            "Fill the answer columns (from 'value' on); leave a row empty to keep the current answer. "
            "choice: met / partly / not_met; passed, na: TRUE / FALSE; options: the ticked option numbers, "
            "e.g. 0,3,7; N/A needs na_reason; leading and benchmark go together with values_source.",
        ),
        (
            "说明",
            "从 value 列起填写答案；整行留空则保留现有答案。choice：met / partly / not_met；"
            "passed、na：TRUE / FALSE；options：所勾选项的编号，如 0,3,7；不适用须填写 na_reason；"
            "leading 与 benchmark 须同时填写并注明 values_source。",
        ),
    ):
        meta.append(_row([key, value]))
    for row in meta.iter_rows():
        for cell in row:
            _as_text(cell)
    meta.column_dimensions["A"].width = 16
    meta.column_dimensions["B"].width = 100


# --- Import: reading ------------------------------------------------------------------------


def read_upload(content: bytes, filename: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """The uploaded bytes as an answers document; returns (document, code → where for messages).

    The type is decided by content: a ZIP container is XLSX, anything else must be JSON.
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed(
            [RowError(_("file"), _("the file is larger than %(mb)d MB") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})]
        )
    if content.startswith(b"PK\x03\x04"):
        return read_xlsx(content)
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(
            [RowError(_("file"), _("neither an XLSX workbook nor valid JSON (%(error)s)") % {"error": exc})]
        ) from None
    except RecursionError:
        raise ImportFailed(
            [RowError(_("file"), _("the JSON is nested deeper than %(levels)d levels") % {"levels": MAX_JSON_DEPTH})]
        ) from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise ImportFailed(
            [RowError(_("file"), _("the JSON is nested deeper than %(levels)d levels") % {"levels": MAX_JSON_DEPTH})]
        )
    return document, {}


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(child, level + 1) for child in children), default=level)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same float
    return _text(value)


def _boolean(value: Any, column: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = _text(value).lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        _("%(column)s: expected TRUE or FALSE, got %(value)r") % {"column": column, "value": _text(value)[:40]}
    )


def _count(value: Any) -> int | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value.strip()):
        return int(value.strip())
    raise ValueError(_("count: expected a whole number ≥ 0, got %(value)r") % {"value": _text(value)[:40]})


def _options(value: Any) -> list[int] | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return [int(value)]
    parts = [p for p in re.split(r"[,;\s，；]+", _text(value)) if p]
    if len(parts) > 100 or not all(re.fullmatch(r"[0-9]{1,3}", p) for p in parts):
        raise ValueError(
            _("options: expected option numbers such as 0,3,7, got %(value)r") % {"value": _text(value)[:40]}
        )
    return [int(p) for p in parts]


def _check_container(content: bytes) -> None:
    """Refuse a workbook whose unpacked size or member count is out of proportion, before parsing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFailed([RowError(_("file"), _("the workbook cannot be read (not a valid XLSX file)"))]) from None
    if len(members) > MAX_XLSX_MEMBERS or sum(m.file_size for m in members) > MAX_XLSX_UNCOMPRESSED:
        raise ImportFailed(
            [
                RowError(
                    _("file"),
                    _("the workbook unpacks to more than %(mb)d MB") % {"mb": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)},
                )
            ]
        )


def read_xlsx(content: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    _check_container(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFailed(
            [RowError(_("file"), _("the workbook cannot be read (%(error)s)") % {"error": exc.__class__.__name__})]
        ) from None
    try:
        return _read_book(book)
    except ImportFailed:
        raise
    except Exception as exc:  # a damaged sheet can fail while streaming its rows
        raise ImportFailed(
            [RowError(_("file"), _("the workbook cannot be read (%(error)s)") % {"error": exc.__class__.__name__})]
        ) from None
    finally:
        book.close()


def _read_book(book: Any) -> tuple[dict[str, Any], dict[str, str]]:
    if SHEET not in book.sheetnames:
        raise ImportFailed([RowError(_("file"), _("the workbook has no sheet named %(sheet)r") % {"sheet": SHEET})])
    meta = {}
    if META_SHEET in book.sheetnames:
        rows = book[META_SHEET].iter_rows(max_row=50, max_col=2, values_only=True)
        meta = {_text(r[0]): r[1] for r in rows if r and r[0]}
    lines = book[SHEET].iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    header = [_text(h) for h in next(lines, ())]
    if "code" not in header:
        raise ImportFailed([RowError(_("row %(number)d") % {"number": 1}, _("the header row has no 'code' column"))])
    document: dict[str, Any] = {"criteria_set": _text(meta.get("criteria_set")) or None, "gates": {}, "indicators": {}}
    where: dict[str, str] = {}
    errors: list[RowError] = []
    for number, values in enumerate(lines, start=2):
        if number > MAX_ROWS:
            raise ImportFailed(
                [
                    RowError(
                        _("file"),
                        _("the sheet %(sheet)r has more than %(rows)d rows") % {"sheet": SHEET, "rows": MAX_ROWS},
                    )
                ]
            )
        row = {h: v for h, v in zip(header, values, strict=False) if h}
        code = _text(row.get("code"))[:40]
        if not code:
            continue
        place = _("row %(number)d (%(code)s)") % {"number": number, "code": code}
        if code in where:
            errors.append(
                RowError(place, _("code %(code)s also appears in %(where)s") % {"code": code, "where": where[code]})
            )
            continue
        where[code] = place
        try:
            item = _row_item(row)
        except ValueError as exc:
            errors.append(RowError(place, str(exc)))
            continue
        if not item:
            continue  # an empty row keeps the current answer
        if _text(row.get("kind")) == "gate":
            document["gates"][code] = item.get("passed")
            extra = sorted(set(item) - {"passed"})
            if extra:
                errors.append(RowError(place, _("%(key)s: a gate takes only 'passed'") % {"key": extra[0]}))
        else:
            document["indicators"][code] = item
    if errors:
        raise ImportFailed(errors)
    return document, where


def _row_item(row: Mapping[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key in ("value", "leading", "benchmark"):
        number = _number(row.get(key))
        if number is not None:
            item[key] = number
    inputs = {h.removeprefix("input:"): _number(v) for h, v in row.items() if h.startswith("input:")}
    inputs = {k: v for k, v in inputs.items() if v is not None}
    if inputs:
        item["inputs"] = inputs
    reasons = {h.removeprefix("why:"): str(v).strip() for h, v in row.items() if h.startswith("why:") and _text(v)}
    if reasons:
        item["input_reasons"] = reasons
    for key in ("choice", "na_reason", "values_source", "sector_value", *NOTE_KEYS):
        if _text(row.get(key)):
            item[key] = str(row.get(key)).strip()
    count = _count(row.get("count"))
    if count is not None:
        item["count"] = count
    options = _options(row.get("options"))
    if options is not None:
        item["options"] = options
    for key in ("passed", "na"):
        flag = _boolean(row.get(key), key)
        if flag is not None:
            item[key] = flag
    if item.get("na") is False:
        del item["na"]
    return item


# --- Import: validating (through the page's validator) and saving -------------------------------


TEXT_KEYS = ("choice", "na_reason", "values_source", "comment", "consultant_note")


def _keys_for(spec: IndicatorSpec) -> set[str]:
    """The JSON keys an indicator of this kind reads; any other key is a mistake in the file."""
    keys = {"comment", "consultant_note"} | ({"na", "na_reason"} if spec.allows_na else set())
    kind = spec.indicator_type
    if kind in QUALITATIVE:
        return keys | {"choice"}
    if kind == IndicatorType.PASS_FAIL:
        return keys | {"passed"}
    if kind == IndicatorType.COUNT:
        return keys | {"count", "options"}
    keys |= {"inputs", "input_reasons"} if FORMULAS.get(spec.formula) else {"value"}
    if kind in QUANTITATIVE:
        keys |= {"leading", "benchmark", "values_source", "sector_value"}
    return keys


def _number_field(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("%(key)s: expected a number, got %(value)s") % {"key": key, "value": json.dumps(value)[:40]})
    return repr(value) if isinstance(value, float) else str(value)


def _fields_from_item(item: Mapping[str, Any], spec: IndicatorSpec, sector_id: int | None) -> dict[str, Any]:
    """One JSON answer as the page's form fields; raises ValueError naming the key it cannot take."""
    unknown = sorted(set(item) - _keys_for(spec))
    if unknown:
        raise ValueError(
            _("%(key)s: not used by this indicator (%(type)s)")
            % {"key": str(unknown[0])[:40], "type": spec.indicator_type}
        )
    raw: dict[str, Any] = {}
    for key in TEXT_KEYS:
        if item.get(key) is not None:
            if not isinstance(item[key], str):
                raise ValueError(_("%(key)s: expected text") % {"key": key})
            raw[key] = item[key]
    for key in ("value", "leading", "benchmark"):
        if item.get(key) is not None:
            raw[key] = _number_field(item[key], key)
    if "inputs" in item:
        inputs = item["inputs"]
        if not isinstance(inputs, dict):
            raise ValueError(_("inputs: expected an object"))
        allowed = set(accepted_inputs(spec.formula))  # with G of Annex B's per-output form
        for key, value in inputs.items():
            if key not in allowed:
                raise ValueError(_("inputs.%(key)s: not an input of this indicator's formula") % {"key": str(key)[:20]})
            if value is not None:
                raw[f"in-{key}"] = _number_field(value, f"inputs.{key}")
    raw |= _reason_fields(item.get("input_reasons"), spec)
    if item.get("passed") is not None:
        if not isinstance(item["passed"], bool):
            raise ValueError(_("passed: expected true or false"))
        raw["passed"] = "yes" if item["passed"] else "no"
    if item.get("na") is not None:
        if not isinstance(item["na"], bool):
            raise ValueError(_("na: expected true or false"))
        raw["na"] = "on" if item["na"] else ""
    if spec.indicator_type == IndicatorType.COUNT:
        raw |= _count_fields(item, spec)
    if sector_id is not None:
        raw["sector_value"] = str(sector_id)
    return raw


def _reason_fields(reasons: Any, spec: IndicatorSpec) -> dict[str, str]:
    """input_reasons (input code → why it replaces the data sheet's figure) as the page's why-fields."""
    if reasons is None:
        return {}
    if not isinstance(reasons, dict) or not all(isinstance(v, str) for v in reasons.values()):
        raise ValueError(_("input_reasons: expected an object of input code → text"))
    allowed = set(accepted_inputs(spec.formula))
    unknown = sorted(str(k)[:20] for k in reasons if k not in allowed)
    if unknown:
        raise ValueError(_("input_reasons.%(key)s: not an input of this indicator's formula") % {"key": unknown[0]})
    return {f"why-{key}": text for key, text in reasons.items()}


def _count_fields(item: Mapping[str, Any], spec: IndicatorSpec) -> dict[str, Any]:
    count, options = item.get("count"), item.get("options")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise ValueError(_("count: expected a whole number ≥ 0, got %(value)r") % {"value": json.dumps(count)[:40]})
    listed = spec.listed_options
    if not listed:
        if options is not None:
            raise ValueError(_("options: this indicator has no options to tick"))
        return {"count": "" if count is None else str(count)}
    if options is None:
        if count in (None, 0):
            return {"options": ["none"] if count == 0 else []}
        raise ValueError(
            _("options: list the ticked options (0–%(last)d), not only a count") % {"last": len(listed) - 1}
        )
    if not isinstance(options, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in options):
        raise ValueError(_("options: expected a list of option numbers 0–%(last)d") % {"last": len(listed) - 1})
    if count is not None and count != len(set(options)):
        raise ValueError(
            _("count: %(count)d does not match the %(ticked)d ticked options")
            % {"count": count, "ticked": len(set(options))}
        )
    return {"options": [str(i) for i in options] or ["none"]}


def _parse_item(
    target: GateSpec | IndicatorSpec, item: Any, sector_id: int | None, may_note: bool, sheet: Mapping[str, Any]
) -> AnswerValues:
    if isinstance(target, GateSpec):
        if item is not None and not isinstance(item, bool):
            raise ValueError(_("expected true, false or null, got %(value)s") % {"value": json.dumps(item)[:40]})
        raw = {"passed": {True: "yes", False: "no", None: ""}[item]}
    else:
        if not isinstance(item, dict):
            raise ValueError(_("expected an object"))
        raw = _fields_from_item(item, target, sector_id)
    parsed = parse_answer(
        target,
        raw,
        sector_value_ids={sector_id} if sector_id else (),
        can_note=may_note,
        sheet=sheet_for_indicator(sheet, target.code),
    )
    problems = parsed.all_messages()
    if problems:
        name, messages = next(iter(problems.items()))
        key = (
            f"inputs.{name.removeprefix('in-')}"
            if name.startswith("in-")
            else f"input_reasons.{name.removeprefix('why-')}"
            if name.startswith("why-")
            else name
        )
        raise ValueError(f"{key}: {' '.join(messages)}")
    assert parsed.values is not None
    return parsed.values


def validate(
    document: Any,
    criteria: Any,
    places: Mapping[str, str] | None = None,
    *,
    may_note: bool = False,
    sheet: Mapping[str, Any] | None = None,
) -> tuple[dict[str, AnswerValues], list[RowError]]:
    """Every gate and indicator checked on its own by the page's validator; returns (values, errors).
    `sheet`: the company-year data sheet's figures by input code (a figure typed over one needs its reason)."""
    places = places or {}
    sheet = sheet or {}
    if not isinstance(document, dict):
        return {}, [RowError(_("file"), _("the file must contain a JSON object"))]
    spec = criteria.spec
    errors: list[RowError] = []
    if document.get("criteria_set") not in (None, spec.code):
        errors.append(
            RowError(
                "criteria_set",
                _("the file is for %(file)r, this assessment uses %(criteria)r")
                % {"file": str(document.get("criteria_set"))[:60], "criteria": spec.code},
            )
        )
    for key in sorted(set(document) - DOCUMENT_KEYS, key=str)[:20]:
        errors.append(RowError(str(key)[:40], _("unknown key")))
    gates, indicators = document.get("gates", {}), document.get("indicators", {})
    if not isinstance(gates, dict):
        errors.append(RowError("gates", _("expected an object of gate code → true/false")))
        gates = {}
    if not isinstance(indicators, dict):
        errors.append(RowError("indicators", _("expected an object of indicator code → answer")))
        indicators = {}
    sectors = sector_lookup_for(
        item["sector_value"]
        for item in indicators.values()
        if isinstance(item, dict) and isinstance(item.get("sector_value"), str)
    )
    listed = set(gates) | set(indicators)
    for code, place in places.items():
        # Empty XLSX rows are skipped, but a code the criteria do not know is still a mistake.
        if code not in criteria.gates and code not in criteria.indicators and code not in listed:
            errors.append(RowError(place, _("no such gate or indicator in %(criteria)s") % {"criteria": spec.code}))
    values: dict[str, AnswerValues] = {}
    for group, items, targets in (("gates", gates, criteria.gates), ("indicators", indicators, criteria.indicators)):
        for code, item in list(items.items())[:MAX_ROWS]:
            place = places.get(code, f"{group}.{str(code)[:40]}")
            target = targets.get(code)
            if target is None:
                errors.append(RowError(place, _("no such gate or indicator in %(criteria)s") % {"criteria": spec.code}))
                continue
            try:
                sector_id = _sector_id(item, code, sectors, criteria.spec)
                values[code] = _parse_item(target, item, sector_id, may_note, sheet)
            except ValueError as exc:
                errors.append(RowError(place, str(exc)))
    return values, errors


def _sector_id(item: Any, code: str, sectors: Mapping[str, Any], spec: Any) -> int | None:
    key = item.get("sector_value") if isinstance(item, dict) else None
    if key is None:
        return None
    if not isinstance(key, str):
        raise ValueError(_("sector_value: expected the key of a sector value"))
    value = sectors.get(key)
    if value is None:
        raise ValueError(_("sector_value: unknown sector value %(key)r") % {"key": key[:60]})
    if value.indicator_code != code:
        raise ValueError(
            _("sector_value: %(key)r is for indicator %(other)s, not %(code)s")
            % {"key": key, "other": value.indicator_code, "code": code}
        )
    return int(value.pk)


IMPORTED_FIELDS = [*WRITTEN_FIELDS, "updated_by", "version", "updated_at", "seq"]


def _write_rows(assessment: Assessment, values: Mapping[str, AnswerValues], user: User) -> None:
    """Update the answers that exist, create the others (two queries beside the read)."""
    existing = {row.code: row for row in Answer.objects.filter(assessment=assessment, code__in=values)}
    changed, created = [], []
    for code, answer_values in values.items():
        row = existing.get(code) or Answer(assessment=assessment, code=code)
        write_answer(row, answer_values)
        row.updated_by = user
        row.updated_at = timezone.now()  # bulk_update skips auto_now
        row.seq = 0  # written by no page: open pages see their version is stale
        if row.pk:
            row.version = F("version") + 1
            changed.append(row)
        else:
            row.version = 1
            created.append(row)
    Answer.objects.bulk_update(changed, IMPORTED_FIELDS)
    Answer.objects.bulk_create(created)


def import_answers(assessment_id: int, content: bytes, *, user: User, may_note: bool, filename: str = "") -> int:
    """Validate the file against the assessment's criteria, then save all of it or none.

    Returns the number of answers written; raises ImportFailed with every error found.
    """
    document, places = read_upload(content, filename)
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",)).select_related("criteria_set").get(pk=assessment_id)
        )
        if assessment.status != Assessment.Status.DRAFT:
            raise ImportFailed([RowError(_("assessment"), _("only a draft assessment can import answers"))])
        sheet = sheet_values(sheet_for(assessment))
        values, errors = validate(
            document, criteria_for(assessment.criteria_set), places, may_note=may_note, sheet=sheet
        )
        if errors:
            raise ImportFailed(errors)
        _write_rows(assessment, values, user)
        audit(
            assessment,
            "answers.imported",
            user,
            {"count": len(values)},
            codes=sorted(values),
            file=filename[:100],
        )
    return len(values)
