"""HTTP route for the audit trail."""

from datetime import date

from fastapi import APIRouter

from app.audit import service
from app.audit.schemas import AuditEntryRead
from app.auth.dependencies import OfficerOrFinance
from app.db import SessionDep
from app.pagination import Page, PageDep

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=Page[AuditEntryRead], responses={403: {}})
def list_audit_entries(
    session: SessionDep,
    principal: OfficerOrFinance,
    page: PageDep,
    resource: str | None = None,
    actor: str | None = None,
    on_from: date | None = None,
    on_to: date | None = None,
) -> Page[AuditEntryRead]:
    """Every write, newest first: who, when, what and the body sent; filter by resource, actor and date."""
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
