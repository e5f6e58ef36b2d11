"""The data sheet as an XLSX workbook (labels in both languages): export, and import through the page's forms.

Import rules, as for answers: the file size, the zip's member count and unpacked size are checked before
parsing; the workbook is opened read-only with cached values (no formula is ever evaluated); rows and columns
are capped; every value then goes through the same forms as the page, so a bad cell is a message, not a 500.
Text cells are written as text, never as formulas.
"""

import io
import zipfile
from decimal import Decimal
from typing import Any

from django.db.models import Field
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ledger.energy import CARRIERS, Carrier, Method
from ledger.models import DataSheet, GridRegion
from ledger.sheets import SHEET_FIELDS

SHEET = "data_sheet"
HEADER = ["key", "名称", "Name", "unit", "value", "feedstock", "measured_ncv", "evidence", "main", "carbon_footprint"]
MAX_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED = 20 * 1024 * 1024
MAX_MEMBERS = 100
MAX_ROWS = 200
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RULES = ("method", "grid_region", "gec_zero")


class WorkbookError(ValueError):
    """The file cannot be read as a data sheet; the message is for the user."""


def _label(model_field: str) -> tuple[str, str]:
    field = DataSheet._meta.get_field(model_field)
    assert isinstance(field, Field)  # a column of the sheet, never a reverse relation
    with override("zh-hans"):
        zh = str(field.verbose_name)
    with override("en"):
        en = str(field.verbose_name)
    return zh, en


def _carrier_label(carrier: str) -> tuple[str, str]:
    with override("zh-hans"):
        zh = str(Carrier(carrier).label)
    with override("en"):
        en = str(Carrier(carrier).label)
    return zh, en


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def export_sheet(sheet: DataSheet) -> bytes:
    """One row per rule, figure, energy carrier and product (the sheet needs uses and products prefetched)."""
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append(HEADER)
    for name in RULES:
        ws.append([name, *_label(name), "", str(getattr(sheet, name))])
    for name in SHEET_FIELDS:
        ws.append([name, *_label(name), "", _plain(getattr(sheet, name))])
    uses = {u.carrier: u for u in sheet.uses.all()} if sheet.pk else {}
    for carrier, (_kind, unit) in CARRIERS.items():
        use = uses.get(carrier)
        ws.append(
            [
                f"energy:{carrier}",
                *_carrier_label(carrier),
                unit,
                *([_plain(use.quantity), _plain(use.feedstock), _plain(use.measured_ncv), use.evidence] if use else []),
            ]
        )
    for product in sheet.products.all() if sheet.pk else []:
        ws.append(
            [
                "product",
                product.name_zh,
                product.name_en,
                product.unit,
                _plain(product.quantity),
                None,
                None,
                None,
                str(product.main),
                str(product.carbon_footprint),
            ]
        )
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_START):
                    cell.quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _rows(content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise WorkbookError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookError(_("The file is not a valid XLSX workbook.")) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise WorkbookError(
            _("The workbook unpacks to more than %(mb)d MB.") % {"mb": MAX_UNCOMPRESSED // (1024 * 1024)}
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise WorkbookError(_("The file is not a valid XLSX workbook.")) from None
    try:
        if SHEET not in book.sheetnames:
            raise WorkbookError(_("The workbook has no sheet named %(sheet)s.") % {"sheet": SHEET})
        rows = []
        for number, values in enumerate(
            book[SHEET].iter_rows(max_row=MAX_ROWS + 2, max_col=len(HEADER), values_only=True), 1
        ):
            if number > MAX_ROWS + 1:
                raise WorkbookError(_("The sheet has more than %(rows)d rows.") % {"rows": MAX_ROWS})
            rows.append([_text(v) for v in values] + [""] * (len(HEADER) - len(values)))
        return rows
    except WorkbookError:
        raise
    except Exception:  # a damaged sheet can fail while streaming its rows
        raise WorkbookError(_("The file is not a valid XLSX workbook.")) from None
    finally:
        book.close()


def form_data(content: bytes) -> dict[str, str]:
    """The workbook as the fields the data sheet page posts; the page's forms then validate it."""
    rows = _rows(content)
    if not rows or rows[0][:2] != HEADER[:2]:
        raise WorkbookError(_("The first row must be the template's header (key, 名称, …)."))
    data: dict[str, str] = {}
    energy = {carrier: i for i, carrier in enumerate(CARRIERS)}
    seen: set[str] = set()
    products = 0
    for number, row in enumerate(rows[1:], 2):
        key, name_zh, name_en, unit, value, feedstock, ncv, evidence, main, footprint = row[: len(HEADER)]
        if not key:
            continue
        if key != "product" and key in seen:
            raise WorkbookError(_("Row %(row)d: %(key)s appears twice.") % {"row": number, "key": key[:40]})
        seen.add(key)
        if key in RULES or key in SHEET_FIELDS:
            data[key] = "on" if key == "gec_zero" and value.lower() in ("true", "1", "yes", "on") else value
            if key == "gec_zero" and data[key] != "on":
                data.pop(key)
        elif key.startswith("energy:") and key[7:] in energy:
            i = energy[key[7:]]
            data |= {
                f"energy-{i}-quantity": value,
                f"energy-{i}-feedstock": feedstock,
                f"energy-{i}-measured_ncv": ncv,
                f"energy-{i}-evidence": evidence,
            }
        elif key == "product":
            p = f"products-{products}-"
            data |= {p + "name_zh": name_zh, p + "name_en": name_en, p + "unit": unit, p + "quantity": value}
            data |= {p + "main": "on"} if main.lower() in ("true", "1", "yes") else {}
            data |= {p + "carbon_footprint": "on"} if footprint.lower() in ("true", "1", "yes") else {}
            products += 1
        else:
            raise WorkbookError(_("Row %(row)d: unknown key %(key)s.") % {"row": number, "key": key[:40]})
    # A workbook without the rule rows keeps the defaults.
    data.setdefault("method", Method.AVERAGE)
    data.setdefault("grid_region", GridRegion.NATIONAL)
    data |= {f"energy-{i}-carrier": carrier for carrier, i in energy.items()}
    data |= {
        "energy-TOTAL_FORMS": str(len(energy)),
        "energy-INITIAL_FORMS": str(len(energy)),
        "energy-MIN_NUM_FORMS": "0",
        "energy-MAX_NUM_FORMS": str(len(energy)),
    }
    data |= {
        "products-TOTAL_FORMS": str(products),
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
    }
    return data
