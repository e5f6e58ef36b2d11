"""Find stored answers the questionnaire would refuse, and repair them with --fix.

Rows like these were stored by imports before every file went through the page's validator: a
value of 1e30, a count of 40000, a million-character comment, formula inputs that are not numbers.
Each row is read back as the page would show it and checked by the page's own validator
(`answers.parse_answer`); a field it refuses is cleared (text too long is cut to its limit), the
row is saved through the one writer with a new version, and an audit event records what changed.

    manage.py repair_answers            list the rows and what is wrong with them
    manage.py repair_answers --fix      repair them
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management import BaseCommand, CommandParser
from django.db import transaction

from assessment.answers import (
    COMMENT_MAX,
    NA_REASON_MAX,
    NOTE_MAX,
    SOURCE_MAX,
    criteria_for,
    parse_answer,
    write_answer,
)
from assessment.models import Answer, Assessment
from assessment.submission import audit

TEXT_LIMITS = {
    "comment": COMMENT_MAX,
    "consultant_note": NOTE_MAX,
    "na_reason": NA_REASON_MAX,
    "values_source": SOURCE_MAX,
}


def _number_text(value: Any) -> str:
    if value is None:
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)[:100]
    return format(number, "f") if number.is_finite() else str(value)


def raw_fields(row: Answer) -> dict[str, Any]:
    """The row as the page's fields, read without trusting anything in it."""
    stored = row.inputs if isinstance(row.inputs, dict) else {}
    options = stored.get("options", [])
    raw: dict[str, Any] = {
        "value": _number_text(row.value),
        "choice": row.choice,
        "count": "" if row.count is None else str(row.count),
        "options": [str(i) for i in options] if isinstance(options, list) else ["invalid"],
        "passed": {True: "yes", False: "no", None: ""}[row.passed],
        "na": "on" if row.na else "",
        "na_reason": row.na_reason,
        "sector_value": "" if row.sector_value_id is None else str(row.sector_value_id),
        "leading": _number_text(row.leading),
        "benchmark": _number_text(row.benchmark),
        "values_source": row.values_source,
        "comment": row.comment,
        "consultant_note": row.consultant_note,
    }
    if not raw["options"] and row.count == 0:
        raw["options"] = ["none"]
    for key, value in stored.items():
        if key == "why" and isinstance(value, dict):
            raw |= {f"why-{k}": str(v) for k, v in value.items()}
        elif key != "options":
            raw[f"in-{key}"] = _number_text(value)
    return raw


def repaired(raw: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    fixed = dict(raw)
    for name in errors:
        if name in TEXT_LIMITS:
            fixed[name] = str(raw.get(name, ""))[: TEXT_LIMITS[name]]
        elif name == "options":
            fixed["options"], fixed["count"] = [], ""
        else:
            fixed[name] = ""
    return fixed


class Command(BaseCommand):
    help = "List stored answers the questionnaire would refuse; --fix repairs them (fields cleared or cut)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="repair the rows (default: only list them)")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        found = 0
        assessments = Assessment.objects.select_related("criteria_set").order_by("pk")
        for assessment in assessments.iterator():
            criteria = criteria_for(assessment.criteria_set)
            for row in Answer.objects.filter(assessment=assessment).order_by("code"):
                target = criteria.gates.get(row.code) or criteria.indicators.get(row.code)
                if target is None:
                    continue  # a code of another criteria version: kept, the page ignores it
                raw = raw_fields(row)
                sector_ids = {row.sector_value_id} if row.sector_value_id else set()
                parsed = parse_answer(target, raw, sector_value_ids=sector_ids, can_note=True)
                if parsed.values is not None:
                    continue
                found += 1
                problems = "; ".join(f"{name}: {' '.join(m)}" for name, m in parsed.errors.items())
                self.stdout.write(f"assessment {assessment.pk} {row.code}: {problems}")
                if fix:
                    self._repair(assessment, row, target, raw, parsed.errors, sector_ids)
        verb = "repaired" if fix else "found (run with --fix to repair them)"
        self.stdout.write(f"{found} answer(s) the questionnaire would refuse {verb}.")

    def _repair(
        self,
        assessment: Assessment,
        row: Answer,
        target: Any,
        raw: dict[str, Any],
        errors: dict[str, list[str]],
        sector_ids: set[int],
    ) -> None:
        fixed = parse_answer(target, repaired(raw, errors), sector_value_ids=sector_ids, can_note=True)
        if fixed.values is None:  # what is left does not add up (e.g. a rate from two inputs): clear the figures
            figures: dict[str, list[str]] = {name: [] for name in fixed.errors}
            fixed = parse_answer(
                target, repaired(repaired(raw, errors), figures), sector_value_ids=sector_ids, can_note=True
            )
        assert fixed.values is not None, fixed.errors
        with transaction.atomic():
            write_answer(row, fixed.values)
            row.version += 1
            row.seq = 0
            row.save()
            audit(
                assessment,
                "answers.repaired",
                None,
                {"code": row.code},
                code=row.code,
                fields=sorted(errors),
            )
