import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from assessment import scoring, specs
from assessment.answers import Yardsticks, yardsticks_of_card, yardsticks_sentence
from assessment.models import CriteriaSet, RegionalReference, SectorValue
from assessment.reasons import reason_text
from assessment.vocabulary import verdict_text
from organisations.models import Sector


def sector_lookup(key: str) -> scoring.SectorRef | None:
    sector_value = SectorValue.objects.select_related("sector", "library").filter(key=key).first()
    return specs.sector_ref(sector_value) if sector_value else None


def related_sectors(code: str) -> frozenset[str]:
    """A GB/T 4754 sector with its parents and children: a quota of any of them fits the company."""
    sector = Sector.objects.select_related("parent").filter(code=code).first()
    if sector is None:
        raise specs.AnswersError(f"--sector: unknown sector code {code!r}")
    codes = {sector.code, *Sector.objects.filter(parent=sector).values_list("code", flat=True)}
    parent = sector.parent
    while parent is not None:
        codes.add(parent.code)
        parent = parent.parent
    return frozenset(codes)


def evaluation_year(document: dict[str, Any]) -> int | None:
    year = document.get("year")
    if year is None:
        return None
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise specs.AnswersError(f"year: expected the evaluation year as a whole number, got {year!r}")
    return year


def yardsticks_json(found: Yardsticks) -> dict[str, Any]:
    """The library and source of every yardstick, and the points resting on self-set or consultancy values."""
    return {
        "total": str(found.total),
        "self_set": str(found.self_set),
        "consultancy": str(found.consultancy),
        "not_official": str(found.not_official),
        "summary": yardsticks_sentence(found),
        "sources": [
            {"code": s.code, "owner": s.owner, "owner_label": s.owner_label, "source": s.text()} for s in found.sources
        ],
    }


def score_document(
    document: Any, *, reference: Decimal | None = None, province: str = "", sector: str = ""
) -> dict[str, Any]:
    """Score an answers document (docs/answers-format.md); raises AnswersError naming the bad key."""
    if not isinstance(document, dict):
        raise specs.AnswersError("the file must contain a JSON object")
    code = document.get("criteria_set")
    criteria_set = CriteriaSet.objects.filter(code=code).first() if isinstance(code, str) else None
    if criteria_set is None:
        raise specs.AnswersError(f"criteria_set: unknown criteria set {code!r}")
    year = evaluation_year(document)
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
    if reference is None and province and year is not None:
        row = RegionalReference.objects.filter(area=criteria_set.area, province=province, year=year).first()
        reference = row.value if row else None
    context = scoring.Context(
        year=year,
        sector_codes=related_sectors(sector) if sector else None,
        company_sector=sector,
    )
    card = scoring.score(spec, answers, reference=reference, context=context)
    result = card.to_dict()
    result["criteria_version"] = criteria_set.version
    result["verdict_text"] = verdict_text(result["verdict"])
    result_by_code = {r.code: r for r in card.indicators}
    for item in result["indicators"]:
        item["reason_text"] = reason_text(result_by_code[item["code"]].reason)
        item["flags_text"] = [reason_text(flag) for flag in result_by_code[item["code"]].flags]
    for problem, (_code, _gate, why) in zip(result["compliance_problems"], card.compliance, strict=True):
        problem["reason_text"] = reason_text(why)
    result["yardsticks"] = yardsticks_json(yardsticks_of_card(card, answers))
    result["top_actions"] = [
        {"code": r.code, "gain": str(scoring.round_points(gain))} for r, gain in scoring.top_actions(spec, card)
    ]
    return result


class Command(BaseCommand):
    help = "Score an answers JSON file (see docs/answers-format.md) and print the scorecard as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="answers file, or - for standard input")
        parser.add_argument("--reference", help="regional reference score to compare with (relative rating)")
        parser.add_argument(
            "--province", default="", help="look up the regional reference of this province code, e.g. ZJ"
        )
        parser.add_argument(
            "--sector",
            default="",
            help="the company's GB/T 4754 sector code, e.g. 30: quota rows of other sectors are flagged",
        )

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
            if not reference.is_finite():
                raise CommandError(f"--reference: {options['reference']!r} is not a finite number")
        try:
            result = score_document(
                document, reference=reference, province=options["province"], sector=options["sector"]
            )
        except specs.AnswersError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def stdin_text(self) -> str:
        import sys

        return sys.stdin.read()
