"""rollup period ends: the snapshot tables hold figures at the end of each quarter month, not each month

A read as at a mid-month date summed the month end before (or after) it and up to half a month of day rows:
at national scale 4,500 to 8,600 contribution days. The snapshot rows are now the figures at the end of each
period beginning on the 1st, 9th, 17th and 25th of a month, keyed by that first day in the column still named
`month`, so a read sums at most four days of day rows. No column changes; upgrading derives the snapshots
again from the ledger, downgrading sums the day rows back into month ends.

Revision ID: 0020q
Revises: 0019i
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0020q"
down_revision: str | Sequence[str] | None = "0019i"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
COUNTS = ("agreements", "open_agreements")
# (snapshot table, its group, its columns, the day table it sums)
TABLES = (
    ("rollup_months", ("local_authority_id", "purpose"), FIGURES, "rollup_contribution_days"),
    ("rollup_agreement_months", ("local_authority_id",), COUNTS, "rollup_agreement_days"),
    ("rollup_agreement_purpose_months", ("local_authority_id", "purpose"), COUNTS, "rollup_agreement_purpose_days"),
)


def upgrade() -> None:
    # Derived again by the ledger's own derivation, as revisions 0014, 0017e and 0018p filled them.
    from app.ledger import rollup

    session = Session(bind=op.get_bind())
    rollup.rebuild(session)
    session.flush()


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _rounded(value: Any, columns: tuple[str, ...]) -> Any:
    return int(value) if columns == COUNTS else Decimal(str(value)).quantize(Decimal("0.01"))


def _as_month_ends(name: str, group: tuple[str, ...], columns: tuple[str, ...], days: str) -> None:
    """Month ends from the day rows, every group dense from its first month to the current one."""
    bind = op.get_bind()
    value_type = sa.Integer() if columns == COUNTS else sa.Numeric(14, 2)
    table = sa.table(
        name,
        *(sa.column(key) for key in group),
        sa.column("month", sa.Date()),
        *(sa.column(key, value_type) for key in columns),
    )
    day_table = sa.table(
        days,
        *(sa.column(key) for key in group),
        sa.column("on", sa.Date()),
        *(sa.column(key, value_type) for key in columns),
    )
    current = date.today().replace(day=1)
    keys = [day_table.c[key] for key in group]
    query = (
        sa.select(*keys, day_table.c.on, *(sa.func.sum(day_table.c[key]) for key in columns))
        .where(day_table.c.on < _next_month(current))
        .group_by(*keys, day_table.c.on)
        .order_by(*keys, day_table.c.on)
    )
    rows: list[dict[str, Any]] = []
    for key, steps in groupby(bind.execute(query).all(), key=lambda row: tuple(row[: len(group)])):
        by_month: dict[date, list[Any]] = {}
        for row in steps:
            month = row[len(group)].replace(day=1)
            # SQLite sums money as floats: rounded to pennies once per day, before any is added to another.
            values = [_rounded(value, columns) for value in row[len(group) + 1 :]]
            held = by_month.setdefault(month, [_rounded(0, columns)] * len(columns))
            by_month[month] = [a + b for a, b in zip(held, values, strict=True)]
        running = [_rounded(0, columns)] * len(columns)
        month = min(by_month)
        while month <= current:
            running = [
                a + b for a, b in zip(running, by_month.get(month, [_rounded(0, columns)] * len(columns)), strict=True)
            ]
            rows.append(
                {**dict(zip(group, key, strict=True)), "month": month, **dict(zip(columns, running, strict=True))}
            )
            month = _next_month(month)
    bind.execute(sa.delete(table))
    if rows:
        bind.execute(sa.insert(table), rows)


def downgrade() -> None:
    for name, group, columns, days in TABLES:
        _as_month_ends(name, group, columns, days)
