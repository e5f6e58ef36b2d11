"""The filing pack: one ZIP that prepares a company's filing on the MIIT platform (green.miit.gov.cn).

It holds the self-evaluation report (自评价报告) as a PDF, the indicator table with values and formulas
(XLSX), the evidence files renamed by indicator code with an index, and the year's data sheet (XLSX,
ledger.workbook). The 2025 round is filed online with automated scoring and no third-party report
(reference §6.1); no official layout of the self-evaluation report for that round is confirmed, so
the report's layout follows the platform's steps and the 2024 template's commitments and says it is
provisional. Built by the task worker through assessment.reports.run_report, like the PDF report.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from assessment import reports
from assessment.formulas import FORMULAS
from assessment.models import Assessment, Evidence
from assessment.scorecards import ScoringState
from assessment.scoring import IndicatorResult
from assessment.vocabulary import IndicatorType
from greenmfg.bilingual import is_chinese, pick
from greenmfg.filenames import file_part
from ledger.models import DataSheet

TEMPLATE = "reports/self_evaluation.html"


def member_names(year: int) -> dict[str, str]:
    """The pack's file names in its language (call inside translation.override); the index is in the
    evidence folder."""
    return {
        "report": _("1-self-evaluation-report.pdf"),
        "indicators": _("2-indicator-table.xlsx"),
        "evidence": _("3-evidence"),
        "index": _("index.csv"),
        "data_sheet": _("4-data-sheet-%(year)s.xlsx") % {"year": year},
        "readme": _("README.txt"),
    }


def build_pack(assessment: Assessment, *, language: str) -> bytes:
    """The ZIP's bytes. Evidence files are read from storage; a missing file is listed, not fatal.
    It prints no consultancy (reports.fingerprint leaves it out for a pack)."""
    with translation.override(language):
        names = member_names(assessment.year)
        # Scored once (a submitted assessment from its snapshot): the report and the indicator table read it.
        src = reports.report_sources(assessment, language)
        pdf = reports.html_to_pdf(render_to_string(TEMPLATE, reports.self_evaluation_context(assessment, src)))
        source = src.state
        table = indicator_table(source, source.card.indicators, language)
        evidence = list(Evidence.objects.filter(assessment=assessment).order_by("code", "uploaded_at", "pk"))
        sheet = DataSheet.objects.prefetch_related("uses", "products").filter(
            company_id=assessment.company_id, year=assessment.year
        )
        data_sheet = sheet.first()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
            pack.writestr(names["report"], pdf.data)
            pack.writestr(names["indicators"], table)
            index = _write_evidence(pack, evidence, names["evidence"], source.criteria)
            pack.writestr(f"{names['evidence']}/{names['index']}", index)
            if data_sheet is not None:
                from ledger.workbook import export_sheet

                pack.writestr(names["data_sheet"], export_sheet(data_sheet))
            pack.writestr(
                names["readme"], readme(names, assessment, has_sheet=data_sheet is not None, language=language)
            )
        return out.getvalue()


def evidence_name(code: str, position: int, original: str) -> str:
    """ "F07-1-water balance.pdf": the indicator code first, so the platform's upload order is the sort order."""
    stem, dot, suffix = original.rpartition(".")
    if not stem.strip(" ."):
        stem, dot, suffix = original, "", ""
    extension = f".{file_part(suffix, limit=10)}" if dot and file_part(suffix, limit=10) != "company" else ""
    return f"{file_part(code, limit=20)}-{position}-{file_part(stem, limit=60)}{extension}"


