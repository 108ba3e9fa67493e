"""The Panel's pages of projects and deadlines: figures by authority and project, linking to no record, as
GET /reports/panel/projects and /reports/panel/deadlines give them; each downloads as CSV and XLSX."""

from fastapi import APIRouter, Request, Response

from app.db import SessionDep
from app.panel.reads import deadline_bands, projects
from app.web import downloads
from app.web.downloads import FormatQuery
from app.web.listing import download
from app.web.pages import PageRoute, ViewerDep, render
from app.web.project_pages import visible_names

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
