"""What the site routes and pages return: a site's counts, history and proposed triggers."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.balances.queries import GroupBy, balances_by_id
from app.contributions.schemas import Trigger
from app.instalments import service as instalments_service
from app.models import Instalment
from app.money import ZERO
from app.sites import service
from app.sites.schemas import (
    Counts,
    ImportedRow,
    ProgressImport,
    ProgressRead,
    SiteRead,
    TriggerProposal,
    WatchItem,
    WatchList,
)
from app.sites.watch import Watched, watch_list


def instalment_values(session: Session, instalments: list[Instalment]) -> dict[int, Decimal]:
    """What these instalments are worth of their contributions' total values today, by instalment id."""
    ids = sorted({instalment.contribution_id for instalment in instalments})
    figures = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=ids)
    totals = {item: figures[item].total_value if item in figures else ZERO for item in ids}
    return {
        valued.instalment.id: valued.value
        for items in instalments_service.valued(session=session, totals=totals).values()
        for valued in items
    }


def proposal_models(session: Session, found: list[service.Proposal]) -> list[TriggerProposal]:
    """Proposals as the API shows them."""
    values = instalment_values(session, [proposal.instalment for proposal in found])
    return [
        TriggerProposal(
            instalment_id=proposal.instalment.id,
            instalment_position=proposal.instalment.position,
            instalment_value=values.get(proposal.instalment.id, ZERO),
            trigger_words=instalments_service.describe(proposal.instalment),
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


def watch_models(found: list[Watched]) -> list[WatchItem]:
    """The watch list as the API and page show it."""
    return [
        WatchItem(
            kind=item.kind,
            instalment_id=item.instalment.id,
            instalment_position=item.instalment.position,
            contribution_id=item.contribution.id,
            agreement_id=item.agreement.id,
            agreement_reference=item.agreement.reference,
            local_authority_id=item.agreement.local_authority_id,
            trigger_words=instalments_service.describe(item.instalment),
            value=item.value,
            unpaid=item.unpaid,
            on=item.on,
            days=item.days,
            measure=item.measure,
            threshold=item.threshold,
            reached=item.reached,
            reason=item.reason,
        )
        for item in found
    ]


def read_watch_list(
    session: Session, principal: Principal, *, dwellings: int, days: int, overdue_days: int
) -> WatchList:
    """The caller's watch list as at today."""
    today = date.today()
    found = watch_list(
        session=session, scope=principal.scope, today=today, dwellings=dwellings, days=days, overdue_days=overdue_days
    )
    return WatchList(as_at=today, dwellings=dwellings, days=days, overdue_days=overdue_days, items=watch_models(found))


def read_site(session: Session, principal: Principal, agreement_id: int) -> SiteRead:
    """An agreement's site as the caller may see it (another authority's is 404)."""
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    records = service.history(session=session, agreement_ids=[agreement.id])[agreement.id]
    counts = service.counts_as_at(records)
    start = service.development_starts(session=session, agreement_ids=[agreement.id]).get(agreement.id)
    rate = service.completions_per_day(records, as_at=date.today(), started_on=start)
    return SiteRead(
        agreement_id=agreement.id,
        reference=agreement.reference,
        local_authority_id=agreement.local_authority_id,
        site=agreement.site,
        dwellings=agreement.dwellings,
        current=Counts(on=counts.on, started=counts.started, completed=counts.completed, occupied=counts.occupied),
        completions_per_year=round(rate * service.DAYS_PER_YEAR) if rate is not None else None,
        history=[ProgressRead.model_validate(record) for record in records],
        proposals=proposal_models(
            session, service.proposals(session=session, scope=principal.scope, agreement_id=agreement.id)
        ),
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
