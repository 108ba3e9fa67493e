"""The audit trail: one append-only row per successful write."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.models import AuditEntry


def record(
    *,
    session: Session,
    principal: Principal,
    method: str,
    path: str,
    resource: str,
    resource_ids: list[Any],
    body: dict[str, Any] | None,
) -> AuditEntry:
    """Record a write in the same transaction as the write itself."""
    entry = AuditEntry(
        actor_name=principal.name,
        actor_role=principal.role.value,
        actor_account_id=principal.account_id,
        method=method,
        path=path,
        resource=resource,
        resource_ids=resource_ids,
        body=body,
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    *,
    session: Session,
    resource: str | None,
    actor: str | None,
    on_from: date | None,
    on_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEntry], int]:
    """Audit entries, newest first, filtered by resource, actor and date (days in UTC)."""
    query = select(AuditEntry)
    if resource:
        query = query.where(AuditEntry.resource == resource)
    if actor:
        query = query.where(AuditEntry.actor_name == actor)
    if on_from:
        query = query.where(AuditEntry.at >= datetime.combine(on_from, time.min, tzinfo=UTC))
    if on_to:
        query = query.where(AuditEntry.at < datetime.combine(on_to + timedelta(days=1), time.min, tzinfo=UTC))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), total
