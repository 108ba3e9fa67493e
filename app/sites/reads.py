"""What the site routes and pages return: a site's counts, history and proposed triggers."""

from datetime import date

from sqlalchemy.orm import Session

from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.contributions.schemas import Trigger
from app.sites import service
from app.sites.schemas import Counts, ImportedRow, ProgressImport, ProgressRead, SiteRead, TriggerProposal


def proposal_models(found: list[service.Proposal]) -> list[TriggerProposal]:
    """Proposals as the API shows them."""
    return [
        TriggerProposal(
            contribution_id=proposal.contribution.id,
            agreement_id=proposal.agreement.id,
            agreement_reference=proposal.agreement.reference,
            local_authority_id=proposal.agreement.local_authority_id,
            trigger=Trigger(
                type=proposal.contribution.trigger_type,
                threshold=proposal.contribution.trigger_threshold,
                description=proposal.contribution.trigger_description,
            ),
            measure=proposal.measure,
            threshold=proposal.threshold,
            reached=proposal.reached,
            due_on=proposal.due_on,
            reason=proposal.reason,
        )
        for proposal in found
    ]


def read_site(session: Session, principal: Principal, agreement_id: int) -> SiteRead:
    """An agreement's site as the caller may see it (another authority's is 404)."""
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    records = service.history(session=session, agreement_ids=[agreement.id])[agreement.id]
    counts = service.counts_as_at(records)
    rate = service.completions_per_day(records, as_at=date.today(), started_on=None)
    return SiteRead(
        agreement_id=agreement.id,
        reference=agreement.reference,
        local_authority_id=agreement.local_authority_id,
        site=agreement.site,
        dwellings=agreement.dwellings,
        current=Counts(on=counts.on, started=counts.started, completed=counts.completed, occupied=counts.occupied),
        completions_per_year=round(rate * service.DAYS_PER_YEAR) if rate is not None else None,
        history=[ProgressRead.model_validate(record) for record in records],
        proposals=proposal_models(service.proposals(session=session, scope=principal.scope, agreement_id=agreement.id)),
    )


def read_import(result: service.ImportResult) -> ProgressImport:
    """An upload's outcome, row by row."""
    rows = [
        ImportedRow(
            row=row.row,
            reference=row.reference,
            agreement_id=agreement_id,
            on=row.on,
            started=row.started,
            completed=row.completed,
            occupied=row.occupied,
            outcome="recorded" if recorded else "unchanged",
        )
        for row, agreement_id, recorded in result.rows
    ]
    recorded = sum(1 for row in rows if row.outcome == "recorded")
    return ProgressImport(recorded=recorded, unchanged=len(rows) - recorded, rows=rows)
