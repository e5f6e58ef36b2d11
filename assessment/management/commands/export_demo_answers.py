import json
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandParser

from assessment import specs
from assessment.answers import load_questionnaire
from assessment.models import Assessment
from assessment.vocabulary import FocusArea

NAMES: dict[str, str] = {
    FocusArea.FACTORY: "factory-demo-answers.json",
    FocusArea.SUPPLY_CHAIN: "supply-chain-demo-answers.json",
    FocusArea.PARK: "park-demo-answers.json",
    FocusArea.DESIGN_PRODUCT: "design-product-demo-answers.json",
}


class Command(BaseCommand):
    help = "Write the demo assessments' answers in the answers JSON format (input for score_answers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default="docs/examples", help="output directory (default docs/examples)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["dir"])
        out.mkdir(parents=True, exist_ok=True)
        demos = Assessment.objects.filter(is_demo=True).select_related("criteria_set", "company__sector").order_by("id")
        for assessment in demos:
            rows = list(assessment.answers.select_related("sector_value"))
            gate_codes = set(assessment.criteria_set.gates.values_list("code", flat=True))
            # Formula inputs the company-year data sheet supplies are written out: the document stands alone.
            answers = load_questionnaire(assessment).answers
            notes = {row.code: {"comment": row.comment} for row in rows if row.comment}
            document = specs.answers_to_json(assessment.criteria_set.code, answers, gate_codes=gate_codes, notes=notes)
            document = {
                "criteria_set": document["criteria_set"],
                "year": assessment.year,
                "company": assessment.company.name,
                **document,
            }
            path = out / NAMES.get(assessment.criteria_set.area, f"{assessment.criteria_set.code}-demo-answers.json")
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {path}")
