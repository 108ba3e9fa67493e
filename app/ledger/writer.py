"""The one writer of the ledger: appends a movement, or the reversal of one, after the money rules pass.

`record_movement` and `reverse_movement` are the paths every caller takes; a drawdown payment's and a
spend's movements are posted and reversed only through those features (`post_owned`, `reverse_owned`),
so a payment or a spend and its movements stay consistent.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import islice
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.errors import ConflictError, ForbiddenError, NotFoundError, RuleError
from app.ledger import locks, rollup
from app.ledger.expressions import sum_of, total_value_sum
from app.ledger.figures import running_totals
from app.ledger.rules import Check, first_broken
from app.ledger.state import Change, LedgerState, state_at
from app.models import (
    Agreement,
    Contribution,
    DrawdownPayment,
    DrawdownPaymentLine,
    Movement,
    MovementKind,
    Role,
    Spend,
    SpendCharge,
    table_of,
)
from app.money import to_money


def guard(*, session: Session, contribution_id: int, change: Change) -> None:
    """Refuse a change that breaks a money rule at its own date or at any later date of the ledger."""
    points = running_totals(session, contribution_id=contribution_id)
    for when in [change.on] + [point.on for point in points if point.on > change.on]:
        before = state_at(points, when)
        check = Check(
            contribution_id=contribution_id, on=when, change=change, before=before, after=before.applied(change)
        )
        problem = first_broken(check)
        if problem:
            raise ConflictError(problem, field="amount")


def refuse_secured(kind: MovementKind) -> None:
    """A secured movement is recorded by creating the contribution, never by hand."""
    if kind is MovementKind.secured:
        raise ForbiddenError("a secured movement is recorded by creating the contribution")


def check_kind_allowed(principal: Principal, kind: MovementKind) -> None:
    """What a caller may record by hand, checked before a form is written so the refusal names its field."""
    refuse_secured(kind)
    may_record(principal, kind)


def may_record(principal: Principal, kind: MovementKind) -> None:
    """A planning officer records only receipts (the developer paid their authority)."""
    if principal.role is Role.planning and kind is not MovementKind.received:
        raise ForbiddenError("a planning officer may record only received movements (developer paid the authority)")


def get_contribution(*, session: Session, contribution_id: int, scope: str | None) -> Contribution:
    """One contribution; another authority's is as absent as an unknown id."""
    contribution = session.scalar(scoping.readable_contributions(scope).where(Contribution.id == contribution_id))
    if contribution is None:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    return contribution


def _check_date(on: date, signed_on: date) -> None:
    if on > date.today():
        raise RuleError(f"on {on} is in the future; record a movement when it has happened", field="on")
    if on < signed_on:
        raise RuleError(f"on {on} is before the agreement was signed on {signed_on}", field="on")


def _append(
    *,
    session: Session,
    principal: Principal,
    contribution_id: int,
    kind: MovementKind,
    amount: Decimal,
    on: date,
    reference: str | None,
    note: str | None,
    adjustment: bool = False,
    published_history: bool = False,
) -> Movement:
    if amount <= 0:
        raise RuleError("amount must be greater than zero; correct a mistake by reversing it", field="amount")
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    locks.lock_for_money(session, [contribution.id], published_history=published_history)
    signed_on = session.scalar(select(Agreement.signed_on).where(Agreement.id == contribution.agreement_id))
    assert signed_on is not None
    _check_date(on, signed_on)
    if not adjustment:
        guard(session=session, contribution_id=contribution.id, change=Change.of(kind, amount, on))
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
    published_history: bool = False,
) -> Movement:
    """Append one movement after checking it against every rule of the ledger.

    An import of published history may write to a closed agreement, and keep figures that break the
    rules as a flagged adjustment; nothing else may.
    """
    may_record(principal, kind)
    return _append(
        session=session,
        principal=principal,
        contribution_id=contribution_id,
        kind=kind,
        amount=amount,
        on=on,
        reference=reference,
        note=note,
        adjustment=adjustment,
        published_history=published_history,
    )


def post_owned(
    *,
    session: Session,
    principal: Principal,
    contribution_id: int,
    kind: MovementKind,
    amount: Decimal,
    on: date,
    reference: str | None,
    note: str | None,
) -> Movement:
    """Append a drawdown payment's drawn movement or a spend's spent movement (those features only).

    Who may record it is the owning feature's rule (an authority's planning officer pays a request made to
    it), so the by-hand rule that a planning officer records only receipts does not apply here.
    """
    return _append(
        session=session,
        principal=principal,
        contribution_id=contribution_id,
        kind=kind,
        amount=amount,
        on=on,
        reference=reference,
        note=note,
    )


