"""What the contribution routes return: contributions with their secured amount, stage and balances."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.balances.queries import Balance, GroupBy, balances_by_id, secured_amounts, stage_of
from app.balances.schemas import BalanceFigures
from app.contributions.schemas import ContributionRead, EventRead, Trigger
from app.instalments.reads import instalment_models
from app.models import Agreement, Contribution, ContributionEvent
from app.money import ZERO


def read_models(session: Session, contributions: list[Contribution]) -> list[ContributionRead]:
    """Contributions with their secured amount, stage and today's balances, in a fixed number of queries."""
    ids = [contribution.id for contribution in contributions]
    figures = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=ids)
    secured = secured_amounts(session, contribution_ids=ids)
    agreement_ids = {contribution.agreement_id for contribution in contributions}
    agreements = {
        row.id: row
        for row in session.execute(
            select(Agreement.id, Agreement.local_authority_id, Agreement.signed_on).where(
                Agreement.id.in_(agreement_ids)
            )
        )
    }
    authorities = {agreement_id: row.local_authority_id for agreement_id, row in agreements.items()}
    signed = {contribution.id: agreements[contribution.agreement_id].signed_on for contribution in contributions}
    balances = {
        contribution.id: figures.get(contribution.id) or Balance(key=str(contribution.id), label="")
        for contribution in contributions
    }
    schedules = instalment_models(
        session, {contribution_id: balance.total_value for contribution_id, balance in balances.items()}, signed
    )
    result = []
    for contribution in contributions:
        balance = balances[contribution.id]
        result.append(
            ContributionRead(
                id=contribution.id,
                agreement_id=contribution.agreement_id,
                local_authority_id=authorities[contribution.agreement_id],
                purpose=contribution.purpose,
                amount=secured.get(contribution.id, ZERO),
                trigger=Trigger(
                    type=contribution.trigger_type,
                    threshold=contribution.trigger_threshold,
                    description=contribution.trigger_description,
                ),
                instalments=schedules[contribution.id],
                spend_by=contribution.spend_by,
                repayment_period_years=contribution.repayment_period_years,
                notes=contribution.notes,
                clause_text=contribution.clause_text,
                stage=stage_of(balance),
                balances=BalanceFigures.of(balance),
            )
        )
    return result


def read_one(session: Session, contribution: Contribution) -> ContributionRead:
    """One contribution as the routes return it."""
    return read_models(session, [contribution])[0]


def event_models(events: list[ContributionEvent]) -> list[EventRead]:
    """Stage changes as the routes return them."""
    return [EventRead.model_validate(event) for event in events]
