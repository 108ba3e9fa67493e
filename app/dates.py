"""Dates as the API accepts them: within the years a ledger can hold, so date arithmetic never overflows."""

from datetime import date
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator

from app.errors import RuleError

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

Day = Annotated[date, Interval(ge=EARLIEST, le=LATEST)]
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
