"""HTTP routes for capital spend.

Roles: the officer records and cancels spend; finance reads all of it; a planning officer reads only
spend charged to their authority's contributions, and sees only those charges.
"""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.dates import Day, check_range
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.pagination import Page, PageDep
from app.spend import service
from app.spend.reads import read_models
from app.spend.schemas import SpendCancel, SpendCreate, SpendRead

router = APIRouter(prefix="/spend", tags=["spend"])


@router.post("", response_model=SpendRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}})
@idempotent
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
@idempotent
def cancel_spend(
    spend_id: RowId, data: SpendCancel, session: SessionDep, principal: Officer, audit: AuditDep
) -> SpendRead:
    """Cancel a spend recorded in error: its spent movements are reversed and the record kept."""
    spend = service.cancel_spend(
        session=session, principal=principal, spend_id=spend_id, on=data.on, reason=data.reason
    )
    audit.record("spend", [spend.id], data)
    return read_models(session, principal, [spend])[0]
