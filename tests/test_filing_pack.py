"""The filing pack: requested like the PDF, made by the worker, downloaded through the permission
helpers with an RFC 6266 name; its ZIP lists the self-evaluation report, the indicator table, the
evidence renamed by indicator code with an index, and the data sheet."""

import csv
import io
import re
import zipfile
from datetime import date
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessment import filing, reports, tasks
from assessment.models import ActionItem, Evidence, Report
from ledger.models import DataSheet
from organisations.models import Company, Consultancy, ManagementCertificate, Role
from tests.factories import member
from tests.report_world import make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_and_assessment():
    company = make_company()
    owner = member(company, "owner@example.com", Role.OWNER)
    assessment = make_assessment(company=company, user=owner)
    for item in Evidence.objects.filter(assessment=assessment):
        item.file.save("x", ContentFile(f"content of {item.original_name}".encode()), save=True)
    DataSheet.objects.create(company=company, year=assessment.year, water_intake=42000)
    return owner, assessment


def test_pack_is_made_by_the_worker_and_lists_its_contents(client, owner_and_assessment, run_worker):  # noqa: F811
    owner, assessment = owner_and_assessment
    client.force_login(owner)
    url = reverse("report_request", args=[assessment.pk])
    response = client.post(url, {"language": "zh-hans", "kind": "filing"})
    report = Report.objects.get(assessment=assessment)
    assert response.status_code == 302 and report.kind == Report.Kind.FILING_PACK
    run_worker()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error

    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]).endswith("-r1-zh-hans-filing.zip")
    pack = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(pack.namelist()) == [
        "1-自评价报告.pdf",
        "2-指标表.xlsx",
        "3-证明材料/T01-1-能源统计报表 B205-1.pdf",
        "3-证明材料/T09-1-设备清单.xlsx",
        "3-证明材料/索引.csv",
        "4-数据表-2025.xlsx",
        "说明.txt",
    ]
    assert pack.read("3-证明材料/T09-1-设备清单.xlsx") == "content of 设备清单.xlsx".encode()

    text, _reader = pdf_text(pack.read("1-自评价报告.pdf"))
    flat = text.replace("\n", "")
    for heading in (
        "自评价报告",
        "一、企业基本情况",
        "二、基本要求",
        "三、指标自评价",
        "四、得分与结论",
        "六、承诺",
        "暂定",
    ):
        assert heading in flat, heading

    ours = re.sub(r"\S+\.(pdf|xlsx)", "", text)  # the evidence index names the company's own files
    assert not re.findall(r"\b[A-Za-z]{4,}\b", ours), "English words in a Chinese report"

    index = list(csv.reader(io.StringIO(pack.read("3-证明材料/索引.csv").decode("utf-8-sig"))))
    assert index[0][0] == "编号" and ["T01", "能源消耗强度", "T01-1-能源统计报表 B205-1.pdf"] == index[1][:3]

    book = load_workbook(io.BytesIO(pack.read("2-指标表.xlsx")))
    rows = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows["T01"][4] == "E / Q" and rows["T01"][6] == pytest.approx(0.08)
    assert "E = 1200" in rows["T01"][5] and rows["T13"][11] == 0
    figures = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert ("T01", "E", 1200) == figures[0][:2] + (figures[0][3],)

    sheet = load_workbook(io.BytesIO(pack.read("4-数据表-2025.xlsx"))).active
    assert any(row[0] == "water_intake" and row[4] == "42000" for row in sheet.iter_rows(values_only=True))

    other = member(make_company("别家公司", "91320500MA1TEST002"), "other@example.com", Role.OWNER)
    client.force_login(other)
    assert client.get(reverse("report_download", args=[report.pk])).status_code == 404
    assert client.post(url, {"language": "en", "kind": "filing"}).status_code == 404
    client.logout()
    assert client.get(reverse("report_download", args=[report.pk])).status_code == 302


