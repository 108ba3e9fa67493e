"""Balance confirmations: what an authority says it holds for the force at a date, recorded and never changed.

The authority's planning officer records its own; the force's officer records one from the authority's
letter, which the confirmation then says (its `letter_dated`, the as-at date if not given).
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.confirmations.schemas import ConfirmationCreate
from app.errors import RuleError
from app.local_authorities.service import get_local_authority
from app.models import BalanceConfirmation, Role


def record_confirmation(
    *, session: Session, principal: Principal, local_authority_id: str, data: ConfirmationCreate
) -> BalanceConfirmation:
    """Record an authority's confirmation of its balance; another authority's planning officer gets 404."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=principal.scope)
    today = date.today()
    if data.as_at > today:
        raise RuleError(f"as_at {data.as_at} is in the future; a balance is confirmed as at a past date", field="as_at")
    by_force = principal.role is not Role.planning
    dated = data.letter_dated or (data.as_at if by_force else None)
    if dated is not None and dated > today:
        raise RuleError(f"letter_dated {dated} is in the future", field="letter_dated")
    if dated is not None and dated < data.as_at:
        raise RuleError(
            f"letter_dated {dated} is before as_at {data.as_at}: a letter confirms a balance at or before its date",
            field="letter_dated",
        )
    confirmation = BalanceConfirmation(
        local_authority_id=authority.id,
        as_at=data.as_at,
        amount=data.amount,
        note=data.note,
        by_force=by_force,
        letter_dated=dated,
        letter_reference=data.letter_reference,
        recorded_by=principal.label,
    )
    session.add(confirmation)
    session.flush()
    return confirmation


def list_confirmations(
    *, session: Session, principal: Principal, local_authority_id: str, limit: int, offset: int
) -> tuple[list[BalanceConfirmation], int]:
    """An authority's confirmations, latest as-at date first."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=principal.scope)
    where = BalanceConfirmation.local_authority_id == authority.id
    total = session.scalar(select(func.count()).select_from(BalanceConfirmation).where(where)) or 0
    rows = session.scalars(
        select(BalanceConfirmation)
        .where(where)
        .order_by(BalanceConfirmation.as_at.desc(), BalanceConfirmation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
