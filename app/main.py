"""The ASGI application."""

from fastapi import FastAPI

from app.agreements.router import router as agreements_router
from app.alerts.router import calendar_router
from app.alerts.router import router as alerts_router
from app.audit.router import router as audit_router
from app.auth.dependencies import document_auth_errors
from app.balances.router import router as balances_router
from app.bids.router import router as bids_router
from app.confirmations.router import router as confirmations_router
from app.contributions.router import router as contributions_router
from app.db import ReadsWithoutWriteLock
from app.deadlines.router import router as deadlines_router
from app.documents.router import router as documents_router
from app.drawdowns.router import router as drawdowns_router
from app.errors import install_error_handlers
from app.forecast.router import router as forecast_router
from app.health import router as health_router
from app.indexation.router import router as indexation_router
from app.investment.router import router as investment_router
from app.limits import BodySizeLimit
from app.local_authorities.router import router as local_authorities_router
from app.movements.router import router as movements_router
from app.panel.router import router as panel_router
from app.projects.router import router as projects_router
from app.proposals.router import router as proposals_router
from app.reports.router import router as reports_router
from app.repurposing.router import router as repurposing_router
from app.retries import DatabaseFailures
from app.sites.router import router as sites_router
from app.spend.router import router as spend_router
from app.standard.router import router as standard_router
from app.web.accounts import router as web_accounts_router
from app.web.blank_filters import BlankFiltersDropped
from app.web.router import router as web_router
from app.web.sign_in import router as web_sign_in_router

DESCRIPTION = """
Section 106 developer contributions owed to the police, as an append-only ledger.

Every figure is derived from dated movements, so held, drawn, spent and remaining add up
as at any date. Money is a decimal string in pounds (`"1234.50"`); errors are RFC 9457 problem
details. Authenticate with `Authorization: Bearer <token>` (`s106 token create`).
"""


def create_app() -> FastAPI:
    """Build the application with its routers and error handlers."""
    app = FastAPI(title="S106 contributions tracker", version="0.1.0", description=DESCRIPTION)
    install_error_handlers(app)
    app.add_middleware(DatabaseFailures)  # inside the size limit, so it buffers only bodies that pass it
    app.add_middleware(BodySizeLimit)
    app.add_middleware(BlankFiltersDropped)
    app.add_middleware(ReadsWithoutWriteLock)
    app.include_router(health_router)

    for router in (
        local_authorities_router,
        agreements_router,
        contributions_router,
        movements_router,
        balances_router,
        audit_router,
        reports_router,
        projects_router,
        drawdowns_router,
        confirmations_router,
        documents_router,
        spend_router,
        deadlines_router,
        alerts_router,
        calendar_router,
        repurposing_router,
        bids_router,
        sites_router,
        investment_router,
        proposals_router,
        panel_router,
        indexation_router,
        forecast_router,
        standard_router,
        web_router,
        web_sign_in_router,
        web_accounts_router,
    ):
        app.include_router(document_auth_errors(router))
    return app


app = create_app()
