"""The authority's side of a request in its history, its balance confirmations, and pack templates

Each step an authority takes on a request (acknowledged, approved, rejected, queried, paid) is a row of
`drawdown_answers`, saying whether the force recorded it from the authority's letter. An authority's
confirmation of what it holds for the force at a date is a row of `balance_confirmations`. Documents
may now belong to an authority (its own request-pack template) and be a kept request pack.

Revision ID: 0017a
Revises: 0017d
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017a"
down_revision: str | Sequence[str] | None = "0017d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "agreement",
    "deed_of_variation",
    "consent_letter",
    "drawdown_letter",
    "spend_proposal",
    "plans_and_tenders",
    "proportionality_statement",
    "invoice",
    "completion_certificate",
    "correspondence",
    "request_pack",
    "other",
)
OLD_OWNERS = sa.Enum(
    "agreement", "contribution", "project", "drawdown", "spend", name="documentowner", native_enum=False
)
NEW_OWNERS = sa.Enum(
    "agreement",
    "contribution",
    "project",
    "drawdown",
    "spend",
    "local_authority",
    name="documentowner",
    native_enum=False,
)
OLD_KINDS = sa.Enum(*KINDS, name="documentkind", native_enum=False)
NEW_KINDS = sa.Enum(*KINDS, "pack_template", name="documentkind", native_enum=False)
STEPS = sa.Enum("acknowledged", "approved", "rejected", "queried", "paid", name="answerstep", native_enum=False)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("owner_type", existing_type=OLD_OWNERS, type_=NEW_OWNERS, existing_nullable=False)
        batch.alter_column("kind", existing_type=OLD_KINDS, type_=NEW_KINDS, existing_nullable=False)
        batch.alter_column("owner_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("local_authority_id", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_documents_local_authority_id"), ["local_authority_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_documents_local_authority_id_local_authorities"),
            "local_authorities",
            ["local_authority_id"],
            ["id"],
        )
        batch.create_check_constraint(
            "owner_id_or_local_authority",
            "(owner_type = 'local_authority') = (local_authority_id IS NOT NULL AND owner_id IS NULL)",
        )
    op.create_table(
        "balance_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_authority_id", sa.String(length=64), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_force", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("letter_dated", sa.Date(), nullable=True),
        sa.Column("letter_reference", sa.String(length=200), nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_balance_confirmations_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["local_authority_id"],
            ["local_authorities.id"],
            name=op.f("fk_balance_confirmations_local_authority_id_local_authorities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_confirmations")),
    )
    op.create_index(
        op.f("ix_balance_confirmations_local_authority_id"), "balance_confirmations", ["local_authority_id"]
    )
    op.create_table(
        "drawdown_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawdown_id", sa.Integer(), nullable=False),
        sa.Column("step", STEPS, nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("by_force", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("letter_dated", sa.Date(), nullable=True),
        sa.Column("letter_reference", sa.String(length=200), nullable=True),
        sa.Column("query_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawdown_id"], ["drawdown_requests.id"], name=op.f("fk_drawdown_answers_drawdown_id_drawdown_requests")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["drawdown_payments.id"], name=op.f("fk_drawdown_answers_payment_id_drawdown_payments")
        ),
        sa.ForeignKeyConstraint(
            ["query_id"], ["drawdown_queries.id"], name=op.f("fk_drawdown_answers_query_id_drawdown_queries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawdown_answers")),
    )
    op.create_index(op.f("ix_drawdown_answers_drawdown_id"), "drawdown_answers", ["drawdown_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_drawdown_answers_drawdown_id"), table_name="drawdown_answers")
    op.drop_table("drawdown_answers")
    op.drop_index(op.f("ix_balance_confirmations_local_authority_id"), table_name="balance_confirmations")
    op.drop_table("balance_confirmations")
    op.execute("DELETE FROM documents WHERE owner_type = 'local_authority'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("owner_id_or_local_authority", type_="check")
        batch.drop_constraint("fk_documents_local_authority_id_local_authorities", type_="foreignkey")
        batch.drop_index(batch.f("ix_documents_local_authority_id"))
        batch.drop_column("local_authority_id")
        batch.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("kind", existing_type=NEW_KINDS, type_=OLD_KINDS, existing_nullable=False)
        batch.alter_column("owner_type", existing_type=NEW_OWNERS, type_=OLD_OWNERS, existing_nullable=False)
