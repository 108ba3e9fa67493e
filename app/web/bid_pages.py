"""The bids pages: the list with its summary by authority and year, a bid's page, and the forms to record,
end and secure a bid (the last makes its agreement and contributions, as POST /bids/{id}/agreement does)."""

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.bids import service
from app.bids.reads import read_models, read_one, summary
from app.bids.schemas import BidAgreementCreate, BidCreate, OutcomeCreate
from app.db import SessionDep
from app.ids import RowId
from app.models import BidOutcome, Purpose, Role, TriggerType
from app.web import downloads
from app.web.agreement_forms import authority_choices, choices
from app.web.downloads import FormatQuery
from app.web.forms import Field, FormDataDep, FormSpec, WriterDep, may_write, require_role
from app.web.listing import download
from app.web.pages import ViewerDep, render
from app.web.project_pages import visible_names
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

LISTED = 500
ENDINGS = [outcome for outcome in BidOutcome if outcome is not BidOutcome.secured]


def bid_path(bid_id: int) -> str:
    """A bid's page."""
    return f"/web/bids/{bid_id}"


def formula_choices(session: Session) -> list[tuple[str, str]]:
    """Every formula version, as options."""
    formulas, _total = service.list_formulas(session=session, limit=LISTED, offset=0)
    return [(str(formula.id), f"{formula.name}, version {formula.version}") for formula in formulas]


def bid_form(session: Session, viewer: ViewerDep) -> FormSpec:
    """The new bid form, with BidCreate's fields."""
    return FormSpec(
        title="Record a consultation and bid",
        caption="Bids",
        button="Record the bid",
        fields=(
            Field(
                "local_authority_id", "Local authority", "select", options=authority_choices(session, viewer.principal)
            ),
            Field("application_reference", "Planning application reference"),
            Field("site", "Site"),
            Field("dwellings", "Dwellings", "number", width=5),
            Field(
                "houses",
                "Of which houses",
                "number",
                width=5,
                optional=True,
                hint="Give the mix when the formula costs houses and flats apart; the rest are flats",
            ),
            Field("flats", "Of which flats", "number", width=5, optional=True),
            Field("consulted_on", "Consulted on", "date"),
            Field("respond_by", "Response due by", "date", optional=True),
            Field("responded_on", "Responded on", "date", optional=True),
            Field(
                "formula_id",
                "Funding formula",
                "select",
                optional=True,
                hint="The amount is worked out from it; leave empty to set the amount by hand",
                options=formula_choices(session),
            ),
            Field(
                "calculated_on",
                "Costs worked out on",
                "date",
                optional=True,
                hint="The formula's index is applied for the month before; today if left empty",
            ),
            Field("amount_bid", "Amount bid", "money", optional=True, hint="Only without a formula"),
            Field("necessary", "Necessary to make the development acceptable", "textarea", optional=True),
            Field("directly_related", "Directly related to the development", "textarea", optional=True),
            Field("fairly_related", "Fairly and reasonably related in scale and kind", "textarea", optional=True),
            Field("heads_of_terms", "Heads of terms", "textarea", optional=True),
            Field("response", "The force's response", "textarea", optional=True),
            Field("notes", "Notes", "textarea", optional=True),
        ),
    )


