"""rollup month ends: rollup_months and rollup_agreement_months hold each month's closing figures, not its changes

A read as at a date then takes one row per authority and purpose (the month before the date's) and the
days since, instead of summing every month of the ledger's history. Both tables gain an index on the
month. Upgrading derives them again from the ledger; downgrading turns the month ends back into changes.

Revision ID: 0017e
Revises: 0017b
Create Date: 2026-12-01 16:00:00
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0017e"
down_revision: str | Sequence[str] | None = "0017b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
TABLES = {
    "rollup_months": (("local_authority_id", "purpose"), FIGURES, "rollup_contribution_days"),
    "rollup_agreement_months": (("local_authority_id",), ("agreements", "open_agreements"), "rollup_agreement_days"),
}


def upgrade() -> None:
    op.create_index("ix_rollup_months_month", "rollup_months", ["month"], unique=False)
    op.create_index("ix_rollup_agreement_months_month", "rollup_agreement_months", ["month"], unique=False)
    # Derived again by the ledger's own derivation, as revision 0014 filled them.
    from app.ledger import rollup

    session = Session(bind=op.get_bind())
    rollup.rebuild(session)
    session.flush()


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _as_changes(name: str, group: tuple[str, ...], columns: tuple[str, ...], days: str) -> None:
    """Month ends back into each month's change, with the days after the latest month added as changes."""
    bind = op.get_bind()
    table = sa.table(name, *(sa.column(key) for key in (*group, "month", *columns)))
    day_table = sa.table(days, *(sa.column(key) for key in (*group, "on", *columns)))
    rows = bind.execute(sa.select(table).order_by(*(table.c[key] for key in group), table.c.month)).all()
    changes: dict[tuple[Any, ...], list[Any]] = {}
    previous: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    horizon: date | None = None
    for row in rows:
        key = tuple(row[: len(group)])
        values = tuple(Decimal(value) for value in row[len(group) + 1 :])
        before = previous.get(key, tuple(Decimal(0) for _ in columns))
        changes[(*key, row[len(group)])] = [a - b for a, b in zip(values, before, strict=True)]
        previous[key] = values
        horizon = row[len(group)] if horizon is None or row[len(group)] > horizon else horizon
    later = sa.select(day_table)
    if horizon is not None:
        later = later.where(day_table.c.on >= _next_month(horizon))
    added: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [Decimal(0)] * len(columns))
    for row in bind.execute(later):
        key = (*row[: len(group)], row[len(group)].replace(day=1))
        added[key] = [a + Decimal(b) for a, b in zip(added[key], row[len(group) + 1 :], strict=True)]
    changes.update(added)
    bind.execute(sa.delete(table))
    kept = [
        {**dict(zip((*group, "month"), key, strict=True)), **dict(zip(columns, values, strict=True))}
        for key, values in changes.items()
        if any(values)
    ]
    if kept:
        bind.execute(sa.insert(table), kept)


def downgrade() -> None:
    for name, (group, columns, days) in TABLES.items():
        _as_changes(name, group, columns, days)
    op.drop_index("ix_rollup_agreement_months_month", table_name="rollup_agreement_months")
    op.drop_index("ix_rollup_months_month", table_name="rollup_months")
