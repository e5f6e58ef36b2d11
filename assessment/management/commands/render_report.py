import gc
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, CommandError, CommandParser

from assessment import reports
from assessment.models import Assessment
from organisations.models import Consultancy


class Command(BaseCommand):
    help = "Render an assessment's PDF report synchronously (batch runs and checks; the web uses the worker)."
    # System checks import every URLconf and view (openpyxl included) for nothing a render needs.
    requires_system_checks: list[str] = []

    def run_from_argv(self, argv: list[str]) -> None:
        """The command-line run (manage.py; call_command does not come here): the process exits next.

        The render leaves a few hundred thousand objects that only the cyclic collector frees, and the
        interpreter's shutdown would run it over them (0.3 s after the 200-indicator report) just before
        the operating system takes the memory back anyway. Frozen objects are left out of that collection.
        """
        super().run_from_argv(argv)
        gc.freeze()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("--lang", choices=[code for code, _ in settings.LANGUAGES], default=settings.LANGUAGE_CODE)
        parser.add_argument("--out", required=True, type=Path, help="PDF file to write")
        parser.add_argument("--html", type=Path, help="Also write the rendered HTML here")
        parser.add_argument("--consultancy", type=int, help="Consultancy id: its name and logo go on the cover")

    def handle(self, *args: Any, **options: Any) -> None:
        assessment = (
            Assessment.objects.select_related("company__sector", "criteria_set")
            .filter(pk=options["assessment_id"])
            .first()
        )
        if assessment is None:
            raise CommandError(f"There is no assessment {options['assessment_id']}.")
        consultancy = None
        if options["consultancy"]:
            consultancy = Consultancy.objects.filter(pk=options["consultancy"]).first()
            if consultancy is None:
                raise CommandError(f"There is no consultancy {options['consultancy']}.")
        language = str(options["lang"])
        started = time.perf_counter()
        html = reports.render_html(assessment, language=language, consultancy=consultancy)
        if options["html"]:
            Path(options["html"]).write_text(html, encoding="utf-8")
        pdf = reports.html_to_pdf(html)
        out = Path(options["out"])
        out.write_bytes(pdf.data)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{out}: {pdf.pages} pages, {len(pdf.data) / 1024:.0f} KiB, {seconds:.2f} s")
