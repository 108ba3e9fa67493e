"""Dates as the API accepts them: within the years a ledger can hold, so date arithmetic never overflows."""

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from app.errors import RuleError

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TYPED_DATE = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_WRITTEN = "a date is written YYYY-MM-DD, such as 2024-03-31, without a time"
"""The API's refusal of a date not written as it takes them."""
DATE_TYPED = "enter a real date as day/month/year, such as 31/03/2024"
"""The same refusal as a page puts it, where dates are typed day first."""


def _date_as_written(value: object) -> object:
    """A date is written YYYY-MM-DD: a datetime, a timestamp or 20200601 is not a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(DATE_WRITTEN)
    return value


def date_as_typed(text: str) -> str:
    """A date a person typed as 01/12/2026 (or 1/12/2026, or ISO) written as the API takes it (2026-12-01)."""
    cleaned = text.strip()
    found = _TYPED_DATE.fullmatch(cleaned)
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return cleaned
    return cleaned


def _within_years(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value} is outside the years {EARLIEST.year} to {LATEST.year} that a ledger holds")
    return value


Day = Annotated[
    date,
    BeforeValidator(_date_as_written),
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}, mode="validation"),
]
"""A date in a path, query or body: one outside 1900-2999 is refused as 422, never a 500."""


def _not_after_today(value: date) -> date:
    if value > date.today():
        raise ValueError(f"{value} is after today; the ledger knows figures only up to today")
    return value


AsAtDay = Annotated[Day, AfterValidator(_not_after_today)]
"""The date figures are as at: the ledger cannot answer for a day that has not happened."""


def check_range(start: date | None, end: date | None, *, start_field: str, end_field: str) -> None:
    """Refuse a date range whose end comes before its start, naming the end's field."""
    if start is not None and end is not None and end < start:
        raise RuleError(f"{end_field} {end} is before {start_field} {start}", field=end_field)


def in_full(value: date) -> str:
    """A date as a letter writes it: 1 December 2026."""
    return f"{value.day} {value:%B %Y}"


def in_words(value: date) -> str:
    """A date as people write it in a sentence: 1 Apr 2024 (the pages' and the digests' form)."""
    return f"{value.day} {value:%b %Y}"
