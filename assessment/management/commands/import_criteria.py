import json
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from assessment.criteria_io import CriteriaImportError, import_criteria
from assessment.models import AuditEvent, event_summary


class Command(BaseCommand):
    help = "Import a criteria set exported by export_criteria. It is created as a draft; publish it in the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--replace-draft", action="store_true", help="replace an existing draft with the same code")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        try:
            criteria_set = import_criteria(document, replace_draft=options["replace_draft"])
        except CriteriaImportError as exc:
            raise CommandError(f"{path}: {exc}") from None
        params = {"code": criteria_set.code, "file": Path(path).name}
        AuditEvent.objects.create(
            action="criteria.imported",
            object_type="assessment.criteriaset",
            object_id=str(criteria_set.pk),
            summary=event_summary("criteria.imported", params),
            details={"params": params},
        )
        self.stdout.write(f"imported {criteria_set.code} as a draft")