@router.get("/web/bids", name="web_bids")
def bids_page(request: Request, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html") -> Response:
    """The bids the viewer may see, and how much was bid, secured and received by authority and year."""
    principal = viewer.principal
    if file_format != "html":
        names = visible_names(session, principal.scope)
        found = summary(session, scope=principal.scope, year=None)
        listing = downloads.bid_summary("Bids by authority and year", found.rows, names)
        return download(listing, "bids-by-authority-and-year", file_format)
    rows, total = service.list_bids(
        session=session,
        scope=principal.scope,
        local_authority_id=None,
        outcome=None,
        open_only=False,
        limit=LISTED,
        offset=0,
    )
    return render(
        request,
        "bids.html",
        {
            "bids": [] if principal.role is Role.panel else read_models(session, rows),
            "total_bids": total,
            "summary": summary(session, scope=principal.scope, year=None),
            "authority_names": visible_names(session, principal.scope),
            "may_write": may_write(principal),
        },
    )


@router.get("/web/bids/new", name="web_bid_new")
def new_bid_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to record a consultation and the force's bid."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, bid_form(session, viewer), back="/web/bids")


@router.post("/web/bids/new", name="web_bid_create")
def create_bid(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Record a bid, as POST /bids does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: BidCreate) -> str:
        bid = service.create_bid(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record("bids", [bid.id], data)
        return bid_path(bid.id)

    spec = bid_form(session, viewer)
    return submit(request, session, viewer, form, spec=spec, schema=BidCreate, write=write, back="/web/bids")


OUTCOME_FORM = FormSpec(
    title="Record how the bid ended",
    caption="Bids",
    button="Record the outcome",
    intro="A secured bid is recorded by making its agreement instead.",
    fields=(
        Field("outcome", "Outcome", "radios", options=choices(ENDINGS)),
        Field("on", "On", "date"),
        Field("note", "Note", "textarea", optional=True),
    ),
)


@router.get("/web/bids/{bid_id}/outcome", name="web_bid_outcome_new")
def new_outcome_page(request: Request, bid_id: RowId, viewer: ViewerDep) -> Response:
    """The form to record that a bid was refused, withdrawn or lost at appeal."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, OUTCOME_FORM, back=bid_path(bid_id))


@router.post("/web/bids/{bid_id}/outcome", name="web_bid_outcome_create")
def create_outcome(
    request: Request, bid_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record a bid's outcome, as POST /bids/{id}/outcome does."""
    require_role(viewer.principal, Role.officer)

    def write(data: OutcomeCreate) -> str:
        bid = service.record_outcome(session=session, bid_id=bid_id, data=data)
        audit_log(request, session, viewer).record("bids", [bid.id], data)
        return bid_path(bid.id)

    back = bid_path(bid_id)
    return submit(request, session, viewer, form, spec=OUTCOME_FORM, schema=OutcomeCreate, write=write, back=back)


CONTRIBUTION_ROWS = 3
"""Spare rows for the agreement's contributions; rows left blank are dropped."""


def agreement_form() -> FormSpec:
    """The form that secures a bid: the agreement, and up to three contributions."""
    rows = []
    for index in range(CONTRIBUTION_ROWS):
        optional = index > 0
        rows += [
            Field(
                f"contributions.{index}.purpose",
                f"Contribution {index + 1}: purpose",
                "select",
                options=choices(Purpose),
                optional=optional,
            ),
            Field(f"contributions.{index}.amount", f"Contribution {index + 1}: amount", "money", optional=optional),
            Field(
                f"contributions.{index}.trigger.type",
                f"Contribution {index + 1}: trigger",
                "select",
                options=choices(TriggerType),
                optional=optional,
            ),
        ]
    return FormSpec(
        title="Secure the bid: make its agreement",
        caption="Bids",
        button="Make the agreement",
        intro=(
            "The agreement takes the bid's authority, site and dwellings; "
            "each contribution is secured on the signed date."
        ),
        fields=(
            Field("signed_on", "Signed on", "date"),
            Field(
                "reference", "Agreement reference", optional=True, hint="Leave empty to use the application reference"
            ),
            Field("developer", "Developer", optional=True),
            *rows,
            Field("notes", "Notes", "textarea", optional=True),
        ),
    )


@router.get("/web/bids/{bid_id}/agreement", name="web_bid_agreement_new")
def new_agreement_page(request: Request, bid_id: RowId, viewer: ViewerDep) -> Response:
    """The form to secure a bid by making its agreement and contributions."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, agreement_form(), back=bid_path(bid_id))


@router.post("/web/bids/{bid_id}/agreement", name="web_bid_agreement_create")
def create_agreement(
    request: Request, bid_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Secure a bid, as POST /bids/{id}/agreement does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: BidAgreementCreate) -> str:
        bid, contributions = service.make_agreement(session=session, principal=principal, bid_id=bid_id, data=data)
        ids = [bid.id, bid.agreement_id, *(contribution.id for contribution in contributions)]
        audit_log(request, session, viewer).record("bids", ids, data)
        return bid_path(bid.id)

    spec = agreement_form()
    return submit(
        request, session, viewer, form, spec=spec, schema=BidAgreementCreate, write=write, back=bid_path(bid_id)
    )


@router.get("/web/bids/{bid_id}", name="web_bid")
def bid_page(request: Request, bid_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A bid: the application, the response and its justification, the workings, and how it ended."""
    principal = viewer.principal
    shown = read_one(session, service.get_bid(session=session, bid_id=bid_id, scope=principal.scope))
    return render(
        request,
        "bid.html",
        {
            "bid": shown,
            "authority_names": visible_names(session, principal.scope),
            "may_write": may_write(principal),
        },
    )
