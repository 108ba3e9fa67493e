"""rollup period changes: month-end snapshots again, and beside them the few changes within a month

The quarter-month snapshots (0020q) made a read as at a mid-month date sum at most four days, but a write
back-dated a year moved four snapshot rows a month instead of one. The snapshot tables hold month ends
again (dense, one row per group and month), and three new tables hold, for the periods beginning on the
9th, 17th and 25th, what a group's days added from the month's first day to the day before: only for the
months with such a day. A read takes the month end, at most one period change and at most four days; a
back-dated write moves a row a month and at most three period changes. Upgrading derives the rollup again
from the ledger; downgrading drops the period changes and sums the day rows into quarter-month ends.

Revision ID: 0021s
Revises: 0020q
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0021s"
down_revision: str | Sequence[str] | None = "0020q"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
COUNTS = ("agreements", "open_agreements")
PURPOSES = (
    "premises",
    "equipment",
    "vehicles",
    "crime_prevention",
    "policing_requirements",
    "policing_in_area",
    "no_prescription",
)
# (period change table, its group, its columns, the snapshot table, the day table)
TABLES = (
    ("rollup_period_changes", ("local_authority_id", "purpose"), FIGURES, "rollup_months", "rollup_contribution_days"),
    (
        "rollup_agreement_period_changes",
        ("local_authority_id",),
        COUNTS,
        "rollup_agreement_months",
        "rollup_agreement_days",
    ),
    (
        "rollup_agreement_purpose_period_changes",
        ("local_authority_id", "purpose"),
        COUNTS,
        "rollup_agreement_purpose_months",
        "rollup_agreement_purpose_days",
    ),
)
PERIOD_STARTS = (1, 9, 17, 25)


def _group_column(name: str) -> sa.Column[Any]:
    if name == "purpose":
        return sa.Column("purpose", sa.Enum(*PURPOSES, name="purpose", native_enum=False), nullable=False)
    return sa.Column(name, sa.String(length=64), nullable=False)


def _value_type(columns: tuple[str, ...]) -> Any:
    return sa.Integer() if columns == COUNTS else sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    for name, group, columns, _ends, _days in TABLES:
        op.create_table(
            name,
            *(_group_column(key) for key in group),
            sa.Column("period", sa.Date(), nullable=False),
            *(sa.Column(column, _value_type(columns), nullable=False) for column in columns),
            sa.PrimaryKeyConstraint(*group, "period", name=op.f(f"pk_{name}")),
        )
        op.create_index(f"ix_{name}_reading", name, ["period", *group, *columns], unique=False)
    # Derived again by the ledger's own derivation, as revisions 0014 to 0020q filled the rollup.
    from app.ledger import rollup

    session = Session(bind=op.get_bind())
    rollup.rebuild(session)
    session.flush()


def _period_of(on: date) -> date:
    return on.replace(day=max(day for day in PERIOD_STARTS if day <= on.day))


def _next_period(period: date) -> date:
    for day in PERIOD_STARTS:
        if day > period.day:
            return period.replace(day=day)
    return (period.replace(day=1) + timedelta(days=32)).replace(day=1)


def _rounded(value: Any, columns: tuple[str, ...]) -> Any:
    return int(value) if columns == COUNTS else Decimal(str(value)).quantize(Decimal("0.01"))


def _as_period_ends(name: str, group: tuple[str, ...], columns: tuple[str, ...], days: str) -> None:
    """Quarter-month ends (0020q's shape) from the day rows, every group dense from its first period to today's."""
    bind = op.get_bind()
    value_type = _value_type(columns)
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
    current = _period_of(date.today())
    keys = [day_table.c[key] for key in group]
    query = (
        sa.select(*keys, day_table.c.on, *(sa.func.sum(day_table.c[key]) for key in columns))
        .where(day_table.c.on < _next_period(current))
        .group_by(*keys, day_table.c.on)
        .order_by(*keys, day_table.c.on)
    )
    zeros = [_rounded(0, columns)] * len(columns)
    rows: list[dict[str, Any]] = []
    for key, steps in groupby(bind.execute(query).all(), key=lambda row: tuple(row[: len(group)])):
        by_period: dict[date, list[Any]] = {}
        for row in steps:
            period = _period_of(row[len(group)])
            # SQLite sums money as floats: rounded to pennies once per day, before any is added to another.
            values = [_rounded(value, columns) for value in row[len(group) + 1 :]]
            held = by_period.get(period, zeros)
            by_period[period] = [a + b for a, b in zip(held, values, strict=True)]
        running = zeros
        period = min(by_period)
        while period <= current:
            running = [a + b for a, b in zip(running, by_period.get(period, zeros), strict=True)]
            rows.append(
                {**dict(zip(group, key, strict=True)), "month": period, **dict(zip(columns, running, strict=True))}
            )
            period = _next_period(period)
    bind.execute(sa.delete(table))
    if rows:
        bind.execute(sa.insert(table), rows)


def downgrade() -> None:
    for name, group, columns, ends, days in TABLES:
        op.drop_index(f"ix_{name}_reading", table_name=name)
        op.drop_table(name)
        _as_period_ends(ends, group, columns, days)
