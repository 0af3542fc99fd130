"""Uploaded papers: allowed by their content (never their name), capped in size, stored under names the server
chooses, downloaded only through the view that checks visibility, and shown inline only when a browser cannot
run anything in them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import Resolver404, resolve

from meetings import uploads
from meetings.demo import tiny_pdf
from meetings.models import Paper
from members.models import Classification
from taskforce.settings import base as base_settings
from tests.meetings.test_uploads import minimal_docx, minimal_png, zipped
from tests.support.scenario import page, text_of

# Papers go to a media folder of each test's own.
pytestmark = pytest.mark.usefixtures("media_root")

REFUSED_TYPE = "This type of file cannot be attached."
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
XML_SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def upload(client, item, name: str, content: bytes, **fields):
    data = {"title": "Briefing", "classification": Classification.UNCLASSIFIED,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"), **fields}
    return client.post(page("paper-upload", item.pk), data)


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


@pytest.mark.parametrize(
    "content", [HTML, EXE, SVG, XML_SVG, b"\xef\xbb\xbf  <html><p>hi</p></html>", zipped({"run.exe": EXE})],
    ids=["html", "exe", "svg-with-script", "xml-svg", "html-after-bom", "plain-zip"],
)
def test_a_file_named_pdf_that_is_not_one_is_refused_on_its_field_and_nothing_is_stored(
    client_for, secretariat, circulated, media_root, content
):
    response = upload(client_for(secretariat), circulated.roundtable, "briefing.pdf", content)

    text = text_of(response)
    assert response.status_code == 200
    assert f'<a href="#id_file" data-focus="id_file">File: {REFUSED_TYPE}' in text
    assert not Paper.objects.filter(item=circulated.roundtable).exists()
    assert stored_files(media_root) == []


@override_settings(PAPER_MAX_BYTES=1024 * 1024)
def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(client_for, secretariat, circulated, media_root):
    response = upload(client_for(secretariat), circulated.roundtable, "figures.csv", b"year,seizures\n" * 80_000)

    assert "File: The file is larger than 1 MB." in text_of(response)
    assert not Paper.objects.filter(item=circulated.roundtable).exists()
    assert stored_files(media_root) == []


def test_the_stored_name_is_the_servers_never_the_uploaders(client_for, secretariat, circulated, media_root):
    response = upload(
        client_for(secretariat), circulated.roundtable, "../../../static/js/evil <script>.pdf.html", tiny_pdf("Q3")
    )

    assert response.status_code == 302
    paper = Paper.objects.get(item=circulated.roundtable)
    assert re.fullmatch(rf"papers/{circulated.meeting.pk}/[0-9a-f]{{32}}", paper.file.name)
    assert stored_files(media_root) == [media_root / paper.file.name]
    assert paper.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("Seizures Q3.pdf", tiny_pdf("Q3"), "application/pdf", 'inline; filename="seizures-q3.pdf"'),
        ("map.png", minimal_png(), "image/png", 'inline; filename="map.png"'),
        ("record.docx", minimal_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         'attachment; filename="record.docx"'),
        ("figures.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         'attachment; filename="figures.xlsx"'),
        ("notes.pdf", b"Plain notes, named like a PDF.\n", "text/plain", 'attachment; filename="notes.txt"'),
        ("figures.csv", b"year,seizures\n2021,12\n", "text/csv", 'attachment; filename="figures.csv"'),
    ],
    ids=["pdf", "png", "docx", "xlsx", "text", "csv"],
)
def test_a_paper_downloads_as_its_detected_type_and_only_pdf_and_images_show_inline(
    client_for, secretariat, rcmp, circulated, name, content, content_type, disposition
):
    upload(client_for(secretariat), circulated.roundtable, name, content)
    paper = Paper.objects.get(item=circulated.roundtable)

    download = client_for(rcmp).get(page("paper-download", paper.pk))

    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == disposition
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in download["Content-Security-Policy"]
    assert "private" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == content


def test_nothing_a_browser_could_run_is_ever_shown_inline():
    assert uploads.INLINE_TYPES <= {"application/pdf", "image/png", "image/jpeg"}
    assert not {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"} & set(uploads.ALLOWED_TYPES)


def test_a_paper_recorded_with_a_type_not_on_the_inline_list_downloads_as_an_attachment(
    client_for, secretariat, circulated
):
    # A row written outside the upload form (an import, an old release): the download still never renders it.
    paper = Paper(item=circulated.roundtable, title="Legacy", original_name="legacy.html", content_type="text/html",
                  size=len(HTML), uploaded_by=secretariat)
    paper.file.save("paper", ContentFile(HTML), save=False)
    paper.save()

    download = client_for(secretariat).get(page("paper-download", paper.pk))

    assert download["Content-Disposition"] == 'attachment; filename="legacy.bin"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_media_folder_is_served_by_no_address(client_for, secretariat, circulated):
    upload(client_for(secretariat), circulated.roundtable, "annex.pdf", tiny_pdf("Annex"))
    paper = Paper.objects.get(item=circulated.roundtable)
    client = client_for(secretariat)

    for address in (f"/media/{paper.file.name}", f"/{paper.file.name}", f"/en/media/{paper.file.name}",
                    f"/static/{paper.file.name}", f"/static/../media/{paper.file.name}"):
        assert client.get(address).status_code == 404, address
    with pytest.raises(Resolver404):
        resolve(f"/{settings.MEDIA_URL.strip('/')}/{paper.file.name}".replace("//", "/"))


def test_the_media_folder_is_apart_from_every_folder_served_as_static_files():
    # As configured (the test's own media folder replaces it in `settings` during tests).
    media = Path(base_settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    assert base_settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    served = [Path(settings.STATIC_ROOT).resolve(), *(Path(folder).resolve() for folder in settings.STATICFILES_DIRS)]
    if getattr(settings, "WHITENOISE_ROOT", None):
        served.append(Path(settings.WHITENOISE_ROOT).resolve())

    for folder in served:
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media), folder


def test_the_paper_page_never_gives_the_files_stored_address(client_for, secretariat, rcmp, circulated):
    upload(client_for(secretariat), circulated.roundtable, "annex.pdf", tiny_pdf("Annex"))
    paper = Paper.objects.get(item=circulated.roundtable)

    for client in (client_for(secretariat), client_for(rcmp)):
        text = text_of(client.get(page("agenda-item-detail", circulated.roundtable.pk)))
        api = text_of(client.get(f"/api/v1/papers/{paper.pk}/"))
        assert page("paper-download", paper.pk) in text
        assert paper.file.name not in text and paper.file.name not in api
