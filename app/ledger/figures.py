"""Sums over the movements themselves, composed from the ledger's expressions (one query each)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Subquery, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app import scoping
from app.ledger.expressions import amount, standing, sum_of, total_value_sum
from app.models import (
    Agreement,
    Contribution,
    DrawdownPaymentLine,
    Movement,
    MovementKind,
    Spend,
    SpendCharge,
)
from app.money import to_money


@dataclass(frozen=True)
class LedgerPoint:
    """A contribution's cumulative sums at the end of one date."""

    on: date
    total_value: Decimal
    received: Decimal
    drawn: Decimal
    spent: Decimal
    returned: Decimal


def running_totals(session: Session, *, contribution_id: int) -> list[LedgerPoint]:
    """A contribution's cumulative sums at each date it has movements, oldest first."""
    daily = (
        select(
            Movement.on.label("on"),
            total_value_sum().label("total_value"),
            sum_of(MovementKind.received).label("received"),
            sum_of(MovementKind.drawn).label("drawn"),
            sum_of(MovementKind.spent).label("spent"),
            sum_of(MovementKind.returned).label("returned"),
        )
        .where(Movement.contribution_id == contribution_id)
        .group_by(Movement.on)
        .subquery("daily")
    )
    query = select(
        daily.c.on,
        *(
            func.sum(daily.c[name]).over(order_by=daily.c.on)
            for name in ("total_value", "received", "drawn", "spent", "returned")
        ),
    ).order_by(daily.c.on)
    return [LedgerPoint(row[0], *(to_money(value) for value in row[1:])) for row in session.execute(query)]


def secured_amounts(session: Session, *, contribution_ids: list[int]) -> dict[int, Decimal]:
    """The sum each contribution's agreement secured: its secured movements, net of reversals, in one query."""
    if not contribution_ids:
        return {}
    rows = session.execute(
        select(Movement.contribution_id, sum_of(MovementKind.secured))
        .where(Movement.contribution_id.in_(contribution_ids))
        .group_by(Movement.contribution_id)
    )
    return {contribution_id: to_money(total) for contribution_id, total in rows}


