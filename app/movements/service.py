"""The ledger: recording and reversing movements, guarded by the money rules."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.balances.queries import LedgerPoint, running_totals
from app.errors import ConflictError, NotFoundError, RuleError
from app.models import (
    Agreement,
    Contribution,
    DrawdownPayment,
    DrawdownPaymentLine,
    Movement,
    MovementKind,
    Spend,
    SpendCharge,
)
from app.money import ZERO, pounds

# Which running sum each kind of movement raises (a reversal lowers it).
_RAISES = {
    MovementKind.secured: ("total_value", 1),
    MovementKind.indexation: ("total_value", 1),
    MovementKind.variation: ("total_value", 1),
    MovementKind.written_off: ("total_value", -1),
    MovementKind.received: ("received", 1),
    MovementKind.drawn: ("drawn", 1),
    MovementKind.spent: ("spent", 1),
    MovementKind.returned: ("returned", 1),
}


@dataclass(frozen=True)
class Change:
    """What one new movement does to a contribution's running sums from its date on."""

    on: date
    field: str
    delta: Decimal


def get_contribution(*, session: Session, contribution_id: int, scope: str | None, lock: bool = False) -> Contribution:
    """One contribution; another authority's is as absent as an unknown id. Locks it for a write."""
    query = select(Contribution).join(Agreement).where(Contribution.id == contribution_id)
    if scope is not None:
        query = query.where(Agreement.local_authority_id == scope)
    if lock:
        query = query.with_for_update(of=Contribution)
    contribution = session.scalar(query)
    if contribution is None:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    return contribution


def _state_at(points: list[LedgerPoint], when: date) -> dict[str, Decimal]:
    state = {"total_value": ZERO, "received": ZERO, "drawn": ZERO, "spent": ZERO, "returned": ZERO}
    for point in points:
        if point.on > when:
            break
        state = {name: getattr(point, name) for name in state}
    return state


def _broken_rule(
    before: dict[str, Decimal],
    after: dict[str, Decimal],
    change: Change,
    contribution_id: int,
    when: date,
) -> str | None:
    """The rule the change breaks at a date, as a sentence, or None."""
    held_before = before["received"] - before["drawn"] - before["returned"]
    held_after = after["received"] - after["drawn"] - after["returned"]
    if after["total_value"] < 0 and change.field == "total_value" and change.delta < 0:
        return f"this would make contribution {contribution_id}'s total value negative on {when}"
    if after["received"] > after["total_value"] and (
        (change.field == "received" and change.delta > 0) or (change.field == "total_value" and change.delta < 0)
    ):
        return (
            f"the authority would have received {pounds(after['received'])} on {when}, more than contribution "
            f"{contribution_id}'s total value of {pounds(after['total_value'])}; record an "
            "indexation or variation first"
        )
    if held_after < 0 and change.delta != 0 and change.field in ("received", "drawn", "returned"):
        if change.field == "received":
            return (
                f"on {when} the authority would hold {pounds(held_after)} for contribution {contribution_id}: "
                "reverse the drawdowns or returns made from this receipt first"
            )
        return (
            f"on {when} the authority holds only {pounds(held_before)} for contribution {contribution_id}, "
            f"less than the {pounds(-change.delta if change.delta < 0 else change.delta)} this would take"
        )
    if after["spent"] > after["total_value"] and (
        (change.field == "spent" and change.delta > 0) or (change.field == "total_value" and change.delta < 0)
    ):
        return (
            f"spend of {pounds(after['spent'])} on {when} would exceed contribution {contribution_id}'s "
            f"total value of {pounds(after['total_value'])}"
        )
    return None


def guard(*, session: Session, contribution_id: int, change: Change) -> None:
    """Refuse a change that breaks a money rule at its own date or at any later date of the ledger."""
    points = running_totals(session, contribution_id=contribution_id)
    checkpoints = [change.on] + [point.on for point in points if point.on > change.on]
    for when in checkpoints:
        before = _state_at(points, when)
        after = dict(before)
        after[change.field] += change.delta
        problem = _broken_rule(before, after, change, contribution_id, when)
        if problem:
            raise ConflictError(problem, field="amount")


def _check_date(on: date, agreement_signed_on: date) -> None:
    if on > date.today():
        raise RuleError(f"on {on} is in the future; record a movement when it has happened", field="on")
    if on < agreement_signed_on:
        raise RuleError(f"on {on} is before the agreement was signed on {agreement_signed_on}", field="on")


