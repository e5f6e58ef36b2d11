"""Evidence: content-checked uploads, permission-checked downloads, deletion."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from assessment.evidence import EvidenceError, check_name, detect
from assessment.models import Assessment, Evidence
from organisations.models import Role
from tests.factories import consultant_for, make_company, member
from tests.questionnaire_world import make_assessment

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 140, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 140, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def office(folder: str = "word/", main: str = "wordprocessingml.document.main+xml", extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{folder}main.xml" ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>',
        )
        package.writestr(f"{folder}main.xml", "<document/>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(client, assessment: Assessment, name: str, content: bytes, *, code: str = "E01", htmx: bool = True):
    url = reverse("evidence_upload", args=[assessment.pk, code])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, headers=HX if htmx else {})


# --- Accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("energy report.pdf", PDF, "application/pdf"),
        ("meter.png", png(), "image/png"),
        ("photo.JPG", jpeg(), "image/jpeg"),
        ("能源统计表.docx", office(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (
            "data.xlsx",
            office("xl/", "spreadsheetml.sheet.main+xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "slides.pptx",
            office("ppt/", "presentationml.presentation.main+xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ],
)
def test_good_files_are_stored_under_generated_names(client, assessment, editor, name, content, content_type):
    response = upload(client, assessment, name, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert name in html and "Evidence updated." in html
    evidence = Evidence.objects.get(assessment=assessment, code="E01")
    assert evidence.original_name == name and evidence.content_type == content_type and evidence.size == len(content)
    assert evidence.file.name.startswith(f"evidence/{assessment.pk}/")
    assert name not in evidence.file.name and "." not in evidence.file.name.rsplit("/", 1)[1]
    with default_storage.open(evidence.file.name) as stored:
        assert stored.read() == content


def test_upload_without_htmx_redirects_back_to_the_indicator(client, assessment, editor):
    response = upload(client, assessment, "a.pdf", PDF, htmx=False)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/assessments/{assessment.pk}/c/energy/#ind-E01")
    assert Evidence.objects.filter(assessment=assessment).count() == 1


def test_evidence_is_listed_on_the_page(client, assessment, editor):
    upload(client, assessment, "Energy audit 2024.pdf", PDF)
    html = client.get(reverse("assessment_category", args=[assessment.pk, "energy"])).content.decode()
    evidence = Evidence.objects.get(assessment=assessment)
    assert "Energy audit 2024.pdf" in html
    assert reverse("evidence_download", args=[evidence.pk]) in html


@pytest.mark.parametrize(
    ("language", "hint"), [("en", "PDF, images or Office files, up to 3 MB."), ("zh-hans", "最大 3 MB")]
)
def test_the_upload_hint_names_the_size_limit_in_the_user_language(
    client, assessment, editor, settings, language, hint
):
    settings.EVIDENCE_MAX_BYTES = 3 * 1024 * 1024
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(reverse("assessment_category", args=[assessment.pk, "energy"])).content.decode()
    fragment = upload(client, assessment, "a.pdf", PDF).content.decode()
    assert page.count(hint) == 3  # one per indicator of the page
    assert hint in fragment  # the block re-rendered after an upload


# --- Refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("image.png", png() + b"<html><script>alert(1)</script></html>", "web-page code"),
        ("image.png", png() + b"\x00" * 10, "extra data after its end"),
        ("report.pdf", EXE, "Programs and scripts cannot be uploaded, whatever their name."),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "Programs and scripts cannot be uploaded"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "Programs and scripts cannot be uploaded"),
        ("report.pdf", office(), "does not match its name (.pdf)"),
        ("photo.png", jpeg(), "does not match its name (.png)"),
        ("page.html", b"<html></html>", "Only PDF, PNG, JPEG and Office files"),
        ("doc.docx", office(extra={"word/vbaProject.bin": "x"}), "macros are not accepted"),
        ("doc.docx", office("xl/", "spreadsheetml.sheet.main+xml"), "not a DOCX file"),
        ("doc.docx", b"PK\x03\x04 not a real zip", "not a DOCX file"),
        ("report.pdf", b"%PDF-1.4\n<html><body>x</body></html>\n%%EOF", "web-page code"),
        ("empty.pdf", b"", "file is empty."),
    ],
)
def test_bad_files_are_refused_with_a_message(client, assessment, editor, name, content, message):
    response = upload(client, assessment, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()


def test_oversized_file_is_refused(client, assessment, editor, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = PDF[:-6] + b"0" * (1024 * 1024) + b"%%EOF\n"
    response = upload(client, assessment, "big.pdf", big)
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("name", ["../evil.pdf", "..\\evil.pdf", "a/b.pdf", "C:evil.pdf", "..", "x\x00.pdf"])
def test_names_with_a_path_are_refused(name):
    with pytest.raises(EvidenceError):
        check_name(name)
    with pytest.raises(EvidenceError):
        detect(name, io.BytesIO(PDF), len(PDF))


def test_a_crafted_path_in_the_upload_never_reaches_storage(client, assessment, editor):
    """Django's parser already strips the path; the stored name is generated either way."""
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../etc/evil.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    url = reverse("evidence_upload", args=[assessment.pk, "E01"])
    response = client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={boundary}", headers=HX)
    assert response.status_code == 200
    evidence = Evidence.objects.get(assessment=assessment)
    assert evidence.original_name == "evil.pdf"
    assert ".." not in evidence.file.name and evidence.file.name.startswith(f"evidence/{assessment.pk}/")


