"""rollup agreement purposes: the agreement counts per authority and purpose, so balances by purpose read the rollup

rollup_agreement_purpose_days (each agreement's steps in the counts of each purpose it has contributions of) and
rollup_agreement_purpose_months (their month ends per authority and purpose), filled from the existing ledger.

Revision ID: 0018p
Revises: 0017r
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0018p"
down_revision: str | Sequence[str] | None = "0017r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSES = (
    "premises",
    "equipment",
    "vehicles",
    "crime_prevention",
    "policing_requirements",
    "policing_in_area",
    "no_prescription",
)


def _purpose() -> sa.Enum:
    return sa.Enum(*PURPOSES, name="purpose", native_enum=False)


def upgrade() -> None:
    op.create_table(
        "rollup_agreement_purpose_days",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("purpose", _purpose(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("open_agreements", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_rollup_agreement_purpose_days_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "purpose", "on", name=op.f("pk_rollup_agreement_purpose_days")),
    )
    op.create_index("ix_rollup_agreement_purpose_days_on", "rollup_agreement_purpose_days", ["on"], unique=False)
    op.create_table(
        "rollup_agreement_purpose_months",
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", _purpose(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("open_agreements", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_authority_id", "purpose", "month", name=op.f("pk_rollup_agreement_purpose_months")
        ),
    )
    op.create_index(
        "ix_rollup_agreement_purpose_months_month", "rollup_agreement_purpose_months", ["month"], unique=False
    )
    # Filled by the same derivation the ledger keeps them with, so an existing ledger starts consistent.
    from app.ledger import rollup

    session = Session(bind=op.get_bind())
    rollup.rebuild(session)
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_rollup_agreement_purpose_months_month", table_name="rollup_agreement_purpose_months")
    op.drop_table("rollup_agreement_purpose_months")
    op.drop_index("ix_rollup_agreement_purpose_days_on", table_name="rollup_agreement_purpose_days")
    op.drop_table("rollup_agreement_purpose_days")
