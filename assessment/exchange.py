"""Export answers as the JSON import format or as an XLSX workbook; import either into a draft.

Import is all-or-nothing: every gate and indicator is validated on its own so that all errors
can be listed at once (by key for JSON, by row for XLSX), and nothing is saved while any remain.
Filled rows / keys replace the whole answer for that code; codes the file leaves out, and empty
XLSX rows, keep their current answer (so several departments can each fill their own rows).
"""

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.answers import criteria_for, load_questionnaire
from assessment.formulas import FORMULAS
from assessment.models import Answer, Assessment
from assessment.scoring import AnswerData, CriteriaSpec
from assessment.specs import AnswersError, answers_to_json, parse_answers, sector_ref
from assessment.submission import audit, known_codes, sector_lookup_for

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SHEET = "answers"
META_SHEET = "meta"
NOTE_KEYS = ("comment", "consultant_note")
# Read-only description columns, then the answer columns the import reads.
INFO_COLUMNS = ["code", "kind", "category", "name", "type", "unit", "required", "allows_na"]
ANSWER_COLUMNS = ["value", "choice", "count", "passed", "na", "na_reason", "leading", "benchmark", "values_source", "sector_value", "comment", "consultant_note"]
TRUE_WORDS = {"true", "yes", "y", "1", "是", "x", "✓"}
FALSE_WORDS = {"false", "no", "n", "0", "否"}