def get_movement(*, session: Session, movement_id: int, scope: str | None) -> Movement:
    """One movement; another authority's is as absent as an unknown id."""
    movement = session.scalar(scoping.readable_movements(scope).where(Movement.id == movement_id))
    if movement is None:
        raise NotFoundError(f"no movement {movement_id}", field="movement_id")
    return movement


def _refuse_if_owned(session: Session, movement_id: int) -> None:
    """A drawdown payment's or a spend's movement is reversed only through it, so the two stay consistent."""
    payment = session.execute(
        select(DrawdownPayment.drawdown_id, DrawdownPayment.id)
        .join(DrawdownPaymentLine, DrawdownPaymentLine.payment_id == DrawdownPayment.id)
        .where(DrawdownPaymentLine.movement_id == movement_id)
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
        .where(SpendCharge.movement_id == movement_id)
    )
    if spend_id is not None:
        raise ConflictError(
            f"movement {movement_id} is a charge of spend {spend_id}; cancel the spend: POST /spend/{spend_id}/cancel",
            field="movement_id",
        )


def _reverse(
    *,
    session: Session,
    principal: Principal,
    movement_id: int,
    on: date | None,
    reference: str | None,
    note: str | None,
    owned: bool,
) -> Movement:
    original = get_movement(session=session, movement_id=movement_id, scope=principal.scope)
    may_record(principal, original.kind)
    locks.lock_for_money(session, [original.contribution_id])
    if not owned:
        _refuse_if_owned(session, original.id)
    if original.reverses_id is not None:
        raise ConflictError(
            f"movement {movement_id} is itself a reversal (of {original.reverses_id}); "
            "record the movement again instead",
            field="movement_id",
        )
    already = session.scalar(select(Movement.id).where(Movement.reverses_id == original.id))
    if already is not None:
        raise ConflictError(f"movement {movement_id} was already reversed by movement {already}", field="movement_id")
    when = on or date.today()
    if when < original.on:
        raise RuleError(
            f"a reversal cannot be dated {when}, before the movement it reverses ({original.on})", field="on"
        )
    if when > date.today():
        raise RuleError(f"on {when} is in the future", field="on")
    change = Change.of(original.kind, original.amount, when, reversal=True)
    guard(session=session, contribution_id=original.contribution_id, change=change)
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
    return _reverse(
        session=session,
        principal=principal,
        movement_id=movement_id,
        on=on,
        reference=reference,
        note=note,
        owned=False,
    )


def reverse_owned(
    *, session: Session, principal: Principal, movement_id: int, on: date, reference: str | None, note: str | None
) -> Movement:
    """Reverse a drawdown payment's or a spend's movement (those features only, when undoing it)."""
    return _reverse(
        session=session, principal=principal, movement_id=movement_id, on=on, reference=reference, note=note, owned=True
    )


# -- published history, in bulk --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryMovement:
    """One movement of a contribution's published history, as an import records it."""

    contribution_id: int
    kind: MovementKind
    amount: Decimal
    on: date
    reference: str | None
    note: str | None
    adjustment: bool = False

    @property
    def change(self) -> Change:
        """What the movement does to the contribution's running sums."""
        return Change.of(self.kind, self.amount, self.on)


class History:
    """A contribution's running sums at each date it has movements, held in memory.

    The guard's check at a change's date and at every later date, without a query per movement: an
    import checks a whole published history against it and writes that history at once.
    """

    def __init__(self, contribution_id: int, signed_on: date, states: list[tuple[date, LedgerState]]) -> None:
        self.contribution_id = contribution_id
        self.signed_on = signed_on
        self.dates = [on for on, _state in states]
        self.states = [state for _on, state in states]

    @classmethod
    def load(cls, session: Session, contribution_id: int) -> "History":
        """The contribution's history as the ledger holds it now."""
        history = cls.load_many(session, [contribution_id]).get(contribution_id)
        if history is None:
            raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
        return history

    @classmethod
    def load_many(cls, session: Session, contribution_ids: Sequence[int]) -> dict[int, "History"]:
        """Contributions' histories as the ledger holds them now, in one query (built once per process)."""
        histories: dict[int, History] = {}
        if not contribution_ids:
            return histories
        signed = session.execute(
            select(Contribution.id, Agreement.signed_on)
            .join(Agreement, Agreement.id == Contribution.agreement_id)
            .where(Contribution.id.in_(list(contribution_ids)))
        )
        for contribution_id, signed_on in signed:
            histories[contribution_id] = cls(contribution_id, signed_on, [])
        for row in session.execute(_running_totals_statement(), {"ids": list(contribution_ids)}):
            history = histories[row[0]]
            history.dates.append(row[1])
            history.states.append(LedgerState(*(to_money(value) for value in row[2:])))
        return histories

    def state_at(self, when: date) -> LedgerState:
        """The state at the end of a date."""
        index = bisect_right(self.dates, when)
        return self.states[index - 1] if index else LedgerState()

    def admit(self, principal: Principal, movement: HistoryMovement) -> None:
        """Refuse a movement the ledger takes from nobody: a kind the caller may not record, no amount, a bad date."""
        may_record(principal, movement.kind)
        if movement.amount <= 0:
            raise RuleError("amount must be greater than zero; correct a mistake by reversing it", field="amount")
        _check_date(movement.on, self.signed_on)

    def refusal(self, change: Change) -> str | None:
        """The first money rule the change breaks at its own date or at any later date, or None."""
        later = self.dates[bisect_right(self.dates, change.on) :]
        for when in [change.on, *later]:
            before = self.state_at(when)
            check = Check(
                contribution_id=self.contribution_id,
                on=when,
                change=change,
                before=before,
                after=before.applied(change),
            )
            problem = first_broken(check)
            if problem:
                return problem
        return None

    def apply(self, change: Change) -> None:
        """Make the change from its date on."""
        index = bisect_left(self.dates, change.on)
        if index == len(self.dates) or self.dates[index] != change.on:
            self.dates.insert(index, change.on)
            self.states.insert(index, self.states[index - 1] if index else LedgerState())
        for later in range(index, len(self.states)):
            self.states[later] = self.states[later].applied(change)


