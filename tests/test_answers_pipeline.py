"""One answers pipeline, tried with generated data (Hypothesis).

- Round trips: random valid answers of every indicator kind of the shipped criteria sets, saved as the
  page saves them, exported as JSON and imported into a fresh draft, export the same JSON; the same
  through XLSX.
- Fuzzing: random and malformed payloads to the autosave endpoint and to both imports never give a
  500: every answer is a saved answer, a refusal with messages, or a conflict.
- The adversarial files found when the import was tried (1e30, count 40000, a million-character
  comment, `[` × 100000, a workbook of two million rows, a zip bomb, formula text) are refused and
  store nothing.
"""

import io
import json
import os
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from assessment import exchange
from assessment.answers import TEXT_FIELDS, criteria_for, parse_answer, save_answer
from assessment.formulas import FORMULAS
from assessment.models import Answer, Assessment, CriteriaSet, SectorValue
from assessment.scoring import GateSpec, IndicatorSpec
from organisations.models import Company, Membership, Role
from tests.factories import cement_company

pytestmark = pytest.mark.django_db
# FUZZ_EXAMPLES=500 bin/test tests/test_answers_pipeline.py explores new random cases; by default the
# same 20 cases per test run every time, so the suite stays fast and repeatable.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
EXAMPLES = settings(
    max_examples=FUZZ_EXAMPLES or 20,
    deadline=None,
    derandomize=not FUZZ_EXAMPLES,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
AREAS = ["factory", "supply_chain", "park", "design_product"]
_years = iter(range(3000, 9000))
# Text a person can type (no control characters, which the page drops anyway).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def company() -> Company:
    return cement_company('=HYPERLINK("http://x")', province="FJ")


@pytest.fixture
def owner(company):
    user = get_user_model().objects.create_user(
        username="pipeline@example.com", email="pipeline@example.com", password="pw-9f3k"
    )
    Membership.objects.create(user=user, company=company, role=Role.OWNER)
    return user


def draft(company: Company, area: str) -> Assessment:
    return Assessment.objects.create(
        company=company, criteria_set=CriteriaSet.objects.latest_published(area), year=next(_years)
    )


# --- Strategies: what a person may type into one question -----------------------------------------


def _number(high: int, places: int = 3) -> st.SearchStrategy[str]:
    return st.decimals(min_value=0, max_value=high, places=places, allow_nan=False, allow_infinity=False).map(
        lambda d: format(d.normalize(), "f")
    )


def _fields(target: GateSpec | IndicatorSpec, sector_ids: list[int]) -> st.SearchStrategy[dict]:
    common = {"comment": TEXT, "consultant_note": TEXT}
    if isinstance(target, GateSpec):
        return st.fixed_dictionaries({"passed": st.sampled_from(["yes", "no"])})
    kind = target.indicator_type
    if kind in ("positive_qual", "reverse_qual"):
        answer = st.fixed_dictionaries({"choice": st.sampled_from(["met", "partly", "not_met"])} | common)
    elif kind == "pass_fail":
        answer = st.fixed_dictionaries({"passed": st.sampled_from(["yes", "no"])} | common)
    elif kind == "count":
        n = len(target.rule.get("options_en") or target.rule.get("options_zh") or [])
        if n:
            ticks = st.lists(st.integers(0, n - 1), unique=True, max_size=n).map(
                lambda t: [str(i) for i in t] or ["none"]
            )
            answer = st.fixed_dictionaries({"options": ticks} | common)
        else:
            answer = st.fixed_dictionaries({"count": st.integers(0, 50).map(str)} | common)
    else:
        formula = FORMULAS.get(target.formula)
        figures = (
            {f"in-{i.code}": _number(10**6) for i in formula.inputs}
            if formula
            else {"value": _number(100 if target.unit.strip() == "%" else 10**9)}
        )
        answer = st.fixed_dictionaries(figures | common)
        if kind in ("positive_quant", "reverse_quant"):
            own = st.fixed_dictionaries(
                {"leading": _number(1000), "benchmark": _number(1000), "values_source": TEXT.filter(str.strip)}
            )
            extra = [st.just({}), own] + (
                [st.sampled_from(sector_ids).map(lambda i: {"sector_value": str(i)})] if sector_ids else []
            )
            answer = st.tuples(answer, st.one_of(extra)).map(lambda pair: pair[0] | pair[1])
    if target.allows_na:
        na = st.fixed_dictionaries({"na": st.just("on"), "na_reason": TEXT.filter(str.strip)} | common)
        answer = st.one_of(answer, na)
    return answer


@st.composite
def questionnaires(draw: st.DrawFn, area: str) -> dict[str, dict]:
    criteria = criteria_for(CriteriaSet.objects.latest_published(area))
    targets = {**criteria.gates, **criteria.indicators}
    sectors = {}
    for sv in SectorValue.objects.filter(indicator_code__in=list(criteria.indicators)).order_by("pk"):
        sectors.setdefault(sv.indicator_code, []).append(sv.pk)
    codes = draw(st.lists(st.sampled_from(sorted(targets)), unique=True, min_size=1))
    return {code: draw(_fields(targets[code], sectors.get(code, []))) for code in codes}


def save_like_the_page(assessment: Assessment, raw: dict[str, dict], user) -> int:  # noqa: ANN001
    """Each question validated and stored as the autosave stores it; returns how many were stored."""
    criteria = criteria_for(assessment.criteria_set)
    sector_ids = set(SectorValue.objects.values_list("pk", flat=True))
    stored = 0
    for code, fields in raw.items():
        target = criteria.gates.get(code) or criteria.indicators.get(code)
        parsed = parse_answer(target, fields, sector_value_ids=sector_ids, can_note=True)
        if parsed.values is not None and not parsed.pending:  # figures a rate refuses are left out
            assert save_answer(assessment, code, parsed.values, version=0, user=user).ok
            stored += 1
    return stored


def _answers(document: dict) -> dict:
    return {"gates": document["gates"], "indicators": document["indicators"]}


# --- Round trips -------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_json_and_xlsx_round_trips_are_lossless(company, owner, area):
    @EXAMPLES
    @given(raw=questionnaires(area))
    def round_trip(raw: dict[str, dict]) -> None:
        source = draft(company, area)
        save_like_the_page(source, raw, owner)
        exported = exchange.export_json(source)
        via_json = draft(company, area)
        exchange.import_answers(via_json.pk, json.dumps(exported).encode(), user=owner, may_note=True)
        assert _answers(exchange.export_json(via_json)) == _answers(exported)
        via_xlsx = draft(company, area)
        exchange.import_answers(via_xlsx.pk, exchange.export_xlsx(source), user=owner, may_note=True)
        assert _answers(exchange.export_json(via_xlsx)) == _answers(exported)

    round_trip()


def test_ticked_options_survive_both_round_trips(company, owner):
    source = draft(company, "factory")
    criteria = criteria_for(source.criteria_set)
    parsed = parse_answer(criteria.indicators["F04"], {"options": ["0", "3", "11"]})
    save_answer(source, "F04", parsed.values, version=0)
    assert exchange.export_json(source)["indicators"]["F04"] == {"options": [0, 3, 11], "count": 3}
    target = draft(company, "factory")
    exchange.import_answers(target.pk, exchange.export_xlsx(source), user=owner, may_note=False)
    row = Answer.objects.get(assessment=target, code="F04")
    assert (row.inputs, row.count) == ({"options": [0, 3, 11]}, 3)


# --- Formula text stays text ----------------------------------------------------------------------


def test_xlsx_export_writes_formula_like_text_as_text(company, owner):
    source = draft(company, "factory")
    criteria = criteria_for(source.criteria_set)
    for code, comment in (
        ("F09", '=HYPERLINK("http://evil.example","x")'),
        ("F12", "+1+2"),
        ("F13", "@SUM(A1)"),
        ("B1", "-3"),
    ):
        target = criteria.gates.get(code) or criteria.indicators[code]
        fields = {"passed": "yes"} if code == "B1" else {"choice": "met", "comment": comment}
        save_answer(source, code, parse_answer(target, fields).values, version=0)
    content = exchange.export_xlsx(source)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet or "<f " in sheet for sheet in sheets)  # no formula anywhere
    book = load_workbook(io.BytesIO(content))
    cells = [c for row in book["answers"].iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+@"]
    assert {c.value for c in cells} >= {'=HYPERLINK("http://evil.example","x")', "+1+2", "@SUM(A1)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert (
        book["meta"]["B2"].value == '=HYPERLINK("http://x")' and book["meta"]["B2"].data_type == "s"
    )  # the company name


# --- Adversarial files -----------------------------------------------------------------------------


def _refused(assessment: Assessment, content: bytes, owner) -> list[exchange.RowError]:  # noqa: ANN001
    with pytest.raises(exchange.ImportFailed) as info:
        exchange.import_answers(assessment.pk, content, user=owner, may_note=False)
    assert not Answer.objects.filter(assessment=assessment).exists()
    return info.value.errors


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"F09": {"choice": "met", "comment": "x" * 1_000_000}},
            "comment: Keep this under 2000 characters (it has 1000000).",
        ),
        ({"RG2": {"value": "1e30"}}, "value: This number is too large."),
        ({"RG2": {"value": 1e30}}, "value: This number is too large."),
        ({"F04": {"count": 40000}}, "options: list the ticked options (0–11), not only a count"),
        ({"F04": {"options": [0, 12]}}, "options: Choose one of the options."),
        ({"F04": {"options": [0, 1], "count": 5}}, "count: 5 does not match the 2 ticked options"),
        ({"F09": {"choice": "met", "value": "3"}}, "value: not used by this indicator (positive_qual)"),
        ({"F09": {"choice": "met", "na": True, "na_reason": "x"}}, "na: not used by this indicator (positive_qual)"),
        ({"F11": {"na": True}}, "na_reason: Say why this indicator does not apply."),
        ({"RG2": {"value": True}}, "value: expected a number, got true"),
        ({"F09": {"choice": ["met"]}}, "choice: expected text"),
        (
            {"RG2": {"value": "12,5"}},
            "value: Use a point for decimals (12.5, not 12,5); commas may only separate thousands.",
        ),
        ({"RG2": {"value": "5²"}}, "value: Type the number with plain digits (no superscripts or fractions)."),
    ],
)
def test_a_file_cannot_store_what_the_page_refuses(company, owner, item, message):
    assessment = draft(company, "park" if "RG2" in item else "factory")
    document = {"criteria_set": assessment.criteria_set.code, "indicators": item}
    errors = _refused(assessment, json.dumps(document).encode(), owner)
    assert [e.message for e in errors] == [message]


