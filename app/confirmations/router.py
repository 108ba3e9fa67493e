"""HTTP routes for an authority's confirmations of the balance it holds for the force.

Roles: the authority's planning officer confirms its own balance; the officer records one from the
authority's letter; finance reads; another authority's planning officer gets 404.
"""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import OfficerOrPlanning, Reader
from app.confirmations import service
from app.confirmations.reads import read_models
from app.confirmations.schemas import ConfirmationCreate, ConfirmationRead
from app.db import SessionDep
from app.idempotency import idempotent
from app.pagination import Page, PageDep

router = APIRouter(prefix="/local-authorities", tags=["balance confirmations"])


@router.post(
    "/{local_authority_id}/balance-confirmations",
    response_model=ConfirmationRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 422: {}},
)
@idempotent
def record_confirmation(
    local_authority_id: str,
    data: ConfirmationCreate,
    session: SessionDep,
    principal: OfficerOrPlanning,
    audit: AuditDep,
) -> ConfirmationRead:
    """Record the balance the authority confirms it holds for the force as at a date (by it, or from its letter)."""
    confirmation = service.record_confirmation(
        session=session, principal=principal, local_authority_id=local_authority_id, data=data
    )
    audit.record("balance_confirmations", [confirmation.id], data)
    return read_models(session, [confirmation])[0]


@router.get("/{local_authority_id}/balance-confirmations", response_model=Page[ConfirmationRead], responses={404: {}})
def list_confirmations(
    local_authority_id: str, session: SessionDep, principal: Reader, page: PageDep
) -> Page[ConfirmationRead]:
    """The authority's confirmations, latest first, each beside the ledger's figure held at its date."""
    rows, total = service.list_confirmations(
        session=session,
        principal=principal,
        local_authority_id=local_authority_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)
