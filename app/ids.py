"""Row ids as the API accepts them: positive and within the database's integer range."""

from typing import Annotated

from annotated_types import Interval

MAX_ROW_ID = 2_147_483_647
"""The largest id an integer primary key holds on PostgreSQL; larger ones would overflow the query."""

RowId = Annotated[int, Interval(ge=1, le=MAX_ROW_ID)]
"""An id in a path, query or body: a larger or non-positive one is refused as 422, never a 500."""