def test_deeply_nested_json_is_refused(company, owner):
    assessment = draft(company, "factory")
    assert "nested deeper than 6 levels" in _refused(assessment, b"[" * 100_000, owner)[0].message
    nested = {"indicators": {"F09": {"choice": {"a": {"b": {"c": {"d": 1}}}}}}}
    assert "nested deeper" in _refused(assessment, json.dumps(nested).encode(), owner)[0].message


def _workbook(rows: list[list], *, header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "answers"
    sheet.append(header or ["code", "kind", "choice", "comment", "count", "options", "value"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_of_two_million_rows_is_refused_early(company, owner):
    # What a spreadsheet program writes for a sheet whose last row is 2,000,000: tiny, but huge to stream.
    content = _workbook([["F09", "indicator", "met"]])
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>F09</t></is></c></row>' for n in range(2, 40_000))
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            target.writestr(info, data)
    errors = _refused(draft(company, "factory"), packed.getvalue(), owner)
    assert errors[0].message == "the sheet 'answers' has more than 5000 rows"


def test_a_zip_bomb_is_refused_before_it_is_unpacked(company, owner):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 1024 * 1024))
    assert "unpacks to more than 8 MB" in _refused(draft(company, "factory"), packed.getvalue(), owner)[0].message


def test_an_import_view_error_is_a_page_not_a_500(client, company, owner):
    assessment = draft(company, "factory")
    client.force_login(owner)
    url = reverse("assessment_import", args=[assessment.pk])
    for content in (
        b"[" * 100_000,
        b'{"indicators": {"F09": {"choice": "met", "count": 1e30}}}',
        _workbook([["F09", "indicator", "sometimes"]]),
    ):
        response = client.post(url, {"file": SimpleUploadedFile("a.json", content)}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert 'class="import-error"' in response.content.decode()


# --- Fuzzing: never a 500 ------------------------------------------------------------------------------

# The text fields a posted answer is read from (the whitelist), then the other names it carries.
FIELD_NAMES = [
    *TEXT_FIELDS,
    "options",
    "version",
    "base",
    "in-E",
    "in-Q",
    "in-C",
    "in-E_re",
    "in-P",
    "in-W",
]
NASTY = st.one_of(
    TEXT,
    st.text(max_size=20),
    st.sampled_from(
        [
            "1e30",
            "1e-30",
            "NaN",
            "-0",
            "９９",
            "12,5",
            "1²",
            "½",
            "  ",
            "0x10",
            str(2**63),
            "-" + str(2**63),
            "1" * 400,
            "met",
            "yes",
            "none",
            "on",
        ]
    ),
)


@EXAMPLES
@given(
    code=st.sampled_from(["F01", "F04", "F06", "F09", "F11", "B1", "F13"]),
    fields=st.dictionaries(st.sampled_from(FIELD_NAMES), st.one_of(NASTY, st.lists(NASTY, max_size=3)), max_size=8),
    extra=st.dictionaries(TEXT, NASTY, max_size=3),
)
def test_autosave_never_answers_500(client, company, owner, code, fields, extra):
    assessment = draft(company, "factory")
    client.force_login(owner)
    url = reverse("assessment_answer", args=[assessment.pk, code])
    data = {f"{code}-{k}": v for k, v in fields.items()} | {k: v for k, v in extra.items() if k} | {"client": "fuzz"}
    response = client.post(url, data, headers={"X-Autosave": "1"})
    assert response.status_code in (200, 409, 422)
    body = response.json()
    assert (response.status_code == 422) == (body["state"] == "error")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES + ["inputs", "E", "Q"]) | TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


@EXAMPLES
@given(
    document=st.fixed_dictionaries(
        {},
        optional={
            "criteria_set": st.sampled_from(["factory-gbt36132-2025", "other", 3]),
            "gates": st.dictionaries(st.sampled_from(["B1", "B2", "B3", "Z9"]) | TEXT, JSON_VALUES, max_size=3),
            "indicators": st.dictionaries(
                st.sampled_from(["F01", "F04", "F06", "F09", "F11", "F13", "Z9"]) | TEXT, JSON_VALUES, max_size=4
            ),
        },
    )
    | JSON_VALUES
)
def test_json_import_never_fails_other_than_with_messages(company, owner, document):
    assessment = draft(company, "factory")
    try:
        exchange.import_answers(assessment.pk, json.dumps(document).encode(), user=owner, may_note=False)
    except exchange.ImportFailed as failed:
        assert failed.errors and all(e.message for e in failed.errors)
        assert not Answer.objects.filter(assessment=assessment).exists()


CELLS = st.one_of(
    st.none(),
    NASTY.map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


@EXAMPLES
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["F01", "F04", "F06", "F09", "F11", "B1", "Z9", ""]),
            st.sampled_from(["indicator", "gate", ""]),
            CELLS,
            CELLS,
            CELLS,
            CELLS,
            CELLS,
        ).map(list),
        max_size=6,
    )
)
def test_xlsx_import_never_fails_other_than_with_messages(company, owner, rows):
    assessment = draft(company, "factory")
    try:
        exchange.import_answers(assessment.pk, _workbook(rows), user=owner, may_note=False)
    except exchange.ImportFailed as failed:
        assert failed.errors and all(e.message for e in failed.errors)
        assert not Answer.objects.filter(assessment=assessment).exists()


def test_the_values_a_page_shows_are_what_the_import_stored(company, owner):
    assessment = draft(company, "park")
    document = {"indicators": {"RG2": {"value": "１２３．５"}}}  # full-width digits are read as the page reads them
    exchange.import_answers(
        assessment.pk, json.dumps(document, ensure_ascii=False).encode(), user=owner, may_note=False
    )
    assert Answer.objects.get(assessment=assessment, code="RG2").value == Decimal("123.5")


def test_the_per_output_form_imports_and_round_trips(company, owner):
    source = draft(company, "factory")
    document = {"criteria_set": source.criteria_set.code, "indicators": {"F01": {"inputs": {"E": "500", "G": "10000"}}}}
    exchange.import_answers(source.pk, json.dumps(document).encode(), user=owner, may_note=False)
    assert exchange.export_json(source)["indicators"]["F01"] == {"inputs": {"E": "500", "G": "10000"}}
    via_xlsx = draft(company, "factory")
    exchange.import_answers(via_xlsx.pk, exchange.export_xlsx(source), user=owner, may_note=False)
    assert exchange.export_json(via_xlsx)["indicators"]["F01"] == {"inputs": {"E": "500", "G": "10000"}}
