"""What the project routes and pages return: projects with their money, assembled in a fixed number of queries."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.balances.queries import ProjectMoney, project_money, requested_for_projects, spent_for_projects
from app.models import Agreement, Contribution, Project
from app.money import ZERO
from app.projects import service
from app.projects.schemas import AllocationRead, AuthorityFigures, ProjectFigures, ProjectRead


def _figures(money: list[ProjectMoney]) -> ProjectFigures:
    identified = sum((row.identified for row in money), ZERO)
    requested = sum((row.requested for row in money), ZERO)
    received = sum((row.received for row in money), ZERO)
    spent = sum((row.spent for row in money), ZERO)
    return ProjectFigures(
        identified=identified, requested=requested, received=received, awaiting=requested - received, spent=spent
    )


def read_models(
    session: Session, principal: Principal, projects: list[Project], *, with_allocations: bool = False
) -> list[ProjectRead]:
    """Projects with their money in total and by authority, in a fixed number of queries."""
    ids = [project.id for project in projects]
    money = project_money(session, project_ids=ids, scope=principal.scope)
    allocations_by_project: dict[int, list[AllocationRead]] = {}
    if with_allocations:
        allocations = service.list_allocations(session=session, project_ids=ids, scope=principal.scope)
        contribution_ids = [allocation.contribution_id for allocation in allocations]
        facts = {
            row.id: row
            for row in session.execute(
                select(Contribution.id, Contribution.purpose, Agreement.local_authority_id)
                .join(Agreement, Agreement.id == Contribution.agreement_id)
                .where(Contribution.id.in_(contribution_ids))
            )
        }
        requested = requested_for_projects(session, project_ids=ids, contribution_ids=contribution_ids)
        spent = spent_for_projects(session, project_ids=ids, contribution_ids=contribution_ids)
        for allocation in allocations:
            key = (allocation.project_id, allocation.contribution_id)
            allocations_by_project.setdefault(allocation.project_id, []).append(
                AllocationRead(
                    id=allocation.id,
                    contribution_id=allocation.contribution_id,
                    local_authority_id=facts[allocation.contribution_id].local_authority_id,
                    purpose=facts[allocation.contribution_id].purpose,
                    amount=allocation.amount,
                    requested=requested.get(key, ZERO),
                    spent=spent.get(key, ZERO),
                    created_at=allocation.created_at,
                    created_by=allocation.created_by,
                )
            )
    result = []
    for project in projects:
        rows = [row for row in money if row.project_id == project.id]
        totals = _figures(rows)
        result.append(
            ProjectRead(
                id=project.id,
                name=project.name,
                funding=project.funding,
                local_authority_id=project.local_authority_id,
                category=project.category,
                stage=project.stage,
                estimate_low=project.estimate_low,
                estimate_high=project.estimate_high,
                investment_item_id=project.investment_item_id,
                notes=project.notes,
                totals=totals,
                gap=None if principal.scope is not None else max(project.estimate_high - totals.identified, ZERO),
                by_authority=[
                    AuthorityFigures(local_authority_id=row.local_authority_id, **_figures([row]).model_dump())
                    for row in rows
                ],
                allocations=allocations_by_project.get(project.id, []) if with_allocations else None,
                created_at=project.created_at,
                created_by=project.created_by,
            )
        )
    return result
