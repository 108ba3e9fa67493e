"""The repurposing proposals' pages: the list with its count by authority and status, a proposal's page, and the
officer's forms to record a proposal, date its steps, and record the authority's consent (which records the
repurposing, as POST /repurposing-proposals/{id}/consent does)."""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from app.db import SessionDep
from app.ids import RowId
from app.investment import service as investment
from app.models import InvestmentStatus, Purpose, Role
from app.proposals import service
from app.proposals.reads import read_models, read_one, summary
from app.proposals.schemas import ConsentCreate, ProposalCreate, Step, StepCreate
from app.repurposing.reads import candidates
from app.repurposing.schemas import CandidateRead, CandidateSort
from app.web import downloads
from app.web.agreement_forms import choices, contribution_path
from app.web.downloads import FormatQuery
from app.web.forms import Field, FormDataDep, FormSpec, FormState, WriterDep, may_write, require_role
from app.web.listing import Column, download
from app.web.pages import ViewerDep, render
from app.web.project_pages import visible_names
from app.web.submitting import FormRoute, audit_log, show_form, submit
from app.web.upload_pages import project_choices

router = APIRouter(route_class=FormRoute, include_in_schema=False)

LISTED = 500
LIST_PATH = "/web/repurposing-proposals"
CANDIDATES_PATH = "/web/repurposing/candidates"


def proposal_path(proposal_id: int) -> str:
    """A proposal's page."""
    return f"{LIST_PATH}/{proposal_id}"


def item_choices(session: Session) -> list[tuple[str, str]]:
    """The investment list's items still to be paid for (proposed or approved), as options."""
    items, _total = investment.list_items(session=session, status=None, limit=LISTED, offset=0)
    open_items = (item for item in items if item.status in (InvestmentStatus.proposed, InvestmentStatus.approved))
    return [(str(item.id), f"{item.name} ({item.status.value})") for item in open_items]


def proposal_form(session: Session) -> FormSpec:
    """The new proposal form, with ProposalCreate's fields."""
    projects = project_choices(session)
    return FormSpec(
        title="Propose a repurposing",
        caption="Repurposing proposals",
        button="Record the proposal",
        intro="Name what the contribution would become: a new purpose, an investment item, another project.",
        fields=(
            Field("contribution_id", "Contribution number", "number", width=10),
            Field("proposed_purpose", "Proposed purpose", "select", options=choices(Purpose), optional=True),
            Field("investment_item_id", "Investment item", "select", options=item_choices(session), optional=True),
            Field("from_project_id", "Move its allocation from project", "select", options=projects, optional=True),
            Field("to_project_id", "to project", "select", options=projects, optional=True),
            Field("reason", "Why its purpose no longer fits", "textarea", optional=True),
            Field("costs", "Expected costs", "money", optional=True, hint="The authority's or a deed of variation's"),
            Field("identified_on", "Identified on", "date"),
            Field("notes", "Notes", "textarea", optional=True),
        ),
    )


STEP_FORM = FormSpec(
    title="Record a step",
    caption="Repurposing proposals",
    button="Record the step",
    intro="Consent is recorded with its own form, which records the repurposing.",
    fields=(
        Field("step", "Step", "radios", options=choices(Step)),
        Field("on", "On", "date"),
        Field("note", "Note", "textarea", optional=True),
    ),
)

CONSENT_FORM = FormSpec(
    title="Record the authority's consent",
    caption="Repurposing proposals",
    button="Record the consent and the repurposing",
    intro="The contribution's purpose (and any project) changes as proposed, and its history records the consent.",
    fields=(
        Field("on", "Consented on", "date"),
        Field("reference", "Consent reference", hint="The authority's letter or email"),
        Field(
            "purpose",
            "Purpose consented",
            "select",
            options=choices(Purpose),
            optional=True,
            hint="Only if not the one proposed",
        ),
        Field("note", "Note", "textarea", optional=True),
    ),
)


@router.get(LIST_PATH, name="web_proposals")
def proposals_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Proposals the viewer may see, and how many each authority has at each status."""
    principal = viewer.principal
    rows, total = service.list_proposals(
        session=session,
        scope=principal.scope,
        status=None,
        contribution_id=None,
        investment_item_id=None,
        limit=LISTED,
        offset=0,
    )
    return render(
        request,
        "proposals.html",
        {
            "proposals": [] if principal.role is Role.panel else read_models(session, rows),
            "total_proposals": total,
            "summary": summary(session, scope=principal.scope),
            "authority_names": visible_names(session, principal.scope),
            "may_write": may_write(principal),
        },
    )


@router.get(CANDIDATES_PATH, name="web_repurposing_candidates")
def candidates_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    sort: CandidateSort = CandidateSort.largest,
    file_format: FormatQuery = "html",
) -> Response:
    """Contributions with unspent money whose purpose no longer fits, each with a link to propose repurposing it."""
    principal = viewer.principal
    found = candidates(session, scope=principal.scope, sort=sort)
    names = visible_names(session, principal.scope)
    listing = downloads.repurposing_candidates("Candidates for repurposing", found, names)
    if file_format != "html":
        return download(listing, f"repurposing-candidates-{sort.value}-first", file_format)
    writer = may_write(principal)
    listing.links = [
        {"contribution_id": contribution_path(candidate.contribution_id)}
        | ({"propose": propose_path(candidate)} if writer else {})
        for candidate in found
    ]
    if writer:
        listing.columns.append(Column("propose", "Proposal"))
        for row, candidate in zip(listing.rows, found, strict=True):
            row["propose"] = f"Propose repurposing contribution {candidate.contribution_id}"
    return render(
        request,
        "candidates.html",
        {"listing": listing, "sort": sort, "query_string": f"sort={sort.value}", "may_write": writer},
    )


def propose_path(candidate: CandidateRead) -> str:
    """The new proposal form, filled in with the candidate's contribution and why it no longer fits."""
    query = {"contribution_id": candidate.contribution_id, "reason": "; ".join(candidate.reasons).capitalize() + "."}
    return f"{LIST_PATH}/new?{urlencode(query)}"