def test_english_pack_and_no_data_sheet(owner_and_assessment):
    _owner, assessment = owner_and_assessment
    DataSheet.objects.filter(company=assessment.company).delete()
    pack = zipfile.ZipFile(io.BytesIO(filing.build_pack(assessment, language="en")))
    names = pack.namelist()
    assert "1-self-evaluation-report.pdf" in names and "2-indicator-table.xlsx" in names
    assert "3-evidence/index.csv" in names and not any(n.startswith("4-") for n in names)
    readme = pack.read("README.txt").decode()
    assert "No data sheet was entered for this year." in readme
    assert "3-evidence/: the evidence files, named by indicator code; index.csv lists them" in readme
    text, _reader = pdf_text(pack.read("1-self-evaluation-report.pdf"))
    assert "Self-evaluation report" in text and "Provisional layout" in text


def test_unknown_kind_is_refused(client, owner_and_assessment):
    owner, assessment = owner_and_assessment
    client.force_login(owner)
    response = client.post(reverse("report_request", args=[assessment.pk]), {"language": "en", "kind": "docx"})
    assert response.status_code == 400 and not Report.objects.exists()


def test_evidence_names_keep_the_code_first_and_are_safe():
    assert filing.evidence_name("F07", 2, "水平衡/测试:报告.PDF") == "F07-2-水平衡-测试-报告.PDF"
    assert filing.evidence_name("B1", 1, "..") == "B1-1-company"


def test_filing_pack_command_writes_the_zip_and_lists_it(tmp_path, owner_and_assessment):
    from django.core.management import CommandError, call_command

    _owner, assessment = owner_and_assessment
    out = io.StringIO()
    call_command("filing_pack", str(assessment.pk), "--lang", "en", "--out", str(tmp_path / "p.zip"), stdout=out)
    assert "1-self-evaluation-report.pdf" in out.getvalue() and "3-evidence/T01-1-" in out.getvalue()
    assert zipfile.is_zipfile(tmp_path / "p.zip")
    with pytest.raises(CommandError, match="There is no assessment"):
        call_command("filing_pack", "999999", "--out", str(tmp_path / "x.zip"))


def test_a_pack_scores_the_assessment_once_and_reads_nothing_it_does_not_print(owner_and_assessment):
    _owner, assessment = owner_and_assessment
    ActionItem.objects.create(assessment=assessment, code="T13", priority="high", cost=80)
    with CaptureQueriesContext(connection) as queries:
        filing.build_pack(assessment, language="en")
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "assessment_answer"' in sql for sql in selects) == 1  # scored once
    for table in ("assessment_actionitem", "assessment_indicator_policy_basis", "assessment_gate_policy_basis"):
        assert not any(f'"{table}"' in sql for sql in selects), table


def test_a_packs_fingerprint_follows_what_the_pack_prints(owner_and_assessment):
    owner, assessment = owner_and_assessment

    def pack() -> str:
        return reports.fingerprint(assessment, language="en", kind=Report.Kind.FILING_PACK)

    def pdf() -> str:
        return reports.fingerprint(assessment, language="en")

    firm = Consultancy.objects.create(name="Plan Advisors")
    before, before_pdf = pack(), pdf()
    assert reports.fingerprint(assessment, language="en", consultancy=firm, kind=Report.Kind.FILING_PACK) == before
    assert reports.fingerprint(assessment, language="en", consultancy=firm) != before_pdf
    # Printed by the PDF only: the action plan, a certificate's certifier, the company's verification.
    ActionItem.objects.create(assessment=assessment, code="T13", priority="high")
    certificate = ManagementCertificate.objects.create(
        company=assessment.company, system="iso14001", number="00124E3-0815", valid_until=date(2030, 1, 1)
    )
    assert pdf() != before_pdf
    after_certificate = pack()
    assert after_certificate != before  # the pack prints the certificate
    certificate.certifier = "CQC"
    certificate.save()
    Company.objects.filter(pk=assessment.company_id).update(verification="verified")
    assert pack() == after_certificate
    Company.objects.filter(pk=assessment.company_id).update(name="Renamed Co")
    assert pack() != after_certificate

    # One pack for the company and its consultant: it carries no consultancy.
    mine = tasks.enqueue_report(assessment, "en", owner, firm, kind=Report.Kind.FILING_PACK)
    assert mine.consultancy is None
    assert tasks.enqueue_report(assessment, "en", owner, None, kind=Report.Kind.FILING_PACK).pk == mine.pk


def test_the_index_is_named_once_in_the_packs_language():
    for language, index in (("en", "index.csv"), ("zh-hans", "索引.csv")):
        with translation.override(language):
            names = filing.member_names(2025)
        assert names["index"] == index
