"""Contributions: the obligations of an agreement, and their stage events."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.balances.queries import Balance, GroupBy, balances_by_id
from app.contributions.schemas import ContributionCreate, ContributionUpdate, EventCreate
from app.errors import ConflictError, RuleError
from app.instalments import service as instalments
from app.instalments.schemas import InstalmentWrite
from app.ledger import locks
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    MovementKind,
    Purpose,
    ThresholdUnit,
)
from app.money import ZERO
from app.movements.service import get_contribution, record_movement


def create_contribution(
    *,
    session: Session,
    principal: Principal,
    agreement_id: int,
    data: ContributionCreate,
    published_history: bool = False,
) -> Contribution:
    """Add a contribution and secure its amount on the agreement's signed date.

    Only an import of published history may add one to an agreement that has since closed.
    """
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    locks.lock_agreements(session, [agreement.id])
    if not published_history:
        locks.refuse_if_closed(agreement)
    if data.spend_by is not None and data.spend_by < agreement.signed_on:
        raise RuleError(
            f"spend_by {data.spend_by} is before the agreement was signed on {agreement.signed_on}",
            field="spend_by",
        )
    if data.instalments is not None:
        instalments.check_schedule(data.instalments, data.amount)
    contribution = Contribution(
        agreement_id=agreement.id,
        purpose=data.purpose,
        trigger_type=data.trigger.type,
        trigger_threshold=data.trigger.threshold,
        trigger_description=data.trigger.description,
        spend_by=data.spend_by,
        repayment_period_years=data.repayment_period_years,
        notes=data.notes,
        clause_text=data.clause_text,
        created_by=principal.label,
    )
    session.add(contribution)
    session.flush()
    instalments.write_schedule(
        session=session,
        principal=principal,
        contribution=contribution,
        schedule=data.instalments or [instalments.one_instalment(contribution)],
    )
    record_movement(
        session=session,
        principal=principal,
        contribution_id=contribution.id,
        kind=MovementKind.secured,
        amount=data.amount,
        on=agreement.signed_on,
        note="secured on signing",
        published_history=published_history,
    )
    return contribution


def update_contribution(*, session: Session, contribution_id: int, data: ContributionUpdate) -> Contribution:
    """Change a contribution's trigger, deadlines or notes; its money changes only by movements."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=None)
    changes = data.model_dump(exclude_unset=True)
    if "trigger" in changes and data.trigger is not None:
        contribution.trigger_type = data.trigger.type
        contribution.trigger_threshold = data.trigger.threshold
        contribution.trigger_description = data.trigger.description
        single = instalments.schedules(session=session, contribution_ids=[contribution.id])[contribution.id]
        if len(single) > 1:
            raise ConflictError(
                f"contribution {contribution.id} is paid in {len(single)} instalments, each with its own trigger: "
                "change them with PUT /contributions/{id}/instalments",
                field="trigger",
            )
        if single:
            single[0].trigger_type = data.trigger.type
            single[0].threshold = data.trigger.threshold
            single[0].threshold_unit = ThresholdUnit.dwellings
            single[0].description = data.trigger.description
    for name in ("spend_by", "repayment_period_years", "notes", "clause_text"):
        if name in changes:
            setattr(contribution, name, changes[name])
    session.flush()
    return contribution


def list_contributions(
    *,
    session: Session,
    scope: str | None,
    agreement_id: int | None,
    local_authority_id: str | None,
    purpose: Purpose | None,
    limit: int,
    offset: int,
) -> tuple[list[Contribution], int]:
    """Contributions the caller may see, filtered, in id order."""
    query = scoping.readable_contributions(scope)
    if local_authority_id:
        query = query.join(Agreement)
    if agreement_id is not None:
        query = query.where(Contribution.agreement_id == agreement_id)
    if local_authority_id:
        query = query.where(Agreement.local_authority_id == local_authority_id)
    if purpose is not None:
        query = query.where(Contribution.purpose == purpose)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Contribution.id).limit(limit).offset(offset))
    return list(rows), total


