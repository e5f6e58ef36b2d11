"""`manage.py filing_pack ID --out pack.zip`: an assessment's filing pack, built synchronously."""

import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, CommandParser

from assessment.models import Assessment


class Command(BaseCommand):
    help = "Build an assessment's filing pack (ZIP) synchronously (batch runs and checks; the web uses the worker)."
    # As render_report: system checks would import every URLconf and view for nothing the pack needs.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("--lang", choices=[code for code, _ in settings.LANGUAGES], default=settings.LANGUAGE_CODE)
        parser.add_argument("--out", required=True, type=Path, help="ZIP file to write")

    def handle(self, *args: object, **options: object) -> None:
        from assessment import filing

        assessment = (
            Assessment.objects.select_related("company__sector", "criteria_set")
            .filter(pk=int(str(options["assessment_id"])))
            .first()
        )
        if assessment is None:
            raise CommandError(f"There is no assessment {options['assessment_id']}.")
        started = time.perf_counter()
        data = filing.build_pack(assessment, language=str(options["lang"]))
        out = Path(str(options["out"]))
        out.write_bytes(data)
        with zipfile.ZipFile(out) as pack:
            for info in pack.infolist():
                self.stdout.write(f"  {info.file_size:>9}  {info.filename}")
        self.stdout.write(f"{out}: {len(data) / 1024:.0f} KiB, {time.perf_counter() - started:.2f} s")
