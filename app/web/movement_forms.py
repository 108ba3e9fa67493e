"""Recording money on a contribution from a page, and reversing a mistaken movement with a reason."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.service import Principal
from app.db import SessionDep
from app.errors import ForbiddenError
from app.ids import RowId
from app.ledger.writer import check_kind_allowed
from app.models import MovementKind, Role
from app.movements import service
from app.movements.schemas import MovementCreate, MovementReverse
from app.web.agreement_forms import choices, contribution_path
from app.web.forms import Field, FormDataDep, FormInvalid, FormSpec, FormState, WriterDep, require_role, typed_values
from app.web.pages import ViewerDep
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

NOT_HERE = {MovementKind.secured, MovementKind.drawn, MovementKind.spent}
RECORDABLE = [kind for kind in MovementKind if kind not in NOT_HERE]
"""What the officer records here; drawn comes with a drawdown payment and spent with an invoice."""


def movement_form(principal: Principal) -> FormSpec:
    """The money form: a planning officer records only a receipt."""
    planning = principal.role is Role.planning
    kind = (
        Field("kind", "What happened", "hidden")
        if planning
        else Field("kind", "What happened", "radios", options=choices(RECORDABLE))
    )
    return FormSpec(
        title="Record a receipt from the developer" if planning else "Record money",
        caption="Contributions",
        button="Record it",
        fields=(
            Field("contribution_id", "Contribution", "hidden"),
            kind,
            Field("amount", "Amount", "money", hint="For example, £48,000 or 48000.50"),
            Field("on", "Date it took effect", "date", hint="For example, 01/12/2026"),
            Field("reference", "Reference", optional=True, hint="A remittance or invoice number", width=20),
            Field("note", "Note", "textarea", optional=True),
        ),
    )


@router.get("/web/movements/new", name="web_movement_new")
def new_movement_page(
    request: Request, session: SessionDep, viewer: ViewerDep, contribution_id: Annotated[RowId, Query()]
) -> Response:
    """The form to record money on a contribution (a receipt, for a planning officer of its authority)."""
    principal = viewer.principal
    require_role(principal, Role.officer, Role.planning)
    service.get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    values = {"contribution_id": str(contribution_id), "on": date.today().isoformat()}
    if principal.role is Role.planning:
        values["kind"] = MovementKind.received.value
    state = FormState(values=values)
    return show_form(request, movement_form(principal), state, back=contribution_path(contribution_id))


@router.post("/web/movements/new", name="web_movement_create")
def create_movement(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Record money, as POST /movements does: the same rules, scoping and audit entry."""
    principal = viewer.principal
    require_role(principal, Role.officer, Role.planning)
    posted = form.get("contribution_id")
    back = contribution_path(int(posted)) if isinstance(posted, str) and posted.isdigit() else "/web/agreements"

    def write(data: MovementCreate) -> str:
        try:
            check_kind_allowed(principal, data.kind)
        except ForbiddenError as error:
            raise FormInvalid({"kind": error.detail}) from error
        service.get_contribution(session=session, contribution_id=data.contribution_id, scope=principal.scope)
        movement = service.record_movement(
            session=session,
            principal=principal,
            contribution_id=data.contribution_id,
            kind=data.kind,
            amount=data.amount,
            on=data.on,
            reference=data.reference,
            note=data.note,
        )
        audit_log(request, session, viewer).record("movements", [movement.id], data.model_dump(mode="json"))
        return contribution_path(data.contribution_id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=movement_form(principal),
        schema=MovementCreate,
        write=write,
        back=back,
    )


REVERSE_FORM = FormSpec(
    title="Reverse a movement",
    caption="Contributions",
    button="Reverse it",
    intro="A movement is never changed or deleted: its reversal is recorded beside it.",
    fields=(
        Field("note", "Reason", "textarea", hint="Why the movement was wrong, for the audit trail"),
        Field("on", "Date of the reversal", "date", optional=True, hint="Today if left empty"),
        Field("reference", "Reference", optional=True, width=20),
    ),
)


@router.get("/web/movements/{movement_id}/reverse", name="web_movement_reverse_form")
def reverse_movement_page(request: Request, movement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to reverse a mistaken movement."""
    require_role(viewer.principal, Role.officer)
    movement = service.get_movement(session=session, movement_id=movement_id, scope=None)
    state = FormState(values={"on": date.today().isoformat()})
    return show_form(request, REVERSE_FORM, state, back=contribution_path(movement.contribution_id))


@router.post("/web/movements/{movement_id}/reverse", name="web_movement_reverse")
def reverse_movement(
    request: Request, movement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Reverse a movement with a reason, as POST /movements/{id}/reverse does."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    movement = service.get_movement(session=session, movement_id=movement_id, scope=None)
    back = contribution_path(movement.contribution_id)
    if not str(form.get("note") or "").strip():
        state = FormState(values=typed_values(form), errors={"note": "Enter the reason for the reversal"})
        return show_form(request, REVERSE_FORM, state, back=back, status_code=422)

    def write(data: MovementReverse) -> str:
        reversal = service.reverse_movement(
            session=session,
            principal=principal,
            movement_id=movement_id,
            on=data.on,
            reference=data.reference,
            note=data.note,
        )
        audit_log(request, session, viewer).record("movements", [reversal.id, movement_id], data)
        return back

    return submit(request, session, viewer, form, spec=REVERSE_FORM, schema=MovementReverse, write=write, back=back)
