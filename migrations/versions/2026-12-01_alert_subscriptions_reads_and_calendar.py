"""Alert subscriptions per account, alerts marked read, and secret calendar addresses

Each existing account is given its role's subscriptions (the officer everything; finance deadlines and
triggers falling due; a planning officer their authority's deadlines and unanswered requests), as a
new account is.

Revision ID: 0017d
Revises: 0017e
Create Date: 2026-12-01 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017d"
down_revision: str | Sequence[str] | None = "0017e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("deadline", "trigger_due", "receipt", "drawdown_unanswered", "at_risk")

DEFAULTS: tuple[tuple[str, str, int | None], ...] = (
    ("officer", "deadline", 90),
    ("officer", "trigger_due", None),
    ("officer", "receipt", None),
    ("officer", "drawdown_unanswered", 60),
    ("officer", "at_risk", None),
    ("finance", "deadline", 90),
    ("finance", "trigger_due", None),
    ("planning", "deadline", 90),
    ("planning", "drawdown_unanswered", 60),
)
"""As app/alerts/subscriptions.py's ROLE_DEFAULTS when this revision was written."""


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="alertkind", native_enum=False), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "days IS NULL OR (days > 0 AND days <= 3650)", name=op.f("ck_alert_subscriptions_days_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_alert_subscriptions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
        sa.UniqueConstraint("account_id", "kind", name=op.f("uq_alert_subscriptions_account_id")),
    )
    op.create_table(
        "alert_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_alert_reads_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_reads")),
        sa.UniqueConstraint("account_id", "key", name=op.f("uq_alert_reads_account_id")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_calendar_feeds_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feeds_secret_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_account_id"), "calendar_feeds", ["account_id"], unique=False)
    for role, kind, days in DEFAULTS:
        op.execute(
            sa.text(
                "INSERT INTO alert_subscriptions (account_id, kind, days) "
                "SELECT id, :kind, :days FROM accounts WHERE role = :role"
            ).bindparams(sa.bindparam("days", days, type_=sa.Integer()), kind=kind, role=role)
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_feeds_account_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_table("alert_reads")
    op.drop_table("alert_subscriptions")
