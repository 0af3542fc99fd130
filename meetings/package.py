"""The meeting package: a meeting's cover, its agenda and every paper a reader may see, as one PDF.

What a package holds is worked out from one reader's own view of the agenda (`contents_of`, fed by
`selectors.agenda_items`, which reads through the visibility core): the items they see with their numbers in their
numbering, the papers they may read, their language and time zone. Its digest is the package's key: every reader
whose view digests the same shares one file, and any change to what they see makes a new key, so a new package.

The shared file names no reader. Each download is stamped (`stamp`) with its reader's footer — their name, their
agency, the day the package was made, the package's highest marking and "page X of N" — onto a copy made on the fly:
one file on disk per view, none per reader to keep in step, and no reader's name in anything another reader gets.

Papers go in page for page: PDFs merged, images placed on a page, text typeset, Office papers converted by
LibreOffice in headless mode. A paper that cannot be included gets a page saying so, by its title: the package is
still made.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from members.models import Classification, User
from taskforce.templatetags.portal import bilingual_plain

from . import uploads
from .models import AgendaItem, AgendaPackage, Meeting, Paper

logger = logging.getLogger(__name__)

OFFICE_TYPES = {
    kind for kind, extension in uploads.ALLOWED_TYPES.items() if extension in {"docx", "xlsx", "pptx", "odt", "ods"}
}
IMAGE_TYPES = {"image/png", "image/jpeg"}
TEXT_TYPES = {"text/plain", "text/csv"}


# What a reader's package holds, and its key ------------------------------------------------------------------


def paper_version(paper: Paper) -> list:
    """What tells one content of a paper from another: the one place to change when papers get versions of their
    own (replacing a paper's file must change it)."""
    version = getattr(paper, "version", None)
    return [paper.pk, version] if version is not None else [paper.pk, paper.uploaded_at.isoformat(), paper.size]


def contents_of(meeting: Meeting, items: list[AgendaItem], *, language: str, time_zone: str) -> dict:
    """A reader's package as data: `items` are the agenda as that reader sees it (numbered in their numbering, with
    the papers they may read as `visible_papers`). Nothing else of the agenda is named or counted here."""
    return {
        "meeting": [meeting.pk, meeting.sequence, meeting.updated_at.isoformat(), meeting.agenda_status],
        "language": language,
        "time_zone": time_zone,
        "items": [
            {
                "id": item.pk,
                "version": item.version,
                "number": item.number,
                "papers": [paper_version(paper) for paper in item.visible_papers] if not item.withdrawn else [],
            }
            for item in items
        ],
    }


def contents_key(contents: dict) -> str:
    return hashlib.sha256(json.dumps(contents, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def paper_count(contents: dict) -> int:
    return sum(len(item["papers"]) for item in contents["items"])


# Building ------------------------------------------------------------------------------------------------------


class Changed(Exception):
    """What the package was asked for changed before it was built: its readers now have another key."""


@dataclass
class Entry:
    item: AgendaItem
    number: int
    papers: list[Paper] = field(default_factory=list)


@dataclass
class Built:
    pdf: bytes
    pages: int
    classification: int


def _entries(contents: dict) -> list[Entry]:
    """The items and papers named by `contents`, exactly as they were when it was worked out, or `Changed`."""
    wanted = contents["items"]
    items = AgendaItem.objects.select_related("presenter__agency", "presenter_agency").in_bulk(
        [item["id"] for item in wanted]
    )
    papers = Paper.objects.in_bulk([paper[0] for item in wanted for paper in item["papers"]])
    entries = []
    for spec in wanted:
        item = items.get(spec["id"])
        if item is None or item.version != spec["version"]:
            raise Changed(f"item {spec['id']}")
        entry = Entry(item=item, number=spec["number"])
        for version in spec["papers"]:
            paper = papers.get(version[0])
            if paper is None or paper.item_id != item.pk or paper_version(paper) != version:
                raise Changed(f"paper {version[0]}")
            entry.papers.append(paper)
        entries.append(entry)
    return entries


def _time(entries: list[Entry], meeting: Meeting) -> None:
    """Each item's start and end in its readers' timed agenda: from the meeting's start over the items they see, in
    their order, a withdrawn one taking no time (as `selectors.whole_meetings_timing` works them out)."""
    elapsed = 0
    for entry in entries:
        elapsed += 0 if entry.item.withdrawn else entry.item.minutes_allotted
        entry.item.elapsed, entry.item.meeting_start = elapsed, meeting.start


def build(package: AgendaPackage, *, progress: Callable[[int], None]) -> Built:
    """The package's PDF, unstamped: cover and agenda, then each paper in agenda order, with a bookmark for each
    item and paper. `progress(n)` is told each time another paper is in."""
    from pypdf import PdfReader, PdfWriter

    contents = package.contents
    entries = _entries(contents)
    meeting = Meeting.objects.select_related("body", "host_agency").get(pk=package.meeting_id)
    _time(entries, meeting)
    level = max((paper.classification for entry in entries for paper in entry.papers), default=0)
    with translation.override(contents["language"]), timezone.override(contents["time_zone"]):
        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(_front(meeting, entries, level))), import_outline=False)
        agenda_page = min(1, len(writer.pages) - 1)  # the cover is one page
        placed: list[list[tuple[Paper, int]]] = []
        for entry in entries:
            placed.append([])
            for paper in entry.papers:
                placed[-1].append((paper, len(writer.pages)))
                writer.append(PdfReader(io.BytesIO(_paper_pdf(paper))), import_outline=False)
                progress(sum(len(papers) for papers in placed))
        writer.add_outline_item(title=translation.gettext("Cover"), page_number=0)
        writer.add_outline_item(title=translation.gettext("Agenda"), page_number=agenda_page)
        for entry, papers in zip(entries, placed, strict=True):
            first = papers[0][1] if papers else agenda_page
            mark = writer.add_outline_item(title=f"{entry.number}. {plain_title(entry.item)}", page_number=first)
            for paper, start in papers:
                writer.add_outline_item(title=paper.title, page_number=start, parent=mark)
        writer.add_metadata({"/Title": plain_title(meeting), "/Producer": "Task force portal"})
        writer.page_mode = "/UseOutlines"
        out = io.BytesIO()
        writer.write(out)
    return Built(pdf=out.getvalue(), pages=len(writer.pages), classification=level)


def plain_title(obj) -> str:
    """A bilingual title as text, in the active language (the other one's when it has none)."""
    return bilingual_plain(obj, "title")


def _html_to_pdf(markup: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=markup, base_url=str(settings.BASE_DIR)).write_pdf()


def _front(meeting: Meeting, entries: list[Entry], level: int) -> bytes:
    return _html_to_pdf(render_to_string("meetings/package/front.html", {
        "meeting": meeting, "entries": entries, "marking": Classification(level).label,
        "allotted": sum(entry.item.minutes_allotted for entry in entries if not entry.item.withdrawn),
    }))


def _paper_pdf(paper: Paper) -> bytes:
    """The paper as PDF pages, or a page saying why it is not in the package."""
    try:
        with paper.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        logger.warning("package: paper %s has no file", paper.pk)
        return _note(paper)
    try:
        if paper.content_type == "application/pdf":
            return _checked_pdf(data) or _note(paper)
        if paper.content_type in IMAGE_TYPES:
            return _image_page(paper, data)
        if paper.content_type in TEXT_TYPES:
            return _text_pages(paper, data)
        if paper.content_type in OFFICE_TYPES:
            converted = office_to_pdf(data, uploads.ALLOWED_TYPES[paper.content_type])
            return (converted and _checked_pdf(converted)) or _note(paper)
    except Exception:  # a paper that breaks a library is noted, never the end of the package
        logger.exception("package: paper %s could not be included", paper.pk)
    return _note(paper)


def _checked_pdf(data: bytes) -> bytes | None:
    """`data` when it is a PDF whose pages can be read (an empty password opens some); None otherwise."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        if not reader.pages:
            return None
        writer = PdfWriter()
        writer.append(reader, import_outline=False)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return None


def _image_page(paper: Paper, data: bytes) -> bytes:
    source = f"data:{paper.content_type};base64,{base64.b64encode(data).decode()}"
    return _html_to_pdf(render_to_string("meetings/package/image.html", {"paper": paper, "source": source}))


# A text paper is typeset up to this many characters (some sixty pages); the rest is left to its own download.
TEXT_LIMIT = 200_000


def _text_pages(paper: Paper, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    context = {"paper": paper, "text": text[:TEXT_LIMIT], "cut": len(text) > TEXT_LIMIT}
    return _html_to_pdf(render_to_string("meetings/package/text.html", context))


def _note(paper: Paper) -> bytes:
    return _html_to_pdf(render_to_string("meetings/package/note.html", {"paper": paper}))


def office_to_pdf(data: bytes, extension: str) -> bytes | None:
    """An Office paper converted by LibreOffice in headless mode, in a folder and profile of its own (two
    conversions at once do not share a profile), within PACKAGE_CONVERSION_SECONDS; None when it cannot be."""
    with tempfile.TemporaryDirectory(prefix="package-") as folder:
        work = Path(folder)
        source = work / f"paper.{extension}"
        source.write_bytes(data)
        out = work / "out"
        args = [
            settings.PACKAGE_SOFFICE, "--headless", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to", "pdf", "--outdir", str(out), str(source),
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder, "LANG": "C.UTF-8"}
        try:
            process = subprocess.Popen(
                args, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError:
            logger.exception("package: LibreOffice (%s) could not be started", settings.PACKAGE_SOFFICE)
            return None
        try:
            output, _ = process.communicate(timeout=settings.PACKAGE_CONVERSION_SECONDS)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            logger.warning("package: LibreOffice took longer than %ss", settings.PACKAGE_CONVERSION_SECONDS)
            return None
        finally:
            _kill_group(process)  # anything it left running
        converted = out / "paper.pdf"
        if process.returncode != 0 or not converted.exists():
            logger.warning("package: LibreOffice could not convert a paper: %s", output.decode(errors="replace")[-500:])
            return None
        return converted.read_bytes()


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


# Stamping each download -----------------------------------------------------------------------------------------


def stamp(package: AgendaPackage, reader: User) -> bytes:
    """The package's file with `reader`'s footer on every page."""
    from pypdf import PdfReader, PdfWriter, Transformation

    with package.file.open("rb") as handle:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(handle.read())))
    total = len(writer.pages)
    footers = PdfReader(io.BytesIO(_footers(package, reader, total)))
    for index, page in enumerate(writer.pages):
        page.transfer_rotation_to_content()
        box = page.cropbox
        footer = footers.pages[index]
        scale = min(1.0, float(box.width) / float(footer.mediabox.width))
        left = float(box.left) + (float(box.width) - float(footer.mediabox.width) * scale) / 2
        page.merge_transformed_page(footer, Transformation().scale(scale).translate(left, float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _footers(package: AgendaPackage, reader: User, total: int) -> bytes:
    """One footer strip per page, each telling its page's number."""
    contents = package.contents
    with translation.override(contents["language"]), timezone.override(contents["time_zone"]):
        agency = reader.agency.local_acronym if reader.agency_id else ""
        name = reader.get_full_name() or reader.username
        made = formats.date_format(timezone.localtime(package.built_at).date(), "DATE_FORMAT")
        return _html_to_pdf(render_to_string("meetings/package/footers.html", {
            "name": name, "agency": agency, "made": made, "marking": Classification(package.classification).label,
            "pages": [(number, total) for number in range(1, total + 1)],
        }))
