"""HTTP route for repayment deadlines. Every role reads; a planning officer sees only their authority's receipts."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Reader
from app.dates import AsAtDay
from app.db import SessionDep
from app.deadlines import service
from app.deadlines.schemas import DeadlineRead, DeadlineReport, DeadlineSort, ProjectOption
from app.money import ZERO
from app.pagination import PageDep

router = APIRouter(tags=["deadlines"])


@router.get("/deadlines", response_model=DeadlineReport, responses={422: {}})
def list_deadlines(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    within_days: Annotated[int, Query(ge=0, le=36500, description="deadlines up to this many days ahead")] = 365,
    sort: Annotated[DeadlineSort, Query(description="soonest deadline first, or largest unspent first")] = (
        DeadlineSort.deadline
    ),
    as_at: Annotated[
        AsAtDay | None, Query(description="the deadlines as they stood at this date (YYYY-MM-DD); today if omitted")
    ] = None,
) -> DeadlineReport:
    """Money received but unspent whose deadline falls within N days of the as-at date or has passed, by receipt."""
    today = as_at or date.today()
    found = service.deadlines(session=session, scope=principal.scope, within_days=within_days, as_at=today)
    if sort is DeadlineSort.amount:
        found.sort(key=lambda item: (-item.unspent, item.deadline, item.receipt.movement_id))
    else:
        found.sort(key=lambda item: (item.deadline, -item.unspent, item.receipt.movement_id))
    items = [
        DeadlineRead(
            receipt_movement_id=item.receipt.movement_id,
            contribution_id=item.receipt.contribution_id,
            agreement_id=item.agreement_id,
            agreement_reference=item.agreement_reference,
            local_authority_id=item.local_authority_id,
            purpose=item.purpose,
            received_on=item.receipt.on,
            received=item.receipt.amount,
            unspent=item.unspent,
            deadline=item.deadline,
            deadline_basis=item.basis,
            days_left=(item.deadline - today).days,
            projects=[ProjectOption(id=id_, name=name, allocated=allocated) for id_, name, allocated in item.projects],
        )
        for item in found[page.offset : page.offset + page.limit]
    ]
    return DeadlineReport(
        as_at=today,
        within_days=within_days,
        sort=sort,
        items=items,
        total=len(found),
        total_unspent=sum((item.unspent for item in found), ZERO),
        limit=page.limit,
        offset=page.offset,
    )
