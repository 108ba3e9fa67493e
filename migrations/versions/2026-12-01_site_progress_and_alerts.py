"""Site progress (dated counts of dwellings started, completed and occupied) and the alerts emailed

Counts are kept as reported: a correction is a later record, never an update. Alert deliveries are
keyed by account, so running the digest again sends nothing twice.

Revision ID: 0016a
Revises: 0015
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016a"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=True),
        sa.Column("completed", sa.Integer(), nullable=True),
        sa.Column("occupied", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "(started IS NULL OR started >= 0) AND (completed IS NULL OR completed >= 0) "
            "AND (occupied IS NULL OR occupied >= 0)",
            name=op.f("ck_site_progress_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "started IS NOT NULL OR completed IS NOT NULL OR occupied IS NOT NULL",
            name=op.f("ck_site_progress_some_count_given"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_site_progress_agreement_id_agreements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_progress")),
    )
    op.create_index("ix_site_progress_agreement_on", "site_progress", ["agreement_id", "on", "id"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_alert_deliveries_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("account_id", "key", name=op.f("uq_alert_deliveries_account_id")),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_index("ix_site_progress_agreement_on", table_name="site_progress")
    op.drop_table("site_progress")
