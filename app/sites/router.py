"""HTTP routes for site progress: record and upload counts, read a site, and confirm the triggers they pass."""

from typing import Annotated

from fastapi import APIRouter, Body, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OfficerOrPlanning, Reader
from app.contributions.reads import event_models
from app.contributions.schemas import EventRead
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.local_authorities.service import get_local_authority
from app.sites import service
from app.sites.reads import proposal_models, read_import, read_site
from app.sites.schemas import ProgressCreate, ProgressImport, ProgressRead, ProposalConfirm, SiteRead, TriggerProposal

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
    """Triggers the recorded progress has passed, not yet confirmed as met, soonest first."""
    return proposal_models(service.proposals(session=session, scope=principal.scope))


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
    """Confirm a proposed trigger as met (a trigger_met event), on its proposed date or a corrected one."""
    event = service.confirm_proposal(
        session=session, principal=principal, contribution_id=contribution_id, on=data.on, note=data.note
    )
    audit.record("contribution_events", [event.id], data)
    return event_models([event])[0]
