"""Finding things: agreements searched, filtered, sorted and paged; requests, spend, forecast and audit trail.

Each table is also a download (?format=csv or xlsx) with the page's headings.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app import scoping
from app.audit import service as audit
from app.auth.service import Principal
from app.balances.queries import GroupBy, balances_by_id, stage_of
from app.db import SessionDep
from app.drawdowns import service as drawdowns
from app.drawdowns.reads import read_models as drawdown_models
from app.errors import ForbiddenError
from app.forecast.reads import read_forecast
from app.models import Agreement, AuditEntry, Contribution, DrawdownStatus, Purpose, Role
from app.spend import service as spending
from app.spend.reads import read_models as spend_models
from app.web import downloads
from app.web.agreement_forms import choices
from app.web.downloads import FormatQuery
from app.web.formatting import STAGE_LABELS
from app.web.listing import Column, Listing, download
from app.web.pages import TypedDay, ViewerDep, render
from app.web.project_pages import visible_names
from app.web.submitting import FormRoute

router = APIRouter(route_class=FormRoute, include_in_schema=False)

PER_PAGE = 50
STAGE_SCAN = 5000
"""At most this many matching agreements are read to filter by stage (a stage is derived, not stored)."""
Text = Annotated[str | None, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
StageCode = Literal[
    "not_started", "held_by_developer", "at_risk", "held_by_local_authority", "drawn", "spent", "returned", "nil"
]
"""The stages a list can be filtered by: the codes of STAGE_LABELS (a test keeps the two the same)."""


class AgreementSort(StrEnum):
    """The orders the agreements list offers."""

    reference = "reference"
    signed_on = "signed_on"
    newest = "newest"
    site = "site"
    authority = "authority"


SORTS = {
    AgreementSort.reference: (Agreement.reference, Agreement.id),
    AgreementSort.signed_on: (Agreement.signed_on, Agreement.id),
    AgreementSort.newest: (Agreement.signed_on.desc(), Agreement.id.desc()),
    AgreementSort.site: (Agreement.site, Agreement.id),
    AgreementSort.authority: (Agreement.local_authority_id, Agreement.reference, Agreement.id),
}
SORT_NAMES = {
    AgreementSort.reference: "Reference",
    AgreementSort.signed_on: "Date signed, oldest first",
    AgreementSort.newest: "Date signed, newest first",
    AgreementSort.site: "Site",
    AgreementSort.authority: "Local authority",
}

AGREEMENT_COLUMNS = [
    Column("reference", "Reference"),
    Column("authority", "Local authority"),
    Column("site", "Site"),
    Column("developer", "Developer"),
    Column("signed_on", "Signed", "date"),
    Column("status", "Status"),
    Column("stage", "Stage"),
    Column("total_value", "Total value", "money", total=True),
    Column("held_by_local_authority", "Held by the authority", "money", total=True),
    Column("drawn", "Drawn", "money", total=True),
    Column("remaining", "Remaining", "money", total=True),
]


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """A case-insensitive search for text inside a column (LIKE's wildcards typed by people are literal)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def agreement_query(
    principal: Principal,
    *,
    search: str | None,
    local_authority: str | None,
    status: str | None,
    purpose: Purpose | None,
) -> Select[Agreement]:
    """The agreements the viewer may see that match the search and filters."""
    query = scoping.readable_agreements(principal.scope)
    if local_authority:
        query = query.where(Agreement.local_authority_id == local_authority)
    if status == "open":
        query = query.where(Agreement.closed_on.is_(None))
    elif status == "closed":
        query = query.where(Agreement.closed_on.is_not(None))
    if search and search.strip():
        text = search.strip()
        query = query.where(
            or_(
                contains(Agreement.reference, text), contains(Agreement.site, text), contains(Agreement.developer, text)
            )
        )
    if purpose is not None:
        query = query.where(
            select(Contribution.id)
            .where(Contribution.agreement_id == Agreement.id, Contribution.purpose == purpose)
            .exists()
        )
    return query


def agreement_rows(session: Session, agreements: list[Agreement], names: dict[str, str]) -> Listing:
    """Agreements with their stage and today's figures, as a table."""
    figures = balances_by_id(
        session, group_by=GroupBy.agreement, as_at=date.today(), ids=[item.id for item in agreements]
    )
    rows, links = [], []
    for agreement in agreements:
        balance = figures.get(agreement.id)
        rows.append(
            {
                "reference": agreement.reference,
                "authority": names.get(agreement.local_authority_id, agreement.local_authority_id),
                "site": agreement.site,
                "developer": agreement.developer or "",
                "signed_on": agreement.signed_on,
                "status": "Closed" if agreement.closed_on else "Open",
                "stage": STAGE_LABELS.get(stage_of(balance), "") if balance else "",
                "stage_code": stage_of(balance) if balance else "",
                "total_value": balance.total_value if balance else None,
                "held_by_local_authority": balance.held_by_local_authority if balance else None,
                "drawn": balance.drawn if balance else None,
                "remaining": balance.remaining if balance else None,
            }
        )
        links.append(
            {
                "reference": f"/web/agreements/{agreement.id}",
                "authority": f"/web/local-authorities/{agreement.local_authority_id}",
            }
        )
    return Listing(title="Agreements", columns=AGREEMENT_COLUMNS, rows=rows, links=links, totals=True)


