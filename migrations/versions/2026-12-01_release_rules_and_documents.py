"""Each authority's release rules as data, documents attached to records, and a contribution's clause text

Blaby's and Charnwood's release rules were both "in arrears"; the 2021 report (paragraphs 13 and 16)
says they differ: Blaby releases only once the project is complete, Charnwood only while the work
is ongoing and never for costs the force has already paid. Their rows take the new bases.

Revision ID: 0013
Revises: 0012a
Create Date: 2026-12-01 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_BASIS = sa.Enum("in_advance", "in_arrears", name="releasebasis", native_enum=False)
NEW_BASIS = sa.Enum(
    "in_advance",
    "in_arrears",
    "in_arrears_on_completion",
    "in_arrears_ongoing",
    name="releasebasis",
    native_enum=False,
)
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
OWNERS = ("agreement", "contribution", "project", "drawdown", "spend")


def upgrade() -> None:
    with op.batch_alter_table("local_authorities") as batch:
        batch.alter_column("release_basis", existing_type=OLD_BASIS, type_=NEW_BASIS, existing_nullable=True)
        batch.add_column(sa.Column("evidence_kinds", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("own_template", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("response_days", sa.Integer(), nullable=True))
    op.execute("UPDATE local_authorities SET release_basis = 'in_arrears_on_completion' WHERE id = 'blaby'")
    op.execute("UPDATE local_authorities SET release_basis = 'in_arrears_ongoing' WHERE id = 'charnwood'")
    with op.batch_alter_table("contributions") as batch:
        batch.add_column(sa.Column("clause_text", sa.Text(), nullable=True))
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.Enum(*OWNERS, name="documentowner", native_enum=False), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="documentkind", native_enum=False), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document_url", sa.String(length=1000), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_documents_size_positive")),
        sa.ForeignKeyConstraint(["supersedes_id"], ["documents.id"], name=op.f("fk_documents_supersedes_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_documents_supersedes_id")),
    )
    op.create_index("ix_documents_owner", "documents", ["owner_type", "owner_id"])
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"])


def downgrade() -> None:
    op.drop_index(op.f("ix_documents_sha256"), table_name="documents")
    op.drop_index("ix_documents_owner", table_name="documents")
    op.drop_table("documents")
    with op.batch_alter_table("contributions") as batch:
        batch.drop_column("clause_text")
    op.execute(
        "UPDATE local_authorities SET release_basis = 'in_arrears' "
        "WHERE release_basis IN ('in_arrears_on_completion', 'in_arrears_ongoing')"
    )
    with op.batch_alter_table("local_authorities") as batch:
        batch.drop_column("response_days")
        batch.drop_column("own_template")
        batch.drop_column("evidence_kinds")
        batch.alter_column("release_basis", existing_type=NEW_BASIS, type_=OLD_BASIS, existing_nullable=True)
