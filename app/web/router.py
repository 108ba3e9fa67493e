"""The web view for people: read-only pages over the same services, roles and scoping as the API."""

from datetime import date, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.agreements.service import get_agreement, list_agreements
from app.auth.service import Principal
from app.balances.queries import BalanceFilter, GroupBy, balances, balances_by_id
from app.contributions.service import contributions_of_agreements, list_agreement_events
from app.db import SessionDep
from app.deadlines.service import deadlines
from app.ids import RowId
from app.local_authorities.service import get_local_authority, list_local_authorities
from app.models import DocumentOwner, ProjectStage
from app.movements.service import list_movements, reversed_by
from app.projects.reads import read_models
from app.projects.service import list_projects
from app.reports.formats import to_csv, to_xlsx
from app.reports.reconcile import Layout, PanelTable
from app.reports.service import panel_table
from app.web import authority_pages, downloads, officer_pages, tables
from app.web.assets import govuk_css_without_fonts
from app.web.charts import stacked_bars
from app.web.document_pages import document_listing
from app.web.downloads import FormatQuery
from app.web.listing import download
from app.web.pages import (
    APP_DIR,
    GOVUK_FRONTEND,
    HOME,
    AsAt,
    PageRoute,
    ViewerDep,
    as_at_context,
    render,
)
from app.web.views import (
    PANEL_KEY_FIGURES,
    by_agreement,
    deadline_summary,
    history,
    panel_headings,
    project_totals,
)

