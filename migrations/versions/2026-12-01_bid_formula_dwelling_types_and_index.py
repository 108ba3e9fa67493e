"""Bid formulas cost houses and flats apart and move with a price index; a bid keeps its mix and the index applied

A formula version may name the index its costs move with (from the month before its base date), and
each item may cost a house and a flat apart. A bid records its houses and flats, the date its amount
was worked out at, and the index values applied, so its workings never change afterwards.

Revision ID: 0017b
Revises: 0016c
Create Date: 2026-12-01 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017b"
down_revision: str | Sequence[str] | None = "0016c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bid_formulas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("index_series", sa.String(length=64), nullable=True))

    with op.batch_alter_table("bid_formula_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_per_house", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column("cost_per_flat", sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_bid_formula_lines_house_cost_positive"), "cost_per_house IS NULL OR cost_per_house > 0"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_bid_formula_lines_flat_cost_positive"), "cost_per_flat IS NULL OR cost_per_flat > 0"
        )

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("houses", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("flats", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("calculated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("index_month", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("index_value", sa.Numeric(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column("index_base_value", sa.Numeric(precision=14, scale=4), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_bids_houses_not_negative"), "houses IS NULL OR houses >= 0")
        batch_op.create_check_constraint(batch_op.f("ck_bids_flats_not_negative"), "flats IS NULL OR flats >= 0")

    # Bids worked out before this revision were priced at their formula's base date, with no index applied.
    op.execute("UPDATE bids SET calculated_on = consulted_on WHERE formula_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_bids_flats_not_negative"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_bids_houses_not_negative"), type_="check")
        batch_op.drop_column("index_base_value")
        batch_op.drop_column("index_value")
        batch_op.drop_column("index_month")
        batch_op.drop_column("calculated_on")
        batch_op.drop_column("flats")
        batch_op.drop_column("houses")

    with op.batch_alter_table("bid_formula_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_bid_formula_lines_flat_cost_positive"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_bid_formula_lines_house_cost_positive"), type_="check")
        batch_op.drop_column("cost_per_flat")
        batch_op.drop_column("cost_per_house")

    with op.batch_alter_table("bid_formulas", schema=None) as batch_op:
        batch_op.drop_column("index_series")