@router.get(f"{LIST_PATH}/new", name="web_proposal_new")
def new_proposal_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    contribution_id: Annotated[RowId | None, Query()] = None,
    reason: Annotated[str | None, Query(max_length=5000)] = None,
) -> Response:
    """The form to propose repurposing a contribution (filled in from a candidate's link)."""
    require_role(viewer.principal, Role.officer)
    values = {"contribution_id": str(contribution_id)} if contribution_id else {}
    if reason:
        values["reason"] = reason
    if values:
        values["identified_on"] = date.today().isoformat()
    return show_form(request, proposal_form(session), FormState(values=values), back=LIST_PATH)


@router.post(f"{LIST_PATH}/new", name="web_proposal_create")
def create_proposal(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Record a proposal, as POST /repurposing-proposals does, and show it."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: ProposalCreate) -> str:
        proposal = service.create_proposal(session=session, principal=principal, data=data)
        audit_log(request, session, viewer).record(
            "repurposing_proposals", [proposal.id, proposal.contribution_id], data
        )
        return proposal_path(proposal.id)

    spec = proposal_form(session)
    return submit(request, session, viewer, form, spec=spec, schema=ProposalCreate, write=write, back=LIST_PATH)


@router.get(f"{LIST_PATH}/{{proposal_id}}/step", name="web_proposal_step_new")
def new_step_page(request: Request, proposal_id: RowId, viewer: ViewerDep) -> Response:
    """The form to date a step: discussed, agreed or refused."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, STEP_FORM, back=proposal_path(proposal_id))


@router.post(f"{LIST_PATH}/{{proposal_id}}/step", name="web_proposal_step_create")
def create_step(
    request: Request, proposal_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record a step, as POST /repurposing-proposals/{id}/steps does."""
    require_role(viewer.principal, Role.officer)

    def write(data: StepCreate) -> str:
        proposal = service.record_step(session=session, proposal_id=proposal_id, data=data)
        audit_log(request, session, viewer).record("repurposing_proposals", [proposal.id], data)
        return proposal_path(proposal.id)

    back = proposal_path(proposal_id)
    return submit(request, session, viewer, form, spec=STEP_FORM, schema=StepCreate, write=write, back=back)


@router.get(f"{LIST_PATH}/{{proposal_id}}/consent", name="web_proposal_consent_new")
def new_consent_page(request: Request, proposal_id: RowId, viewer: ViewerDep) -> Response:
    """The form to record the authority's consent."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, CONSENT_FORM, back=proposal_path(proposal_id))


@router.post(f"{LIST_PATH}/{{proposal_id}}/consent", name="web_proposal_consent_create")
def create_consent(
    request: Request, proposal_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record the consent and the repurposing, as POST /repurposing-proposals/{id}/consent does."""
    principal = viewer.principal
    require_role(principal, Role.officer)

    def write(data: ConsentCreate) -> str:
        proposal, change = service.consent(session=session, principal=principal, proposal_id=proposal_id, data=data)
        ids = [proposal.id, change.id, proposal.contribution_id]
        audit_log(request, session, viewer).record("repurposing_proposals", ids, data)
        return proposal_path(proposal.id)

    back = proposal_path(proposal_id)
    return submit(request, session, viewer, form, spec=CONSENT_FORM, schema=ConsentCreate, write=write, back=back)


@router.get(f"{LIST_PATH}/{{proposal_id}}", name="web_proposal")
def proposal_page(request: Request, proposal_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A proposal: the contribution, what it would become and why, and each step's date."""
    principal = viewer.principal
    shown = read_one(session, service.get_proposal(session=session, proposal_id=proposal_id, scope=principal.scope))
    item = (
        investment.get_item(session=session, item_id=shown.investment_item_id)
        if shown.investment_item_id is not None
        else None
    )
    return render(
        request,
        "proposal.html",
        {
            "proposal": shown,
            "item": item,
            "authority_names": visible_names(session, principal.scope),
            "may_write": may_write(principal),
        },
    )
