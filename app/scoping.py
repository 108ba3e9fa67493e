"""Who may read what: one readable statement per entity for a principal, where every get and list starts.

The force's officer and finance read everything; a planning officer reads only what concerns their own
authority, and another authority's record is as absent as an unknown id (404, never 403).
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select, true

from app.auth.service import Principal
from app.models import (
    Agreement,
    Contribution,
    DrawdownRequest,
    Movement,
    Project,
    ProjectAllocation,
    Spend,
    SpendCharge,
)


def _of_authority(principal: Principal, column: Any) -> ColumnElement[bool]:
    return true() if principal.scope is None else column == principal.scope


def agreement(principal: Principal) -> ColumnElement[bool]:
    """Agreements the principal may read: their authority's, for a planning officer."""
    return _of_authority(principal, Agreement.local_authority_id)


def contribution(principal: Principal) -> ColumnElement[bool]:
    """Contributions the principal may read: those of agreements they may read."""
    if principal.scope is None:
        return true()
    return Contribution.agreement_id.in_(select(Agreement.id).where(agreement(principal)))


def movement(principal: Principal) -> ColumnElement[bool]:
    """Movements the principal may read: those of contributions they may read."""
    if principal.scope is None:
        return true()
    return Movement.contribution_id.in_(select(Contribution.id).where(contribution(principal)))


def drawdown(principal: Principal) -> ColumnElement[bool]:
    """Drawdown requests the principal may read: those asked of their authority, for a planning officer."""
    return _of_authority(principal, DrawdownRequest.local_authority_id)


def spend(principal: Principal) -> ColumnElement[bool]:
    """Spend the principal may read: for a planning officer, only spend charged to their authority's money."""
    return spend_in_scope(principal.scope)


def spend_in_scope(scope: str | None) -> ColumnElement[bool]:
    """Spend charged to the authority's money (all spend for no scope)."""
    if scope is None:
        return true()
    return exists(
        select(SpendCharge.id)
        .join(Contribution, Contribution.id == SpendCharge.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(SpendCharge.spend_id == Spend.id, Agreement.local_authority_id == scope)
    )


def project(principal: Principal) -> ColumnElement[bool]:
    """Projects the principal may read: for a planning officer, local to, funded by or asked of their authority."""
    if principal.scope is None:
        return true()
    return project_of_authority(principal.scope)


def project_of_authority(authority_id: str) -> ColumnElement[bool]:
    """Projects that concern an authority: local to it, funded by its contributions, or asked of it."""
    funded = exists(
        select(ProjectAllocation.id)
        .join(Contribution, Contribution.id == ProjectAllocation.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(ProjectAllocation.project_id == Project.id, Agreement.local_authority_id == authority_id)
    )
    asked = exists(
        select(DrawdownRequest.id).where(
            DrawdownRequest.project_id == Project.id, DrawdownRequest.local_authority_id == authority_id
        )
    )
    return or_(Project.local_authority_id == authority_id, funded, asked)


def readable_spend(principal: Principal) -> Select[Spend]:
    """The statement every read of spend starts from."""
    return select(Spend).where(spend(principal))


def readable_drawdowns(principal: Principal) -> Select[DrawdownRequest]:
    """The statement every read of drawdown requests starts from."""
    return select(DrawdownRequest).where(drawdown(principal))


def readable_projects(principal: Principal) -> Select[Project]:
    """The statement every read of projects starts from."""
    return select(Project).where(project(principal))
