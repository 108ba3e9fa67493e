"""Instalments: a contribution's money in tranches, each with a share and a structured trigger, and the
dated records of an instalment falling due; and an authority's default build rate for the forecast

Every existing contribution becomes one instalment of 100% at its current trigger; a contribution whose
trigger was recorded as met has that instalment due on the first such date, linked to the event.

Revision ID: 0017c
Revises: 0017a
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017c"
down_revision: str | Sequence[str] | None = "0017a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER_TYPES = ("on_signing", "on_commencement", "on_occupation", "on_completion", "on_date", "other")


def upgrade() -> None:
    op.add_column("local_authorities", sa.Column("dwellings_per_year", sa.Integer(), nullable=True))
    op.create_table(
        "instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("share_percent", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("share_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("trigger_type", sa.Enum(*TRIGGER_TYPES, name="triggertype", native_enum=False), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column(
            "threshold_unit", sa.Enum("dwellings", "percent", name="thresholdunit", native_enum=False), nullable=False
        ),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("position > 0", name=op.f("ck_instalments_position_positive")),
        sa.CheckConstraint("(share_percent IS NULL) <> (share_amount IS NULL)", name=op.f("ck_instalments_one_share")),
        sa.CheckConstraint(
            "share_percent IS NULL OR (share_percent >= 0 AND share_percent <= 100)",
            name=op.f("ck_instalments_percent_range"),
        ),
        sa.CheckConstraint(
            "share_amount IS NULL OR share_amount >= 0", name=op.f("ck_instalments_amount_not_negative")
        ),
        sa.CheckConstraint("threshold IS NULL OR threshold >= 0", name=op.f("ck_instalments_threshold_not_negative")),
        sa.ForeignKeyConstraint(
            ["contribution_id"], ["contributions.id"], name=op.f("fk_instalments_contribution_id_contributions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalments")),
        sa.UniqueConstraint("contribution_id", "position", name=op.f("uq_instalments_contribution_id")),
    )
    op.create_index(op.f("ix_instalments_contribution_id"), "instalments", ["contribution_id"], unique=False)
    op.create_table(
        "instalment_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contribution_events.id"], name=op.f("fk_instalment_due_event_id_contribution_events")
        ),
        sa.ForeignKeyConstraint(
            ["instalment_id"], ["instalments.id"], name=op.f("fk_instalment_due_instalment_id_instalments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalment_due")),
    )
    op.create_index(op.f("ix_instalment_due_instalment_id"), "instalment_due", ["instalment_id"], unique=False)
    op.execute(
        "INSERT INTO instalments (contribution_id, position, share_percent, trigger_type, threshold, threshold_unit, "
        "description, created_by) "
        "SELECT id, 1, 100, trigger_type, trigger_threshold, 'dwellings', trigger_description, "
        "'migration 0017c (its trigger)' FROM contributions"
    )
    op.execute(
        'INSERT INTO instalment_due (instalment_id, "on", note, event_id, recorded_by) '
        "SELECT i.id, e.\"on\", 'the trigger recorded as met', e.id, e.recorded_by "
        "FROM instalments i JOIN contribution_events e ON e.contribution_id = i.contribution_id "
        "WHERE e.kind = 'trigger_met' AND e.id = (SELECT MIN(f.id) FROM contribution_events f "
        "WHERE f.contribution_id = i.contribution_id AND f.kind = 'trigger_met' AND f.\"on\" = "
        '(SELECT MIN(g."on") FROM contribution_events g WHERE g.contribution_id = i.contribution_id '
        "AND g.kind = 'trigger_met'))"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_instalment_due_instalment_id"), table_name="instalment_due")
    op.drop_table("instalment_due")
    op.drop_index(op.f("ix_instalments_contribution_id"), table_name="instalments")
    op.drop_table("instalments")
    with op.batch_alter_table("local_authorities") as batch:
        batch.drop_column("dwellings_per_year")
