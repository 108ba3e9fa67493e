"""HTTP routes for projects and their allocations.

Roles: the officer writes; finance reads everything; a planning officer reads only projects local to,
funded by, or asked of their authority, and sees only their authority's allocations and figures
(a pooled project shows them their own part, without the gap across all authorities).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.models import ProjectFunding, ProjectStage
from app.pagination import Page, PageDep
from app.projects import service
from app.projects.reads import read_models
from app.projects.schemas import (
    AllocationCreate,
    AllocationUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post("", response_model=ProjectRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}})
@idempotent
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
@idempotent
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
