"""The investment list's pages: the list with each item's S106 money and what is still to find, an item's page
with its projects and repurposing proposals, and the officer's forms to add and change items."""

from fastapi import APIRouter, Request, Response

from app.db import SessionDep
from app.ids import RowId
from app.investment import service
from app.investment.reads import read_models, read_one
from app.investment.schemas import InvestmentItemCreate, InvestmentItemUpdate
from app.models import CapitalCategory, InvestmentStatus, Role
from app.proposals import service as proposals
from app.proposals.reads import read_models as proposal_models
from app.web import downloads
from app.web.agreement_forms import choices
from app.web.downloads import FormatQuery
from app.web.forms import Field, FormDataDep, FormSpec, FormState, WriterDep, may_write, require_role
from app.web.listing import download
from app.web.pages import ViewerDep, render
from app.web.project_pages import visible_names
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

LISTED = 500
CAPITAL = [category for category in CapitalCategory if category is not CapitalCategory.revenue]


def item_path(item_id: int) -> str:
    """An item's page."""
    return f"/web/investment/{item_id}"


def item_fields(*, optional: bool) -> tuple[Field, ...]:
    """The item's fields, as InvestmentItemCreate names them (all optional when changing one)."""
    return (
        Field("name", "Name", optional=optional),
        Field("category", "Capital category", "select", options=choices(CAPITAL), optional=optional),
        Field("estimate", "Estimated cost", "money", optional=optional),
        Field(
            "strategy_reference",
            "Investment strategy reference",
            hint="The line of the investment strategy or capital programme",
            optional=optional,
        ),
        Field("status", "Status", "select", options=choices(InvestmentStatus), optional=True),
        Field("priority", "Priority", "number", width=3, hint="1 is the most pressing", optional=True),
        Field("notes", "Notes", "textarea", optional=True),
    )


ITEM_FORM = FormSpec(
    title="Add an item to the investment list",
    caption="Investment list",
    button="Add the item",
    intro="Capital items only: contributions do not pay for revenue or for replacing worn-out equipment.",
    fields=item_fields(optional=False),
)

CHANGE_FORM = FormSpec(
    title="Change the item",
    caption="Investment list",
    button="Save the changes",
    fields=item_fields(optional=True),
)


@router.get("/web/investment", name="web_investment")
def investment_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """The investment list, highest priority first, with each item's S106 money and what is still to find."""
    rows, total = service.list_items(session=session, status=None, limit=LISTED, offset=0)
    if file_format != "html":
        listing = downloads.investment_items("Investment list", read_models(session, viewer.principal, rows))
        return download(listing, "investment-list", file_format)
    return render(
        request,
        "investment.html",
        {
            "items": read_models(session, viewer.principal, rows),
            "total_items": total,
            "may_write": may_write(viewer.principal),
        },
    )


@router.get("/web/investment/new", name="web_investment_new")
def new_item_page(request: Request, viewer: ViewerDep) -> Response:
    """The form to add an item to the investment list."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, ITEM_FORM, back="/web/investment")


@router.post("/web/investment/new", name="web_investment_create")
def create_item(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Add an item, as POST /investment-items does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: InvestmentItemCreate) -> str:
        item = service.create_item(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("investment_items", [item.id], data)
        return item_path(item.id)

    return submit(
        request, session, viewer, form, spec=ITEM_FORM, schema=InvestmentItemCreate, write=write, back="/web/investment"
    )


@router.get("/web/investment/{item_id}/edit", name="web_investment_edit")
def edit_item_page(request: Request, item_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to change an item, filled with what it holds."""
    require_role(viewer.principal, Role.officer)
    item = service.get_item(session=session, item_id=item_id)
    values = {
        "name": item.name,
        "category": item.category.value,
        "estimate": str(item.estimate),
        "strategy_reference": item.strategy_reference,
        "status": item.status.value,
        "priority": "" if item.priority is None else str(item.priority),
        "notes": item.notes or "",
    }
    return show_form(request, CHANGE_FORM, FormState(values=values), back=item_path(item_id))


@router.post("/web/investment/{item_id}/edit", name="web_investment_update")
def update_item(
    request: Request, item_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Change an item, as PATCH /investment-items/{id} does, and show it."""
    require_role(viewer.principal, Role.officer)

    def write(data: InvestmentItemUpdate) -> str:
        item = service.update_item(session=session, item_id=item_id, data=data)
        audit_log(request, session, viewer).record("investment_items", [item.id], data)
        return item_path(item.id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=CHANGE_FORM,
        schema=InvestmentItemUpdate,
        write=write,
        back=item_path(item_id),
    )


@router.get("/web/investment/{item_id}", name="web_investment_item")
def item_page(request: Request, item_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """An item: its estimate and status, the projects that deliver it and their money, and proposals for it."""
    principal = viewer.principal
    item = read_one(session, principal, service.get_item(session=session, item_id=item_id))
    rows, _total = proposals.list_proposals(
        session=session,
        scope=principal.scope,
        status=None,
        contribution_id=None,
        investment_item_id=item_id,
        limit=LISTED,
        offset=0,
    )
    return render(
        request,
        "investment_item.html",
        {
            "item": item,
            "proposals": [] if principal.role is Role.panel else proposal_models(session, rows),
            "authority_names": visible_names(session, principal.scope),
            "may_write": may_write(principal),
        },
    )
