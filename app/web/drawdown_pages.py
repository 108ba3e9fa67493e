"""Drawdown requests from a page: draft, submit, acknowledge, approve, pay, reject, query, withdraw, reverse a
payment and keep a new request pack.

The officer takes every step; a planning officer takes the authority's steps (acknowledge, approve,
reject, query, pay) on requests made to their own authority, and another authority's request is a 404
page. The officer recording an authority's step gives the date of the authority's letter.
"""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.db import SessionDep
from app.documents.storage import get_store
from app.drawdowns import service
from app.drawdowns.pack import Format, current_template, keep_pack, request_pack
from app.drawdowns.reads import read_models
from app.drawdowns.schemas import (
    Answer,
    DrawdownCreate,
    DrawdownRead,
    PaymentCreate,
    PaymentLineCreate,
    PaymentReverse,
    QueryCreate,
    Rejection,
    Transition,
)
from app.drawdowns.templating import TemplateError
from app.errors import DomainError, ForbiddenError, NotFoundError
from app.ids import RowId
from app.models import DocumentOwner, DrawdownStatus, Role
from app.money import PositiveMoney, pounds
from app.projects import service as projects
from app.projects.reads import read_models as project_reads
from app.spend import service as spending
from app.web import downloads
from app.web.agreement_forms import authority_choices
from app.web.document_pages import document_listing
from app.web.downloads import FormatQuery
from app.web.formatting import label
from app.web.forms import Field, FormDataDep, FormSpec, FormState, WriterDep, require_role
from app.web.listing import download
from app.web.pages import Viewer, ViewerDep, render
from app.web.project_pages import LISTED, project_path, visible_names
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

SPARE_LINES = 3
"""Rows a new request offers for lines; rows left blank are ignored."""


def drawdown_path(drawdown_id: int) -> str:
    """A request's page."""
    return f"/web/drawdowns/{drawdown_id}"


def allocated_choices(session: Session, principal: Principal, project_id: int) -> list[tuple[str, str]]:
    """The project's allocated contributions, as options for a line: whose money, for what, and how much."""
    project = projects.get_project(session=session, project_id=project_id, scope=None)
    allocations = project_reads(session, principal, [project], with_allocations=True)[0].allocations or []
    names = visible_names(session, principal.scope)
    return [
        (
            str(allocation.contribution_id),
            f"#{allocation.contribution_id}, {names.get(allocation.local_authority_id, allocation.local_authority_id)}"
            f", {label(allocation.purpose).lower()}: {pounds(allocation.amount)} allocated",
        )
        for allocation in allocations
    ]


def invoice_choices(session: Session, project_id: int) -> list[tuple[str, str]]:
    """The project's invoices, which an arrears authority's request cites."""
    found, _total = spending.list_spend(
        session=session,
        scope=None,
        project_id=project_id,
        contribution_id=None,
        on_from=None,
        on_to=None,
        limit=LISTED,
        offset=0,
    )
    return [(str(item.id), f"{item.invoice_reference}, {item.supplier}, £{item.amount:,}") for item in found]


def drawdown_form(session: Session, viewer: Viewer, project_id: int) -> FormSpec:
    """The new request form, with DrawdownCreate's fields and spare rows for lines."""
    project = projects.get_project(session=session, project_id=project_id, scope=None)
    lines = []
    options = allocated_choices(session, viewer.principal, project_id)
    for index in range(SPARE_LINES):
        number = index + 1
        lines += [
            Field(f"lines.{index}.contribution_id", f"Line {number}: contribution", "select", options=options),
            Field(f"lines.{index}.amount", f"Line {number}: amount", "money", optional=index > 0),
        ]
    return FormSpec(
        title="Request a drawdown",
        caption=project.name,
        button="Save the draft request",
        intro="A request is a draft until it is submitted to the authority.",
        fields=(
            Field("project_id", "Project", "hidden"),
            Field(
                "local_authority_id",
                "Local authority asked",
                "select",
                options=authority_choices(session, viewer.principal),
            ),
            *lines,
            Field("reference", "Reference", optional=True, width=20),
            Field("evidence", "Evidence", "textarea", optional=True, hint="One document's reference a line"),
            Field(
                "invoice_spend_ids",
                "Invoices of completed work",
                "checkboxes",
                optional=True,
                hint="An authority releasing in arrears (Blaby, Charnwood) needs them before submission",
                options=invoice_choices(session, project_id),
            ),
            Field("note", "Note", "textarea", optional=True),
        ),
    )