def secured_sum(contribution_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[Decimal]:
    """The sum a contribution's agreement secured, net of reversals, as a subquery on its id (zero if none)."""
    return select(sum_of(MovementKind.secured)).where(Movement.contribution_id == contribution_id).scalar_subquery()


def paid_per_line() -> Subquery:
    """Per drawdown line: what the authority paid against it, net of reversed payments."""
    return (
        select(DrawdownPaymentLine.line_id.label("line_id"), func.sum(amount()).label("paid"))
        .join(Movement, Movement.id == DrawdownPaymentLine.movement_id)
        .where(standing())
        .group_by(DrawdownPaymentLine.line_id)
        .subquery("paid_per_line")
    )


def paid_by_line(session: Session, *, line_ids: list[int]) -> dict[int, Decimal]:
    """What the authority has paid against each drawdown line, net of reversed payments."""
    if not line_ids:
        return {}
    paid = paid_per_line()
    rows = session.execute(select(paid.c.line_id, paid.c.paid).where(paid.c.line_id.in_(line_ids)))
    return {line_id: to_money(total) for line_id, total in rows}


def spent_for_projects(
    session: Session, *, project_ids: list[int] | None = None, contribution_ids: list[int] | None = None
) -> dict[tuple[int, int], Decimal]:
    """Per (project, contribution): spend charged, net of cancelled spend."""
    query = (
        select(Spend.project_id, SpendCharge.contribution_id, func.sum(amount()))
        .join(SpendCharge, SpendCharge.spend_id == Spend.id)
        .join(Movement, Movement.id == SpendCharge.movement_id)
        .where(standing())
        .group_by(Spend.project_id, SpendCharge.contribution_id)
    )
    if project_ids is not None:
        query = query.where(Spend.project_id.in_(project_ids))
    if contribution_ids is not None:
        query = query.where(SpendCharge.contribution_id.in_(contribution_ids))
    return {(project, contribution): to_money(total) for project, contribution, total in session.execute(query)}


@dataclass(frozen=True)
class Charge:
    """The part of a spend charged to one contribution, and the spent movement carrying it."""

    spend_id: int
    contribution_id: int
    local_authority_id: str
    amount: Decimal
    movement_id: int


def charges_of(session: Session, *, spend_ids: list[int], scope: str | None) -> list[Charge]:
    """The charges of these spends (only the authority's, for a scope), in the order they were made."""
    if not spend_ids:
        return []
    query = (
        select(
            SpendCharge.spend_id,
            SpendCharge.contribution_id,
            Agreement.local_authority_id,
            amount(),
            Movement.id,
        )
        .join(Movement, Movement.id == SpendCharge.movement_id)
        .join(Contribution, Contribution.id == SpendCharge.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(SpendCharge.spend_id.in_(spend_ids), scoping.spend_charge(scope))
        .order_by(SpendCharge.id)
    )
    return [Charge(row[0], row[1], row[2], to_money(row[3]), row[4]) for row in session.execute(query)]


@dataclass(frozen=True)
class PaymentPart:
    """One drawn movement of a drawdown payment, for one line of its request."""

    payment_id: int
    line_id: int
    movement_id: int
    contribution_id: int
    amount: Decimal


def payment_parts(session: Session, *, payment_ids: list[int]) -> list[PaymentPart]:
    """The drawn movements of these payments, in the order they were posted."""
    if not payment_ids:
        return []
    query = (
        select(
            DrawdownPaymentLine.payment_id,
            DrawdownPaymentLine.line_id,
            Movement.id,
            Movement.contribution_id,
            amount(),
        )
        .join(Movement, Movement.id == DrawdownPaymentLine.movement_id)
        .where(DrawdownPaymentLine.payment_id.in_(payment_ids))
        .order_by(DrawdownPaymentLine.id)
    )
    return [PaymentPart(row[0], row[1], row[2], row[3], to_money(row[4])) for row in session.execute(query)]


@dataclass(frozen=True)
class Receipt:
    """One receipt by the authority (a received movement not reversed), with its contribution's terms."""

    movement_id: int
    contribution_id: int
    on: date
    amount: Decimal
    reference: str | None


def receipts(session: Session, *, scope: str | None, as_at: date) -> list[Receipt]:
    """Every receipt standing as at the date, oldest first within each contribution."""
    query = (
        select(Movement.id, Movement.contribution_id, Movement.on, amount(), Movement.reference)
        .join(Contribution, Contribution.id == Movement.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Movement.kind == MovementKind.received, Movement.on <= as_at, standing(as_at), scoping.agreement(scope))
        .order_by(Movement.contribution_id, Movement.on, Movement.id)
    )
    return [Receipt(row[0], row[1], row[2], to_money(row[3]), row[4]) for row in session.execute(query)]


def consumed_by_contribution(session: Session, *, contribution_ids: list[int], as_at: date) -> dict[int, Decimal]:
    """Per contribution: money spent or returned to the developer as at the date, net of reversals."""
    if not contribution_ids:
        return {}
    rows = session.execute(
        select(Movement.contribution_id, sum_of(MovementKind.spent, MovementKind.returned))
        .where(Movement.contribution_id.in_(contribution_ids), Movement.on <= as_at)
        .group_by(Movement.contribution_id)
    )
    return {contribution_id: to_money(total) for contribution_id, total in rows}


@dataclass(frozen=True)
class DatedSum:
    """Movements of one kind on one date for a contribution, net of those reversed as at a date."""

    contribution_id: int
    kind: MovementKind
    on: date
    amount: Decimal


def dated_sums(session: Session, *, as_at: date, contribution_ids: list[int]) -> list[DatedSum]:
    """Per contribution, kind and date: the movements still standing as at the date, summed (one query)."""
    if not contribution_ids:
        return []
    query = (
        select(Movement.contribution_id, Movement.kind, Movement.on, func.sum(amount()))
        .where(Movement.on <= as_at, standing(as_at), Movement.contribution_id.in_(contribution_ids))
        .group_by(Movement.contribution_id, Movement.kind, Movement.on)
        .order_by(Movement.contribution_id, Movement.on, Movement.kind)
    )
    return [DatedSum(row[0], row[1], row[2], to_money(row[3])) for row in session.execute(query)]


@dataclass(frozen=True)
class ContributionTotals:
    """A contribution's sum in its agreement, its total value, and what was written off, as at a date."""

    secured: Decimal
    total_value: Decimal
    written_off: Decimal


def contribution_totals(session: Session, *, as_at: date, contribution_ids: list[int]) -> dict[int, ContributionTotals]:
    """Secured, total value and written off per contribution as at a date (one query)."""
    if not contribution_ids:
        return {}
    query = (
        select(
            Movement.contribution_id,
            sum_of(MovementKind.secured),
            total_value_sum(),
            sum_of(MovementKind.written_off),
        )
        .where(Movement.on <= as_at, Movement.contribution_id.in_(contribution_ids))
        .group_by(Movement.contribution_id)
    )
    return {
        row[0]: ContributionTotals(to_money(row[1]), to_money(row[2]), to_money(row[3]))
        for row in session.execute(query)
    }


def movement_amounts(session: Session, *, movement_ids: list[int]) -> dict[int, Decimal]:
    """The recorded amount of each of these movements."""
    if not movement_ids:
        return {}
    rows: Any = session.execute(select(Movement.id, amount()).where(Movement.id.in_(movement_ids)))
    return {movement_id: to_money(total) for movement_id, total in rows}