class ImportFailed(Exception):
    def __init__(self, errors: list["RowError"]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    where: str  # "row 7 (F01)" or "indicators.F01"
    message: str


# --- Export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """An assessment's criteria and answers as the exchange formats need them."""

    criteria: dict[str, Any]
    spec: CriteriaSpec
    answers: dict[str, AnswerData]
    notes: dict[str, dict[str, str]]


def _rows(assessment: Assessment) -> Rows:
    questionnaire = load_questionnaire(assessment)
    criteria = questionnaire.criteria
    answers: dict[str, AnswerData] = {}
    notes: dict[str, dict[str, str]] = {}
    for code, row in questionnaire.rows.items():
        if code in criteria.gates or code in criteria.indicators:
            answers[code] = questionnaire.answers[code]
        if code in criteria.indicators and (row.comment or row.consultant_note):
            notes[code] = {"comment": row.comment, "consultant_note": row.consultant_note}
    return Rows(criteria.data, criteria.spec, answers, notes)


def export_json(assessment: Assessment) -> dict[str, Any]:
    rows = _rows(assessment)
    gates, _ = known_codes(rows.spec)
    document = answers_to_json(rows.spec.code, rows.answers, gate_codes=gates, notes=rows.notes)
    return document | {"company": assessment.company.name, "year": assessment.year}


def export_filename(assessment: Assessment, extension: str) -> str:
    return f"greenmfg-{assessment.criteria_set.code}-{assessment.year}-r{assessment.revision}.{extension}"


def _input_codes(criteria: Mapping[str, Any]) -> list[str]:
    codes: list[str] = []
    for category in criteria["categories"]:
        for indicator in category["indicators"]:
            formula = FORMULAS.get(indicator.get("formula", ""))
            for item in formula.inputs if formula else ():
                if item.code not in codes:
                    codes.append(item.code)
    return codes


def _cell(value: Decimal | None) -> Decimal | None:
    # Whole numbers as such, so "1200.000000" shows as 1200 in the spreadsheet.
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def export_xlsx(assessment: Assessment) -> bytes:
    """One row per gate and indicator: what it is, then one column per answer field or formula input."""
    rows = _rows(assessment)
    inputs = _input_codes(rows.criteria)
    columns = INFO_COLUMNS + ANSWER_COLUMNS[:1] + [f"input:{c}" for c in inputs] + ANSWER_COLUMNS[1:]
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D1E7DD")
    parents = {i["parent"] for c in rows.criteria["categories"] for i in c["indicators"] if i.get("parent")}

    for gate in rows.criteria["gates"]:
        answer = rows.answers.get(gate["code"])
        line = dict.fromkeys(columns)
        line |= {"code": gate["code"], "kind": "gate", "type": gate["kind"], "name": gate["text_zh"] or gate["text_en"],
                 "required": True, "allows_na": False, "passed": answer.passed if answer else None}
        sheet.append([line[c] for c in columns])
    for category in rows.criteria["categories"]:
        for indicator in category["indicators"]:
            if indicator["code"] in parents:
                continue  # a heading: its children carry the answers
            code = indicator["code"]
            answer = rows.answers.get(code) or AnswerData()
            note = rows.notes.get(code, {})
            line = dict.fromkeys(columns)
            line |= {
                "code": code, "kind": "indicator", "category": category["code"],
                "name": indicator["name_zh"] or indicator["name_en"], "type": indicator["indicator_type"],
                "unit": indicator.get("unit", ""), "required": indicator.get("required", True),
                "allows_na": indicator.get("allows_na", False),
                "value": _cell(answer.value) if not answer.inputs else None,
                "choice": answer.choice or None, "count": answer.count, "passed": answer.passed,
                "na": True if answer.na else None, "na_reason": answer.na_reason or None,
                "leading": _cell(answer.leading), "benchmark": _cell(answer.benchmark),
                "values_source": answer.values_source or None,
                "sector_value": answer.sector.key if answer.sector else None,
                "comment": note.get("comment") or None, "consultant_note": note.get("consultant_note") or None,
            }
            for key, value in answer.inputs.items():
                line[f"input:{key}"] = _cell(value)
            sheet.append([line[c] for c in columns])

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

    meta = book.create_sheet(META_SHEET)
    for key, value in (
        ("criteria_set", rows.spec.code), ("company", assessment.company.name), ("year", assessment.year),
        ("revision", assessment.revision), ("format", "greenmfg answers 1"),
        ("help", "Fill the answer columns (from 'value' on); leave a row empty to keep the current answer. "
                 "choice: met / partly / not_met; passed, na: TRUE / FALSE; N/A needs na_reason; "
                 "leading and benchmark go together with values_source."),
        ("说明", "从 value 列起填写答案；整行留空则保留现有答案。choice：met / partly / not_met；"
                 "passed、na：TRUE / FALSE；不适用须填写 na_reason；leading 与 benchmark 须同时填写并注明 values_source。"),
    ):
        meta.append([key, value])
    meta.column_dimensions["A"].width = 16
    meta.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Import: reading ------------------------------------------------------------------------


def read_upload(content: bytes, filename: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """The uploaded bytes as an answers document; returns (document, code → where for messages).

    The type is decided by content: a ZIP container is XLSX, anything else must be JSON.
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed([RowError("file", f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")])
    if content.startswith(b"PK\x03\x04"):
        return read_xlsx(content)
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([RowError("file", f"neither an XLSX workbook nor valid JSON ({exc})")]) from None
    return document, {}


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
    raise ValueError(f"{column}: expected TRUE or FALSE, got {value!r}")


def _count(value: Any) -> int | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        return int(value.strip())
    raise ValueError(f"count: expected a whole number ≥ 0, got {value!r}")


def read_xlsx(content: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFailed([RowError("file", f"the workbook cannot be read ({exc.__class__.__name__})")]) from None
    if SHEET not in book.sheetnames:
        raise ImportFailed([RowError("file", f"the workbook has no sheet named {SHEET!r}")])
    meta = {}
    if META_SHEET in book.sheetnames:
        meta = {_text(r[0]): r[1] for r in book[META_SHEET].iter_rows(values_only=True) if r and r[0]}
    lines = book[SHEET].iter_rows(values_only=True)
    header = [_text(h) for h in next(lines, ())]
    if "code" not in header:
        raise ImportFailed([RowError("row 1", "the header row has no 'code' column")])
    document: dict[str, Any] = {"criteria_set": _text(meta.get("criteria_set")) or None, "gates": {}, "indicators": {}}
    where: dict[str, str] = {}
    errors: list[RowError] = []
    for number, values in enumerate(lines, start=2):
        row = {h: v for h, v in zip(header, values, strict=False) if h}
        code = _text(row.get("code"))
        if not code:
            continue
        place = f"row {number} ({code})"
        if code in where:
            errors.append(RowError(place, f"code {code} also appears in {where[code]}"))
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
                errors.append(RowError(place, f"{extra[0]}: a gate takes only 'passed'"))
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
    for key in ("choice", "na_reason", "values_source", "sector_value", *NOTE_KEYS):
        if _text(row.get(key)):
            item[key] = _text(row.get(key))
    count = _count(row.get("count"))
    if count is not None:
        item["count"] = count
    for key in ("passed", "na"):
        flag = _boolean(row.get(key), key)
        if flag is not None:
            item[key] = flag
    if item.get("na") is False:
        del item["na"]
    return item


# --- Import: validating and saving -------------------------------------------------------------


def _where(code: str, places: Mapping[str, str], default: str) -> str:
    return places.get(code, default)


def _message(exc: AnswersError, code: str) -> str:
    # "indicators.F01.inputs.E: ..." → "inputs.E: ..." when the row already names F01.
    return re.sub(rf"^(indicators|gates)\.{re.escape(code)}\.?", "", str(exc)).lstrip(": ") or str(exc)


def validate(document: Any, spec: CriteriaSpec, places: Mapping[str, str] | None = None) -> tuple[dict[str, AnswerData], dict[str, dict[str, str]], list[RowError]]:
    """Every gate and indicator checked on its own; returns (answers, notes, errors)."""
    places = places or {}
    if not isinstance(document, dict):
        return {}, {}, [RowError("file", "the file must contain a JSON object")]
    errors: list[RowError] = []
    if document.get("criteria_set") not in (None, spec.code):
        errors.append(RowError("criteria_set", f"the file is for {document.get('criteria_set')!r}, this assessment uses {spec.code!r}"))
    for key in sorted(set(document) - {"criteria_set", "gates", "indicators", "company", "year", "note"}):
        errors.append(RowError(key, "unknown key"))
    gates, indicators = document.get("gates", {}), document.get("indicators", {})
    if not isinstance(gates, dict):
        errors.append(RowError("gates", "expected an object of gate code → true/false"))
        gates = {}
    if not isinstance(indicators, dict):
        errors.append(RowError("indicators", "expected an object of indicator code → answer"))
        indicators = {}
    sectors = sector_lookup_for(
        item["sector_value"] for item in indicators.values() if isinstance(item, dict) and isinstance(item.get("sector_value"), str)
    )
    answers: dict[str, AnswerData] = {}
    notes: dict[str, dict[str, str]] = {}
    known = {g.code for g in spec.gates} | {i.code for i in spec.indicators()}
    listed = set(gates) | set(indicators)
    for code, place in places.items():
        # Empty XLSX rows are skipped, but a code the criteria do not know is still a mistake.
        if code not in known and code not in listed:
            errors.append(RowError(place, f"no such gate or indicator in {spec.code}"))
    for group, items in (("gates", gates), ("indicators", indicators)):
        for code, item in items.items():
            place = _where(code, places, f"{group}.{code}")
            single = {"criteria_set": spec.code, group: {code: item}}
            try:
                parsed = parse_answers(single, spec, sector_lookup=lambda key: sector_ref(sectors[key]) if key in sectors else None)
            except AnswersError as exc:
                errors.append(RowError(place, _message(exc, code) if code in places else str(exc)))
                continue
            answer = parsed[code]
            if group == "indicators" and isinstance(item.get("sector_value"), dict | str):
                key = item["sector_value"]["key"] if isinstance(item["sector_value"], dict) else item["sector_value"]
                value = sectors.get(key) or sector_lookup_for([key]).get(key)
                if value is None:
                    errors.append(RowError(place, f"sector_value: unknown sector value {key!r}"))
                    continue
                if value.indicator_code != code:
                    errors.append(RowError(place, f"sector_value: {key!r} is for indicator {value.indicator_code}, not {code}"))
                    continue
            answers[code] = answer
            if group == "indicators":
                notes[code] = {k: str(item.get(k) or "").strip() for k in NOTE_KEYS}
    return answers, notes, errors


def import_answers(assessment_id: int, content: bytes, *, user: AbstractBaseUser, may_note: bool, filename: str = "") -> int:
    """Validate the file against the assessment's criteria, then save all of it or none.

    Returns the number of answers written; raises ImportFailed with every error found.
    """
    document, places = read_upload(content, filename)
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update(of=("self",)).select_related("criteria_set").get(pk=assessment_id)
        if assessment.status != Assessment.Status.DRAFT:
            raise ImportFailed([RowError("assessment", "only a draft assessment can import answers")])
        spec = criteria_for(assessment.criteria_set).spec
        answers, notes, errors = validate(document, spec, places)
        if errors:
            raise ImportFailed(errors)
        sector_ids = {sv.key: sv.pk for sv in sector_lookup_for(a.sector.key for a in answers.values() if a.sector).values()}
        existing = {row.code: row for row in Answer.objects.filter(assessment=assessment, code__in=answers)}
        changed, created = [], []
        for code, answer in answers.items():
            row = existing.get(code) or Answer(assessment=assessment, code=code)
            _fill(row, answer, notes.get(code, {}), sector_ids, may_note=may_note)
            row.updated_by = user
            if row.pk:
                row.version = F("version") + 1  # open pages see their version is stale
                changed.append(row)
            else:
                row.version = 1
                created.append(row)
        fields = ["value", "inputs", "choice", "count", "passed", "na", "na_reason", "sector_value", "leading",
                  "benchmark", "values_source", "comment", "consultant_note", "updated_by", "version", "updated_at"]
        Answer.objects.bulk_update(changed, fields)
        Answer.objects.bulk_create(created)
        audit(assessment, "answers.imported", user, f"Imported {len(answers)} answer(s)",
              codes=sorted(answers), file=filename[:100])
    return len(answers)


def _fill(row: Answer, answer: AnswerData, note: Mapping[str, str], sector_ids: Mapping[str, int], *, may_note: bool) -> None:
    row.value = answer.value
    row.inputs = {k: str(v) for k, v in answer.inputs.items()}
    row.choice = answer.choice
    row.count = answer.count
    row.passed = answer.passed
    row.na = answer.na
    row.na_reason = answer.na_reason
    row.sector_value_id = sector_ids.get(answer.sector.key) if answer.sector else None
    row.leading = answer.leading
    row.benchmark = answer.benchmark
    row.values_source = answer.values_source
    row.comment = note.get("comment", "")
    if may_note:
        row.consultant_note = note.get("consultant_note", "")
    row.updated_at = timezone.now()  # bulk_update skips auto_now
