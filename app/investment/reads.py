"""What the investment routes and pages return: items with their projects' S106 money, in a fixed number of queries."""

from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.balances.queries import project_money
from app.investment.schemas import InvestmentFigures, InvestmentItemRead, LinkedProject
from app.models import InvestmentItem, Project, ProposalStatus, RepurposingProposal
from app.money import ZERO

OPEN_STEPS = (ProposalStatus.identified, ProposalStatus.discussed, ProposalStatus.agreed)


def read_models(session: Session, principal: Principal, items: list[InvestmentItem]) -> list[InvestmentItemRead]:
    """Items with the projects the caller may see, their money, and what is still to find."""
    item_ids = [item.id for item in items]
    projects: dict[int, list[Project]] = defaultdict(list)
    if item_ids:
        query = scoping.readable_projects(principal.scope).where(Project.investment_item_id.in_(item_ids))
        for project in session.scalars(query.order_by(Project.name)):
            assert project.investment_item_id is not None
            projects[project.investment_item_id].append(project)
    money = project_money(
        session, project_ids=[project.id for group in projects.values() for project in group], scope=principal.scope
    )
    item_of = {project.id: item_id for item_id, group in projects.items() for project in group}
    figures: dict[int, dict[str, object]] = {}
    for item_id in item_ids:
        rows = [row for row in money if item_of[row.project_id] == item_id]
        figures[item_id] = {
            name: sum((getattr(row, name) for row in rows), ZERO)
            for name in ("identified", "requested", "received", "spent")
        }
    proposals: Counter[int] = Counter()
    if item_ids:
        open_proposals = select(RepurposingProposal.investment_item_id).where(
            RepurposingProposal.investment_item_id.in_(item_ids),
            RepurposingProposal.status.in_(OPEN_STEPS),
            scoping.repurposing_proposal(principal.scope),
        )
        proposals.update(item_id for item_id in session.scalars(open_proposals) if item_id is not None)
    result = []
    for item in items:
        shown = InvestmentFigures.model_validate(figures[item.id])
        result.append(
            InvestmentItemRead(
                id=item.id,
                name=item.name,
                category=item.category,
                estimate=item.estimate,
                strategy_reference=item.strategy_reference,
                status=item.status,
                priority=item.priority,
                notes=item.notes,
                projects=[LinkedProject(id=project.id, name=project.name) for project in projects[item.id]],
                figures=shown,
                to_find=None if principal.scope is not None else max(item.estimate - shown.identified, ZERO),
                open_proposals=proposals[item.id],
                created_at=item.created_at,
                created_by=item.created_by,
            )
        )
    return result


def read_one(session: Session, principal: Principal, item: InvestmentItem) -> InvestmentItemRead:
    """One item as the routes return it."""
    return read_models(session, principal, [item])[0]