def _write_evidence(pack: zipfile.ZipFile, evidence: Iterable[Evidence], folder: str, criteria: dict[str, Any]) -> str:
    """Each file under its new name; returns the index (CSV, UTF-8 with BOM so spreadsheets read the Chinese)."""
    names = {i["code"]: pick(i, "name") for c in criteria["categories"] for i in c["indicators"]}
    names |= {g["code"]: pick(g, "text") for g in criteria.get("gates", [])}
    rows = [[_("Code"), _("Requirement or indicator"), _("File in this pack"), _("Original file name"), _("Bytes")]]
    counts: dict[str, int] = {}
    for item in evidence:
        counts[item.code] = counts.get(item.code, 0) + 1
        name = evidence_name(item.code, counts[item.code], item.original_name)
        try:
            with item.file.open("rb") as handle:
                pack.writestr(f"{folder}/{name}", handle.read())
        except (FileNotFoundError, OSError, ValueError):
            name = _("(file missing from storage)")
        rows.append([item.code, names.get(item.code, ""), name, item.original_name, str(item.size)])
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return "\ufeff" + text.getvalue()


def readme(names: dict[str, str], assessment: Assessment, *, has_sheet: bool, language: str) -> str:
    colon = "：" if is_chinese(language) else ": "
    lines = [
        _("Filing pack for %(company)s, reporting year %(year)s, revision %(revision)s.")
        % {"company": assessment.company.name, "year": assessment.year, "revision": assessment.revision},
        "",
        names["report"] + colon + _("the self-evaluation report (layout provisional)"),
        names["indicators"] + colon + _("every indicator with its raw figures, formula, value and points"),
        f"{names['evidence']}/"
        + colon
        + _("the evidence files, named by indicator code; %(index)s lists them") % {"index": names["index"]},
    ]
    if has_sheet:
        lines.append(names["data_sheet"] + colon + _("the company's data sheet for the year"))
    else:
        lines.append(_("No data sheet was entered for this year."))
    lines += ["", _("A rehearsal made with greenmfg; the filing itself is made on green.miit.gov.cn.")]
    return "\r\n".join(lines) + "\r\n"


# --- The indicator table --------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def indicator_table(source: ScoringState, results: Iterable[IndicatorResult], language: str) -> bytes:
    """One row per scored indicator: category, name, type, formula, raw figures, value, yardsticks, points;
    a second sheet with each raw figure on its own row (label, value, unit)."""
    from openpyxl import Workbook  # imported here: only the worker's filing pack needs it
    from openpyxl.styles import Font

    specs = {i["code"]: (i, c) for c in source.criteria["categories"] for i in c["indicators"]}
    book = Workbook()
    table = book.active
    table.title = _("indicators")[:31]
    table.append(
        [_("Code"), _("Category"), _("Indicator"), _("Type"), _("Formula"), _("Raw figures"), _("Value")]
        + [_("Unit"), _("Leading value"), _("Benchmark value"), _("Status"), _("Points"), _("Maximum")]
    )
    figures = book.create_sheet(_("raw figures")[:31])
    figures.append([_("Code"), _("Figure"), _("Label"), _("Value"), _("Unit")])
    for result in results:
        spec, category = specs[result.code]
        answer = source.answers.get(result.code)
        formula = FORMULAS.get(spec.get("formula") or "")
        labels = {i.code: (pick(i, "label"), i.unit) for i in formula.inputs} if formula else {}
        inputs = {k: v for k, v in (answer.inputs if answer else {}).items() if isinstance(v, Decimal)}
        for code, value in inputs.items():
            label, unit = labels.get(code, (code, ""))
            figures.append([result.code, code, label, _number(value), unit])
        quantitative = spec["indicator_type"] in (IndicatorType.POSITIVE_QUANT, IndicatorType.REVERSE_QUANT)
        table.append(
            [result.code, pick(category, "name"), pick(spec, "name"), str(IndicatorType(spec["indicator_type"]).label)]
            + [formula.expression if formula else "", "; ".join(f"{k} = {v}" for k, v in inputs.items())]
            + [_number(result.value) if quantitative else None, result.unit, _number(result.leading)]
            + [_number(result.benchmark), reports.status_label(result.status), _number(result.points)]
            + [_number(result.maximum)]
        )
    for sheet in (table, figures):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    cell.quotePrefix = True  # text, never a formula someone typed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
