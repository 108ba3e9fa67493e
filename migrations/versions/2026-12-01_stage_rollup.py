"""stage rollup: each contribution's stage figures as dated deltas, summed per authority, purpose and month

rollup_contribution_days and rollup_months (every stage's money, for all agreements and for open ones),
rollup_agreement_days and rollup_agreement_months (the agreement counts), filled from the existing ledger.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
PURPOSES = (
    "premises",
    "equipment",
    "vehicles",
    "crime_prevention",
    "policing_requirements",
    "policing_in_area",
    "no_prescription",
)


def _figures() -> list[sa.Column[object]]:
    names = [*STAGES, *(f"open_{name}" for name in STAGES)]
    return [sa.Column(name, sa.Numeric(precision=14, scale=2), nullable=False) for name in names]


def _purpose() -> sa.Enum:
    return sa.Enum(*PURPOSES, name="purpose", native_enum=False)


def upgrade() -> None:
    op.create_table(
        "rollup_contribution_days",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", _purpose(), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_rollup_contribution_days_contribution_id_contributions"),
        ),
        sa.PrimaryKeyConstraint("contribution_id", "on", name=op.f("pk_rollup_contribution_days")),
    )
    op.create_index("ix_rollup_contribution_days_on", "rollup_contribution_days", ["on"], unique=False)
    op.create_table(
        "rollup_months",
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", _purpose(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *_figures(),
        sa.PrimaryKeyConstraint("local_authority_id", "purpose", "month", name=op.f("pk_rollup_months")),
    )
    op.create_table(
        "rollup_agreement_days",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("open_agreements", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_rollup_agreement_days_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "on", name=op.f("pk_rollup_agreement_days")),
    )
    op.create_index("ix_rollup_agreement_days_on", "rollup_agreement_days", ["on"], unique=False)
    op.create_table(
        "rollup_agreement_months",
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("open_agreements", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_authority_id", "month", name=op.f("pk_rollup_agreement_months")),
    )
    # Filled by the same derivation the ledger keeps it with, so an existing ledger starts consistent.
    from app.ledger import rollup

    session = Session(bind=op.get_bind())
    rollup.rebuild(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("rollup_agreement_months")
    op.drop_index("ix_rollup_agreement_days_on", table_name="rollup_agreement_days")
    op.drop_table("rollup_agreement_days")
    op.drop_table("rollup_months")
    op.drop_index("ix_rollup_contribution_days_on", table_name="rollup_contribution_days")
    op.drop_table("rollup_contribution_days")
