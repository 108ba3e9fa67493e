"""HTTP routes for the caller's alerts, its own subscriptions, and the calendar feed fetched by its secret address."""

from datetime import date

from fastapi import APIRouter, Request, Response

from app.alerts import calendar, service, subscriptions
from app.alerts.reads import alert_list, subscription_models
from app.alerts.schemas import AlertList, MarkedRead, MarkRead, SubscriptionsRead, SubscriptionsUpdate
from app.audit.dependencies import AuditDep
from app.auth.accounts import get_account
from app.auth.dependencies import Reader
from app.auth.service import Principal
from app.config import get_settings
from app.db import SessionDep
from app.errors import ConflictError

router = APIRouter(tags=["alerts"])
calendar_router = APIRouter(include_in_schema=False)

NO_ACCOUNT = "this token belongs to no account, and alerts are kept per account: make a token from your account page"


def own_account_id(principal: Principal) -> int:
    """The caller's account, which alone it may change."""
    if principal.account_id is None:
        raise ConflictError(NO_ACCOUNT)
    return principal.account_id


@router.get("/alerts", response_model=AlertList)
def list_alerts(session: SessionDep, principal: Reader) -> AlertList:
    """The caller's alerts of the kinds it subscribes to, within what it may read, soonest first."""
    return alert_list(session=session, principal=principal, today=date.today())


@router.post("/alerts/read", response_model=MarkedRead, responses={409: {}, 422: {}})
def mark_read(data: MarkRead, session: SessionDep, principal: Reader, audit: AuditDep) -> MarkedRead:
    """Mark some of the caller's alerts read (by key), or all of them."""
    account_id = own_account_id(principal)
    current = service.alerts_for(session=session, principal=principal, today=date.today())
    keys = [alert.key for alert in current] if data.all else [key for key in data.keys if key]
    marked = service.mark_read(session=session, account_id=account_id, keys=keys)
    audit.record("alert_reads", [account_id], {"keys": marked})
    unread = service.unread_count(session=session, principal=principal, today=date.today())
    return MarkedRead(marked=len(marked), unread=unread)


@router.get("/alerts/subscriptions", response_model=SubscriptionsRead)
def read_subscriptions(session: SessionDep, principal: Reader) -> SubscriptionsRead:
    """What the caller's account subscribes to (a command-line token: its role's defaults)."""
    return subscription_models(session=session, principal=principal)


@router.put("/alerts/subscriptions", response_model=SubscriptionsRead, responses={409: {}, 422: {}})
def replace_subscriptions(
    data: SubscriptionsUpdate, session: SessionDep, principal: Reader, audit: AuditDep
) -> SubscriptionsRead:
    """Subscribe the caller's own account to exactly these kinds, each with its N where it takes one."""
    account = get_account(session=session, account_id=own_account_id(principal))
    chosen = {choice.kind: choice.days for choice in data.subscriptions}
    stored = subscriptions.replace(session=session, account=account, chosen=chosen)
    audit.record("alert_subscriptions", [account.id], {kind.value: days for kind, days in stored.items()})
    return subscription_models(session=session, principal=principal)


@calendar_router.get("/calendar/{secret}.ics", name="calendar_feed", responses={404: {}})
def calendar_feed(secret: str, request: Request, session: SessionDep) -> Response:
    """An account's deadlines and expected triggers as iCalendar, by its secret address (no sign-in).

    Its events link to pages at BASE_URL, or where BASE_URL is not set at the address the feed was fetched on.
    """
    base_url = get_settings().links_base(str(request.base_url))
    body = calendar.feed(session=session, secret=secret, base_url=base_url, today=date.today())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
    )
