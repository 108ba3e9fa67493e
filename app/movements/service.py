"""Movements as the API lists them; recording and reversing them is the ledger core's (app/ledger/writer.py)."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.ledger import locks
from app.ledger.writer import get_contribution as _get_contribution
from app.ledger.writer import get_movement, guard, record_movement, reverse_movement
from app.models import Agreement, Contribution, Movement, MovementKind

__all__ = ["get_contribution", "get_movement", "guard", "list_movements", "record_movement", "reverse_movement"]


def get_contribution(*, session: Session, contribution_id: int, scope: str | None, lock: bool = False) -> Contribution:
    """One contribution; another authority's is as absent as an unknown id. Locks it for a write."""
    contribution = _get_contribution(session=session, contribution_id=contribution_id, scope=scope)
    if lock:
        locks.lock_contributions(session, [contribution.id])
    return contribution


def list_movements(
    *,
    session: Session,
    scope: str | None,
    contribution_id: int | None,
    agreement_id: int | None,
    local_authority_id: str | None,
    kind: MovementKind | None,
    on_from: date | None,
    on_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Movement], int]:
    """Movements the caller may see, filtered, in date order."""
    query = scoping.readable_movements(scope)
    if agreement_id is not None or local_authority_id:
        # Join only to filter: an unfiltered page then walks ix_movements_on_id instead of joining the ledger.
        query = query.join(Contribution).join(Agreement)
    if contribution_id is not None:
        query = query.where(Movement.contribution_id == contribution_id)
    if agreement_id is not None:
        query = query.where(Contribution.agreement_id == agreement_id)
    if local_authority_id:
        query = query.where(Agreement.local_authority_id == local_authority_id)
    if kind is not None:
        query = query.where(Movement.kind == kind)
    if on_from:
        query = query.where(Movement.on >= on_from)
    if on_to:
        query = query.where(Movement.on <= on_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Movement.on, Movement.id).limit(limit).offset(offset))
    return list(rows), total


def reversed_by(*, session: Session, movement_ids: list[int]) -> dict[int, int]:
    """Which of these movements have been reversed, and by which movement."""
    if not movement_ids:
        return {}
    rows = session.execute(select(Movement.reverses_id, Movement.id).where(Movement.reverses_id.in_(movement_ids)))
    return {original: reversal for original, reversal in rows if original is not None}