@cache
def _running_totals_statement() -> Select[Any]:
    """Contributions' cumulative sums at each date they have movements, by contribution then date.

    `figures.running_totals` for many contributions at once; building the expression cost more than running it.
    """
    daily = (
        select(
            Movement.contribution_id.label("contribution_id"),
            Movement.on.label("on"),
            total_value_sum().label("total_value"),
            sum_of(MovementKind.received).label("received"),
            sum_of(MovementKind.drawn).label("drawn"),
            sum_of(MovementKind.spent).label("spent"),
            sum_of(MovementKind.returned).label("returned"),
        )
        .where(Movement.contribution_id.in_(bindparam("ids", expanding=True)))
        .group_by(Movement.contribution_id, Movement.on)
        .subquery("daily")
    )
    return select(
        daily.c.contribution_id,
        daily.c.on,
        *(
            func.sum(daily.c[name]).over(partition_by=daily.c.contribution_id, order_by=daily.c.on)
            for name in ("total_value", "received", "drawn", "spent", "returned")
        ),
    ).order_by(daily.c.contribution_id, daily.c.on)


INSERT_SLICE = 2000
"""Rows per statement of a bulk insert: big enough to cost what one statement does, small enough that the
driver's copy of the parameters stays small however many rows there are."""


def insert_in_slices(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows with one executemany per slice, building each slice's parameters only when it is sent."""
    iterator = iter(rows)
    while batch := list(islice(iterator, INSERT_SLICE)):
        session.execute(insert(table), batch)


def record_histories(
    *,
    session: Session,
    principal: Principal,
    movements: Sequence[HistoryMovement],
    checked: Collection[int] = (),
) -> int:
    """Append contributions' published histories in one insert, after checking each contribution's once, in order.

    The same locks (all the agreements, then all the contributions, in the core's order), refusals and rules
    as `record_movement` with `published_history`: each movement is seen at its own date and every later
    one; a flagged adjustment is kept as published. Movements are written in the order given. Returns
    how many were written. `checked` names contributions created in this transaction whose movements the
    caller has already checked, in this order, against a `History` of its own: no other writer can have
    touched them, so they are not checked twice.
    """
    if not movements:
        return 0
    ids = sorted({movement.contribution_id for movement in movements})
    readable = scoping.readable_contributions(principal.scope).where(Contribution.id.in_(ids))
    found = set(session.scalars(readable.with_only_columns(Contribution.id)))
    for contribution_id in ids:
        if contribution_id not in found:
            raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    locks.lock_for_money(session, ids, published_history=True)
    histories = History.load_many(session, [number for number in ids if number not in checked])
    for movement in movements:
        history = histories.get(movement.contribution_id)
        if history is None:
            continue
        history.admit(principal, movement)
        change = movement.change
        if not movement.adjustment:
            problem = history.refusal(change)
            if problem:
                raise ConflictError(problem, field="amount")
        history.apply(change)
    label = principal.label
    insert_in_slices(
        session,
        table_of(Movement),
        (
            {
                "contribution_id": movement.contribution_id,
                "kind": movement.kind,
                "amount": movement.amount,
                "on": movement.on,
                "reference": movement.reference,
                "note": movement.note,
                "adjustment": movement.adjustment,
                "recorded_by": label,
            }
            for movement in movements
        ),
    )
    # A bulk insert passes the ORM by, so the rollup is told of these contributions directly.
    rollup.mark_contributions(session, ids)
    return len(movements)
