"""The officer's forms for agreements, contributions and their events; a contribution's own page."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from enum import StrEnum

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.agreements import service as agreements
from app.agreements.schemas import AgreementCreate, AgreementStatus, AgreementUpdate
from app.auth.service import Principal
from app.balances.queries import GroupBy, balance_or_zeros, balances_by_id
from app.contributions import service as contributions
from app.contributions.schemas import ContributionCreate, EventCreate
from app.db import SessionDep
from app.ids import RowId
from app.instalments import service as instalments
from app.instalments.reads import instalment_models
from app.local_authorities.service import get_local_authority, list_local_authorities
from app.models import DocumentOwner, EventKind, Purpose, Role, TriggerType
from app.movements.service import get_contribution, list_movements, reversed_by
from app.web import downloads
from app.web.document_pages import document_listing
from app.web.downloads import FormatQuery
from app.web.formatting import label
from app.web.forms import Field, FormDataDep, FormSpec, FormState, WriterDep, require_role
from app.web.listing import download
from app.web.pages import Viewer, ViewerDep, render
from app.web.submitting import FormRoute, audit_log, show_form, submit
from app.web.views import history

router = APIRouter(route_class=FormRoute, include_in_schema=False)

MOVEMENTS_SHOWN = 1000


def choices(values: Iterable[StrEnum]) -> list[tuple[str, str]]:
    """A code list as (value, plain-English name) options."""
    return [(value.value, label(value)) for value in values]


def authority_choices(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The authorities the viewer may name, as options."""
    found, _total = list_local_authorities(session=session, scope=principal.scope, limit=1000, offset=0)
    return [(authority.id, authority.name) for authority in found]


def agreement_path(agreement_id: int) -> str:
    """An agreement's page."""
    return f"/web/agreements/{agreement_id}"


def contribution_path(contribution_id: int) -> str:
    """A contribution's page."""
    return f"/web/contributions/{contribution_id}"


def agreement_form(session: Session, principal: Principal) -> FormSpec:
    """The new agreement form, with AgreementCreate's fields."""
    return FormSpec(
        title="Record a signed agreement",
        caption="Agreements",
        button="Record the agreement",
        fields=(
            Field("local_authority_id", "Local authority", "select", options=authority_choices(session, principal)),
            Field("reference", "Planning application reference", hint="For example, 19/0001/OUT", width=20),
            Field("site", "Site"),
            Field("developer", "Developer", optional=True),
            Field("signed_on", "Date signed", "date", hint="For example, 01/12/2026"),
            Field("dwellings", "Dwellings", "number", optional=True),
            Field("notes", "Notes", "textarea", optional=True),
        ),
    )


@router.get("/web/agreements/new", name="web_agreement_new")
def new_agreement_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to record a signed agreement."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, agreement_form(session, viewer.principal), back="/web/agreements")


@router.post("/web/agreements/new", name="web_agreement_create")
def create_agreement(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Record a signed agreement, as POST /agreements does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: AgreementCreate) -> str:
        agreement = agreements.create_agreement(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("agreements", [agreement.id], data)
        return agreement_path(agreement.id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=agreement_form(session, principal),
        schema=AgreementCreate,
        write=write,
        back="/web/agreements",
    )


EDIT_AGREEMENT = FormSpec(
    title="Change the agreement's details",
    caption="Agreements",
    button="Save the changes",
    intro="The date it was signed never changes; money changes only by movements.",
    fields=(
        Field("reference", "Planning application reference", width=20),
        Field("site", "Site"),
        Field("developer", "Developer", optional=True),
        Field("dwellings", "Dwellings", "number", optional=True),
        Field("notes", "Notes", "textarea", optional=True),
    ),
)

CLOSE_AGREEMENT = FormSpec(
    title="Close the agreement",
    caption="Agreements",
    button="Close the agreement",
    intro="An agreement closes only when nothing of it is still unpaid or held by the authority.",
    fields=(Field("closed_on", "Date closed", "date", hint="For example, 01/12/2026"),),
)


def agreement_values(session: Session, agreement_id: int) -> dict[str, str]:
    """An agreement's details as the edit form shows them."""
    agreement = agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)
    return {
        "reference": agreement.reference,
        "site": agreement.site,
        "developer": agreement.developer or "",
        "dwellings": "" if agreement.dwellings is None else str(agreement.dwellings),
        "notes": agreement.notes or "",
    }


