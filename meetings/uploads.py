"""What a paper may be: types recognised from the file's content (never its name), and a size limit; and how a
stored one is served."""

import zipfile
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import FileField
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# Content type -> extension offered on download.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "image/png": "png",
    "image/jpeg": "jpg",
    "text/plain": "txt",
    "text/csv": "csv",
}
# Types a browser may show inline without running anything; everything else downloads.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}

OOXML_MAIN_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def max_paper_bytes() -> int:
    return getattr(settings, "PAPER_MAX_BYTES", 20 * 1024 * 1024)


def _office_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OOXML_MAIN_PARTS.items() if part in names), None)


def _text_type(head: bytes, name: str) -> str | None:
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return None
    lowered = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script")):
        return None
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def detect_paper_type(upload: UploadedFile) -> str:
    """The paper's content type, from its bytes; refuses anything not on the allow-list."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_paper_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": max_paper_bytes() // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and (kind.mime == "application/zip" or kind.mime in OOXML_MAIN_PARTS.values()):
        detected = _office_type(upload)
    elif kind is not None:
        detected = kind.mime
    else:
        detected = _text_type(head, upload.name or "")
    if detected not in ALLOWED_TYPES:
        raise ValidationError(
            _("This type of file cannot be attached. Use PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV."),
            code="type_not_allowed",
        )
    return detected


def file_response(file: FileField, *, content_type: str, original_name: str, suffix: str = "") -> FileResponse:
    """A stored paper's file (or an earlier version's), privately. The name offered is the uploader's, cleaned, with
    `suffix`; the extension is the one of the type read from the content. Not found when the record is there but
    its file is not (a restore without the media folder)."""
    extension = ALLOWED_TYPES.get(content_type) or "bin"
    filename = f"{slugify(Path(original_name).stem) or 'paper'}{suffix}.{extension}"
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404() from None
    response = FileResponse(
        handle, content_type=content_type, filename=filename, as_attachment=content_type not in INLINE_TYPES
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True)
    return response