AGREEMENTS_PER_PAGE = 50
MOVEMENTS_SHOWN = 1000
PROJECTS_PER_PAGE = 50
DOWNLOADED = 100_000
"""At most this many rows go into a downloaded table."""
DEADLINE_WINDOWS = (90, 180, 365, 730, 1825)
"""The look-ahead windows, in days, the deadlines page offers."""

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/web/govuk/govuk-frontend.min.css", name="web_govuk_css")
def govuk_stylesheet() -> Response:
    """GOV.UK Frontend's stylesheet without its typeface, which is licensed to GOV.UK alone (Arial instead)."""
    return Response(govuk_css_without_fonts(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


router.mount("/web/static", StaticFiles(directory=APP_DIR / "static"), name="web_static")
# check_dir=False: without `npm ci` the API still serves; the pages then have no GOV.UK styles.
router.mount("/web/govuk", StaticFiles(directory=GOVUK_FRONTEND, check_dir=False), name="web_govuk")
for pages in officer_pages.ROUTERS:
    router.include_router(pages)


@router.get("/", responses={307: {}})
def root() -> RedirectResponse:
    """People start at the web view; the API's documentation is at /docs."""
    return RedirectResponse(HOME)


LayoutQuery = Annotated[Layout, Query(description="the Panel's 2021 layout (all agreements) or its 2024 one (open)")]


def authority_table(session: SessionDep, principal: Principal, when: date, layout: Layout) -> PanelTable:
    """The Panel table as at a date in a layout, as GET /reports/panel gives it; a planning officer's row only."""
    return panel_table(session=session, layout=layout, as_at=when, scope=principal.scope)


@router.get("/web", name="web_home", responses={303: {}, 400: {}})
def home(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    as_at: AsAt = None,
    layout: LayoutQuery = Layout.panel_2024,
) -> Response:
    """The Panel table as at a date in either layout, a chart of where each authority's money is, and downloads."""
    context = as_at_context(as_at)
    when = context["as_at"]
    table = authority_table(session, viewer.principal, when, layout)
    where = BalanceFilter(local_authority_id=viewer.principal.scope, open_only=table.open_only)
    rows, _totals, _count = balances(session, group_by=GroupBy.local_authority, as_at=when, where=where)
    shown = {row.local_authority_id for row in table.rows}
    return render(
        request,
        "home.html",
        {
            **context,
            "layout": layout,
            "layouts": LAYOUTS,
            "table": table,
            "headings": panel_headings(table.columns),
            "key_figures": PANEL_KEY_FIGURES[layout],
            "chart": stacked_bars([row for row in rows if row.key in shown]),
            "download_query": urlencode({"as_at": when.isoformat(), "layout": layout.value}),
        },
    )


LAYOUTS = {
    Layout.panel_2024: "2024 layout: open agreements, by stage",
    Layout.panel_2021: "2021 layout: all agreements, held money by purpose",
}
"""The layouts the home page offers, as the chooser names them."""


def panel_filename(table: PanelTable, extension: str) -> str:
    """The name GET /reports/panel gives the same file."""
    return f"panel-{table.layout.value}-as-at-{table.as_at.isoformat()}.{extension}"


@router.get("/web/panel.csv", name="web_panel_csv", responses={303: {}, 400: {}})
def panel_csv(
    session: SessionDep, viewer: ViewerDep, as_at: AsAt = None, layout: LayoutQuery = Layout.panel_2024
) -> Response:
    """The home page's table as CSV: the same file as GET /reports/panel?format=csv."""
    table = authority_table(session, viewer.principal, as_at or date.today(), layout)
    return panel_file(to_csv(table).encode("utf-8"), "text/csv; charset=utf-8", panel_filename(table, "csv"))


@router.get("/web/panel.xlsx", name="web_panel_xlsx", responses={303: {}, 400: {}})
def panel_xlsx(
    session: SessionDep, viewer: ViewerDep, as_at: AsAt = None, layout: LayoutQuery = Layout.panel_2024
) -> Response:
    """The home page's table as an XLSX workbook: the same file as GET /reports/panel?format=xlsx."""
    table = authority_table(session, viewer.principal, as_at or date.today(), layout)
    return panel_file(to_xlsx(table), tables.XLSX_MEDIA_TYPE, panel_filename(table, "xlsx"))


def panel_file(content: bytes, media_type: str, filename: str) -> Response:
    """The Panel's table as a file to save, not to show."""
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=media_type, headers=headers)


@router.get(
    "/web/local-authorities/{local_authority_id}", name="web_local_authority", responses={303: {}, 400: {}, 404: {}}
)
def local_authority_page(
    request: Request,
    local_authority_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    as_at: AsAt = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    file_format: FormatQuery = "html",
) -> Response:
    """An authority's release rules, and its agreements with their contributions, stages and balances."""
    scope = viewer.principal.scope
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=scope)
    context = as_at_context(as_at)
    when = context["as_at"]
    summary, _totals, _count = balances(
        session, group_by=GroupBy.local_authority, as_at=when, where=BalanceFilter(local_authority_id=authority.id)
    )
    agreements, total = list_agreements(
        session=session,
        scope=scope,
        local_authority_id=authority.id,
        status=None,
        reference=None,
        signed_from=None,
        signed_to=when,
        limit=DOWNLOADED if file_format != "html" else AGREEMENTS_PER_PAGE,
        offset=0 if file_format != "html" else (page - 1) * AGREEMENTS_PER_PAGE,
    )
    ids = [agreement.id for agreement in agreements]
    contributions = contributions_of_agreements(session=session, agreement_ids=ids)
    if file_format != "html":
        contribution_balances = balances_by_id(
            session, group_by=GroupBy.contribution, as_at=when, ids=[item.id for item in contributions]
        )
        title = f"{authority.name} agreements as at {when.isoformat()}"
        listing = downloads.authority_agreements(title, agreements, by_agreement(contributions), contribution_balances)
        return download(listing, f"{authority.id}-agreements-as-at-{when.isoformat()}", file_format)
    return render(
        request,
        "local_authority.html",
        {
            **context,
            **authority_pages.authority_side(session, viewer.principal, authority.id),
            "authority": authority,
            "summary": summary[0],
            "agreements": agreements,
            "agreement_balances": balances_by_id(session, group_by=GroupBy.agreement, as_at=when, ids=ids),
            "contributions": by_agreement(contributions),
            "contribution_balances": balances_by_id(
                session, group_by=GroupBy.contribution, as_at=when, ids=[item.id for item in contributions]
            ),
            "columns": tables.STAGE_COLUMNS,
            "page": page,
            "pages": max(1, -(-total // AGREEMENTS_PER_PAGE)),
            "total_agreements": total,
        },
    )


@router.get("/web/agreements/{agreement_id}", name="web_agreement", responses={303: {}, 400: {}, 404: {}})
def agreement_page(
    request: Request,
    agreement_id: RowId,
    session: SessionDep,
    viewer: ViewerDep,
    as_at: AsAt = None,
    file_format: FormatQuery = "html",
    table: Annotated[Literal["contributions", "history"], Query(description="which table to download")] = (
        "contributions"
    ),
) -> Response:
    """An agreement's contributions with their balances, and its events and movements in date order."""
    scope = viewer.principal.scope
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=scope)
    authority = get_local_authority(session=session, local_authority_id=agreement.local_authority_id, scope=scope)
    context = as_at_context(as_at)
    when = context["as_at"]
    contributions = contributions_of_agreements(session=session, agreement_ids=[agreement.id])
    movements, movement_count = list_movements(
        session=session,
        scope=scope,
        contribution_id=None,
        agreement_id=agreement.id,
        local_authority_id=None,
        kind=None,
        on_from=None,
        on_to=None,
        limit=MOVEMENTS_SHOWN,
        offset=0,
    )
    entries = history(
        events=list_agreement_events(session=session, agreement_id=agreement.id),
        movements=movements,
        reversed_by=reversed_by(session=session, movement_ids=[movement.id for movement in movements]),
        as_at=when,
    )
    contribution_balances = balances_by_id(
        session, group_by=GroupBy.contribution, as_at=when, ids=[item.id for item in contributions]
    )
    if file_format != "html":
        title = f"{agreement.reference} as at {when.isoformat()}"
        if table == "history":
            listing = downloads.history(f"{title}: history", entries)
        else:
            listing = downloads.agreement_contributions(f"{title}: contributions", contributions, contribution_balances)
        return download(listing, f"agreement-{agreement.id}-{table}-as-at-{when.isoformat()}", file_format)
    return render(
        request,
        "agreement.html",
        {
            **context,
            "agreement": agreement,
            "authority": authority,
            "balance": balances_by_id(session, group_by=GroupBy.agreement, as_at=when, ids=[agreement.id]).get(
                agreement.id
            ),
            "contributions": contributions,
            "contribution_balances": contribution_balances,
            "columns": tables.STAGE_COLUMNS,
            "history": entries,
            "movements_shown": len(movements),
            "movement_count": movement_count,
            **document_listing(session, viewer.principal, DocumentOwner.agreement, agreement.id),
        },
    )


@router.get("/web/projects", name="web_projects", responses={303: {}, 400: {}})
def projects_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    stage: ProjectStage | None = None,
    local_authority: Annotated[str | None, Query(max_length=100)] = None,
    file_format: FormatQuery = "html",
) -> Response:
    """Each project's estimate and the money identified, requested, received and spent for it, by authority."""
    principal = viewer.principal
    names = authority_names(session, principal.scope)
    chosen = local_authority if local_authority in names else None
    found, total = list_projects(
        session=session,
        scope=principal.scope,
        stage=stage,
        funding=None,
        local_authority_id=chosen,
        limit=DOWNLOADED if file_format != "html" else PROJECTS_PER_PAGE,
        offset=0 if file_format != "html" else (page - 1) * PROJECTS_PER_PAGE,
    )
    projects = read_models(session, principal, found)
    if file_format != "html":
        return download(downloads.projects("Projects", projects, names), "projects", file_format)
    return render(
        request,
        "projects.html",
        {
            "projects": projects,
            "totals": project_totals(projects),
            "authority_names": names,
            "stages": list(ProjectStage),
            "stage": stage,
            "local_authority": chosen,
            "filters": {"stage": stage.value if stage else None, "local_authority": chosen},
            "page": page,
            "pages": max(1, -(-total // PROJECTS_PER_PAGE)),
            "total_projects": total,
        },
    )


@router.get("/web/deadlines", name="web_deadlines", responses={303: {}, 400: {}})
def deadlines_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    within_days: Annotated[int, Query(ge=0, le=36500)] = 365,
    file_format: FormatQuery = "html",
    as_at: AsAt = None,
) -> Response:
    """Money received but unspent whose repayment deadline falls within the window or has passed, soonest first,
    as they stood at the as-at date."""
    context = as_at_context(as_at)
    today = context["as_at"]
    found = deadlines(session=session, scope=viewer.principal.scope, within_days=within_days, as_at=today)
    found.sort(key=lambda item: (item.deadline, -item.unspent, item.receipt.movement_id))
    names = authority_names(session, viewer.principal.scope)
    if file_format != "html":
        title = f"Repayment deadlines within {within_days} days of {today.isoformat()}"
        return download(downloads.deadlines(title, found, names), f"deadlines-{today.isoformat()}", file_format)
    return render(
        request,
        "deadlines.html",
        {
            "deadlines": found,
            "within_days": within_days,
            "horizon": today + timedelta(days=within_days),
            "windows": DEADLINE_WINDOWS,
            "summary": deadline_summary(found, today),
            "authority_names": names,
            **context,
        },
    )


def authority_names(session: SessionDep, scope: str | None) -> dict[str, str]:
    """Authorities' names by id, only the viewer's own for a planning officer."""
    found, _total = list_local_authorities(session=session, scope=scope, limit=1000, offset=0)
    return {authority.id: authority.name for authority in found}
