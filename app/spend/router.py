"""HTTP routes for capital spend.

Roles: the officer records and cancels spend; finance reads all of it; a planning officer reads only
spend charged to their authority's contributions, and sees only those charges.
"""

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.auth.service import Principal
from app.dates import Day, check_range
from app.db import SessionDep
from app.ids import RowId
from app.models import Agreement, Contribution, Movement, Spend, SpendCharge
from app.money import ZERO
from app.pagination import Page, PageDep
from app.spend import service
from app.spend.schemas import ChargeRead, SpendCancel, SpendCreate, SpendRead

router = APIRouter(prefix="/spend", tags=["spend"])


def read_models(session: Session, principal: Principal, spends: list[Spend]) -> list[SpendRead]:
    """Spend with its charges (the caller's authority's only, for a planning officer), in one query more."""
    query = (
        select(
            SpendCharge.spend_id,
            SpendCharge.contribution_id,
            Agreement.local_authority_id,
            Movement.amount,
            Movement.id,
        )
        .join(Movement, Movement.id == SpendCharge.movement_id)
        .join(Contribution, Contribution.id == SpendCharge.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(SpendCharge.spend_id.in_([spend.id for spend in spends]))
        .order_by(SpendCharge.id)
    )
    if principal.scope is not None:
        query = query.where(Agreement.local_authority_id == principal.scope)
    charges = session.execute(query).all()
    result = []
    for spend in spends:
        own = [
            ChargeRead(
                contribution_id=contribution_id, local_authority_id=authority, amount=amount, movement_id=movement
            )
            for spend_id, contribution_id, authority, amount, movement in charges
            if spend_id == spend.id
        ]
        result.append(
            SpendRead(
                id=spend.id,
                project_id=spend.project_id,
                on=spend.on,
                supplier=spend.supplier,
                invoice_reference=spend.invoice_reference,
                amount=spend.amount,
                category=spend.category,
                charged=ZERO if spend.cancelled_on else sum((charge.amount for charge in own), ZERO),
                charges=own,
                note=spend.note,
                cancelled_on=spend.cancelled_on,
                cancellation_reason=spend.cancellation_reason,
                recorded_at=spend.recorded_at,
                recorded_by=spend.recorded_by,
            )
        )
    return result


@router.post("", response_model=SpendRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}})
def create_spend(data: SpendCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> SpendRead:
    """Record a capital invoice for a project and charge it to contributions (posting spent movements)."""
    spend = service.record_spend(session=session, principal=principal, data=data)
    audit.record("spend", [spend.id], data)
    return read_models(session, principal, [spend])[0]


@router.get("", response_model=Page[SpendRead])
def list_spend(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    project_id: RowId | None = None,
    contribution_id: RowId | None = None,
    on_from: Day | None = None,
    on_to: Day | None = None,
) -> Page[SpendRead]:
    """List spend the caller may see, in date order, filtered by project, contribution and date."""
    check_range(on_from, on_to, start_field="on_from", end_field="on_to")
    rows, total = service.list_spend(
        session=session,
        scope=principal.scope,
        project_id=project_id,
        contribution_id=contribution_id,
        on_from=on_from,
        on_to=on_to,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, principal, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/{spend_id}", response_model=SpendRead, responses={404: {}})
def get_spend(spend_id: RowId, session: SessionDep, principal: Reader) -> SpendRead:
    """One spend with its charges."""
    spend = service.get_spend(session=session, spend_id=spend_id, scope=principal.scope)
    return read_models(session, principal, [spend])[0]


@router.post("/{spend_id}/cancel", response_model=SpendRead, responses={404: {}, 409: {}, 422: {}})
def cancel_spend(
    spend_id: RowId, data: SpendCancel, session: SessionDep, principal: Officer, audit: AuditDep
) -> SpendRead:
    """Cancel a spend recorded in error: its spent movements are reversed and the record kept."""
    spend = service.cancel_spend(
        session=session, principal=principal, spend_id=spend_id, on=data.on, reason=data.reason
    )
    audit.record("spend", [spend.id], data)
    return read_models(session, principal, [spend])[0]
