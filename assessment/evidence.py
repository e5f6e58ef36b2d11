"""Evidence uploads: what is accepted is decided by the file's content, not its name.

Allowed: PDF, PNG, JPEG, Office Open XML (DOCX, XLSX, PPTX) and the old binary Office formats
(DOC, XLS, PPT). Refused with a message the user can act on: executables and scripts (also when
renamed), content that does not match the name's extension, web-page code hidden in an image
(e.g. HTML after a PNG's IEND chunk), macro-enabled Office files, names carrying a path, empty or
oversized files. Files are stored under generated names (see `evidence_path`).
"""

import os
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from assessment.models import Assessment, Evidence

HEAD = 8192
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
MARKUP = (b"<html", b"<script", b"<!doctype html", b"<body", b"<iframe", b"<svg", b"<?php", b"javascript:")
ZIP_MAX_CONTENT_TYPES = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    # Office Open XML: the main part's content type and the folder its parts live in
    main_part: str = ""
    folder: str = ""
    # Old binary Office: the stream every such file has (UTF-16 in the OLE directory)
    ole_stream: tuple[str, ...] = ()


KINDS = (
    FileKind("PDF", "application/pdf", (".pdf",)),
    FileKind("PNG", "image/png", (".png",)),
    FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg")),
    FileKind(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        main_part="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        folder="word/",
    ),
    FileKind(
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        main_part="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        folder="xl/",
    ),
    FileKind(
        "PPTX",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
        main_part="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        folder="ppt/",
    ),
    FileKind("DOC", "application/msword", (".doc",), ole_stream=("WordDocument",)),
    FileKind("XLS", "application/vnd.ms-excel", (".xls",), ole_stream=("Workbook", "Book")),
    FileKind("PPT", "application/vnd.ms-powerpoint", (".ppt",), ole_stream=("PowerPoint Document",)),
)
BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
ACCEPT = ",".join(sorted(BY_EXTENSION))


class EvidenceError(ValueError):
    """An upload that is refused; the message tells the user why."""


def max_megabytes() -> int:
    return settings.EVIDENCE_MAX_BYTES // (1024 * 1024)


def evidence_labels() -> dict[str, str]:
    """The fixed texts of an evidence block, translated once per page rather than once per indicator."""
    return {
        "title": _("Evidence"),
        "none": _("none yet"),
        "delete_confirm": _("Delete this file?"),
        "add": _("Add evidence"),
        "upload": _("Upload"),
        "hint": _("PDF, images or Office files, up to %(mb)s MB.") % {"mb": max_megabytes()},
    }


def check_name(name: str) -> str:
    """The original file name, refused when it carries a path or control characters."""
    name = (name or "").strip()
    if not name:
        raise EvidenceError(_("The file needs a name."))
    if len(name) > 255:
        raise EvidenceError(_("The file name is too long (at most 255 characters)."))
    if any(sep in name for sep in ("/", "\\", ":")) or name.startswith(".."):
        raise EvidenceError(_("The file name must not contain a path (no /, \\, : or ..)."))
    if any(not ch.isprintable() for ch in name):
        raise EvidenceError(_("The file name contains control characters."))
    return name


