"""What the contribution routes return: contributions with their secured amount, stage and balances."""

from dataclasses import fields
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Date, Integer, Select, String, and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app import scoping
from app.balances.queries import (
    STAGE_COLUMNS,
    GroupBy,
    balance_or_zeros,
    balances_by_id,
    event_dates,
    secured_amounts,
    stage_balance,
    stage_figures,
    stage_of,
)
from app.balances.schemas import BalanceFigures
from app.contributions.schemas import ContributionRead, EventRead, Trigger
from app.errors import NotFoundError
from app.instalments.reads import instalment_models, schedule_models
from app.instalments.service import DueOn, InstalmentTerms, ValuedTerms, values
from app.ledger.expressions import movement_sums
from app.ledger.figures import secured_sum
from app.models import Agreement, Contribution, ContributionEvent, Instalment, InstalmentDue
from app.money import ZERO, to_money


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
    balances = {contribution.id: balance_or_zeros(figures, contribution.id) for contribution in contributions}
    schedules = instalment_models(session, balances, signed)
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


CONTRIBUTION_COLUMNS = (
    "id",
    "agreement_id",
    "purpose",
    "trigger_type",
    "trigger_threshold",
    "trigger_description",
    "spend_by",
    "repayment_period_years",
    "notes",
    "clause_text",
)
# Read in the order of the record's fields, so each row builds one by position.
INSTALMENT_COLUMNS = tuple(field.name for field in fields(InstalmentTerms))


@lru_cache
def _by_id_statement(scoped: bool) -> Select[*tuple[Any, ...]]:
    """Built once: a contribution with its authority, signing, stages, secured sum, and a row per instalment."""
    # Each row: the contribution's columns, its authority and signing, its secured amount, its stage figures as
    # at the date, then one instalment and its latest due date (none where the contribution has no instalments).
    contribution_id = bindparam("contribution_id", type_=Integer())
    as_at = bindparam("as_at", type_=Date())
    # The contribution's one id as a subquery, not an expanding list: nothing to rewrite in the SQL per request.
    only = select(contribution_id)
    sums = movement_sums(as_at, only)
    events = event_dates(as_at, only)
    # Short names: under 4 kB of SQL the PostgreSQL driver keeps the statement parsed between executions.
    contribution, agreement, instalment, due = (
        aliased(Contribution, name="c"),
        aliased(Agreement, name="a"),
        aliased(Instalment, name="i"),
        aliased(InstalmentDue, name="d"),
    )
    latest_due = (
        select(due.on).where(due.instalment_id == instalment.id).order_by(due.id.desc()).limit(1).scalar_subquery()
    )
    scope = bindparam("scope", type_=String()) if scoped else None
    return (
        select(
            *(getattr(contribution, name) for name in CONTRIBUTION_COLUMNS),
            agreement.local_authority_id,
            agreement.signed_on,
            secured_sum(contribution.id),
            *stage_figures(sums, events, contribution.trigger_type),
            *(getattr(instalment, name) for name in INSTALMENT_COLUMNS),
            latest_due,
        )
        .join(agreement, agreement.id == contribution.agreement_id)
        # As in the balances: nothing as at a date before the signing, and zeros without movements.
        .outerjoin(sums, and_(sums.c.contribution_id == contribution.id, agreement.signed_on <= as_at))
        .outerjoin(events, events.c.contribution_id == contribution.id)
        .outerjoin(instalment, instalment.contribution_id == contribution.id)
        .where(contribution.id == contribution_id, scoping.authority_keyed(agreement.local_authority_id, scope))
        .order_by(instalment.position)
    )


def read_by_id(*, connection: Connection, contribution_id: int, scope: str | None) -> ContributionRead:
    """One contribution as the routes return it, in one statement; another authority's is as absent as none."""
    parameters: dict[str, Any] = {"contribution_id": contribution_id, "as_at": date.today()}
    if scope is not None:
        parameters["scope"] = scope
    # Through the connection (a statement of columns needs none of the ORM's loading), its columns by position:
    # unlabelled, the statement stays short enough for the driver to keep it parsed.
    rows = connection.execute(_by_id_statement(scope is not None), parameters).all()
    if not rows:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    first = dict(zip(CONTRIBUTION_COLUMNS, rows[0], strict=False))
    local_authority_id, signed_on, secured = rows[0][len(CONTRIBUTION_COLUMNS) : len(CONTRIBUTION_COLUMNS) + 3]
    stages_from = len(CONTRIBUTION_COLUMNS) + 3
    instalment_from = stages_from + len(STAGE_COLUMNS)
    balance = stage_balance(
        str(contribution_id), first["purpose"].value, dict(zip(STAGE_COLUMNS, rows[0][stages_from:], strict=False))
    )
    schedule = [row[instalment_from:] for row in rows if row[instalment_from] is not None]
    # Plain records, not the ORM's objects: building those (state, instrumentation) cost more than the rest of this.
    instalments = [InstalmentTerms(*part[:-1]) for part in schedule]
    due_records = [None if part[-1] is None else DueOn(on=part[-1]) for part in schedule]
    worth = values(instalments, balance.total_value)
    return ContributionRead(
        id=contribution_id,
        agreement_id=first["agreement_id"],
        local_authority_id=local_authority_id,
        purpose=first["purpose"],
        amount=to_money(secured),
        trigger=Trigger(
            type=first["trigger_type"],
            threshold=first["trigger_threshold"],
            description=first["trigger_description"],
        ),
        instalments=schedule_models(
            [
                ValuedTerms(instalment, value, due)
                for instalment, value, due in zip(instalments, worth, due_records, strict=True)
            ],
            balance.received_by_local_authority,
            signed_on,
        ),
        spend_by=first["spend_by"],
        repayment_period_years=first["repayment_period_years"],
        notes=first["notes"],
        clause_text=first["clause_text"],
        stage=stage_of(balance),
        balances=BalanceFigures.of(balance),
    )


def event_models(events: list[ContributionEvent]) -> list[EventRead]:
    """Stage changes as the routes return them."""
    return [EventRead.model_validate(event) for event in events]