@router.get("/web/drawdowns/new", name="web_drawdown_new")
def new_drawdown_page(
    request: Request, session: SessionDep, viewer: ViewerDep, project_id: Annotated[RowId, Query()]
) -> Response:
    """The form to draft a request to one authority for a project's allocated money."""
    require_role(viewer.principal, Role.officer)
    state = FormState(values={"project_id": str(project_id)})
    return show_form(request, drawdown_form(session, viewer, project_id), state, back=project_path(project_id))


@router.post("/web/drawdowns/new", name="web_drawdown_create")
def create_drawdown(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Draft a request, as POST /drawdowns does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    posted = str(form.get("project_id") or "")
    project_id = int(posted) if posted.isdigit() else 0
    projects.get_project(session=session, project_id=project_id, scope=None)

    def write(data: DrawdownCreate) -> str:
        drawdown = service.create_drawdown(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("drawdowns", [drawdown.id], data)
        return drawdown_path(drawdown.id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=drawdown_form(session, viewer, project_id),
        schema=DrawdownCreate,
        write=write,
        back=project_path(project_id),
        lists=("invoice_spend_ids",),
    )


@dataclass(frozen=True)
class Step:
    """A step of a request's lifecycle: its form, its schema and the service call it makes."""

    title: str
    button: str
    fields: tuple[Field, ...]
    schema: type[BaseModel]
    allowed: tuple[DrawdownStatus, ...]
    resource: str = "drawdowns"
    warning: bool = False

    def fields_for(self, principal: Principal, action: str, drawdown: DrawdownRead) -> tuple[Field, ...]:
        """The step's fields; a payment's rows per contribution; the officer recording for the authority, its letter."""
        fields = (*self.fields, *payment_lines(drawdown)) if action == "payments" else self.fields
        if action in AUTHORITY_STEPS and principal.role is Role.officer:
            return (*fields, *LETTER)
        return fields

    def spec(self, principal: Principal, action: str, drawdown: DrawdownRead) -> FormSpec:
        """The step's form."""
        fields = self.fields_for(principal, action, drawdown)
        return FormSpec(title=self.title, caption="Drawdown request", button=self.button, fields=fields)


class KeepPack(BaseModel):
    """Nothing to give: keeping a new pack is the whole step."""


class PagePaymentLine(BaseModel):
    """What the page's row for one of the request's contributions says was paid; empty for nothing."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    amount: PositiveMoney | None = None


class PagePayment(PaymentCreate):
    """A payment as the page posts it: a row per contribution outstanding, each amount empty or paid."""

    lines: list[PagePaymentLine] | None = None  # type: ignore[assignment]

    def as_paid(self) -> tuple[list[PaymentLineCreate] | None, list[int]]:
        """The lines paid (None, all outstanding, when no row gives an amount), and the page's row of each."""
        rows = [index for index, line in enumerate(self.lines or ()) if line.amount is not None]
        paid = [
            PaymentLineCreate(contribution_id=line.contribution_id, amount=line.amount)
            for line in self.lines or ()
            if line.amount is not None
        ]
        return paid or None, rows


def _pay(session: Session, principal: Principal, drawdown_id: int, data: PagePayment) -> int:
    """Record the page's payment; a refusal of a line names the page's row for it."""
    lines, rows = data.as_paid()
    try:
        payment = service.pay(
            session=session,
            principal=principal,
            drawdown_id=drawdown_id,
            on=data.on,
            reference=data.reference,
            lines=lines,
            letter=data,
        )
    except DomainError as error:
        parts = (error.field or "").split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
            error.field = f"lines.{rows[int(parts[1])]}.{parts[2]}"
        raise
    return payment.id


def payment_lines(drawdown: DrawdownRead) -> tuple[Field, ...]:
    """A row for each of the request's contributions still outstanding: what the authority paid on it."""
    fields: list[Field] = []
    for index, line in enumerate(row for row in drawdown.lines if row.outstanding > 0):
        fields += [
            Field(f"lines.{index}.contribution_id", "Contribution", "hidden"),
            Field(
                f"lines.{index}.amount",
                f"Paid on contribution #{line.contribution_id}",
                "money",
                optional=True,
                hint=f"{pounds(line.outstanding)} outstanding"
                + (". Leave every amount empty if the authority paid all that is outstanding" if index == 0 else ""),
            ),
        ]
    return tuple(fields)


def payment_values(drawdown: DrawdownRead) -> dict[str, str]:
    """The rows' contributions, which the page posts back beside the amounts."""
    rows = (row for row in drawdown.lines if row.outstanding > 0)
    return {f"lines.{index}.contribution_id": str(line.contribution_id) for index, line in enumerate(rows)}


ON = Field("on", "Date", "date", hint="Today if left empty", optional=True)
OPEN = (DrawdownStatus.draft, DrawdownStatus.submitted, DrawdownStatus.approved)
SENT = (
    DrawdownStatus.submitted,
    DrawdownStatus.approved,
    DrawdownStatus.paid,
    DrawdownStatus.rejected,
    DrawdownStatus.withdrawn,
)
LETTER = (
    Field(
        "letter_dated",
        "Date of the authority's letter",
        "date",
        hint="You are recording the authority's answer for it; the date above if left empty",
        optional=True,
    ),
    Field("letter_reference", "The letter's reference", optional=True, width=20),
)

STEPS: dict[str, Step] = {
    "submit": Step("Submit the request", "Submit it", (ON,), Transition, (DrawdownStatus.draft,)),
    "acknowledge": Step("Acknowledge the request", "Acknowledge it", (ON,), Answer, (DrawdownStatus.submitted,)),
    "approve": Step(
        "Record the authority's approval", "Record the approval", (ON,), Answer, (DrawdownStatus.submitted,)
    ),
    "reject": Step(
        "Record the authority's refusal",
        "Record the refusal",
        (ON, Field("reason", "Reason", "textarea", hint="For example, proportionality not shown")),
        Rejection,
        (DrawdownStatus.submitted,),
        warning=True,
    ),
    "withdraw": Step(
        "Withdraw the request",
        "Withdraw it",
        (ON, Field("note", "Note", "textarea", optional=True)),
        Transition,
        OPEN,
        warning=True,
    ),
    "payments": Step(
        "Record a payment by the authority",
        "Record the payment",
        (
            Field("on", "Date paid", "date", hint="For example, 01/12/2026"),
            Field("reference", "Reference", optional=True, width=20),
        ),
        PagePayment,
        (DrawdownStatus.approved,),
        resource="drawdown_payments",
    ),
    "queries": Step(
        "A query from the authority to the force",
        "Send the query",
        (ON, Field("message", "Query", "textarea", hint="What the authority needs to know before it can decide")),
        QueryCreate,
        service.QUERYABLE,
        resource="drawdown_queries",
    ),
    "pack": Step("Keep a new request pack", "Regenerate the pack", (), KeepPack, SENT, resource="documents"),
}
"""The lifecycle's steps by their path (as the API names them); a payment without lines pays all outstanding."""

AUTHORITY_STEPS = ("acknowledge", "approve", "reject", "queries", "payments")
"""The authority's own answers, which its planning officer records (the officer records them from its letters)."""


def may_take(principal: Principal, action: str) -> bool:
    """Whether the viewer may take a step: the officer any, a planning officer the authority's."""
    return principal.role is Role.officer or (principal.role is Role.planning and action in AUTHORITY_STEPS)


def check_may_take(principal: Principal, action: str) -> None:
    """Refuse a step the viewer's role may not take, before any request is looked up."""
    if not may_take(principal, action):
        raise ForbiddenError(f"a {principal.role.value} account cannot do this")


def run_step(session: Session, viewer: Viewer, drawdown_id: int, action: str, data: Any) -> list[int]:
    """Make the step's service call, as the API's route for it does; the ids the audit entry names."""
    principal = viewer.principal
    if action == "submit":
        service.submit(session=session, drawdown_id=drawdown_id, on=data.on)
        kept = keep_pack(session=session, store=get_store(), principal=principal, drawdown_id=drawdown_id)
        return [drawdown_id, kept.id]
    if action == "pack":
        kept = keep_pack(session=session, store=get_store(), principal=principal, drawdown_id=drawdown_id)
        return [kept.id, drawdown_id]
    if action == "acknowledge":
        service.acknowledge(session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, letter=data)
    elif action == "approve":
        service.approve(session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, letter=data)
    elif action == "reject":
        service.reject(
            session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, reason=data.reason, letter=data
        )
    elif action == "queries":
        query = service.raise_query(
            session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, message=data.message, letter=data
        )
        return [query.id, drawdown_id]
    elif action == "withdraw":
        service.withdraw(session=session, drawdown_id=drawdown_id, on=data.on, note=data.note)
    else:
        return [_pay(session, principal, drawdown_id, data), drawdown_id]
    return [drawdown_id]


def step_of(action: str) -> Step:
    """A lifecycle step by name; another name is a page that does not exist."""
    if action not in STEPS:
        raise NotFoundError(f"no step {action!r}")
    return STEPS[action]


def _pack(request: Request, session: Session, viewer: Viewer, drawdown_id: int, format: Format) -> Response:
    try:
        pack = request_pack(
            session=session, store=get_store(), principal=viewer.principal, drawdown_id=drawdown_id, format=format
        )
    except TemplateError as error:
        # A download link cannot show a message beside a field: say what failed, and where to put it right.
        drawdown = service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=viewer.principal.scope)
        context = {
            "reason": error.detail,
            "drawdown_id": drawdown_id,
            "local_authority_id": drawdown.local_authority_id,
            "may_replace": viewer.principal.role is Role.officer,
        }
        return render(request, "pack_failed.html", context, status_code=422)
    return Response(
        pack.content,
        media_type=pack.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(pack.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/web/drawdowns/{drawdown_id}/pack.docx", name="web_drawdown_pack")
def drawdown_pack(request: Request, drawdown_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The request's drawdown letter as DOCX, as GET /drawdowns/{id}/pack gives it."""
    return _pack(request, session, viewer, drawdown_id, "docx")


@router.get("/web/drawdowns/{drawdown_id}/pack.pdf", name="web_drawdown_pack_pdf")
def drawdown_pack_pdf(request: Request, drawdown_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The request's drawdown letter as PDF, as GET /drawdowns/{id}/pack?format=pdf gives it."""
    return _pack(request, session, viewer, drawdown_id, "pdf")


@router.get("/web/drawdowns/{drawdown_id}/{action}", name="web_drawdown_step_form")
def step_page(request: Request, drawdown_id: RowId, action: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """A lifecycle step's form on its own (the request's page shows it inline too)."""
    check_may_take(viewer.principal, action)
    step = step_of(action)
    drawdown = service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=viewer.principal.scope)
    shown = read_models(session, viewer.principal, [drawdown])[0]
    state = FormState(values={"on": date.today().isoformat(), **payment_values(shown)})
    return show_form(request, step.spec(viewer.principal, action, shown), state, back=drawdown_path(drawdown_id))


@router.post("/web/drawdowns/{drawdown_id}/{action}", name="web_drawdown_step")
def take_step(
    request: Request, drawdown_id: RowId, action: str, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Submit, approve, reject, query, withdraw or pay a request, as the API's route of the same name does."""
    check_may_take(viewer.principal, action)
    step = step_of(action)
    drawdown = service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=viewer.principal.scope)
    shown = read_models(session, viewer.principal, [drawdown])[0]
    back = drawdown_path(drawdown_id)

    def write(data: BaseModel) -> str:
        ids = run_step(session, viewer, drawdown_id, action, data)
        audit_log(request, session, viewer).record(step.resource, ids, data)
        return back

    return submit(
        request,
        session,
        viewer,
        form,
        spec=step.spec(viewer.principal, action, shown),
        schema=step.schema,
        write=write,
        back=back,
    )


REVERSE_PAYMENT = FormSpec(
    title="Reverse a payment recorded in error",
    caption="Drawdown request",
    button="Reverse the payment",
    fields=(ON, Field("note", "Reason", "textarea")),
)


@router.get("/web/drawdowns/{drawdown_id}/payments/{payment_id}/reverse", name="web_payment_reverse_form")
def reverse_payment_page(
    request: Request, drawdown_id: RowId, payment_id: RowId, session: SessionDep, viewer: ViewerDep
) -> Response:
    """The form to reverse a payment."""
    require_role(viewer.principal, Role.officer)
    service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None)
    state = FormState(values={"on": date.today().isoformat()})
    return show_form(request, REVERSE_PAYMENT, state, back=drawdown_path(drawdown_id))


@router.post("/web/drawdowns/{drawdown_id}/payments/{payment_id}/reverse", name="web_payment_reverse")
def reverse_payment(
    request: Request,
    drawdown_id: RowId,
    payment_id: RowId,
    session: SessionDep,
    viewer: WriterDep,
    form: FormDataDep,
) -> Response:
    """Undo a payment, as POST /drawdowns/{id}/payments/{pid}/reverse does."""
    require_role(viewer.principal, Role.officer)
    service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None)

    def write(data: PaymentReverse) -> str:
        service.reverse_payment(
            session=session,
            principal=viewer.principal,
            drawdown_id=drawdown_id,
            payment_id=payment_id,
            on=data.on,
            note=data.note,
        )
        audit_log(request, session, viewer).record("drawdown_payments", [payment_id, drawdown_id], data)
        return drawdown_path(drawdown_id)

    back = drawdown_path(drawdown_id)
    return submit(request, session, viewer, form, spec=REVERSE_PAYMENT, schema=PaymentReverse, write=write, back=back)


@router.get("/web/drawdowns/{drawdown_id}", name="web_drawdown")
def drawdown_page(
    request: Request,
    drawdown_id: RowId,
    session: SessionDep,
    viewer: ViewerDep,
    file_format: FormatQuery = "html",
    table: Annotated[Literal["lines", "payments"], Query(description="which table to download")] = "lines",
) -> Response:
    """A request: its lines, evidence, invoices, payments and dates, and the steps it may take next."""
    principal = viewer.principal
    drawdown = service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope)
    shown = read_models(session, principal, [drawdown])[0]
    project = projects.get_project(session=session, project_id=drawdown.project_id, scope=principal.scope)
    if file_format != "html":
        title = f"Drawdown request {drawdown_id}: {table}"
        listing = (downloads.drawdown_lines if table == "lines" else downloads.drawdown_payments)(title, shown)
        return download(listing, f"drawdown-{drawdown_id}-{table}", file_format)
    names = visible_names(session, principal.scope)
    acknowledged = shown.acknowledged_on is not None
    steps = {
        name: step
        for name, step in STEPS.items()
        if shown.status in step.allowed and may_take(principal, name) and not (name == "acknowledge" and acknowledged)
    }
    template = current_template(session, shown.local_authority_id)
    return render(
        request,
        "drawdown.html",
        {
            "drawdown": shown,
            "project": project,
            "authority_name": names.get(shown.local_authority_id, shown.local_authority_id),
            "steps": steps,
            "step_fields": {name: step.fields_for(principal, name, shown) for name, step in steps.items()},
            "pack_template": template,
            "step_state": FormState(values={"on": date.today().isoformat(), **payment_values(shown)}),
            **document_listing(session, principal, DocumentOwner.drawdown, drawdown_id),
        },
    )