@router.get("/web/agreements", name="web_agreements")
def agreements_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    q: Text = None,
    local_authority: Text = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    stage: StageCode | None = None,
    purpose: Purpose | None = None,
    sort: AgreementSort = AgreementSort.reference,
    page: PageNumber = 1,
    file_format: FormatQuery = "html",
) -> Response:
    """Agreements found by reference, site or developer, filtered by authority, status, stage and purpose."""
    principal = viewer.principal
    names = visible_names(session, principal.scope)
    chosen = local_authority if local_authority in names else None
    stage_code = stage
    query = agreement_query(principal, search=q, local_authority=chosen, status=status, purpose=purpose)
    ordered = query.order_by(*SORTS[sort])
    downloading = file_format != "html"
    if stage_code:
        found = list(session.scalars(ordered.limit(STAGE_SCAN)))
        listing = agreement_rows(session, found, names)
        kept = [index for index, row in enumerate(listing.rows) if row["stage_code"] == stage_code]
        total = len(kept)
        window = kept if downloading else kept[(page - 1) * PER_PAGE : page * PER_PAGE]
        listing.rows = [listing.rows[index] for index in window]
        listing.links = [listing.links[index] for index in window]
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        limited = ordered if downloading else ordered.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        listing = agreement_rows(session, list(session.scalars(limited)), names)
    if downloading:
        return download(listing, f"agreements-{date.today().isoformat()}", file_format)
    filters = {
        "q": q or None,
        "local_authority": chosen,
        "status": status,
        "stage": stage_code,
        "purpose": purpose.value if purpose else None,
        "sort": sort.value,
    }
    kept_filters = {name: value for name, value in filters.items() if value}
    return render(
        request,
        "agreements.html",
        {
            "listing": listing,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "filters": filters,
            "query_string": urlencode(kept_filters),
            "authority_names": names,
            "stages": {code: text for code, text in STAGE_LABELS.items() if code != "nil"},
            "purposes": choices(Purpose),
            "sorts": SORT_NAMES,
            "may_add": principal.role is Role.officer,
        },
    )


DRAWDOWN_COLUMNS = [
    Column("id", "Request"),
    Column("authority", "Local authority"),
    Column("project", "Project"),
    Column("status", "Status"),
    Column("reference", "Reference"),
    Column("amount", "Requested", "money", total=True),
    Column("paid", "Paid", "money", total=True),
    Column("outstanding", "Outstanding", "money", total=True),
]


@router.get("/web/drawdowns", name="web_drawdowns")
def drawdowns_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    status: DrawdownStatus | None = None,
    page: PageNumber = 1,
    file_format: FormatQuery = "html",
) -> Response:
    """Drawdown requests, newest first, filtered by status; each links to its page and its project."""
    principal = viewer.principal
    limit = 100_000 if file_format != "html" else PER_PAGE
    found, total = drawdowns.list_drawdowns(
        session=session,
        scope=principal.scope,
        status=status,
        project_id=None,
        local_authority_id=None,
        limit=limit,
        offset=0 if file_format != "html" else (page - 1) * PER_PAGE,
    )
    names = visible_names(session, principal.scope)
    from app.models import Project

    project_names = dict(session.execute(select(Project.id, Project.name)).all())
    rows, links = [], []
    for item in drawdown_models(session, principal, found):
        rows.append(
            {
                "id": f"#{item.id}",
                "authority": names.get(item.local_authority_id, item.local_authority_id),
                "project": project_names.get(item.project_id, ""),
                "status": item.status.value.capitalize(),
                "reference": item.reference or "",
                "amount": item.amount,
                "paid": item.paid,
                "outstanding": item.outstanding,
            }
        )
        links.append({"id": f"/web/drawdowns/{item.id}", "project": f"/web/projects/{item.project_id}"})
    listing = Listing(title="Drawdown requests", columns=DRAWDOWN_COLUMNS, rows=rows, links=links, totals=True)
    if file_format != "html":
        return download(listing, "drawdown-requests", file_format)
    return render(
        request,
        "listing.html",
        {
            "listing": listing,
            "heading": "Drawdown requests",
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "filter_name": "status",
            "filter_label": "Status",
            "filter_options": [(value.value, value.value.capitalize()) for value in DrawdownStatus],
            "filter_value": status.value if status else "",
            "query_string": urlencode({"status": status.value} if status else {}),
        },
    )


