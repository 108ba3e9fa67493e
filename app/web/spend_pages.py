"""Capital spend from a page: record an invoice and its charges, see it, cancel it with a reason."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.db import SessionDep
from app.ids import RowId
from app.models import DocumentOwner, Role
from app.projects import service as projects
from app.spend import service
from app.spend.reads import read_models
from app.spend.schemas import SpendCancel, SpendCreate
from app.web import downloads
from app.web.agreement_forms import choices
from app.web.document_pages import document_listing
from app.web.downloads import FormatQuery
from app.web.drawdown_pages import ON, allocated_choices
from app.web.forms import Field, FormDataDep, FormSpec, FormState, WriterDep, require_role
from app.web.listing import download
from app.web.pages import ViewerDep, render
from app.web.project_pages import CAPITAL, project_path, visible_names
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

SPARE_CHARGES = 3


def spend_path(spend_id: int) -> str:
    """An invoice's page."""
    return f"/web/spend/{spend_id}"


def spend_form(session: Session, principal: Principal, project_id: int) -> FormSpec:
    """The invoice form, with SpendCreate's fields and spare rows for charges to allocated contributions."""
    project = projects.get_project(session=session, project_id=project_id, scope=None)
    options = allocated_choices(session, principal, project_id)
    charges = []
    for index in range(SPARE_CHARGES):
        number = index + 1
        charges += [
            Field(f"charges.{index}.contribution_id", f"Charge {number}: contribution", "select", options=options),
            Field(f"charges.{index}.amount", f"Charge {number}: amount", "money", optional=True),
        ]
    return FormSpec(
        title="Record an invoice",
        caption=project.name,
        button="Record the invoice",
        intro="Capital spend only: charges post spent movements on the contributions.",
        fields=(
            Field("project_id", "Project", "hidden"),
            Field("on", "Date paid", "date", hint="For example, 01/12/2026"),
            Field("supplier", "Supplier"),
            Field("invoice_reference", "Invoice reference", width=20),
            Field("amount", "Invoice amount", "money"),
            Field("category", "Capital category", "select", optional=True, options=choices(CAPITAL)),
            *charges,
            Field("note", "Note", "textarea", optional=True),
        ),
    )


@router.get("/web/spend/new", name="web_spend_new")
def new_spend_page(
    request: Request, session: SessionDep, viewer: ViewerDep, project_id: Annotated[RowId, Query()]
) -> Response:
    """The form to record an invoice for a project."""
    require_role(viewer.principal, Role.officer)
    state = FormState(values={"project_id": str(project_id)})
    return show_form(request, spend_form(session, viewer.principal, project_id), state, back=project_path(project_id))


@router.post("/web/spend/new", name="web_spend_create")
def create_spend(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Record an invoice, as POST /spend does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    posted = str(form.get("project_id") or "")
    project_id = int(posted) if posted.isdigit() else 0
    projects.get_project(session=session, project_id=project_id, scope=None)

    def write(data: SpendCreate) -> str:
        spend = service.record_spend(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("spend", [spend.id], data)
        return spend_path(spend.id)

    spec = spend_form(session, viewer.principal, project_id)
    back = project_path(project_id)
    return submit(request, session, viewer, form, spec=spec, schema=SpendCreate, write=write, back=back)


CANCEL_FORM = FormSpec(
    title="Cancel an invoice recorded in error",
    caption="Spend",
    button="Cancel the invoice",
    intro="Its spent movements are reversed; the record is kept.",
    fields=(ON, Field("reason", "Reason", "textarea")),
)


@router.get("/web/spend/{spend_id}/cancel", name="web_spend_cancel_form")
def cancel_spend_page(request: Request, spend_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to cancel an invoice."""
    require_role(viewer.principal, Role.officer)
    service.get_spend(session=session, spend_id=spend_id, scope=None)
    state = FormState(values={"on": date.today().isoformat()})
    return show_form(request, CANCEL_FORM, state, back=spend_path(spend_id))


@router.post("/web/spend/{spend_id}/cancel", name="web_spend_cancel")
def cancel_spend(
    request: Request, spend_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Cancel an invoice, as POST /spend/{id}/cancel does."""
    require_role(viewer.principal, Role.officer)
    service.get_spend(session=session, spend_id=spend_id, scope=None)

    def write(data: SpendCancel) -> str:
        spend = service.cancel_spend(
            session=session, principal=viewer.principal, spend_id=spend_id, on=data.on, reason=data.reason
        )
        audit_log(request, session, viewer).record("spend", [spend.id], data)
        return spend_path(spend_id)

    back = spend_path(spend_id)
    return submit(request, session, viewer, form, spec=CANCEL_FORM, schema=SpendCancel, write=write, back=back)


@router.get("/web/spend/{spend_id}", name="web_spend")
def spend_page(
    request: Request, spend_id: RowId, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """An invoice: its project, amount and the contributions it is charged to (a planning officer's own only)."""
    principal = viewer.principal
    spend = service.get_spend(session=session, spend_id=spend_id, scope=principal.scope)
    shown = read_models(session, principal, [spend])[0]
    project = projects.get_project(session=session, project_id=spend.project_id, scope=principal.scope)
    names = visible_names(session, principal.scope)
    if file_format != "html":
        listing = downloads.invoice_charges(f"Invoice {shown.invoice_reference}: charges", shown, names)
        return download(listing, f"invoice-{spend_id}-charges", file_format)
    return render(
        request,
        "spend.html",
        {
            "spend": shown,
            "project": project,
            "authority_names": names,
            **document_listing(session, principal, DocumentOwner.spend, spend_id),
        },
    )