def record_movement(
    *,
    session: Session,
    principal: Principal,
    contribution_id: int,
    kind: MovementKind,
    amount: Decimal,
    on: date,
    reference: str | None = None,
    note: str | None = None,
    adjustment: bool = False,
) -> Movement:
    """Append one movement after checking it against every rule of the ledger."""
    if amount <= 0:
        raise RuleError("amount must be greater than zero; correct a mistake by reversing it", field="amount")
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope, lock=True)
    agreement = get_agreement(session=session, agreement_id=contribution.agreement_id, scope=None)
    _check_date(on, agreement.signed_on)
    field, sign = _RAISES[kind]
    if not adjustment:
        guard(
            session=session,
            contribution_id=contribution.id,
            change=Change(on=on, field=field, delta=sign * amount),
        )
    movement = Movement(
        contribution_id=contribution.id,
        kind=kind,
        amount=amount,
        on=on,
        reference=reference,
        note=note,
        adjustment=adjustment,
        recorded_by=principal.label,
    )
    session.add(movement)
    session.flush()
    return movement


def get_movement(*, session: Session, movement_id: int, scope: str | None) -> Movement:
    """One movement; another authority's is as absent as an unknown id."""
    query = select(Movement).join(Contribution).join(Agreement).where(Movement.id == movement_id)
    if scope is not None:
        query = query.where(Agreement.local_authority_id == scope)
    movement = session.scalar(query)
    if movement is None:
        raise NotFoundError(f"no movement {movement_id}", field="movement_id")
    return movement


def _refuse_if_owned(session: Session, movement_id: int) -> None:
    """A drawdown payment's or a spend's movement is reversed only through it, so the two stay consistent."""
    payment = session.execute(
        select(DrawdownPayment.drawdown_id, DrawdownPayment.id)
        .join(DrawdownPaymentLine, DrawdownPaymentLine.payment_id == DrawdownPayment.id)
        .where(DrawdownPaymentLine.movement_id == movement_id, DrawdownPayment.reversed_on.is_(None))
    ).first()
    if payment is not None:
        raise ConflictError(
            f"movement {movement_id} belongs to payment {payment[1]} of drawdown request {payment[0]}; "
            f"reverse the payment: POST /drawdowns/{payment[0]}/payments/{payment[1]}/reverse",
            field="movement_id",
        )
    spend_id = session.scalar(
        select(Spend.id)
        .join(SpendCharge, SpendCharge.spend_id == Spend.id)
        .where(SpendCharge.movement_id == movement_id, Spend.cancelled_on.is_(None))
    )
    if spend_id is not None:
        raise ConflictError(
            f"movement {movement_id} is a charge of spend {spend_id}; cancel the spend: POST /spend/{spend_id}/cancel",
            field="movement_id",
        )


def reverse_movement(
    *,
    session: Session,
    principal: Principal,
    movement_id: int,
    on: date | None,
    reference: str | None,
    note: str | None,
) -> Movement:
    """Append a reversal of a movement: same kind and amount, subtracted, pointing at the original."""
    original = get_movement(session=session, movement_id=movement_id, scope=principal.scope)
    contribution = get_contribution(
        session=session, contribution_id=original.contribution_id, scope=principal.scope, lock=True
    )
    _refuse_if_owned(session, original.id)
    if original.reverses_id is not None:
        raise ConflictError(
            f"movement {movement_id} is itself a reversal (of {original.reverses_id}); "
            "record the movement again instead",
            field="movement_id",
        )
    already = session.scalar(select(Movement.id).where(Movement.reverses_id == original.id))
    if already is not None:
        raise ConflictError(
            f"movement {movement_id} was already reversed by movement {already}",
            field="movement_id",
        )
    when = on or date.today()
    if when < original.on:
        raise RuleError(
            f"a reversal cannot be dated {when}, before the movement it reverses ({original.on})",
            field="on",
        )
    if when > date.today():
        raise RuleError(f"on {when} is in the future", field="on")
    field, sign = _RAISES[original.kind]
    guard(
        session=session,
        contribution_id=contribution.id,
        change=Change(on=when, field=field, delta=-sign * original.amount),
    )
    reversal = Movement(
        contribution_id=original.contribution_id,
        kind=original.kind,
        amount=original.amount,
        on=when,
        reference=reference,
        note=note,
        reverses_id=original.id,
        recorded_by=principal.label,
    )
    session.add(reversal)
    session.flush()
    return reversal


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
    query = select(Movement)
    if scope is not None or agreement_id is not None or local_authority_id:
        # Join only to filter: an unfiltered page then walks ix_movements_on_id instead of joining the ledger.
        query = query.join(Contribution).join(Agreement)
    if scope is not None:
        query = query.where(Agreement.local_authority_id == scope)
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