SPEND_COLUMNS = [
    Column("invoice_reference", "Invoice"),
    Column("on", "Date paid", "date"),
    Column("supplier", "Supplier"),
    Column("project", "Project"),
    Column("status", "Status"),
    Column("amount", "Amount", "money", total=True),
    Column("charged", "Charged to contributions", "money", total=True),
]


@router.get("/web/spend", name="web_spend_list")
def spend_list_page(
    request: Request, session: SessionDep, viewer: ViewerDep, page: PageNumber = 1, file_format: FormatQuery = "html"
) -> Response:
    """Invoices paid for projects, in date order; each links to its page and its project."""
    principal = viewer.principal
    whole = file_format != "html"
    found, total = spending.list_spend(
        session=session,
        scope=principal.scope,
        project_id=None,
        contribution_id=None,
        on_from=None,
        on_to=None,
        limit=100_000 if whole else PER_PAGE,
        offset=0 if whole else (page - 1) * PER_PAGE,
    )
    from app.models import Project

    project_names = dict(session.execute(select(Project.id, Project.name)).all())
    rows, links = [], []
    for item in spend_models(session, principal, found):
        rows.append(
            {
                "invoice_reference": item.invoice_reference,
                "on": item.on,
                "supplier": item.supplier,
                "project": project_names.get(item.project_id, ""),
                "status": "Cancelled" if item.cancelled_on else "Paid",
                "amount": item.amount,
                "charged": item.charged,
            }
        )
        links.append({"invoice_reference": f"/web/spend/{item.id}", "project": f"/web/projects/{item.project_id}"})
    listing = Listing(title="Spend", columns=SPEND_COLUMNS, rows=rows, links=links, totals=True)
    if whole:
        return download(listing, "spend", file_format)
    return render(
        request,
        "listing.html",
        {
            "listing": listing,
            "heading": "Spend",
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "query_string": "",
        },
    )


@router.get("/web/forecast", name="web_forecast")
def forecast_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    dwellings_per_year: Annotated[int, Query(ge=1, le=5000)] = 50,
    file_format: FormatQuery = "html",
) -> Response:
    """Money for the capital programme by financial year, as GET /forecast gives it."""
    forecast = read_forecast(
        session,
        viewer.principal,
        as_at=None,
        dwellings_per_year=dwellings_per_year,
        start_lag_years=1,
        detail=False,
    )
    listing = downloads.forecast("Forecast", forecast)
    if file_format != "html":
        return download(listing, f"forecast-{forecast.as_at.isoformat()}", file_format)
    return render(
        request,
        "forecast.html",
        {
            "listing": listing,
            "forecast": forecast,
            "dwellings_per_year": dwellings_per_year,
            "band_headings": downloads.BAND_HEADINGS,
        },
    )


AUDIT_COLUMNS = [
    Column("at", "When (UTC)"),
    Column("actor", "Who"),
    Column("role", "Role"),
    Column("what", "What"),
    Column("resource", "Records"),
    Column("ids", "Ids"),
]


@router.get("/web/audit", name="web_audit")
def audit_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    resource: Text = None,
    actor: Text = None,
    on_from: Annotated[TypedDay | None, Query()] = None,
    on_to: Annotated[TypedDay | None, Query()] = None,
    page: PageNumber = 1,
    file_format: FormatQuery = "html",
) -> Response:
    """Who wrote what, newest first, filtered by records, person and dates (the officer and finance)."""
    if viewer.principal.role is Role.planning:
        raise ForbiddenError("a planning officer cannot read the audit trail")
    whole = file_format != "html"
    entries, total = audit.list_entries(
        session=session,
        resource=resource or None,
        actor=actor or None,
        on_from=on_from,
        on_to=on_to,
        limit=10_000 if whole else PER_PAGE,
        offset=0 if whole else (page - 1) * PER_PAGE,
    )
    listing = Listing(
        title="Audit trail", columns=AUDIT_COLUMNS, rows=[audit_row(entry) for entry in entries], links=[]
    )
    if whole:
        return download(listing, "audit-trail", file_format)
    resources = list(session.scalars(select(AuditEntry.resource).distinct().order_by(AuditEntry.resource)))
    filters = {"resource": resource, "actor": actor, "on_from": on_from, "on_to": on_to}
    kept = {name: str(value) for name, value in filters.items() if value}
    return render(
        request,
        "audit.html",
        {
            "listing": listing,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "filters": filters,
            "resources": resources,
            "query_string": urlencode(kept),
        },
    )


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as the table shows it."""
    return {
        "at": entry.at.strftime("%d %b %Y %H:%M"),
        "actor": entry.actor_name,
        "role": entry.actor_role,
        "what": f"{entry.method} {entry.path}",
        "resource": entry.resource,
        "ids": ", ".join(str(value) for value in entry.resource_ids),
    }
