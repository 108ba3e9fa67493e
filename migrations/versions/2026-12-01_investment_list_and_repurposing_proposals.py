"""The investment list, and repurposing proposals from identification to consent

The Task Group's recommendations B and A: items of the investment strategy that projects and
repurposings serve, and the proposals to repurpose a contribution, each step dated, whose consent
records the repurposing.

Revision ID: 0016c
Revises: 0016b
Create Date: 2026-12-01 13:19:38.346540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016c"
down_revision: str | Sequence[str] | None = "0016b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "investment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "land_and_buildings",
                "vehicles",
                "equipment",
                "it_hardware",
                "revenue",
                name="capitalcategory",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("estimate", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("strategy_reference", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum("proposed", "approved", "delivered", "withdrawn", name="investmentstatus", native_enum=False),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("estimate > 0", name=op.f("ck_investment_items_estimate_positive")),
        sa.CheckConstraint("priority IS NULL OR priority > 0", name=op.f("ck_investment_items_priority_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investment_items")),
        sa.UniqueConstraint("name", name=op.f("uq_investment_items_name")),
    )
    op.create_table(
        "repurposing_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "identified", "discussed", "agreed", "consented", "refused", name="proposalstatus", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column(
            "proposed_purpose",
            sa.Enum(
                "premises",
                "equipment",
                "vehicles",
                "crime_prevention",
                "policing_requirements",
                "policing_in_area",
                "no_prescription",
                name="purpose",
                native_enum=False,
            ),
            nullable=True,
        ),
        sa.Column("investment_item_id", sa.Integer(), nullable=True),
        sa.Column("from_project_id", sa.Integer(), nullable=True),
        sa.Column("to_project_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("costs", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("discussed_on", sa.Date(), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("consented_on", sa.Date(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("repurposing_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status <> 'consented' OR repurposing_id IS NOT NULL",
            name=op.f("ck_repurposing_proposals_consent_recorded"),
        ),
        sa.CheckConstraint("costs IS NULL OR costs >= 0", name=op.f("ck_repurposing_proposals_costs_not_negative")),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_repurposing_proposals_contribution_id_contributions"),
        ),
        sa.ForeignKeyConstraint(
            ["from_project_id"], ["projects.id"], name=op.f("fk_repurposing_proposals_from_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["investment_item_id"],
            ["investment_items.id"],
            name=op.f("fk_repurposing_proposals_investment_item_id_investment_items"),
        ),
        sa.ForeignKeyConstraint(
            ["repurposing_id"], ["repurposings.id"], name=op.f("fk_repurposing_proposals_repurposing_id_repurposings")
        ),
        sa.ForeignKeyConstraint(
            ["to_project_id"], ["projects.id"], name=op.f("fk_repurposing_proposals_to_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repurposing_proposals")),
        sa.UniqueConstraint("repurposing_id", name=op.f("uq_repurposing_proposals_repurposing_id")),
    )
    with op.batch_alter_table("repurposing_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repurposing_proposals_contribution_id"), ["contribution_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_repurposing_proposals_investment_item_id"), ["investment_item_id"], unique=False
        )

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("investment_item_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_projects_investment_item_id"), ["investment_item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_investment_item_id_investment_items"),
            "investment_items",
            ["investment_item_id"],
            ["id"],
        )

    with op.batch_alter_table("repurposings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("investment_item_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_repurposings_investment_item_id"), ["investment_item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_repurposings_investment_item_id_investment_items"),
            "investment_items",
            ["investment_item_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("repurposings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_repurposings_investment_item_id_investment_items"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_repurposings_investment_item_id"))
        batch_op.drop_column("investment_item_id")

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_projects_investment_item_id_investment_items"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_projects_investment_item_id"))
        batch_op.drop_column("investment_item_id")

    with op.batch_alter_table("repurposing_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repurposing_proposals_investment_item_id"))
        batch_op.drop_index(batch_op.f("ix_repurposing_proposals_contribution_id"))

    op.drop_table("repurposing_proposals")
    op.drop_table("investment_items")
