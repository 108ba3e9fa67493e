"""What the contribution routes return: contributions with their secured amount, stage and balances."""

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, Select, String, bindparam, select
from sqlalchemy.orm import Session

from app import scoping
from app.balances.queries import (
    STAGE_COLUMNS,
    Balance,
    BalanceFilter,
    GroupBy,
    balances_by_id,
    contribution_stages,
    secured_amounts,
    stage_balance,
    stage_of,
)
from app.balances.schemas import BalanceFigures
from app.contributions.schemas import ContributionRead, EventRead, Trigger
from app.errors import NotFoundError
from app.instalments.reads import instalment_model, instalment_models
from app.instalments.service import Valued, values
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


INSTALMENT_COLUMNS = (
    "position",
    "share_percent",
    "share_amount",
    "trigger_type",
    "threshold",
    "threshold_unit",
    "due_date",
    "description",
)


@lru_cache
def _by_id_statement(scoped: bool) -> Select[*tuple[Any, ...]]:
    """Built once: a contribution, its agreement's authority and signing, its balances as at a date, its secured
    amount, and one row per instalment with its latest due date (none where it has no instalments)."""
    contribution_id = bindparam("contribution_id", type_=Integer())
    # The contribution's one id as a subquery, not an expanding list: nothing to rewrite in the SQL per request.
    ids = select(contribution_id)
    stages = contribution_stages(bindparam("as_at", type_=Date()), BalanceFilter(contribution_ids=ids))
    latest_due = (
        select(InstalmentDue.on)
        .where(InstalmentDue.instalment_id == Instalment.id)
        .order_by(InstalmentDue.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    scope = bindparam("scope", type_=String()) if scoped else None
    return (
        select(
            Contribution.id,
            Contribution.agreement_id,
            Contribution.purpose,
            Contribution.trigger_type,
            Contribution.trigger_threshold,
            Contribution.trigger_description,
            Contribution.spend_by,
            Contribution.repayment_period_years,
            Contribution.notes,
            Contribution.clause_text,
            Agreement.local_authority_id,
            Agreement.signed_on,
            secured_sum(Contribution.id).label("secured"),
            *(stages.c[name] for name in STAGE_COLUMNS),
            Instalment.id.label("instalment_id"),
            *(getattr(Instalment, name).label(f"instalment_{name}") for name in INSTALMENT_COLUMNS),
            latest_due.label("instalment_due_on"),
        )
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .outerjoin(stages, stages.c.contribution_id == Contribution.id)
        .outerjoin(Instalment, Instalment.contribution_id == Contribution.id)
        .where(
            Contribution.id == contribution_id,
            scoping.authority_keyed(Agreement.local_authority_id, scope),
        )
        .order_by(Instalment.position)
    )


def read_by_id(*, session: Session, contribution_id: int, scope: str | None) -> ContributionRead:
    """One contribution as the routes return it, in one statement; another authority's is as absent as none."""
    parameters: dict[str, Any] = {"contribution_id": contribution_id, "as_at": date.today()}
    if scope is not None:
        parameters["scope"] = scope
    # Through the connection: a statement of columns needs none of the ORM's loading.
    rows = session.connection().execute(_by_id_statement(scope is not None), parameters).all()
    if not rows:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    first = rows[0]._mapping
    balance = stage_balance(str(contribution_id), first["purpose"].value, first)
    instalments = [
        Instalment(
            id=row.instalment_id,
            contribution_id=contribution_id,
            **{name: row._mapping[f"instalment_{name}"] for name in INSTALMENT_COLUMNS},
        )
        for row in rows
        if row.instalment_id is not None
    ]
    due_records = [
        None if row.instalment_due_on is None else InstalmentDue(on=row.instalment_due_on)
        for row in rows
        if row.instalment_id is not None
    ]
    worth = values(instalments, balance.total_value)
    return ContributionRead(
        id=contribution_id,
        agreement_id=first["agreement_id"],
        local_authority_id=first["local_authority_id"],
        purpose=first["purpose"],
        amount=to_money(first["secured"]),
        trigger=Trigger(
            type=first["trigger_type"],
            threshold=first["trigger_threshold"],
            description=first["trigger_description"],
        ),
        instalments=[
            instalment_model(Valued(instalment, value, due), first["signed_on"])
            for instalment, value, due in zip(instalments, worth, due_records, strict=True)
        ],
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
