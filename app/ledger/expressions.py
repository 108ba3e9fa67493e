"""The ledger's SQL expressions, stated once: signed amount, sums by kind, total value, held, standing.

A reversal carries its original's kind and amount and subtracts it, so every sum over `signed_amount()`
is net of reversals; `standing()` picks the original movements not reversed (as at a date).
"""

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.models import Movement, MovementKind

TOTAL_VALUE_RAISED_BY = (MovementKind.secured, MovementKind.indexation, MovementKind.variation)
"""The kinds that raise a contribution's total value; `written_off` lowers it."""

Ids = tuple[int, ...] | list[int] | BindParameter[Any] | Select[Any]
"""Which rows: literal ids, an expanding bound parameter (a cached statement), or a subquery of ids."""
AsAt = date | ColumnElement[date]
"""The date figures are as at: a value, or a bound parameter of a cached statement."""

Figure = TypeVar("Figure", Decimal, ColumnElement[Any])


def zero() -> ColumnElement[int]:
    """0 written into the SQL rather than bound: a statement built once stays short, with fewer parameters."""
    return literal_column("0", Integer())


def signed_amount() -> ColumnElement[Decimal]:
    """A movement's amount as it counts towards its kind's sum: negative for a reversal."""
    return case((Movement.reverses_id.is_(None), Movement.amount), else_=-Movement.amount)


def amount() -> InstrumentedAttribute[Decimal]:
    """A movement's amount as recorded, always positive (for listing movements, not for summing them)."""
    return Movement.amount


def sum_of(*kinds: MovementKind) -> ColumnElement[Decimal]:
    """The net sum of movements of these kinds in a GROUP BY (zero where there are none)."""
    # Equalities, not IN: an IN list is rewritten into the SQL at every execution, even of a cached statement.
    of_kinds = or_(*(Movement.kind == kind for kind in kinds))
    return func.coalesce(func.sum(case((of_kinds, signed_amount()))), zero())


def total_value_sum() -> ColumnElement[Decimal]:
    """A contribution's total value in a GROUP BY: secured, indexed and varied, less written off."""
    return sum_of(*TOTAL_VALUE_RAISED_BY) - sum_of(MovementKind.written_off)


def held(received: Figure, drawn: Figure, returned: Figure) -> Figure:
    """Money held by the authority: what it received less what the force drew and the developer got back."""
    return received - drawn - returned


def standing(as_at: AsAt | None = None) -> ColumnElement[bool]:
    """An original movement not reversed (as at the date, when one is given)."""
    reversal = aliased(Movement)
    reversed_ = select(reversal.id).where(reversal.reverses_id == Movement.id)
    if as_at is not None:
        reversed_ = reversed_.where(reversal.on <= as_at)
    return and_(Movement.reverses_id.is_(None), ~reversed_.exists())


def movement_sums(as_at: AsAt, contribution_ids: Ids | None = None) -> Subquery:
    """Per contribution: total value and each money stage's running sum as at the date."""
    query = (
        select(
            Movement.contribution_id.label("contribution_id"),
            total_value_sum().label("total_value"),
            sum_of(MovementKind.received).label("received"),
            sum_of(MovementKind.drawn).label("drawn"),
            sum_of(MovementKind.spent).label("spent"),
            sum_of(MovementKind.returned).label("returned"),
        )
        .where(Movement.on <= as_at)
        .group_by(Movement.contribution_id)
    )
    if contribution_ids is not None:
        query = query.where(Movement.contribution_id.in_(contribution_ids))
    return query.subquery("movement_sums")
