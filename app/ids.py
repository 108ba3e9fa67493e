"""Row ids as the API accepts them: positive integers within the database's range, never booleans."""

import re
from typing import Annotated

from annotated_types import Interval
from pydantic import BeforeValidator

MAX_ROW_ID = 2_147_483_647
"""The largest id an integer primary key holds on PostgreSQL; larger ones would overflow the query."""

_DIGITS = re.compile(r"[0-9]{1,10}")


def _integer_as_written(value: object) -> object:
    """An id is a JSON integer (or, in a path or query, ASCII digits); true, 1.0 and "١" are not ids."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("an id is a whole number such as 12")
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        if value.isascii() and value.isdigit():
            raise ValueError(f"{value[:30]!r} is larger than any id (at most {MAX_ROW_ID})")
        raise ValueError(f"{value!r} is not an id: write it in digits 0-9, such as 12")
    return int(value)


RowId = Annotated[int, BeforeValidator(_integer_as_written), Interval(ge=1, le=MAX_ROW_ID)]
"""An id in a path, query or body: a larger or non-positive one is refused as 422, never a 500."""
