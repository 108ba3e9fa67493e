"""Capital spend: invoices paid for projects, charged to contributions by `spent` movements.

A charge needs a contribution allocated to the project whose (current, possibly repurposed) purpose
fits the spend's capital category; revenue spend is refused. A spend recorded in error is cancelled by
reversing its spent movements; one cited by a live drawdown request cannot be cancelled.
"""

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.balances.queries import LIVE_DRAWDOWN
from app.errors import ConflictError, NotFoundError, RuleError
from app.ledger import locks
from app.ledger.writer import post_owned, reverse_owned
from app.models import (
    CapitalCategory,
    DrawdownInvoice,
    DrawdownRequest,
    MovementKind,
    ProjectAllocation,
    Spend,
    SpendCharge,
)
from app.money import ZERO, pounds
from app.projects.service import ensure_fits, get_project
from app.spend.schemas import SpendCreate


def get_spend(*, session: Session, spend_id: int, scope: str | None) -> Spend:
    """One spend; for a planning officer, only one charged to their authority."""
    query = scoping.readable_spend(scope).where(Spend.id == spend_id)
    spend = session.scalar(query)
    if spend is None:
        raise NotFoundError(f"no spend {spend_id}", field="spend_id")
    return spend


def list_spend(
    *,
    session: Session,
    scope: str | None,
    project_id: int | None,
    contribution_id: int | None,
    on_from: date | None,
    on_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Spend], int]:
    """Spend the caller may see, filtered, in date order."""
    query = scoping.readable_spend(scope)
    if project_id is not None:
        query = query.where(Spend.project_id == project_id)
    if contribution_id is not None:
        # A planning officer is not shown another authority's charges, so cannot filter by them either.
        charged = select(SpendCharge.id).where(
            SpendCharge.spend_id == Spend.id,
            SpendCharge.contribution_id == contribution_id,
            scoping.spend_charge(scope),
        )
        query = query.where(exists(charged))
    if on_from:
        query = query.where(Spend.on >= on_from)
    if on_to:
        query = query.where(Spend.on <= on_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Spend.on, Spend.id).limit(limit).offset(offset))
    return list(rows), total


def record_spend(*, session: Session, principal: Principal, data: SpendCreate) -> Spend:
    """Record a capital invoice and post a spent movement for each contribution charged."""
    project = get_project(session=session, project_id=data.project_id, scope=None)
    category = data.category or project.category
    if category is CapitalCategory.revenue:
        raise RuleError(
            "revenue spend such as officer pay cannot be charged to developer contributions; only capital "
            "(land_and_buildings, vehicles, equipment, it_hardware)",
            field="category",
        )
    if data.on > date.today():
        raise RuleError(f"on {data.on} is in the future; record spend once invoiced", field="on")
    ids = [charge.contribution_id for charge in data.charges]
    if len(set(ids)) != len(ids):
        raise RuleError("each contribution may be charged only once per spend", field="charges")
    charged = sum((charge.amount for charge in data.charges), ZERO)
    if charged > data.amount:
        raise RuleError(
            f"the charges total {pounds(charged)}, more than the invoice's {pounds(data.amount)}", field="charges"
        )
    allocated = set(
        session.scalars(
            select(ProjectAllocation.contribution_id).where(
                ProjectAllocation.project_id == project.id, ProjectAllocation.contribution_id.in_(ids)
            )
        )
    )
    contributions = locks.lock_for_money(session, ids)
    for index, charge in enumerate(data.charges):
        field = f"charges.{index}.contribution_id"
        contribution = contributions[charge.contribution_id]
        if contribution.id not in allocated:
            raise RuleError(f"contribution {contribution.id} is not allocated to {project.name}", field=field)
        ensure_fits(contribution_id=contribution.id, purpose=contribution.purpose, category=category, field=field)
    spend = Spend(
        project_id=project.id,
        on=data.on,
        supplier=data.supplier,
        invoice_reference=data.invoice_reference,
        amount=data.amount,
        category=category,
        note=data.note,
        recorded_by=principal.label,
    )
    session.add(spend)
    session.flush()
    for charge in data.charges:
        movement = post_owned(
            session=session,
            principal=principal,
            contribution_id=charge.contribution_id,
            kind=MovementKind.spent,
            amount=charge.amount,
            on=data.on,
            reference=data.invoice_reference,
            note=f"spend {spend.id}: {data.supplier}",
        )
        session.add(SpendCharge(spend_id=spend.id, contribution_id=charge.contribution_id, movement_id=movement.id))
    session.flush()
    session.refresh(spend)
    return spend


def cancel_spend(*, session: Session, principal: Principal, spend_id: int, on: date | None, reason: str) -> Spend:
    """Cancel a spend recorded in error by reversing its spent movements."""
    spend = get_spend(session=session, spend_id=spend_id, scope=None)
    locks.lock_for_money(session, (charge.contribution_id for charge in spend.charges))
    spend = locks.lock_spend(session, [spend.id])[spend.id]
    if spend.cancelled_on is not None:
        raise ConflictError(f"spend {spend.id} was already cancelled on {spend.cancelled_on}", field="spend_id")
    cited = session.scalar(
        select(DrawdownRequest.id)
        .join(DrawdownInvoice, DrawdownInvoice.drawdown_id == DrawdownRequest.id)
        .where(DrawdownInvoice.spend_id == spend.id, DrawdownRequest.status.in_(LIVE_DRAWDOWN))
    )
    if cited is not None:
        raise ConflictError(
            f"spend {spend.id} is an invoice of drawdown request {cited}; withdraw that request first",
            field="spend_id",
        )
    when = on or date.today()
    spend.cancelled_on = when
    spend.cancellation_reason = reason
    for charge in sorted(spend.charges, key=lambda charge: charge.contribution_id):
        reverse_owned(
            session=session,
            principal=principal,
            movement_id=charge.movement_id,
            on=when,
            reference=spend.invoice_reference,
            note=f"spend {spend.id} cancelled: {reason}",
        )
    session.flush()
    return spend
