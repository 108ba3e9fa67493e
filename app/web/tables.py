"""The money columns of the authority and agreement pages, and what each cell shows."""

from dataclasses import dataclass
from decimal import Decimal

from app.balances.queries import Balance


@dataclass(frozen=True)
class Column:
    """One figure column: the Balance field it shows and its heading."""

    field: str
    heading: str
    money: bool = True


AUTHORITY_COLUMNS = (
    Column("open_agreements", "Open agreements", money=False),
    Column("total_value", "Total value"),
    Column("not_started", "Not yet started"),
    Column("held_by_developer", "Held by developers"),
    Column("at_risk", "At risk"),
    Column("held_by_local_authority", "Held by the authority"),
    Column("drawn", "Drawn"),
    Column("spent", "Spent"),
    Column("remaining", "Remaining"),
)
"""An authority's balance columns, in order, as its page shows them."""

STAGE_COLUMNS = AUTHORITY_COLUMNS[1:]
"""The money columns, for agreements and contributions."""

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def figure(balance: Balance, column: Column) -> Decimal | int:
    """The value a column shows for a row."""
    value: Decimal | int = getattr(balance, column.field)
    return value
