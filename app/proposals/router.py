"""HTTP routes for repurposing proposals. The officer records them and their steps; the force and planning
officers read those of contributions they may see (a planning officer, their own authority's); every role, the
Panel's included, reads the summary by authority and status, which names no contribution."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, PanelReader, Reader
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.models import ProposalStatus
from app.pagination import Page, PageDep
from app.proposals import service
from app.proposals.reads import read_models, read_one, summary
from app.proposals.schemas import (
    ConsentCreate,
    ProposalCreate,
    ProposalRead,
    ProposalSummary,
    ProposalUpdate,
    StepCreate,
)

router = APIRouter(tags=["repurposing"])


@router.get("/repurposing-proposals", response_model=Page[ProposalRead])
def list_proposals(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status: ProposalStatus | None = None,
    contribution_id: Annotated[RowId | None, Query(description="only this contribution's")] = None,
    investment_item_id: Annotated[RowId | None, Query(description="only those serving this item")] = None,
) -> Page[ProposalRead]:
    """List repurposing proposals the caller may see, most recently identified first."""
    rows, total = service.list_proposals(
        session=session,
        scope=principal.scope,
        status=status,
        contribution_id=contribution_id,
        investment_item_id=investment_item_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/repurposing-proposals",
    response_model=ProposalRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
def create_proposal(data: ProposalCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> ProposalRead:
    """Record a contribution the force means to repurpose, and what it would become."""
    proposal = service.create_proposal(session=session, principal=principal, data=data)
    audit.record("repurposing_proposals", [proposal.id, proposal.contribution_id], data)
    return read_one(session, proposal)


@router.get("/repurposing-proposal-summary", response_model=ProposalSummary)
def get_summary(session: SessionDep, principal: PanelReader) -> ProposalSummary:
    """How many proposals each authority has at each status, and the totals."""
    return summary(session, scope=principal.scope)


@router.get("/repurposing-proposals/{proposal_id}", response_model=ProposalRead, responses={404: {}})
def get_proposal(proposal_id: RowId, session: SessionDep, principal: Reader) -> ProposalRead:
    """One proposal with its steps' dates and, once consented, its repurposing."""
    return read_one(session, service.get_proposal(session=session, proposal_id=proposal_id, scope=principal.scope))


@router.patch(
    "/repurposing-proposals/{proposal_id}", response_model=ProposalRead, responses={404: {}, 409: {}, 422: {}}
)
def update_proposal(
    proposal_id: RowId, data: ProposalUpdate, session: SessionDep, principal: Officer, audit: AuditDep
) -> ProposalRead:
    """Change what an open proposal proposes, its reason or its costs."""
    proposal = service.update_proposal(session=session, proposal_id=proposal_id, data=data)
    audit.record("repurposing_proposals", [proposal.id], data)
    return read_one(session, proposal)


@router.post(
    "/repurposing-proposals/{proposal_id}/steps", response_model=ProposalRead, responses={404: {}, 409: {}, 422: {}}
)
def record_step(
    proposal_id: RowId, data: StepCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> ProposalRead:
    """Date a step: discussed with the authority, agreed in principle, or refused."""
    proposal = service.record_step(session=session, proposal_id=proposal_id, data=data)
    audit.record("repurposing_proposals", [proposal.id], data)
    return read_one(session, proposal)


@router.post(
    "/repurposing-proposals/{proposal_id}/consent",
    response_model=ProposalRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def consent(
    proposal_id: RowId, data: ConsentCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> ProposalRead:
    """Record the authority's consent: the repurposing the proposal described, in one step, keeping the link."""
    proposal, change = service.consent(session=session, principal=principal, proposal_id=proposal_id, data=data)
    audit.record("repurposing_proposals", [proposal.id, change.id, proposal.contribution_id], data)
    return read_one(session, proposal)
