import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from assessment import scoring, specs
from assessment.models import CriteriaSet, RegionalReference, SectorValue


def sector_lookup(key: str) -> scoring.SectorRef | None:
    sector_value = SectorValue.objects.filter(key=key).first()
    return specs.sector_ref(sector_value) if sector_value else None


def score_document(document: Any, *, reference: Decimal | None = None, province: str = "") -> dict[str, Any]:
    """Score an answers document (docs/answers-format.md); raises AnswersError naming the bad key."""
    if not isinstance(document, dict):
        raise specs.AnswersError("the file must contain a JSON object")
    code = document.get("criteria_set")
    criteria_set = CriteriaSet.objects.filter(code=code).first() if isinstance(code, str) else None
    if criteria_set is None:
        raise specs.AnswersError(f"criteria_set: unknown criteria set {code!r}")
    spec = specs.criteria_spec(specs.criteria_data(criteria_set))
    answers = specs.parse_answers(document, spec, sector_lookup=sector_lookup)
    # A sector value belongs to one indicator: F06 water values must not score F01 energy.
    keys = {a.sector.key: c for c, a in answers.items() if a.sector is not None}
    for sector_value in SectorValue.objects.filter(key__in=keys):
        code_ = keys[sector_value.key]
        if sector_value.indicator_code != code_:
            raise specs.AnswersError(
                f"indicators.{code_}.sector_value: {sector_value.key!r} holds values for {sector_value.indicator_code}, not {code_}"
            )
    if reference is None and province:
        year = document.get("year")
        row = RegionalReference.objects.filter(area=criteria_set.area, province=province, year=year).first()
        reference = row.value if row else None
    card = scoring.score(spec, answers, reference=reference)
    result = card.to_dict()
    result["criteria_version"] = criteria_set.version
    result["top_actions"] = [
        {"code": r.code, "gain": str(scoring.round_points(gain))}
        for r, gain in scoring.top_actions(spec, answers, reference=reference)
    ]
    return result


class Command(BaseCommand):
    help = "Score an answers JSON file (see docs/answers-format.md) and print the scorecard as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="answers file, or - for standard input")
        parser.add_argument("--reference", help="regional reference score to compare with (relative rating)")
        parser.add_argument("--province", default="", help="look up the regional reference of this province code, e.g. ZJ")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = self.stdin_text() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        reference = None
        if options["reference"] is not None:
            try:
                reference = Decimal(options["reference"])
            except InvalidOperation:
                raise CommandError(f"--reference: {options['reference']!r} is not a number") from None
        try:
            result = score_document(document, reference=reference, province=options["province"])
        except specs.AnswersError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def stdin_text(self) -> str:
        import sys

        return sys.stdin.read()
