"""accounts and sessions: people sign in with an email and password; tokens and audit entries name the account

accounts (email unique in lower case, argon2 hash, role, planning authority, disabled), account_sessions
(hashes of page session ids), sign_in_attempts (to slow guessing), password_links (one-time set-password
links), api_tokens.account_id and audit_entries.actor_account_id.

Revision ID: 0012a
Revises: 0006
Create Date: 2026-12-01 09:33:08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012a"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_attempts_address_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_sign_in_attempts_email_at", ["email", "at"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.Enum("officer", "finance", "planning", name="role", native_enum=False), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'planning') = (local_authority_id IS NOT NULL)",
            name=op.f("ck_accounts_planning_has_local_authority"),
        ),
        sa.ForeignKeyConstraint(
            ["local_authority_id"],
            ["local_authorities.id"],
            name=op.f("fk_accounts_local_authority_id_local_authorities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "account_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_account_sessions_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sessions")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_account_sessions_id_hash")),
    )
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_sessions_account_id"), ["account_id"], unique=False)

    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_password_links_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_password_links_secret_hash")),
    )
    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_links_account_id"), ["account_id"], unique=False)

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_tokens_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_tokens_account_id_accounts"), "accounts", ["account_id"], ["id"])

    # A plain ADD COLUMN (never a batch copy, which on SQLite would drop the append-only triggers).
    op.add_column("audit_entries", sa.Column("actor_account_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_entries", "actor_account_id")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_account_id_accounts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_tokens_account_id"))
        batch_op.drop_column("account_id")

    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_links_account_id"))

    op.drop_table("password_links")
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_sessions_account_id"))

    op.drop_table("account_sessions")
    op.drop_table("accounts")
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_attempts_email_at")
        batch_op.drop_index("ix_sign_in_attempts_address_at")

    op.drop_table("sign_in_attempts")
