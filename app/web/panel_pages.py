"""The Panel's pages of projects and deadlines: figures by authority and project, linking to no record, as
GET /reports/panel/projects and /reports/panel/deadlines give them; each downloads as CSV and XLSX. And the
public page (off unless PUBLIC_PANEL_PAGE is set): the Panel's table, projects, deadlines and the bids
summary, for anyone, at the same level."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.bids.reads import summary
from app.config import get_settings
from app.db import SessionDep
from app.errors import NotFoundError
from app.panel.reads import PUBLIC, deadline_bands, projects
from app.reports.formats import to_csv, to_xlsx
from app.reports.reconcile import Layout
from app.reports.service import panel_table
from app.web import downloads
from app.web.downloads import FormatQuery
from app.web.listing import XLSX_MEDIA_TYPE, download
from app.web.pages import PageRoute, ViewerDep, render
from app.web.project_pages import visible_names
from app.web.views import panel_headings

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PROJECTS_INTRO = (
    "Every capital project the force funds from developer contributions: its estimate, the S106 money identified, "
    "requested, received (drawn) and spent for it, and what is still to find. Pooled projects draw on several "
    "authorities' contributions."
)
DEADLINES_INTRO = (
    "Money the force has received but not yet spent, by the authority that holds the agreements and by how soon "
    "it must be spent or repaid to the developer. Each receipt starts its own clock."
)


@router.get("/web/panel/projects", name="web_panel_projects")
def projects_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """The Panel's view of projects: by project and authority, no agreement named."""
    names = visible_names(session, viewer.principal.scope)
    listing = downloads.panel_projects("Projects", projects(session, viewer.principal), names)
    if file_format != "html":
        return download(listing, "panel-projects", file_format)
    return render(request, "panel_listing.html", {"heading": "Projects", "intro": PROJECTS_INTRO, "listing": listing})


@router.get("/web/panel/deadlines", name="web_panel_deadlines")
def deadlines_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """The Panel's view of deadlines: unspent money by authority and how soon its deadline falls."""
    names = visible_names(session, viewer.principal.scope)
    found = deadline_bands(session, scope=viewer.principal.scope)
    listing = downloads.panel_deadlines("Deadlines", found, names)
    if file_format != "html":
        return download(listing, "panel-deadlines", file_format)
    return render(request, "panel_listing.html", {"heading": "Deadlines", "intro": DEADLINES_INTRO, "listing": listing})


PublicTable = Annotated[
    Literal["panel", "projects", "deadlines", "bids"], Query(alias="table", description="the table to download")
]


@router.get("/public/panel", name="public_panel", responses={404: {}})
def public_page(
    request: Request, session: SessionDep, table_name: PublicTable = "panel", file_format: FormatQuery = "html"
) -> Response:
    """The Panel's tables and the bids summary for anyone, without signing in, when PUBLIC_PANEL_PAGE is on."""
    if not get_settings().public_panel_page:
        raise NotFoundError("the public page is off")
    names = visible_names(session, None)
    table = panel_table(session=session, layout=Layout.panel_2024, as_at=date.today(), scope=None)
    listings = {
        "projects": downloads.panel_projects("Projects", projects(session, PUBLIC), names),
        "deadlines": downloads.panel_deadlines("Deadlines", deadline_bands(session, scope=None), names),
        "bids": downloads.bid_summary(
            "Bids by authority and year", summary(session, scope=None, year=None).rows, names
        ),
    }
    if file_format != "html":
        if table_name == "panel":
            content = to_csv(table).encode("utf-8") if file_format == "csv" else to_xlsx(table)
            media_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX_MEDIA_TYPE
            headers = {"Content-Disposition": f'attachment; filename="panel-2024-as-at-{table.as_at}.{file_format}"'}
            return Response(content, media_type=media_type, headers=headers | {"Cache-Control": "no-store"})
        return download(listings[table_name], f"panel-{table_name}", file_format)
    return render(
        request,
        "public_panel.html",
        {"table": table, "headings": panel_headings(table.columns), "listings": listings},
    )