def detect(name: str, stream: IO[bytes], size: int) -> FileKind:
    """The kind of an uploaded file, from its content; raises EvidenceError when it is refused."""
    check_name(name)
    if size <= 0:
        raise EvidenceError(_("The file is empty."))
    if size > settings.EVIDENCE_MAX_BYTES:
        raise EvidenceError(_("The file is larger than %(max)d MB.") % {"max": max_megabytes()})
    extension = os.path.splitext(name)[1].lower()
    expected = BY_EXTENSION.get(extension)
    if expected is None:
        raise EvidenceError(_("Only PDF, PNG, JPEG and Office files (DOCX, XLSX, PPTX, DOC, XLS, PPT) are accepted."))

    stream.seek(0)
    head = stream.read(HEAD)
    stream.seek(max(0, size - HEAD))
    tail = stream.read(HEAD)
    stream.seek(0)
    if head.startswith(EXECUTABLE_MAGIC):
        raise EvidenceError(_("Programs and scripts cannot be uploaded, whatever their name."))
    actual = _kind_by_content(head)
    if actual is None:
        raise EvidenceError(_("The content of this file is not a %(kind)s file.") % {"kind": expected.label})
    if (
        actual.extensions != expected.extensions
        and not (actual.folder and expected.folder)
        and not (actual.ole_stream and expected.ole_stream)
    ):
        raise EvidenceError(
            _("The content of this file is %(actual)s, which does not match its name (%(ext)s).")
            % {"actual": actual.label, "ext": extension}
        )
    if _has_markup(head) or _has_markup(tail):
        raise EvidenceError(_("The file contains web-page code (HTML or script) and was refused."))
    if expected.main_part:
        _check_office_xml(stream, expected)
    elif expected.ole_stream:
        _check_ole(stream, expected)
    elif expected.label == "PNG":
        _check_png(stream, size)
    elif expected.label == "PDF" and b"%%EOF" not in tail:
        raise EvidenceError(_("The PDF file is incomplete (no end-of-file marker)."))
    stream.seek(0)
    return expected


def _kind_by_content(head: bytes) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return KINDS[0]
    if head.startswith(PNG_SIGNATURE):
        return KINDS[1]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS[2]
    if head.startswith(b"PK\x03\x04"):
        return KINDS[3]  # any OOXML; which one is checked against the package's parts
    if head.startswith(OLE_SIGNATURE):
        return KINDS[6]
    return None


def _has_markup(chunk: bytes) -> bool:
    lowered = chunk.lower()
    return any(marker in lowered for marker in MARKUP)


def _check_png(stream: IO[bytes], size: int) -> None:
    """Walk the chunks: nothing may follow IEND (a classic way to smuggle HTML into an image)."""
    stream.seek(len(PNG_SIGNATURE))
    position = len(PNG_SIGNATURE)
    while True:
        header = stream.read(8)
        if len(header) < 8:
            raise EvidenceError(_("The PNG file is damaged."))
        length, chunk_type = struct.unpack(">I4s", header)
        position += 12 + length
        if position > size:
            raise EvidenceError(_("The PNG file is damaged."))
        if chunk_type == b"IEND":
            break
        stream.seek(position)
    stream.seek(position)
    if stream.read(1):
        raise EvidenceError(_("The image has extra data after its end and was refused."))


def _check_office_xml(stream: IO[bytes], kind: FileKind) -> None:
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
            info = package.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > ZIP_MAX_CONTENT_TYPES:
                raise EvidenceError(_("The content of this file is not a %(kind)s file.") % {"kind": kind.label})
            content_types = package.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError):
        raise EvidenceError(_("The content of this file is not a %(kind)s file.") % {"kind": kind.label}) from None
    if "macroEnabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceError(_("Office files with macros are not accepted; save it without macros."))
    if kind.main_part not in content_types or not any(n.startswith(kind.folder) for n in names):
        raise EvidenceError(_("The content of this file is not a %(kind)s file.") % {"kind": kind.label})


def _check_ole(stream: IO[bytes], kind: FileKind) -> None:
    stream.seek(0)
    data = stream.read()
    if not any(name.encode("utf-16-le") in data for name in kind.ole_stream):
        raise EvidenceError(_("The content of this file is not a %(kind)s file.") % {"kind": kind.label})
    if "_VBA_PROJECT".encode("utf-16-le") in data:
        raise EvidenceError(_("Office files with macros are not accepted; save it without macros."))


def store_evidence(assessment: Assessment, code: str, upload: Any, *, user: User) -> Evidence:
    """Validate and store one upload for a gate or indicator; raises EvidenceError."""
    kind = detect(upload.name, upload, upload.size)
    evidence = Evidence(
        assessment=assessment,
        code=code,
        original_name=check_name(upload.name),
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=user if user.is_authenticated else None,
    )
    evidence.file.save("upload", upload, save=False)
    evidence.save()
    return evidence


def delete_evidence(evidence: Evidence) -> None:
    evidence.file.delete(save=False)
    evidence.delete()