def record_event(
    *,
    session: Session,
    principal: Principal,
    contribution_id: int,
    data: EventCreate,
    published_history: bool = False,
    link_instalment: bool = True,
) -> ContributionEvent:
    """Record a stage change, refusing one that makes no sense at its date, or on a closed agreement.

    A trigger met on a contribution of one instalment is that instalment falling due (unless the caller
    records the instalment's due itself: `link_instalment=False`)."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    locks.lock_for_money(session, [contribution.id], published_history=published_history)
    agreement = get_agreement(session=session, agreement_id=contribution.agreement_id, scope=None)
    if data.on < agreement.signed_on:
        raise RuleError(f"on {data.on} is before the agreement was signed on {agreement.signed_on}", field="on")
    if data.on > date.today():
        raise RuleError(f"on {data.on} is in the future", field="on")
    if data.kind in (EventKind.at_risk, EventKind.at_risk_cleared):
        latest = session.scalar(
            select(ContributionEvent.kind)
            .where(
                ContributionEvent.contribution_id == contribution.id,
                ContributionEvent.kind.in_((EventKind.at_risk, EventKind.at_risk_cleared)),
                ContributionEvent.on <= data.on,
            )
            .order_by(ContributionEvent.on.desc(), ContributionEvent.id.desc())
            .limit(1)
        )
        at_risk = latest is EventKind.at_risk
        if data.kind is EventKind.at_risk and at_risk:
            raise ConflictError(f"contribution {contribution.id} is already at risk on {data.on}", field="kind")
        if data.kind is EventKind.at_risk_cleared and not at_risk:
            raise ConflictError(f"contribution {contribution.id} is not at risk on {data.on}", field="kind")
    event = ContributionEvent(
        contribution_id=contribution.id,
        kind=data.kind,
        on=data.on,
        note=data.note,
        recorded_by=principal.label,
    )
    session.add(event)
    session.flush()
    if data.kind is EventKind.trigger_met and link_instalment:
        single = instalments.schedules(session=session, contribution_ids=[contribution.id])[contribution.id]
        if len(single) == 1 and not instalments.due_records(session=session, instalment_ids=[single[0].id]):
            instalments.record_due(
                session=session,
                principal=principal,
                instalment=single[0],
                on=data.on,
                note=data.note,
                event_id=event.id,
            )
    return event


def list_events(*, session: Session, principal: Principal, contribution_id: int) -> list[ContributionEvent]:
    """A contribution's stage changes in date order."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    return list(
        session.scalars(
            select(ContributionEvent)
            .where(ContributionEvent.contribution_id == contribution.id)
            .order_by(ContributionEvent.on, ContributionEvent.id)
        )
    )


def list_agreement_events(*, session: Session, agreement_id: int) -> list[ContributionEvent]:
    """The stage changes of every contribution of an agreement, in date order (the caller checks scope)."""
    return list(
        session.scalars(
            select(ContributionEvent)
            .join(Contribution, Contribution.id == ContributionEvent.contribution_id)
            .where(Contribution.agreement_id == agreement_id)
            .order_by(ContributionEvent.on, ContributionEvent.id)
        )
    )


def contributions_of_agreements(*, session: Session, agreement_ids: list[int]) -> list[Contribution]:
    """The contributions of these agreements, in id order, in one query (the caller checks scope)."""
    if not agreement_ids:
        return []
    return list(
        session.scalars(
            select(Contribution).where(Contribution.agreement_id.in_(agreement_ids)).order_by(Contribution.id)
        )
    )


def replace_schedule(
    *, session: Session, principal: Principal, contribution_id: int, schedule: list[InstalmentWrite]
) -> Contribution:
    """Replace a contribution's instalments with a schedule whose shares add to 100% or to its total value."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    locks.lock_for_money(session, [contribution.id])
    figures = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=[contribution.id])
    total = figures[contribution.id].total_value if contribution.id in figures else ZERO
    instalments.refuse_if_fixed(session=session, contribution=contribution)
    agreement = get_agreement(session=session, agreement_id=contribution.agreement_id, scope=None)
    instalments.check_schedule(schedule, total, dwellings=agreement.dwellings)
    was_started = instalments.counts_as_started(contribution.trigger_type)
    instalments.write_schedule(session=session, principal=principal, contribution=contribution, schedule=schedule)
    if instalments.counts_as_started(contribution.trigger_type) != was_started:
        after = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=[contribution.id])
        if stages(after.get(contribution.id)) != stages(figures.get(contribution.id)):
            # The ledger reads an on-signing first instalment as started: a schedule must not move money silently.
            now = "is payable on signing" if was_started else "is not payable on signing"
            raise ConflictError(
                f"contribution {contribution.id}'s first instalment {now}, which decides whether its money counts "
                "as started (held by the developer); this schedule would move that money without a record. Keep "
                "the first instalment's trigger as it is, or record the trigger met (or correct it) first",
                field="instalments",
            )
    return contribution


def stages(balance: Balance | None) -> tuple[Decimal, ...]:
    """A contribution's money in the stages a trigger decides between: not started, held by developer, at risk."""
    if balance is None:
        return (ZERO, ZERO, ZERO)
    return (balance.not_started, balance.held_by_developer, balance.at_risk)
