"""Queries an authority puts back to the force about a drawdown request

The authority's side of a request: besides approving, rejecting and paying it, the authority can ask
the force a question, which stays on the request for the force to answer.

Revision ID: 0016b
Revises: 0016a
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016b"
down_revision: str | Sequence[str] | None = "0016a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drawdown_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawdown_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("raised_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawdown_id"], ["drawdown_requests.id"], name=op.f("fk_drawdown_queries_drawdown_id_drawdown_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawdown_queries")),
    )
    with op.batch_alter_table("drawdown_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drawdown_queries_drawdown_id"), ["drawdown_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drawdown_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawdown_queries_drawdown_id"))
    op.drop_table("drawdown_queries")
