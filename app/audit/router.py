"""HTTP route for the audit trail."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEntryRead
from app.auth.dependencies import OfficerOrFinance
from app.dates import Day, check_range
from app.db import SessionDep
from app.pagination import Page, PageDep

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=Page[AuditEntryRead], responses={403: {}})
def list_audit_entries(
    session: SessionDep,
    principal: OfficerOrFinance,
    page: PageDep,
    resource: Annotated[str | None, Query(description="e.g. agreements, contributions, movements")] = None,
    actor: Annotated[str | None, Query(description="the name of the token that wrote")] = None,
    on_from: Annotated[Day | None, Query(description="written on or after this day (UTC)")] = None,
    on_to: Annotated[Day | None, Query(description="written on or before this day (UTC)")] = None,
) -> Page[AuditEntryRead]:
    """Every write, newest first: who, when, what and the body sent; filter by resource, actor and date."""
    check_range(on_from, on_to, start_field="on_from", end_field="on_to")
    rows, total = service.list_entries(
        session=session,
        resource=resource,
        actor=actor,
        on_from=on_from,
        on_to=on_to,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(
        items=[AuditEntryRead.model_validate(row) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
