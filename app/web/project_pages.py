"""A project's page (allocations, requests and spend, each linked), and the forms to add projects and allocations."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.db import SessionDep
from app.drawdowns import service as drawdowns
from app.drawdowns.reads import read_models as drawdown_models
from app.ids import RowId
from app.models import (
    Agreement,
    CapitalCategory,
    Contribution,
    DocumentOwner,
    LocalAuthority,
    ProjectFunding,
    ProjectStage,
    Role,
)
from app.projects import service
from app.projects.reads import read_models
from app.projects.schemas import AllocationCreate, ProjectCreate
from app.spend import service as spending
from app.spend.reads import read_models as spend_models
from app.web import downloads
from app.web.agreement_forms import authority_choices, choices
from app.web.document_pages import document_listing
from app.web.downloads import FormatQuery
from app.web.forms import Field, FormDataDep, FormSpec, WriterDep, require_role
from app.web.listing import download
from app.web.pages import ViewerDep, render
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

CAPITAL = [category for category in CapitalCategory if category is not CapitalCategory.revenue]
LISTED = 500


ProjectTable = Annotated[
    Literal["allocations", "requests", "spend"], Query(description="which of the page's tables to download")
]


def visible_names(session: Session, scope: str | None) -> dict[str, str]:
    """Authorities' names by id: a planning officer's own only, so no other authority's name reaches their page."""
    authorities = session.scalars(scoping.readable_local_authorities(scope))
    return {authority.id: authority.name for authority in authorities}


def project_path(project_id: int) -> str:
    """A project's page."""
    return f"/web/projects/{project_id}"


def project_form(session: Session, principal: Principal) -> FormSpec:
    """The new project form, with ProjectCreate's fields."""
    return FormSpec(
        title="Add a project",
        caption="Projects",
        button="Add the project",
        fields=(
            Field("name", "Name"),
            Field(
                "funding",
                "Funding",
                "radios",
                options=[("local", "Local: one authority's contributions"), ("pooled", "Pooled across authorities")],
            ),
            Field(
                "local_authority_id",
                "Local authority",
                "select",
                optional=True,
                hint="For a local project",
                options=authority_choices(session, principal),
            ),
            Field("category", "Capital category", "select", options=choices(CAPITAL)),
            Field("stage", "Stage", "select", options=choices(ProjectStage)),
            Field("estimate_low", "Estimate", "money", hint="Or the low end of a range such as £60,000 to £70,000"),
            Field("estimate_high", "High end of the estimate", "money", optional=True),
            Field("notes", "Notes", "textarea", optional=True),
        ),
    )


@router.get("/web/projects/new", name="web_project_new")
def new_project_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to add a project."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, project_form(session, viewer.principal), back="/web/projects")


@router.post("/web/projects/new", name="web_project_create")
def create_project(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Add a project, as POST /projects does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: ProjectCreate) -> str:
        project = service.create_project(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("projects", [project.id], data)
        return project_path(project.id)

    spec = project_form(session, principal)
    return submit(request, session, viewer, form, spec=spec, schema=ProjectCreate, write=write, back="/web/projects")


def contribution_choices(
    session: Session, *, category: CapitalCategory, local_authority_id: str | None
) -> list[tuple[str, str]]:
    """Contributions whose purpose fits the category (the authority's only, for a local project), as options."""
    query = (
        select(Contribution.id, Contribution.purpose, Agreement.reference, LocalAuthority.name)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .join(LocalAuthority, LocalAuthority.id == Agreement.local_authority_id)
        .order_by(LocalAuthority.name, Agreement.reference, Contribution.id)
        .limit(LISTED)
    )
    if local_authority_id:
        query = query.where(Agreement.local_authority_id == local_authority_id)
    return [
        (str(row.id), f"#{row.id} {row.name}, {row.reference}: {row.purpose.value.replace('_', ' ')}")
        for row in session.execute(query)
        if service.fits(row.purpose, category)
    ]


def allocation_form(session: Session, project_id: int) -> FormSpec:
    """The allocation form, offering the contributions that may pay for the project."""
    project = service.get_project(session=session, project_id=project_id, scope=None)
    local = project.local_authority_id if project.funding is ProjectFunding.local else None
    return FormSpec(
        title="Identify money for the project",
        caption=project.name,
        button="Allocate it",
        fields=(
            Field(
                "contribution_id",
                "Contribution",
                "select",
                options=contribution_choices(session, category=project.category, local_authority_id=local),
                hint="Contributions whose purpose fits the project's category",
            ),
            Field("amount", "Amount", "money", hint="For example, £5,000"),
        ),
    )


@router.get("/web/projects/{project_id}/allocations/new", name="web_allocation_new")
def new_allocation_page(request: Request, project_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to identify a contribution's money for a project."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, allocation_form(session, project_id), back=project_path(project_id))


@router.post("/web/projects/{project_id}/allocations/new", name="web_allocation_create")
def create_allocation(
    request: Request, project_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Allocate money, as POST /projects/{id}/allocations does."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    spec = allocation_form(session, project_id)

    def write(data: AllocationCreate) -> str:
        allocation = service.allocate(session=session, principal=principal, project_id=project_id, data=data)
        audit_log(request, session, viewer).record("project_allocations", [allocation.id, project_id], data)
        return project_path(project_id)

    back = project_path(project_id)
    return submit(request, session, viewer, form, spec=spec, schema=AllocationCreate, write=write, back=back)


@router.get("/web/projects/{project_id}", name="web_project")
def project_page(
    request: Request,
    project_id: RowId,
    session: SessionDep,
    viewer: ViewerDep,
    file_format: FormatQuery = "html",
    table: ProjectTable = "allocations",
) -> Response:
    """A project: its money by authority, its allocations, requests and spend, each linked to its page."""
    principal = viewer.principal
    project = service.get_project(session=session, project_id=project_id, scope=principal.scope)
    shown = read_models(session, principal, [project], with_allocations=True)[0]
    requests, _count = drawdowns.list_drawdowns(
        session=session,
        scope=principal.scope,
        status=None,
        project_id=project_id,
        local_authority_id=None,
        limit=LISTED,
        offset=0,
    )
    spend, _total = spending.list_spend(
        session=session,
        scope=principal.scope,
        project_id=project_id,
        contribution_id=None,
        on_from=None,
        on_to=None,
        limit=LISTED,
        offset=0,
    )
    names = visible_names(session, principal.scope)
    requested = drawdown_models(session, principal, requests)
    paid = spend_models(session, principal, spend)
    if file_format != "html":
        listing = {
            "allocations": lambda: downloads.allocations(f"{shown.name}: money identified", shown, names),
            "requests": lambda: downloads.drawdown_requests(f"{shown.name}: drawdown requests", requested, names),
            "spend": lambda: downloads.invoices(f"{shown.name}: invoices paid", paid),
        }[table]()
        return download(listing, f"project-{project_id}-{table}", file_format)
    return render(
        request,
        "project.html",
        {
            "project": shown,
            "requests": requested,
            "spend": paid,
            "authority_names": names,
            **document_listing(session, principal, DocumentOwner.project, project_id),
        },
    )