@router.get("/web/agreements/{agreement_id}/edit", name="web_agreement_edit")
def edit_agreement_page(request: Request, agreement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to change an agreement's details."""
    require_role(viewer.principal, Role.officer)
    state = FormState(values=agreement_values(session, agreement_id))
    return show_form(request, EDIT_AGREEMENT, state, back=agreement_path(agreement_id))


@router.post("/web/agreements/{agreement_id}/edit", name="web_agreement_update")
def update_agreement(
    request: Request, agreement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Change an agreement's details, as PATCH /agreements/{id} does."""
    return patch_agreement(request, agreement_id, session, viewer, form, spec=EDIT_AGREEMENT, extra={})


REOPEN_AGREEMENT = FormSpec(
    title="Reopen the agreement",
    caption="Agreements",
    button="Reopen the agreement",
    intro="A reopened agreement takes money, events and contributions again; the audit trail records who "
    "reopened it and when.",
    fields=(),
)


@router.get("/web/agreements/{agreement_id}/close", name="web_agreement_close_form")
def close_agreement_page(request: Request, agreement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to close an agreement."""
    require_role(viewer.principal, Role.officer)
    agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)
    state = FormState(values={"closed_on": date.today().isoformat()})
    return show_form(request, CLOSE_AGREEMENT, state, back=agreement_path(agreement_id))


@router.post("/web/agreements/{agreement_id}/close", name="web_agreement_close")
def close_agreement(
    request: Request, agreement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Close an agreement, as PATCH /agreements/{id} with status closed does."""
    extra = {"status": AgreementStatus.closed.value}
    return patch_agreement(request, agreement_id, session, viewer, form, spec=CLOSE_AGREEMENT, extra=extra)


@router.get("/web/agreements/{agreement_id}/reopen", name="web_agreement_reopen_form")
def reopen_agreement_page(request: Request, agreement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to reopen a closed agreement."""
    require_role(viewer.principal, Role.officer)
    agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)
    return show_form(request, REOPEN_AGREEMENT, back=agreement_path(agreement_id))


@router.post("/web/agreements/{agreement_id}/reopen", name="web_agreement_reopen")
def reopen_agreement(
    request: Request, agreement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Reopen an agreement, as PATCH /agreements/{id} with status open does."""
    extra = {"status": AgreementStatus.open.value}
    return patch_agreement(request, agreement_id, session, viewer, form, spec=REOPEN_AGREEMENT, extra=extra)


def patch_agreement(
    request: Request,
    agreement_id: int,
    session: Session,
    viewer: Viewer,
    form: FormData,
    *,
    spec: FormSpec,
    extra: dict[str, str],
) -> Response:
    """Post a form as PATCH /agreements/{id}: the officer's change of details or closing."""
    require_role(viewer.principal, Role.officer)
    agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)

    def write(data: AgreementUpdate) -> str:
        agreement = agreements.update_agreement(session=session, agreement_id=agreement_id, data=data)
        audit_log(request, session, viewer).record("agreements", [agreement.id], data)
        return agreement_path(agreement.id)

    back = agreement_path(agreement_id)
    return submit(
        request, session, viewer, form, spec=spec, schema=AgreementUpdate, write=write, back=back, extra=extra
    )


CONTRIBUTION_FORM = FormSpec(
    title="Add a contribution",
    caption="Contributions",
    button="Add the contribution",
    intro="Its amount is secured on the agreement's signed date.",
    fields=(
        Field("purpose", "Purpose", "select", options=choices(Purpose)),
        Field("amount", "Amount in the agreement", "money", hint="For example, £48,000 or 48000.50"),
        Field("trigger.type", "Trigger", "select", options=choices(TriggerType)),
        Field(
            "trigger.threshold", "Threshold", "number", optional=True, hint="For example, 50 for the 50th occupation"
        ),
        Field("trigger.description", "Trigger as the agreement words it", "textarea", optional=True),
        Field(
            "repayment_period_years",
            "Repayment period in years",
            "number",
            optional=True,
            hint="Years from each receipt before unspent money must be repaid",
        ),
        Field("spend_by", "Spend by", "date", optional=True, hint="A fixed date, if the agreement gives one"),
        Field("notes", "Notes", "textarea", optional=True),
    ),
)


@router.get("/web/agreements/{agreement_id}/contributions/new", name="web_contribution_new")
def new_contribution_page(request: Request, agreement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to add a contribution to an agreement."""
    require_role(viewer.principal, Role.officer)
    agreement = agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)
    spec = replace(CONTRIBUTION_FORM, caption=f"Agreement {agreement.reference}")
    return show_form(request, spec, back=agreement_path(agreement_id))


@router.post("/web/agreements/{agreement_id}/contributions/new", name="web_contribution_create")
def create_contribution(
    request: Request, agreement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Add a contribution, as POST /agreements/{id}/contributions does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    agreement = agreements.get_agreement(session=session, agreement_id=agreement_id, scope=None)
    spec = replace(CONTRIBUTION_FORM, caption=f"Agreement {agreement.reference}")

    def write(data: ContributionCreate) -> str:
        made = contributions.create_contribution(
            session=session, principal=principal, agreement_id=agreement_id, data=data
        )
        audit_log(request, session, viewer).record("contributions", [made.id], data)
        return contribution_path(made.id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=spec,
        schema=ContributionCreate,
        write=write,
        back=agreement_path(agreement_id),
    )


EVENT_FORM = FormSpec(
    title="Record a stage change",
    caption="Contributions",
    button="Record it",
    fields=(
        Field("kind", "What happened", "radios", options=choices(EventKind)),
        Field("on", "Date", "date", hint="For example, 01/12/2026"),
        Field("note", "Note", "textarea", optional=True),
    ),
)


@router.get("/web/contributions/{contribution_id}/events/new", name="web_event_new")
def new_event_page(request: Request, contribution_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to record development started, trigger met, at risk or at risk cleared."""
    require_role(viewer.principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)
    state = FormState(values={"on": date.today().isoformat()})
    return show_form(request, EVENT_FORM, state, back=contribution_path(contribution_id))


@router.post("/web/contributions/{contribution_id}/events/new", name="web_event_create")
def create_event(
    request: Request, contribution_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record a stage change, as POST /contributions/{id}/events does."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)

    def write(data: EventCreate) -> str:
        event = contributions.record_event(
            session=session, principal=principal, contribution_id=contribution_id, data=data
        )
        audit_log(request, session, viewer).record("contribution_events", [event.id], data)
        return contribution_path(contribution_id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=EVENT_FORM,
        schema=EventCreate,
        write=write,
        back=contribution_path(contribution_id),
    )


@router.get("/web/contributions/{contribution_id}", name="web_contribution")
def contribution_page(
    request: Request, contribution_id: RowId, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """A contribution: its terms, balances as at today, its events and movements, and what may be recorded."""
    scope = viewer.principal.scope
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=scope)
    agreement = agreements.get_agreement(session=session, agreement_id=contribution.agreement_id, scope=scope)
    authority = get_local_authority(session=session, local_authority_id=agreement.local_authority_id, scope=scope)
    movements, movement_count = list_movements(
        session=session,
        scope=scope,
        contribution_id=contribution_id,
        agreement_id=None,
        local_authority_id=None,
        kind=None,
        on_from=None,
        on_to=None,
        limit=MOVEMENTS_SHOWN,
        offset=0,
    )
    events = [
        event
        for event in contributions.list_agreement_events(session=session, agreement_id=agreement.id)
        if event.contribution_id == contribution_id
    ]
    entries = history(
        events=events,
        movements=movements,
        reversed_by=reversed_by(session=session, movement_ids=[movement.id for movement in movements]),
        as_at=date.today(),
    )
    if file_format != "html":
        title = f"{agreement.reference} contribution {contribution_id}: history"
        return download(downloads.history(title, entries), f"contribution-{contribution_id}-history", file_format)
    balance = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=[contribution_id])
    figures = {contribution_id: balance_or_zeros(balance, contribution_id)}
    schedule = instalment_models(session, figures)[contribution_id]
    return render(
        request,
        "contribution.html",
        {
            "contribution": contribution,
            "agreement": agreement,
            "authority": authority,
            "balance": balance.get(contribution_id),
            "instalments": schedule,
            "schedule_fixed": instalments.schedule_fixed(session=session, contribution_id=contribution_id),
            "schedule_fixed_reason": instalments.FIXED_REASON,
            "history": entries,
            "movement_count": movement_count,
            "movements_shown": len(movements),
            **document_listing(session, viewer.principal, DocumentOwner.contribution, contribution_id),
        },
    )