def test_upload_to_a_locked_assessment_is_refused(client, assessment, editor):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    response = upload(client, assessment, "a.pdf", PDF)
    assert response.status_code == 400
    assert "evidence can no longer be changed" in response.content.decode()
    assert not Evidence.objects.exists()


def test_upload_for_an_unknown_code_is_404(client, assessment, editor):
    assert upload(client, assessment, "a.pdf", PDF, code="NOPE").status_code == 404


# --- Download and delete ----------------------------------------------------------------------


def test_download_is_an_attachment_with_nosniff(client, assessment, editor):
    upload(client, assessment, '能源 报告 "2024".pdf', PDF)
    evidence = Evidence.objects.get(assessment=assessment)
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E8%83%BD%E6%BA%90%20%E6%8A%A5%E5%91%8A%20%222024%22.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("who", "download", "delete", "upload_status"),
    [
        ("anonymous", 302, 302, 302),
        ("outsider", 404, 404, 404),
        ("viewer", 200, 403, 403),
        ("editor", 200, 302, 302),
        ("owner", 200, 302, 302),
        ("consultant", 200, 302, 302),
        ("revoked", 404, 404, 404),
    ],
)
def test_evidence_permission_ladder(client, who, download, delete, upload_status):
    company = make_company()
    assessment = make_assessment(company)
    uploader = member(company, "uploader", Role.EDITOR)
    client.force_login(uploader)
    upload(client, assessment, "a.pdf", PDF)
    evidence = Evidence.objects.get(assessment=assessment)
    client.logout()
    users = {
        "outsider": lambda: member(make_company("Other"), "outsider", Role.OWNER),
        "viewer": lambda: member(company, "viewer", Role.VIEWER),
        "editor": lambda: member(company, "editor", Role.EDITOR),
        "owner": lambda: member(company, "owner", Role.OWNER),
        "consultant": lambda: consultant_for(company),
        "revoked": lambda: consultant_for(company, revoked=True),
    }
    if who != "anonymous":
        client.force_login(users[who]())
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == download
    if download == 200:
        assert b"".join(response.streaming_content) == PDF  # read to the end, which closes the file
    if download == 404:
        assert PDF not in response.content
    assert upload(client, assessment, "b.pdf", PDF, htmx=False).status_code == upload_status
    response = client.post(reverse("evidence_delete", args=[evidence.pk]))
    assert response.status_code == delete
    assert Evidence.objects.filter(pk=evidence.pk).exists() == (who not in ("editor", "owner", "consultant"))


def test_delete_removes_the_file(client, assessment, editor):
    upload(client, assessment, "a.pdf", PDF)
    evidence = Evidence.objects.get(assessment=assessment)
    name = evidence.file.name
    response = client.post(reverse("evidence_delete", args=[evidence.pk]), headers=HX)
    assert response.status_code == 200
    assert "a.pdf" not in response.content.decode()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not default_storage.exists(name)


def test_delete_on_a_locked_assessment_is_refused(client, assessment, editor):
    upload(client, assessment, "a.pdf", PDF)
    evidence = Evidence.objects.get(assessment=assessment)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    response = client.post(reverse("evidence_delete", args=[evidence.pk]), headers=HX)
    assert response.status_code == 400
    assert Evidence.objects.filter(pk=evidence.pk).exists()
