"""Repurposing: with the authority's consent, a contribution's purpose or project changes; the history stays.

The contribution's purpose column is its current purpose (spend is checked against it); each change is
a row with the consent's date and reference. A project change moves the part of the allocation not yet
requested or spent from one project to the other.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.balances.queries import requested_for_projects, spent_for_projects
from app.errors import ConflictError, RuleError
from app.investment.service import get_item
from app.ledger import locks
from app.models import ProjectAllocation, ProjectFunding, Repurposing
from app.money import ZERO, pounds
from app.movements.service import get_contribution
from app.projects.service import ensure_fits, get_project
from app.repurposing.schemas import RepurposingCreate


def repurpose(*, session: Session, principal: Principal, contribution_id: int, data: RepurposingCreate) -> Repurposing:
    """Change a contribution's purpose and/or move its uncommitted allocation to another project."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=None, lock=True)
    agreement = get_agreement(session=session, agreement_id=contribution.agreement_id, scope=None)
    if data.purpose is None and data.to_project_id is None:
        raise RuleError("give a new purpose, a to_project_id, or both", field="purpose")
    if data.purpose is not None and data.purpose is contribution.purpose and data.to_project_id is None:
        raise RuleError(f"contribution {contribution.id} is already for {data.purpose.value}", field="purpose")
    if data.consented_on > date.today():
        raise RuleError(f"consented_on {data.consented_on} is in the future", field="consented_on")
    if data.consented_on < agreement.signed_on:
        raise RuleError(
            f"consented_on {data.consented_on} is before the agreement was signed on {agreement.signed_on}",
            field="consented_on",
        )
    if data.investment_item_id is not None:
        get_item(session=session, item_id=data.investment_item_id, field="investment_item_id")
    if (data.from_project_id is None) != (data.to_project_id is None):
        raise RuleError("a move names both from_project_id and to_project_id", field="to_project_id")
    moved = None
    if data.from_project_id is not None and data.to_project_id is not None:
        if data.from_project_id == data.to_project_id:
            raise RuleError("from_project_id and to_project_id are the same project", field="to_project_id")
        source = get_project(session=session, project_id=data.from_project_id, scope=None)
        target = get_project(session=session, project_id=data.to_project_id, scope=None)
        # Both projects in id order, after the contribution: the global lock order (app/ledger/locks.py).
        locks.lock_projects(session, [source.id, target.id])
        if target.funding is ProjectFunding.local and target.local_authority_id != agreement.local_authority_id:
            raise RuleError(
                f"{target.name} is local to {target.local_authority_id}; contribution {contribution.id} is held by "
                f"{agreement.local_authority_id}",
                field="to_project_id",
            )
        ensure_fits(
            contribution_id=contribution.id,
            purpose=data.purpose or contribution.purpose,
            category=target.category,
            field="to_project_id",
        )
        allocation = session.scalar(
            select(ProjectAllocation).where(
                ProjectAllocation.project_id == source.id, ProjectAllocation.contribution_id == contribution.id
            )
        )
        if allocation is None:
            raise RuleError(
                f"contribution {contribution.id} is not allocated to {source.name}", field="from_project_id"
            )
        key = (source.id, contribution.id)
        requested = requested_for_projects(session, project_ids=[source.id], contribution_ids=[contribution.id])
        spent = spent_for_projects(session, project_ids=[source.id], contribution_ids=[contribution.id])
        committed = max(requested.get(key, ZERO), spent.get(key, ZERO))
        moved = allocation.amount - committed
        if moved <= 0:
            raise ConflictError(
                f"all {pounds(allocation.amount)} allocated to {source.name} is requested or spent; nothing can move",
                field="from_project_id",
            )
        if committed > 0:
            allocation.amount = committed
        else:
            session.delete(allocation)
        existing = session.scalar(
            select(ProjectAllocation).where(
                ProjectAllocation.project_id == target.id, ProjectAllocation.contribution_id == contribution.id
            )
        )
        if existing is not None:
            existing.amount += moved
        else:
            session.add(
                ProjectAllocation(
                    project_id=target.id, contribution_id=contribution.id, amount=moved, created_by=principal.label
                )
            )
    change = Repurposing(
        contribution_id=contribution.id,
        from_purpose=contribution.purpose,
        to_purpose=data.purpose or contribution.purpose,
        from_project_id=data.from_project_id,
        to_project_id=data.to_project_id,
        moved_amount=moved,
        investment_item_id=data.investment_item_id,
        consented_on=data.consented_on,
        consent_reference=data.consent_reference,
        note=data.note,
        recorded_by=principal.label,
    )
    contribution.purpose = change.to_purpose
    session.add(change)
    session.flush()
    return change


def history(*, session: Session, principal: Principal, contribution_id: int) -> list[Repurposing]:
    """A contribution's changes of purpose and project, oldest first."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    return list(
        session.scalars(
            select(Repurposing)
            .where(Repurposing.contribution_id == contribution.id)
            .order_by(Repurposing.consented_on, Repurposing.id)
        )
    )
