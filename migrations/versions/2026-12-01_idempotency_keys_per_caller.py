"""Idempotency-Key scoped to the caller's token or account id, not its display name

Two tokens may share a name; keys stored under a name would let one replay the other's answers.
Stored keys are dropped: they were scoped by name, and a retry after this change is a new request.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("uq_idempotency_keys_actor_name", type_="unique")
        batch.alter_column("actor_name", new_column_name="caller", existing_type=sa.String(200))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.create_unique_constraint("uq_idempotency_keys_caller", ["caller", "key"])


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("uq_idempotency_keys_caller", type_="unique")
        batch.alter_column("caller", new_column_name="actor_name", existing_type=sa.String(200))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.create_unique_constraint("uq_idempotency_keys_actor_name", ["actor_name", "key"])
