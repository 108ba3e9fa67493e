"""HTTP route for balances."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.agreements.service import get_agreement
from app.auth.dependencies import Reader
from app.balances.queries import BalanceFilter, GroupBy, balances, can_use_rollup, rollup_balances
from app.balances.schemas import BalanceReport, BalanceRow
from app.dates import AsAtDay
from app.db import SessionDep
from app.ids import RowId
from app.ledger.writer import get_contribution
from app.local_authorities.service import get_local_authority
from app.models import Purpose
from app.pagination import PageDep

router = APIRouter(tags=["balances"])


@router.get("/balances", response_model=BalanceReport, responses={404: {}})
def get_balances(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    group_by: GroupBy = GroupBy.local_authority,
    local_authority: Annotated[str | None, Query(description="only this authority's contributions")] = None,
    purpose: Purpose | None = None,
    agreement_id: RowId | None = None,
    contribution_id: RowId | None = None,
    as_at: Annotated[AsAtDay | None, Query(description="the date the figures are as at; today if omitted")] = None,
    open_only: Annotated[bool, Query(description="only agreements open at as_at")] = False,
) -> BalanceReport:
    """Money in every stage, grouped, as at a date, with a totals row; every row's figures add up."""
    scope = principal.scope
    if local_authority is not None:
        get_local_authority(session=session, local_authority_id=local_authority, scope=scope)
        scope = local_authority
    if agreement_id is not None:
        get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    if contribution_id is not None:
        get_contribution(session=session, contribution_id=contribution_id, scope=principal.scope)
    when = as_at or date.today()
    where = BalanceFilter(
        local_authority_id=scope,
        purpose=purpose,
        agreement_ids=(agreement_id,) if agreement_id is not None else None,
        contribution_ids=(contribution_id,) if contribution_id is not None else None,
        open_only=open_only,
    )
    read = rollup_balances if can_use_rollup(group_by, where) else balances
    rows, totals, count = read(
        session, group_by=group_by, as_at=when, where=where, limit=page.limit, offset=page.offset
    )
    return BalanceReport(
        as_at=when,
        group_by=group_by,
        open_only=open_only,
        rows=[BalanceRow.of_row(row) for row in rows],
        totals=BalanceRow.of_row(totals),
        total_rows=count,
        limit=page.limit,
        offset=page.offset,
    )
