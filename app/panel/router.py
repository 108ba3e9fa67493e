"""HTTP routes for the Panel's view of projects and deadlines. Every role reads them, the Panel's included: they name
authorities and projects, never an agreement (a planning officer sees their own authority's part only)."""

from fastapi import APIRouter

from app.auth.dependencies import PanelReader
from app.db import SessionDep
from app.panel.reads import deadline_bands, projects
from app.panel.schemas import PanelDeadlines, PanelProjects

router = APIRouter(prefix="/reports/panel", tags=["reports"])


@router.get("/projects", response_model=PanelProjects)
def get_projects(session: SessionDep, principal: PanelReader) -> PanelProjects:
    """Every project with its estimate, its money in total and by authority, and what is still to find."""
    return projects(session, principal)


@router.get("/deadlines", response_model=PanelDeadlines)
def get_deadlines(session: SessionDep, principal: PanelReader) -> PanelDeadlines:
    """Unspent money with a repayment deadline, by authority and how soon the deadline falls."""
    return deadline_bands(session, scope=principal.scope)
