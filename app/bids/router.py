"""HTTP routes for bids, the funding formula and the bids summary.

Roles: the officer writes; finance reads everything; a planning officer reads only the bids on their
own authority's applications (another authority's bid is as absent as an unknown id). Formula
versions belong to no authority, so the force's and planning roles read them. The Panel's role reads
only the bids summary (by authority and year, no application).
"""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, PanelReader, Reader
from app.bids import service
from app.bids.document import workings_document
from app.bids.formula import work_out
from app.bids.reads import formula_model, read_models, read_one, summary
from app.bids.schemas import (
    BidAgreementCreate,
    BidCreate,
    BidRead,
    BidSummary,
    BidUpdate,
    FormulaCreate,
    FormulaRead,
    OutcomeCreate,
    Workings,
)
from app.config import get_settings
from app.dates import Day
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.local_authorities.service import get_local_authority
from app.models import BidOutcome
from app.pagination import Page, PageDep
from app.printing import DOCX, MEDIA_TYPES, PDF

router = APIRouter(tags=["bids"])


@router.get("/bid-formulas", response_model=Page[FormulaRead])
def list_formulas(session: SessionDep, principal: Reader, page: PageDep) -> Page[FormulaRead]:
    """List every version of the per-dwelling funding formula, newest version of each name first."""
    rows, total = service.list_formulas(session=session, limit=page.limit, offset=page.offset)
    return Page(items=[formula_model(row) for row in rows], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/bid-formulas", response_model=FormulaRead, status_code=status.HTTP_201_CREATED, responses={409: {}, 422: {}}
)
def create_formula(data: FormulaCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> FormulaRead:
    """Add a formula version; an existing name gets its next version and bids keep the version they used."""
    formula = service.create_formula(session=session, principal=principal, data=data)
    audit.record("bid_formulas", [formula.id], data)
    return formula_model(formula)


@router.get("/bid-formulas/{formula_id}", response_model=FormulaRead, responses={404: {}})
def get_formula(formula_id: RowId, session: SessionDep, principal: Reader) -> FormulaRead:
    """One formula version with its items and the assumption behind each figure."""
    return formula_model(service.get_formula(session=session, formula_id=formula_id))


@router.get("/bid-formulas/{formula_id}/workings", response_model=Workings, responses={404: {}})
def get_workings(
    formula_id: RowId,
    session: SessionDep,
    principal: Reader,
    dwellings: Annotated[int, Query(ge=1, le=1_000_000, description="new dwellings of the application")],
    houses: Annotated[int | None, Query(ge=0, le=1_000_000, description="of them, the houses")] = None,
    flats: Annotated[int | None, Query(ge=0, le=1_000_000, description="of them, the flats")] = None,
    on: Annotated[Day | None, Query(description="the date the costs are worked out at; today if omitted")] = None,
) -> Workings:
    """The bid this formula version gives for so many dwellings (of a mix, on a date), with its workings as text."""
    formula = service.get_formula(session=session, formula_id=formula_id)
    when = on or date.today()
    index = service.index_applied(session, formula, when)
    return work_out(formula, service.mix_of(dwellings, houses, flats), index=index, calculated_on=when)


@router.get("/bids", response_model=Page[BidRead])
def list_bids(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    local_authority: Annotated[str | None, Query(description="an authority's id")] = None,
    outcome: BidOutcome | None = None,
    open_only: Annotated[bool, Query(alias="open", description="only bids with no outcome yet")] = False,
) -> Page[BidRead]:
    """List bids the caller may see, most recently consulted first."""
    rows, total = service.list_bids(
        session=session,
        scope=principal.scope,
        local_authority_id=local_authority,
        outcome=outcome,
        open_only=open_only,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/bids", response_model=BidRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}}
)
@idempotent
def create_bid(data: BidCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> BidRead:
    """Record a consultation on a planning application and the force's bid (from a formula or by hand)."""
    bid = service.create_bid(session=session, principal=principal, data=data)
    audit.record("bids", [bid.id], data)
    return read_one(session, bid)


@router.get("/bid-summary", response_model=BidSummary, responses={422: {}})
def get_summary(
    session: SessionDep,
    principal: PanelReader,
    year: Annotated[int | None, Query(ge=1900, le=2999, description="only applications consulted on in it")] = None,
) -> BidSummary:
    """Per authority and year consulted: how much was bid, secured in agreements and received so far."""
    return summary(session, scope=principal.scope, year=year)


@router.get("/bids/{bid_id}", response_model=BidRead, responses={404: {}})
def get_bid(bid_id: RowId, session: SessionDep, principal: Reader) -> BidRead:
    """One bid with its workings, its outcome and the agreement it became."""
    return read_one(session, service.get_bid(session=session, bid_id=bid_id, scope=principal.scope))


@router.get(
    "/bids/{bid_id}/workings",
    name="bid_workings",
    response_class=Response,
    responses={200: {"content": {DOCX: {}, PDF: {}}}, 404: {}},
)
def get_bid_workings(
    bid_id: RowId,
    session: SessionDep,
    principal: Reader,
    format: Annotated[Literal["docx", "pdf"], Query(description="docx for Word, pdf to print")] = "docx",
) -> Response:
    """A bid's workings as a Word document or a PDF, ready to attach to the response."""
    bid = service.get_bid(session=session, bid_id=bid_id, scope=principal.scope)
    shown = read_one(session, bid)
    authority = get_local_authority(session=session, local_authority_id=bid.local_authority_id, scope=principal.scope)
    document = workings_document(shown, authority.name, get_settings().force_name)
    filename = f"bid-{bid.id}-workings.{format}"
    return Response(
        document.write(format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.patch("/bids/{bid_id}", response_model=BidRead, responses={404: {}, 409: {}, 422: {}})
def update_bid(bid_id: RowId, data: BidUpdate, session: SessionDep, principal: Officer, audit: AuditDep) -> BidRead:
    """Change an open bid's response, justification, heads of terms or amount."""
    bid = service.update_bid(session=session, bid_id=bid_id, data=data)
    audit.record("bids", [bid.id], data)
    return read_one(session, bid)


@router.post("/bids/{bid_id}/outcome", response_model=BidRead, responses={404: {}, 409: {}, 422: {}})
def record_outcome(
    bid_id: RowId, data: OutcomeCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> BidRead:
    """End a bid that secured nothing: refused, withdrawn or lost at appeal."""
    bid = service.record_outcome(session=session, bid_id=bid_id, data=data)
    audit.record("bids", [bid.id], data)
    return read_one(session, bid)


@router.post(
    "/bids/{bid_id}/agreement",
    response_model=BidRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def create_agreement(
    bid_id: RowId, data: BidAgreementCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> BidRead:
    """Mark the bid secured and record its agreement with its contributions in one step."""
    bid, contributions = service.make_agreement(session=session, principal=principal, bid_id=bid_id, data=data)
    audit.record("bids", [bid.id, bid.agreement_id, *(contribution.id for contribution in contributions)], data)
    return read_one(session, bid)
