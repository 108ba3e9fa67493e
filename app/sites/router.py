"""HTTP routes for site progress: record and upload counts, read a site, and confirm the triggers they pass."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OfficerOrPlanning, Reader
from app.contributions.reads import event_models
from app.contributions.schemas import EventRead
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.instalments.schemas import DueCreate, DueRead
from app.local_authorities.service import get_local_authority
from app.sites import service
from app.sites.reads import proposal_models, read_import, read_site, read_watch_list
from app.sites.schemas import (
    ProgressCreate,
    ProgressImport,
    ProgressRead,
    ProposalConfirm,
    SiteRead,
    TriggerProposal,
    WatchList,
)

router = APIRouter(tags=["sites"])

EXAMPLE_CSV = "Planning application,Date,Units started,Completions to date,Occupied\n19/0001/OUT,31/03/2024,40,32,30\n"


@router.post(
    "/agreements/{agreement_id}/progress",
    response_model=ProgressRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def record_progress(
    agreement_id: RowId, data: ProgressCreate, session: SessionDep, principal: OfficerOrPlanning, audit: AuditDep
) -> ProgressRead:
    """Record a site's dwellings started, completed and occupied to a date; a correction is a later record."""
    record = service.record_progress(
        session=session, principal=principal, agreement_id=agreement_id, data=data, source="api"
    )
    audit.record("site_progress", [record.id, agreement_id], data)
    return ProgressRead.model_validate(record)


@router.get("/agreements/{agreement_id}/progress", response_model=SiteRead, responses={404: {}})
def get_site(agreement_id: RowId, session: SessionDep, principal: Reader) -> SiteRead:
    """A site's counts today, its build rate, the history of its records and the triggers they pass."""
    return read_site(session, principal, agreement_id)


@router.post(
    "/local-authorities/{local_authority_id}/site-progress",
    response_model=ProgressImport,
    responses={404: {}, 422: {}},
)
def import_progress(
    local_authority_id: str,
    session: SessionDep,
    principal: OfficerOrPlanning,
    audit: AuditDep,
    csv_text: Annotated[str, Body(media_type="text/csv", examples=[EXAMPLE_CSV])],
) -> ProgressImport:
    """Record an authority's housing monitoring file (CSV: planning application, date, and counts to date)."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=principal.scope)
    result = service.import_progress(
        session=session, principal=principal, local_authority_id=authority.id, text=csv_text, source="api upload"
    )
    report = read_import(result)
    audit.record("site_progress", [authority.id], {"recorded": report.recorded, "unchanged": report.unchanged})
    return report


@router.get("/trigger-proposals", response_model=list[TriggerProposal])
def list_proposals(session: SessionDep, principal: Reader) -> list[TriggerProposal]:
    """Instalments whose trigger the recorded progress has passed, not yet confirmed due, soonest first."""
    return proposal_models(session, service.proposals(session=session, scope=principal.scope))


@router.post(
    "/contributions/{contribution_id}/trigger-proposal/confirm",
    response_model=EventRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def confirm_proposal(
    contribution_id: RowId, data: ProposalConfirm, session: SessionDep, principal: Officer, audit: AuditDep
) -> EventRead:
    """Confirm a contribution's earliest proposed instalment due and its trigger met (a trigger_met event)."""
    event = service.confirm_proposal(
        session=session, principal=principal, contribution_id=contribution_id, on=data.on, note=data.note
    )
    audit.record("contribution_events", [event.id], data)
    return event_models([event])[0]


@router.post(
    "/instalments/{instalment_id}/due",
    response_model=DueRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def confirm_instalment(
    instalment_id: RowId, data: DueCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> DueRead:
    """Record an instalment as due: its proposed date, or the date given (a correction is a later record).

    The contribution's first instalment to fall due also records its trigger_met event (event_id)."""
    confirmed = service.confirm_instalment(
        session=session, principal=principal, instalment_id=instalment_id, on=data.on, note=data.note
    )
    ids = [confirmed.due.id] + ([confirmed.event.id] if confirmed.event is not None else [])
    audit.record("instalment_due", ids, data)
    return DueRead.model_validate(confirmed.due)


@router.get("/instalment-watch", response_model=WatchList, responses={422: {}})
def get_watch_list(
    session: SessionDep,
    principal: Reader,
    dwellings: Annotated[int, Query(ge=0, le=100_000, description="within this many dwellings of a threshold")] = 10,
    days: Annotated[int, Query(ge=0, le=3650, description="within this many days of an instalment's date")] = 90,
    overdue_days: Annotated[int, Query(ge=0, le=3650, description="due and unpaid for more than this many days")] = 30,
) -> WatchList:
    """Instalments within N dwellings or N days of their trigger, and instalments due but unpaid for over N days."""
    return read_watch_list(session, principal, dwellings=dwellings, days=days, overdue_days=overdue_days)
