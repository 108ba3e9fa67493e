"""The signed-in account's alerts: the same list its emailed digest is drawn from."""

from datetime import date

from fastapi import APIRouter, Request, Response

from app.alerts import service
from app.db import SessionDep
from app.web.pages import PageRoute, ViewerDep, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/web/alerts", name="web_alerts")
def alerts_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """What needs doing for this account, soonest first, with when each was emailed to it."""
    principal = viewer.principal
    alerts = service.alerts_for(session=session, principal=principal, today=date.today())
    sent = service.sent_keys(session=session, account_id=principal.account_id) if principal.account_id else {}
    return render(
        request,
        "alerts.html",
        {
            "alerts": alerts,
            "sent": sent,
            "deadline_days": service.DEADLINE_DAYS,
            "unanswered_days": service.UNANSWERED_DAYS,
        },
    )
