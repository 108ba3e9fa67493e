"""Row ids: as the API accepts them (positive integers within the database's range, never booleans), and handed
out ahead of a bulk insert."""

import re
from typing import Annotated

from annotated_types import Interval
from pydantic import BeforeValidator
from sqlalchemy import column, func, select, table, text
from sqlalchemy.orm import Session

MAX_ROW_ID = 2_147_483_647
"""The largest id an integer primary key holds on PostgreSQL; larger ones would overflow the query."""

ALLOCATED = "allocated_ids"
"""Where a session keeps, per table, the largest id it has handed out for a bulk insert (SQLite)."""

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


def allocate(session: Session, table_name: str, count: int) -> list[int]:
    """Ids for rows a bulk insert will write in this transaction, so rows can name each other before they are written.

    PostgreSQL hands them out from the table's own sequence, as an insert would. On SQLite a writer holds
    the database's write lock for its whole transaction (BEGIN IMMEDIATE, app/db.py), so the ids after the
    largest one are its own; the session remembers what it handed out, so two allocations never overlap.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table_name, "count": count},
        )
        return [int(row[0]) for row in rows]
    handed_out: dict[str, int] = session.info.setdefault(ALLOCATED, {})
    stored = session.scalar(select(func.max(column("id"))).select_from(table(table_name))) or 0
    largest = max(stored, handed_out.get(table_name, 0))
    handed_out[table_name] = largest + count
    return list(range(largest + 1, largest + count + 1))


class IdPool:
    """Ids for one table's bulk insert, allocated a block at a time as the rows to write are made."""

    def __init__(self, session: Session, table_name: str) -> None:
        self.session = session
        self.table_name = table_name
        self.free: list[int] = []

    def take(self, count: int, *, ahead: int = 0) -> list[int]:
        """`count` ids; when the pool runs dry it allocates `ahead` more besides, for the rows still to come."""
        if len(self.free) < count:
            self.free += allocate(self.session, self.table_name, count - len(self.free) + ahead)
        taken, self.free = self.free[:count], self.free[count:]
        return taken
