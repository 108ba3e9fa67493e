"""HTTP routes for ledger movements."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OfficerOrPlanning, Reader
from app.dates import Day, check_range
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.ledger.writer import refuse_secured
from app.models import MovementKind
from app.movements import service
from app.movements.reads import read_models, read_one
from app.movements.schemas import MovementCreate, MovementRead, MovementReverse
from app.pagination import Page, PageDep

router = APIRouter(prefix="/movements", tags=["movements"])


@router.post(
    "",
    response_model=MovementRead,
    status_code=status.HTTP_201_CREATED,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
@idempotent
def create_movement(
    data: MovementCreate, session: SessionDep, principal: OfficerOrPlanning, audit: AuditDep
) -> MovementRead:
    """Record a movement of money; a planning officer may record receipts for their own authority."""
    # Only the secured kind is refused here; a planning officer's other kinds the ledger's writer refuses.
    refuse_secured(data.kind)
    movement = service.record_movement(
        session=session,
        principal=principal,
        contribution_id=data.contribution_id,
        kind=data.kind,
        amount=data.amount,
        on=data.on,
        reference=data.reference,
        note=data.note,
    )
    audit.record("movements", [movement.id], data.model_dump(mode="json"))
    return read_one(session, movement)


@router.get("", response_model=Page[MovementRead])
def list_movements(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    contribution_id: RowId | None = None,
    agreement_id: RowId | None = None,
    local_authority: Annotated[str | None, Query(description="an authority's id")] = None,
    kind: MovementKind | None = None,
    on_from: Day | None = None,
    on_to: Day | None = None,
) -> Page[MovementRead]:
    """List movements the caller may see, in date order, filtered."""
    check_range(on_from, on_to, start_field="on_from", end_field="on_to")
    rows, total = service.list_movements(
        session=session,
        scope=principal.scope,
        contribution_id=contribution_id,
        agreement_id=agreement_id,
        local_authority_id=local_authority,
        kind=kind,
        on_from=on_from,
        on_to=on_to,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/{movement_id}", response_model=MovementRead, responses={404: {}})
def get_movement(movement_id: RowId, session: SessionDep, principal: Reader) -> MovementRead:
    """One movement."""
    movement = service.get_movement(session=session, movement_id=movement_id, scope=principal.scope)
    return read_one(session, movement)


@router.post(
    "/{movement_id}/reverse",
    response_model=MovementRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def reverse_movement(
    movement_id: RowId,
    data: MovementReverse,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> MovementRead:
    """Correct a mistaken movement by appending its reversal."""
    reversal = service.reverse_movement(
        session=session,
        principal=principal,
        movement_id=movement_id,
        on=data.on,
        reference=data.reference,
        note=data.note,
    )
    audit.record("movements", [reversal.id, movement_id], data)
    return read_one(session, reversal)
