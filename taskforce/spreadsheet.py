"""CSV that spreadsheets open safely: every cell shown as text, never run as a formula."""

import csv
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

# Excel reads a UTF-8 file as the local code page unless it starts with a byte order mark.
BYTE_ORDER_MARK = "\ufeff"
NO_STORE = "no-store, private"


class Echo:
    """A file-like object whose write returns the line, for streaming `csv.writer` output."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str:
    """A cell a spreadsheet shows as text: nothing that starts like a formula is left to be one."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield BYTE_ORDER_MARK + writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_download(*, header: list[str], rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """A CSV attachment with a byte order mark, every cell neutralised, never cached."""
    response = StreamingHttpResponse(lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = NO_STORE
    return response
