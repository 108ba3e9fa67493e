"""HTTP routes for agreements."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.agreements import service
from app.agreements.reads import read_models, read_one
from app.agreements.schemas import AgreementCreate, AgreementRead, AgreementStatus, AgreementUpdate
from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.dates import Day, check_range
from app.db import SessionDep
from app.ids import RowId
from app.pagination import Page, PageDep

router = APIRouter(prefix="/agreements", tags=["agreements"])


@router.get("", response_model=Page[AgreementRead])
def list_agreements(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    local_authority: Annotated[str | None, Query(description="an authority's id")] = None,
    status: AgreementStatus | None = None,
    reference: str | None = None,
    signed_from: Day | None = None,
    signed_to: Day | None = None,
) -> Page[AgreementRead]:
    """List agreements the caller may see, filtered by authority, status, reference and signed date."""
    check_range(signed_from, signed_to, start_field="signed_from", end_field="signed_to")
    rows, total = service.list_agreements(
        session=session,
        scope=principal.scope,
        local_authority_id=local_authority,
        status=status,
        reference=reference,
        signed_from=signed_from,
        signed_to=signed_to,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.post(
    "",
    response_model=AgreementRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
def create_agreement(data: AgreementCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> AgreementRead:
    """Record a signed agreement."""
    agreement = service.create_agreement(session=session, principal=principal, data=data)
    audit.record("agreements", [agreement.id], data)
    return read_one(session, agreement)


@router.get("/{agreement_id}", response_model=AgreementRead, responses={404: {}})
def get_agreement(agreement_id: RowId, session: SessionDep, principal: Reader) -> AgreementRead:
    """One agreement with its balances as at today."""
    return read_one(session, service.get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope))


@router.patch("/{agreement_id}", response_model=AgreementRead, responses={404: {}, 409: {}, 422: {}})
def update_agreement(
    agreement_id: RowId,
    data: AgreementUpdate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> AgreementRead:
    """Change an agreement's description, or close or reopen it."""
    agreement = service.update_agreement(session=session, agreement_id=agreement_id, data=data)
    audit.record("agreements", [agreement.id], data)
    return read_one(session, agreement)
