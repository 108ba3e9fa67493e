"""HTTP routes for contributions and their stage events."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.agreements.service import get_agreement
from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OneStatementReader, Reader
from app.contributions import service
from app.contributions.reads import event_models, read_by_id, read_models, read_one
from app.contributions.schemas import ContributionCreate, ContributionRead, ContributionUpdate, EventCreate, EventRead
from app.db import SessionDep, read_one_statement
from app.idempotency import idempotent
from app.ids import RowId
from app.instalments.schemas import ScheduleWrite
from app.models import Purpose
from app.pagination import Page, PageDep
from app.responses import model_answer

router = APIRouter(tags=["contributions"])


@router.post(
    "/agreements/{agreement_id}/contributions",
    response_model=ContributionRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def create_contribution(
    agreement_id: RowId,
    data: ContributionCreate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> ContributionRead:
    """Add a contribution to an agreement; its amount is secured on the agreement's signed date."""
    contribution = service.create_contribution(
        session=session, principal=principal, agreement_id=agreement_id, data=data
    )
    audit.record("contributions", [contribution.id], data)
    return read_one(session, contribution)


@router.get(
    "/agreements/{agreement_id}/contributions",
    response_model=Page[ContributionRead],
    responses={404: {}},
)
def list_agreement_contributions(
    agreement_id: RowId, session: SessionDep, principal: Reader, page: PageDep
) -> Page[ContributionRead]:
    """List an agreement's contributions."""
    get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    rows, total = service.list_contributions(
        session=session,
        scope=principal.scope,
        agreement_id=agreement_id,
        local_authority_id=None,
        purpose=None,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/contributions", response_model=Page[ContributionRead])
def list_contributions(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    agreement_id: RowId | None = None,
    local_authority: Annotated[str | None, Query(description="an authority's id")] = None,
    purpose: Purpose | None = None,
) -> Page[ContributionRead]:
    """List contributions the caller may see, filtered by agreement, authority and purpose."""
    rows, total = service.list_contributions(
        session=session,
        scope=principal.scope,
        agreement_id=agreement_id,
        local_authority_id=local_authority,
        purpose=purpose,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/contributions/{contribution_id}", response_model=ContributionRead, responses={404: {}})
async def get_contribution(contribution_id: RowId, request: Request, principal: OneStatementReader) -> Response:
    """One contribution with its stage and balances as at today."""
    contribution = await read_one_statement(
        request.app, read_by_id, contribution_id=contribution_id, scope=principal.scope
    )
    return model_answer(contribution)


@router.patch(
    "/contributions/{contribution_id}",
    response_model=ContributionRead,
    responses={404: {}, 422: {}},
)
def update_contribution(
    contribution_id: RowId,
    data: ContributionUpdate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> ContributionRead:
    """Change a contribution's trigger, deadlines or notes; money changes only by movements."""
    contribution = service.update_contribution(session=session, contribution_id=contribution_id, data=data)
    audit.record("contributions", [contribution.id], data)
    return read_one(session, contribution)


@router.put(
    "/contributions/{contribution_id}/instalments",
    response_model=ContributionRead,
    responses={404: {}, 409: {}, 422: {}},
)
def replace_instalments(
    contribution_id: RowId,
    data: ScheduleWrite,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> ContributionRead:
    """Replace a contribution's instalments: shares all percents adding to 100, or amounts adding to its total."""
    contribution = service.replace_schedule(
        session=session, principal=principal, contribution_id=contribution_id, schedule=data.instalments
    )
    audit.record("instalments", [contribution.id], data)
    return read_one(session, contribution)


@router.post(
    "/contributions/{contribution_id}/events",
    response_model=EventRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def create_event(
    contribution_id: RowId,
    data: EventCreate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> EventRead:
    """Record a stage change: development started, trigger met, at risk, or at risk cleared."""
    event = service.record_event(session=session, principal=principal, contribution_id=contribution_id, data=data)
    audit.record("contribution_events", [event.id], data)
    return event_models([event])[0]


@router.get("/contributions/{contribution_id}/events", response_model=list[EventRead], responses={404: {}})
def list_events(contribution_id: RowId, session: SessionDep, principal: Reader) -> list[EventRead]:
    """A contribution's stage changes in date order."""
    events = service.list_events(session=session, principal=principal, contribution_id=contribution_id)
    return event_models(events)
