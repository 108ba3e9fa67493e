"""Who may read what: one readable condition per entity, where every get and list (API and pages) starts.

`scope` is `Principal.scope`: None for the force's officer and finance, who read everything; a planning
officer's authority, who reads only what concerns it. Another authority's record is then as absent as an
unknown id (404, never 403), and a planning officer's views never show another authority's details.
A Panel member's scope is None too, but their role reaches only the aggregate views (`PanelReader` in
app/auth/dependencies.py, PANEL_PAGES in app/web/pages.py), which never start from these statements' rows.
"""

from sqlalchemy import BindParameter, ColumnElement, Select, exists, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from app.models import (
    Agreement,
    Bid,
    Contribution,
    Document,
    DocumentOwner,
    DrawdownRequest,
    Instalment,
    LocalAuthority,
    Movement,
    Project,
    ProjectAllocation,
    RepurposingProposal,
    Spend,
    SpendCharge,
)

Scope = str | None
"""The one authority a caller may read, or None for all."""


def authority_keyed(
    column: ColumnElement[str] | InstrumentedAttribute[str], scope: Scope | BindParameter[str]
) -> ColumnElement[bool]:
    """Rows keyed by an authority's id, in statements built once with the scope as a parameter (the rollup's)."""
    return true() if scope is None else column == scope


def local_authority(scope: Scope) -> ColumnElement[bool]:
    """Authorities readable: a planning officer's own."""
    return true() if scope is None else LocalAuthority.id == scope


def agreement(scope: Scope) -> ColumnElement[bool]:
    """Agreements readable: those of a planning officer's authority."""
    return true() if scope is None else Agreement.local_authority_id == scope


def contribution(scope: Scope) -> ColumnElement[bool]:
    """Contributions readable: those of readable agreements."""
    if scope is None:
        return true()
    return Contribution.agreement_id.in_(select(Agreement.id).where(agreement(scope)))


def movement(scope: Scope) -> ColumnElement[bool]:
    """Movements readable: those of readable contributions."""
    if scope is None:
        return true()
    return Movement.contribution_id.in_(select(Contribution.id).where(contribution(scope)))


def allocation(scope: Scope) -> ColumnElement[bool]:
    """Project allocations readable: those of readable contributions."""
    if scope is None:
        return true()
    return ProjectAllocation.contribution_id.in_(select(Contribution.id).where(contribution(scope)))


def drawdown(scope: Scope) -> ColumnElement[bool]:
    """Drawdown requests readable: those asked of a planning officer's authority."""
    return true() if scope is None else DrawdownRequest.local_authority_id == scope


def spend(scope: Scope) -> ColumnElement[bool]:
    """Spend readable: for a planning officer, only spend charged to their authority's money."""
    if scope is None:
        return true()
    return exists(
        select(SpendCharge.id)
        .join(Contribution, Contribution.id == SpendCharge.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(SpendCharge.spend_id == Spend.id, Agreement.local_authority_id == scope)
    )


def spend_charge(scope: Scope) -> ColumnElement[bool]:
    """Charges of spend readable: those to readable contributions."""
    if scope is None:
        return true()
    return SpendCharge.contribution_id.in_(select(Contribution.id).where(contribution(scope)))


def project(scope: Scope) -> ColumnElement[bool]:
    """Projects readable: for a planning officer, local to, funded by or asked of their authority."""
    if scope is None:
        return true()
    funded = exists(
        select(ProjectAllocation.id)
        .join(Contribution, Contribution.id == ProjectAllocation.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(ProjectAllocation.project_id == Project.id, Agreement.local_authority_id == scope)
    )
    asked = exists(
        select(DrawdownRequest.id).where(
            DrawdownRequest.project_id == Project.id, DrawdownRequest.local_authority_id == scope
        )
    )
    return or_(Project.local_authority_id == scope, funded, asked)


def document(scope: Scope) -> ColumnElement[bool]:
    """Documents readable: those whose owner is readable."""
    if scope is None:
        return true()
    owners = (
        (DocumentOwner.agreement, select(Agreement.id).where(agreement(scope))),
        (DocumentOwner.contribution, select(Contribution.id).where(contribution(scope))),
        (DocumentOwner.project, select(Project.id).where(project(scope))),
        (DocumentOwner.drawdown, select(DrawdownRequest.id).where(drawdown(scope))),
        (DocumentOwner.spend, select(Spend.id).where(spend(scope))),
    )
    own = (Document.owner_type == DocumentOwner.local_authority) & (Document.local_authority_id == scope)
    return or_(own, *((Document.owner_type == owner) & Document.owner_id.in_(ids) for owner, ids in owners))


def readable_documents(scope: Scope) -> Select[Document]:
    """The statement every read of documents starts from."""
    return select(Document).where(document(scope))


def bid(scope: Scope) -> ColumnElement[bool]:
    """Bids readable: those on a planning officer's authority's applications."""
    return true() if scope is None else Bid.local_authority_id == scope


def repurposing_proposal(scope: Scope) -> ColumnElement[bool]:
    """Repurposing proposals readable: those of readable contributions."""
    if scope is None:
        return true()
    return RepurposingProposal.contribution_id.in_(select(Contribution.id).where(contribution(scope)))


def instalment(scope: Scope) -> ColumnElement[bool]:
    """Instalments readable: those of readable contributions."""
    if scope is None:
        return true()
    return Instalment.contribution_id.in_(select(Contribution.id).where(contribution(scope)))


def readable_instalments(scope: Scope) -> Select[Instalment]:
    """The statement every read of instalments starts from."""
    return select(Instalment).where(instalment(scope))


def readable_local_authorities(scope: Scope) -> Select[LocalAuthority]:
    """The statement every read of authorities starts from."""
    return select(LocalAuthority).where(local_authority(scope))


def readable_agreements(scope: Scope) -> Select[Agreement]:
    """The statement every read of agreements starts from."""
    return select(Agreement).where(agreement(scope))


def readable_contributions(scope: Scope) -> Select[Contribution]:
    """The statement every read of contributions starts from."""
    return select(Contribution).where(contribution(scope))


def readable_movements(scope: Scope) -> Select[Movement]:
    """The statement every read of movements starts from."""
    return select(Movement).where(movement(scope))


def readable_drawdowns(scope: Scope) -> Select[DrawdownRequest]:
    """The statement every read of drawdown requests starts from."""
    return select(DrawdownRequest).where(drawdown(scope))


def readable_spend(scope: Scope) -> Select[Spend]:
    """The statement every read of spend starts from."""
    return select(Spend).where(spend(scope))


def readable_projects(scope: Scope) -> Select[Project]:
    """The statement every read of projects starts from."""
    return select(Project).where(project(scope))


def readable_bids(scope: Scope) -> Select[Bid]:
    """The statement every read of bids starts from."""
    return select(Bid).where(bid(scope))


def readable_repurposing_proposals(scope: Scope) -> Select[RepurposingProposal]:
    """The statement every read of repurposing proposals starts from."""
    return select(RepurposingProposal).where(repurposing_proposal(scope))
