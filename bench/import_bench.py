"""Time answer imports of adversarial files: each must finish or be refused within 2 s (issue target).

    python bench/import_bench.py [--runs 3]

Works on a scratch SQLite database (migrated, reference data and demo loaded). Each figure is the
wall time of `exchange.import_answers` in this process (warm: Django and openpyxl already imported),
for files under the 5 MB upload limit: workbooks of 2 million and of 450,000 rows, a zip bomb, JSON nested 100,000
deep, a 4.9 MB JSON document, and the demo factory's own export (a file that imports).
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("DEBUG", "1")

TARGET_S = 2.0


def _big_workbook(rows: int) -> bytes:
    """A sheet whose rows are written as a spreadsheet program writes them: small packed, long to stream."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="answers" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        body += b"".join(b'<row r="%d"/>' % n for n in range(2, rows + 2))
        archive.writestr("xl/worksheets/sheet1.xml", head + body + b"</sheetData></worksheet>")
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (400 * 1024 * 1024))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"

    import django  # noqa: PLC0415 (after DATABASE_URL is chosen)

    django.setup()
    from django.utils import translation  # noqa: PLC0415

    translation.activate("en")
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    from assessment import exchange  # noqa: PLC0415
    from assessment.models import Assessment  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    user = get_user_model().objects.create_user(username="bench@example.com", password="bench-pw-1")
    demo = Assessment.objects.select_related("company", "criteria_set").get(pk=9001)
    target = Assessment.objects.create(company=demo.company, criteria_set=demo.criteria_set, year=2099)

    files = {
        "workbook of 2,000,000 rows": _big_workbook(2_000_000),
        "workbook of 450,000 rows": _big_workbook(450_000),  # just under the 8 MB unpacked cap: the slowest case
        "zip bomb (400 MB unpacked)": _zip_bomb(),
        "JSON nested 100,000 deep": b"[" * 100_000,
        "JSON of 4.9 MB": json.dumps({"criteria_set": demo.criteria_set.code, "note": "x" * (4_900_000)}).encode(),
        "demo export (JSON, imports)": json.dumps(exchange.export_json(demo)).encode(),
        "demo export (XLSX, imports)": exchange.export_xlsx(demo),
    }
    worst = 0.0
    print(f"{'file':<30} {'size':>10} {'outcome':<40} {'median s':>9} {'max s':>7}")
    for name, content in files.items():
        timings, outcome = [], ""
        for _ in range(args.runs):
            start = time.perf_counter()
            try:
                count = exchange.import_answers(target.pk, content, user=user, may_note=False)
                outcome = f"imported {count} answers"
            except exchange.ImportFailed as failed:
                outcome = f"refused: {failed.errors[0].message[:32]}"
            timings.append(time.perf_counter() - start)
        worst = max(worst, max(timings))
        print(
            f"{name:<30} {len(content) / 1024:>8.0f} kB {outcome:<40} {statistics.median(timings):>9.3f} {max(timings):>7.3f}"
        )
    print(f"slowest {worst:.3f} s; target {TARGET_S} s: slowest/target = {worst / TARGET_S:.2f}")
    scratch.cleanup()


if __name__ == "__main__":
    main()
