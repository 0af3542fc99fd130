"""What clients put in addresses and query strings, parsed in one place and within bounds: ids, page numbers, dates.
Anything else is the caller's mistake, answered as such (404 for an id, 400 for a parameter), never a crash."""

import datetime
import re

# PostgreSQL's bigint.
LARGEST_ID = 2**63 - 1
# Dates the portal deals in: wide enough for any meeting or deadline, narrow enough that a day's arithmetic in any
# time zone stays within Python's and PostgreSQL's ranges.
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(2199, 12, 31)
# The days `day` accepts, as the API's schema states them (with `format: date`, which rules out February 30).
DAY_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def whole_number(value: object, *, low: int = 0, high: int = LARGEST_ID) -> int | None:
    """ASCII digits only (not "²" or "٣", which `str.isdigit` accepts), from `low` to `high`; None otherwise."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def object_id(value: object) -> int | None:
    return whole_number(value, low=1)


def day(value: object) -> datetime.date | None:
    """An ISO date (YYYY-MM-DD, nothing else ISO 8601 allows) within the portal's range."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(value)):
        return None
    try:
        parsed = datetime.date.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if EARLIEST_DAY <= parsed <= LATEST_DAY else None


def in_range(value: datetime.date) -> bool:
    return EARLIEST_DAY <= value <= LATEST_DAY
