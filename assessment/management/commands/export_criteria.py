import json
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from assessment.criteria_io import export_criteria
from assessment.models import CriteriaSet


class Command(BaseCommand):
    help = "Export a criteria set (gates, categories, indicators, policy basis codes) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="criteria set code, e.g. factory-gbt36132-2025")
        parser.add_argument("--out", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        criteria_set = CriteriaSet.objects.filter(code=options["code"]).first()
        if criteria_set is None:
            known = ", ".join(CriteriaSet.objects.values_list("code", flat=True))
            raise CommandError(f"no criteria set {options['code']!r} (known: {known})")
        text = json.dumps(export_criteria(criteria_set), ensure_ascii=False, indent=2) + "\n"
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {criteria_set.code} to {options['out']}")
        else:
            self.stdout.write(text, ending="")
