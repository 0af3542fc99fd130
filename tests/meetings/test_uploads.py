"""What a paper may be (meetings/uploads.py): its type comes from its bytes, never its name; the size is capped; and
what is refused never reaches the agenda or the disk."""

import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from meetings import selectors, services, uploads
from meetings.demo import tiny_pdf
from meetings.models import Paper

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            # A fixed timestamp: the same parts always make the same bytes.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2021, 11, 10, 0, 0, 0)), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def minimal_docx() -> bytes:
    """The smallest Word document Word opens: its content types, package relationships and one paragraph."""
    return zipped({
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="word/document.xml" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            b"</Relationships>"
        ),
        "word/document.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>Record of decisions</w:t></w:r></w:p></w:body></w:document>"
        ),
    })


def minimal_png() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# Accepted, by content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("agenda.pdf", tiny_pdf("Agenda"), "application/pdf"),
        ("agenda", tiny_pdf("Agenda"), "application/pdf"),
        ("agenda.txt", tiny_pdf("Agenda"), "application/pdf"),
        ("record.docx", minimal_docx(), DOCX),
        ("record.zip", minimal_docx(), DOCX),
        ("figures.xlsx", zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}), XLSX),
        ("map.png", minimal_png(), "image/png"),
        ("notes.txt", "Notes de réunion : ordre du jour\n".encode(), "text/plain"),
        ("seizures.csv", b"month,seizures\n2021-10,14\n", "text/csv"),
    ],
)
def test_it_recognises_allowed_papers_by_their_content(name, content, expected):
    assert uploads.detect_paper_type(upload(name, content)) == expected


def test_text_cut_in_the_middle_of_a_character_is_still_text():
    content = ("é" * 4096).encode()  # 8192 bytes: the sample ends on a whole character...
    content = b"a" + content  # ...unless it is shifted by one byte

    assert uploads.detect_paper_type(upload("notes.txt", content)) == "text/plain"


# Refused, by content ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("agenda.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),
        ("agenda.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("agenda.txt", b"  <html><body>Agenda</body></html>"),
        ("map.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("data.txt", b'<?xml version="1.0"?><agenda/>'),
        ("record.docx", zipped({"word/document.xml": b"<w:document/>"})),
        ("record.docx", zipped({"[Content_Types].xml": b"<Types/>", "payload.exe": b"MZ"})),
        ("archive.zip", zipped({"agenda.txt": b"Agenda"})),
        ("blob.pdf", bytes(range(256)) * 4),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"),
    ],
    ids=["exe-named-pdf", "html", "html-named-txt", "svg", "xml", "docx-without-content-types",
         "zip-with-content-types-but-no-document", "plain-zip", "binary", "gif"],
)
def test_it_refuses_what_is_not_on_the_allow_list_whatever_the_name(name, content):
    with pytest.raises(ValidationError) as refused:
        uploads.detect_paper_type(upload(name, content))

    assert refused.value.code == "type_not_allowed"


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as refused:
        uploads.detect_paper_type(upload("empty.pdf", b""))

    assert refused.value.code == "empty"
    assert refused.value.messages == ["The file is empty."]


@override_settings(PAPER_MAX_BYTES=10)
def test_it_refuses_a_file_over_the_size_limit():
    with pytest.raises(ValidationError) as refused:
        uploads.detect_paper_type(upload("big.txt", b"x" * 11))

    assert refused.value.code == "too_large"
    assert uploads.detect_paper_type(upload("small.txt", b"x" * 10)) == "text/plain"


def test_detection_leaves_the_file_ready_to_be_stored():
    docx = upload("record.docx", minimal_docx())

    uploads.detect_paper_type(docx)

    assert docx.read() == minimal_docx()


# Through the service ----------------------------------------------------------------------------


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_an_accepted_paper_is_stored_under_a_server_chosen_name_and_shown_to_members(
    circulated, secretariat, media_root, rcmp
):
    paper = services.paper_upload(
        actor=secretariat, item=circulated.roundtable, title="Record of decisions",
        upload=upload("../../Record of decisions <RCMP>.docx", minimal_docx()),
    )

    assert re.fullmatch(rf"papers/{circulated.meeting.pk}/[0-9a-f]{{32}}", paper.file.name)
    assert (paper.content_type, paper.size) == (DOCX, len(minimal_docx()))
    assert paper.original_name == "Record of decisions <RCMP>.docx"
    assert stored_files(media_root) == [media_root / paper.file.name]
    assert (media_root / paper.file.name).read_bytes() == minimal_docx()
    assert selectors.paper_get(actor=rcmp, pk=paper.pk).content_type == DOCX


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00" + b"\x00" * 100, b"<!doctype html><p>hi</p>", zipped({"a.txt": b"a"}), b""],
    ids=["exe", "html", "plain-zip", "empty"],
)
def test_a_refused_paper_leaves_nothing_on_the_agenda_or_the_disk(circulated, secretariat, media_root, content):
    with pytest.raises(ValidationError):
        services.paper_upload(
            actor=secretariat, item=circulated.roundtable, title="Paper", upload=upload("paper.pdf", content))

    assert not Paper.objects.filter(item__meeting=circulated.meeting).exists()
    assert stored_files(media_root) == []


@override_settings(PAPER_MAX_BYTES=10)
def test_a_paper_over_the_size_limit_leaves_nothing_behind(circulated, secretariat, media_root):
    with pytest.raises(ValidationError) as refused:
        services.paper_upload(
            actor=secretariat, item=circulated.roundtable, title="Big", upload=upload("big.pdf", tiny_pdf("Big")))

    assert refused.value.code == "too_large"
    assert not Paper.objects.filter(item__meeting=circulated.meeting).exists()
    assert stored_files(media_root) == []
