"""HTTP routes for the investment list. The officer maintains it; every role reads it, the Panel's included
(items belong to no authority; a planning officer sees only their authority's part of each item's money)."""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, PanelReader
from app.db import SessionDep
from app.ids import RowId
from app.investment import service
from app.investment.reads import read_models, read_one
from app.investment.schemas import InvestmentItemCreate, InvestmentItemRead, InvestmentItemUpdate
from app.models import InvestmentStatus
from app.pagination import Page, PageDep

router = APIRouter(prefix="/investment-items", tags=["investment"])


@router.get("", response_model=Page[InvestmentItemRead])
def list_items(
    session: SessionDep, principal: PanelReader, page: PageDep, status: InvestmentStatus | None = None
) -> Page[InvestmentItemRead]:
    """The investment list, highest priority first, with each item's S106 money and what is still to find."""
    rows, total = service.list_items(session=session, status=status, limit=page.limit, offset=page.offset)
    return Page(items=read_models(session, principal, rows), total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=InvestmentItemRead, status_code=status.HTTP_201_CREATED, responses={409: {}, 422: {}})
def create_item(
    data: InvestmentItemCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> InvestmentItemRead:
    """Add an item of the investment strategy that contributions may pay for."""
    item = service.create_item(session=session, principal=principal, data=data)
    audit.record("investment_items", [item.id], data)
    return read_one(session, principal, item)


@router.get("/{item_id}", response_model=InvestmentItemRead, responses={404: {}})
def get_item(item_id: RowId, session: SessionDep, principal: PanelReader) -> InvestmentItemRead:
    """One item with its projects and their S106 money."""
    return read_one(session, principal, service.get_item(session=session, item_id=item_id))


@router.patch("/{item_id}", response_model=InvestmentItemRead, responses={404: {}, 409: {}, 422: {}})
def update_item(
    item_id: RowId, data: InvestmentItemUpdate, session: SessionDep, principal: Officer, audit: AuditDep
) -> InvestmentItemRead:
    """Change an item's description, estimate, status or priority."""
    item = service.update_item(session=session, item_id=item_id, data=data)
    audit.record("investment_items", [item.id], data)
    return read_one(session, principal, item)
