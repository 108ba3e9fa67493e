"""rollup reading index: the days' index on the date carries every column a read as at a date takes

A read as at a mid-month date sums the days between it and the nearest month end; with the authority,
purpose and figures in the index it reads them from the index alone, in date order, instead of one
table row per day (2.5x less work on SQLite at a tenth of national scale).

Revision ID: 0017r
Revises: 0017c
Create Date: 2026-12-01 19:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017r"
down_revision: str | Sequence[str] | None = "0017c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))


def upgrade() -> None:
    op.create_index(
        "ix_rollup_contribution_days_reading",
        "rollup_contribution_days",
        ["on", "local_authority_id", "purpose", *FIGURES],
        unique=False,
    )
    op.drop_index("ix_rollup_contribution_days_on", table_name="rollup_contribution_days")


def downgrade() -> None:
    op.create_index("ix_rollup_contribution_days_on", "rollup_contribution_days", ["on"], unique=False)
    op.drop_index("ix_rollup_contribution_days_reading", table_name="rollup_contribution_days")
