"""HTTP routes for projects and their allocations.

Roles: the officer writes; finance reads everything; a planning officer reads only projects local to,
funded by, or asked of their authority, and sees only their authority's allocations and figures
(a pooled project shows them their own part, without the gap across all authorities).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.auth.service import Principal
from app.balances.queries import ProjectMoney, project_money, requested_for_projects, spent_for_projects
from app.db import SessionDep
from app.ids import RowId
from app.models import Agreement, Contribution, Project, ProjectFunding, ProjectStage
from app.money import ZERO
from app.pagination import Page, PageDep
from app.projects import service
from app.projects.schemas import (
    AllocationCreate,
    AllocationRead,
    AllocationUpdate,
    AuthorityFigures,
    ProjectCreate,
    ProjectFigures,
    ProjectRead,
    ProjectUpdate,
)

router = APIRouter(prefix="/projects", tags=["projects"])


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


@router.post("", response_model=ProjectRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}})
def create_project(data: ProjectCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> ProjectRead:
    """Add a project: local to one authority, or pooled; the estimate may be a range."""
    project = service.create_project(session=session, principal=principal, data=data)
    audit.record("projects", [project.id], data)
    return read_models(session, principal, [project], with_allocations=True)[0]


@router.get("", response_model=Page[ProjectRead])
def list_projects(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    stage: ProjectStage | None = None,
    funding: ProjectFunding | None = None,
    local_authority: Annotated[str | None, Query(description="projects local to, funded by or asked of it")] = None,
) -> Page[ProjectRead]:
    """List projects the caller may see with their estimate, identified, requested, received and spent money."""
    rows, total = service.list_projects(
        session=session,
        scope=principal.scope,
        stage=stage,
        funding=funding,
        local_authority_id=local_authority,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, principal, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/{project_id}", response_model=ProjectRead, responses={404: {}})
def get_project(project_id: RowId, session: SessionDep, principal: Reader) -> ProjectRead:
    """One project with its allocations and money by authority."""
    project = service.get_project(session=session, project_id=project_id, scope=principal.scope)
    return read_models(session, principal, [project], with_allocations=True)[0]


@router.patch("/{project_id}", response_model=ProjectRead, responses={404: {}, 409: {}, 422: {}})
def update_project(
    project_id: RowId, data: ProjectUpdate, session: SessionDep, principal: Officer, audit: AuditDep
) -> ProjectRead:
    """Change a project's name, category, stage, estimate or notes."""
    project = service.update_project(session=session, project_id=project_id, data=data)
    audit.record("projects", [project.id], data)
    return read_models(session, principal, [project], with_allocations=True)[0]


@router.post(
    "/{project_id}/allocations",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
def create_allocation(
    project_id: RowId, data: AllocationCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> ProjectRead:
    """Identify money of a contribution for the project; a contribution may fund several projects."""
    allocation = service.allocate(session=session, principal=principal, project_id=project_id, data=data)
    audit.record("project_allocations", [allocation.id, project_id], data)
    project = service.get_project(session=session, project_id=project_id, scope=None)
    return read_models(session, principal, [project], with_allocations=True)[0]


@router.patch("/{project_id}/allocations/{allocation_id}", response_model=ProjectRead, responses={404: {}, 409: {}})
def update_allocation(
    project_id: RowId,
    allocation_id: RowId,
    data: AllocationUpdate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> ProjectRead:
    """Change the money identified; never below what is requested or spent for the project."""
    service.change_allocation(session=session, project_id=project_id, allocation_id=allocation_id, amount=data.amount)
    audit.record("project_allocations", [allocation_id, project_id], data)
    project = service.get_project(session=session, project_id=project_id, scope=None)
    return read_models(session, principal, [project], with_allocations=True)[0]


@router.delete(
    "/{project_id}/allocations/{allocation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {}, 409: {}},
)
def delete_allocation(
    project_id: RowId, allocation_id: RowId, session: SessionDep, principal: Officer, audit: AuditDep
) -> Response:
    """Remove an allocation nothing has been requested or spent against."""
    service.remove_allocation(session=session, project_id=project_id, allocation_id=allocation_id)
    audit.record("project_allocations", [allocation_id, project_id], None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
