"""Bids on planning applications, and the versioned per-dwelling funding formula they are worked out with

The Task Group's recommendations C and F: the force records consultations before any agreement exists,
and each bid keeps the formula version it used, so a later version leaves old bids' workings unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bid_formulas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("version > 0", name=op.f("ck_bid_formulas_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_formulas")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_bid_formulas_name")),
    )
    op.create_table(
        "bid_formula_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("formula_id", sa.Integer(), nullable=False),
        sa.Column(
            "item",
            sa.Enum(
                "officers_and_staff", "premises", "vehicles", "equipment", "it", name="formulaitem", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("cost_per_dwelling", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("assumption", sa.Text(), nullable=False),
        sa.CheckConstraint("cost_per_dwelling > 0", name=op.f("ck_bid_formula_lines_cost_positive")),
        sa.ForeignKeyConstraint(
            ["formula_id"], ["bid_formulas.id"], name=op.f("fk_bid_formula_lines_formula_id_bid_formulas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_formula_lines")),
        sa.UniqueConstraint("formula_id", "item", name=op.f("uq_bid_formula_lines_formula_id")),
    )
    with op.batch_alter_table("bid_formula_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_formula_lines_formula_id"), ["formula_id"], unique=False)

    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("application_reference", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("consulted_on", sa.Date(), nullable=False),
        sa.Column("respond_by", sa.Date(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("formula_id", sa.Integer(), nullable=True),
        sa.Column("amount_bid", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("necessary", sa.Text(), nullable=True),
        sa.Column("directly_related", sa.Text(), nullable=True),
        sa.Column("fairly_related", sa.Text(), nullable=True),
        sa.Column("heads_of_terms", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("secured", "refused", "withdrawn", "lost_at_appeal", name="bidoutcome", native_enum=False),
            nullable=True,
        ),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name=op.f("ck_bids_outcome_dated")),
        sa.CheckConstraint("amount_bid IS NULL OR amount_bid > 0", name=op.f("ck_bids_amount_bid_positive")),
        sa.CheckConstraint("dwellings > 0", name=op.f("ck_bids_dwellings_positive")),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"], name=op.f("fk_bids_agreement_id_agreements")),
        sa.ForeignKeyConstraint(["formula_id"], ["bid_formulas.id"], name=op.f("fk_bids_formula_id_bid_formulas")),
        sa.ForeignKeyConstraint(
            ["local_authority_id"], ["local_authorities.id"], name=op.f("fk_bids_local_authority_id_local_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_bids_agreement_id")),
        sa.UniqueConstraint("local_authority_id", "application_reference", name=op.f("uq_bids_local_authority_id")),
    )
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bids_formula_id"), ["formula_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bids_local_authority_id"), ["local_authority_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bids_local_authority_id"))
        batch_op.drop_index(batch_op.f("ix_bids_formula_id"))

    op.drop_table("bids")
    with op.batch_alter_table("bid_formula_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_formula_lines_formula_id"))

    op.drop_table("bid_formula_lines")
    op.drop_table("bid_formulas")
