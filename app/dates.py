"""Dates as the API accepts them: within the years a ledger can hold, so date arithmetic never overflows."""

from datetime import date
from typing import Annotated

from annotated_types import Interval

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

Day = Annotated[date, Interval(ge=EARLIEST, le=LATEST)]
"""A date in a path, query or body: one outside 1900-2999 is refused as 422, never a 500."""
