"""rollup covering indexes: the month tables' and agreement day tables' indexes carry every column a read takes

A read as at a date takes one row per group from a month table and the days between it and the date. With
only the month (or the date) indexed, each row was a lookup in the table: 2,100 of them for the stage
months at national scale, a third of a read at a month end on SQLite. With the group and the figures in the
index, the read scans the index alone, in group order.

Revision ID: 0019i
Revises: 0018p
Create Date: 2026-12-02 04:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019i"
down_revision: str | Sequence[str] | None = "0018p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
COUNTS = ("agreements", "open_agreements")

# (table, old index, its column, new index, the new index's columns)
INDEXES = (
    ("rollup_months", "ix_rollup_months_month", "month", ("month", "local_authority_id", "purpose", *FIGURES)),
    ("rollup_agreement_months", "ix_rollup_agreement_months_month", "month", ("month", "local_authority_id", *COUNTS)),
    (
        "rollup_agreement_purpose_months",
        "ix_rollup_agreement_purpose_months_month",
        "month",
        ("month", "local_authority_id", "purpose", *COUNTS),
    ),
    ("rollup_agreement_days", "ix_rollup_agreement_days_on", "on", ("on", "local_authority_id", *COUNTS)),
    (
        "rollup_agreement_purpose_days",
        "ix_rollup_agreement_purpose_days_on",
        "on",
        ("on", "local_authority_id", "purpose", *COUNTS),
    ),
)


def _reading(old: str) -> str:
    return old.rsplit("_", 1)[0] + "_reading"


def upgrade() -> None:
    for table, old, _column, columns in INDEXES:
        op.create_index(_reading(old), table, list(columns), unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, column, _columns in INDEXES:
        op.create_index(old, table, [column], unique=False)
        op.drop_index(_reading(old), table_name=table)
