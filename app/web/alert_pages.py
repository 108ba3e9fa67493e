"""The signed-in account's alerts (read and unread), what it subscribes to, and its calendar address."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app import idempotency
from app.alerts import calendar, service, subscriptions
from app.alerts.reads import alert_list, subscription_models
from app.audit.dependencies import AuditLog
from app.auth.accounts import get_account
from app.auth.service import Principal
from app.db import SessionDep
from app.errors import RuleError
from app.models import AlertKind
from app.web.csrf import CsrfDep
from app.web.downloads import FormatQuery
from app.web.listing import Column, Listing, download
from app.web.pages import PageRoute, ViewerDep, render
from app.web.submitting import KEY_PREFIX

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def audit(request: Request, session: Session, principal: Principal) -> AuditLog:
    """The audit trail of this page write."""
    return AuditLog(request=request, session=session, principal=principal)


def alerts_listing(title: str, items: list[Any]) -> Listing:
    """The alerts table as it downloads."""
    rows = [
        {
            "on": item.on,
            "kind": subscriptions.KINDS[item.kind].label,
            "title": item.title,
            "read": "Read" if item.read else "Unread",
            "emailed_at": item.emailed_at.date() if item.emailed_at else None,
        }
        for item in items
    ]
    columns = [
        Column("on", "Date", "date"),
        Column("kind", "Kind"),
        Column("title", "What"),
        Column("read", "Read"),
        Column("emailed_at", "Emailed", "date"),
    ]
    return Listing(title=title, columns=columns, rows=rows)


@router.get("/web/alerts", name="web_alerts", responses={303: {}})
def alerts_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file_format: FormatQuery = "html"
) -> Response:
    """What needs doing for this account, soonest first: unread first marked, and when each was emailed."""
    today = date.today()
    found = alert_list(session=session, principal=viewer.principal, today=today)
    if file_format != "html":
        title = f"Alerts for {viewer.principal.name} as at {today.isoformat()}"
        return download(alerts_listing(title, found.items), f"alerts-{today.isoformat()}", file_format)
    chosen = service.chosen_for(session, viewer.principal)
    return render(
        request,
        "alerts.html",
        {
            "alerts": found.items,
            "unread": found.unread,
            "chosen": [(subscriptions.KINDS[kind], days) for kind, days in chosen.items()],
            "receipt_days": service.RECEIPT_DAYS,
            "kind_labels": {kind: info.label for kind, info in subscriptions.KINDS.items()},
        },
    )


@router.post("/web/alerts/read", name="web_alert_read", responses={303: {}})
def mark_read(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    _csrf: CsrfDep,
    key: Annotated[str, Form(max_length=200)] = "",
    mark_all: Annotated[str, Form(alias="all", max_length=10)] = "",
) -> Response:
    """Mark one alert read (its key in the form), or all of the current ones (all=yes)."""
    principal = viewer.principal
    assert principal.account_id is not None
    if mark_all:
        keys = [alert.key for alert in service.alerts_for(session=session, principal=principal, today=date.today())]
    else:
        keys = [key] if key else []
    marked = service.mark_read(session=session, account_id=principal.account_id, keys=keys)
    audit(request, session, principal).record("alert_reads", [principal.account_id], {"keys": marked})
    return RedirectResponse(request.url_for("web_alerts").path, status_code=303)


def settings_response(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    ticked: set[str] | None = None,
    new_address: str | None = None,
    made_before: bool = False,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    """The settings page: each kind with its box and days (as stored, or as sent), and the calendar address."""
    assert principal.account_id is not None
    return render(
        request,
        "alert_settings.html",
        {
            "subscriptions": subscription_models(session=session, principal=principal).subscriptions,
            "kinds": subscriptions.KINDS,
            "errors": errors or {},
            "typed": typed or {},
            "ticked": ticked,
            "feed": calendar.active_feed(session=session, account_id=principal.account_id),
            "new_address": new_address,
            "made_before": made_before,
            "saved": saved or request.query_params.get("saved") == "1",
            "revoked": request.query_params.get("revoked") == "1",
        },
        status_code=status_code,
    )


@router.get("/web/alerts/settings", name="web_alert_settings", responses={303: {}})
def settings_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Choose what this account is alerted to, and its calendar address."""
    return settings_response(request, session, viewer.principal)


@router.post("/web/alerts/settings", responses={303: {}, 422: {}})
def save_settings(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    _csrf: CsrfDep,
    kinds: Annotated[list[str] | None, Form(max_length=len(AlertKind))] = None,
    deadline_days: Annotated[str, Form(max_length=20)] = "",
    drawdown_unanswered_days: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Subscribe this account to exactly the kinds ticked, each with its number of days.

    A refusal shows the form as it was sent (what was ticked and typed), with a message beside each wrong field.
    """
    principal = viewer.principal
    ticked = set(kinds or [])
    typed = {"deadline_days": deadline_days.strip(), "drawdown_unanswered_days": drawdown_unanswered_days.strip()}
    chosen: dict[AlertKind, int | None] = {}
    errors: dict[str, str] = {}
    for kind, info in subscriptions.KINDS.items():
        if kind.value not in ticked:
            continue
        chosen[kind] = None
        field = f"{kind.value}_days"
        if info.default_days is not None:
            text = typed.get(field, "")
            if not text.isascii() or not text.isdigit():
                errors[field] = f"{info.days_label}: enter a whole number of days, such as {info.default_days}"
                continue
            if (refusal := subscriptions.days_refusal(int(text))) is not None:
                errors[field] = f"{info.days_label}: {refusal}"
                continue
            chosen[kind] = int(text)
    account = get_account(session=session, account_id=principal.account_id or 0)
    if not errors:
        try:
            stored = subscriptions.replace(session=session, account=account, chosen=chosen)
        except RuleError as error:
            field = error.field if error.field and error.field.endswith("_days") else "kinds"
            label = subscriptions.KINDS[AlertKind(field.removesuffix("_days"))].days_label if field != "kinds" else ""
            errors[field] = f"{label}: {error.detail}" if label else error.detail[:1].upper() + error.detail[1:]
    if errors:
        return settings_response(
            request, session, principal, errors=errors, typed=typed, ticked=ticked, status_code=422
        )
    audit(request, session, principal).record(
        "alert_subscriptions", [account.id], {kind.value: days for kind, days in stored.items()}
    )
    return RedirectResponse(request.url_for("web_alert_settings").path + "?saved=1", status_code=303)


@router.post("/web/alerts/calendar", name="web_alert_calendar", responses={200: {}, 201: {}, 303: {}, 409: {}})
def make_calendar(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    _csrf: CsrfDep,
    form_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Make this account's calendar address (any old one stops working); it is shown on this page once.

    The form's one-time key makes a reload or a second click say the address was already made, never make
    another (which would stop the one just shown).
    """
    principal = viewer.principal
    assert principal.account_id is not None
    actor = idempotency.caller_of(principal)
    one_time = f"{KEY_PREFIX}{form_key}" if form_key else None
    fingerprint = idempotency.fingerprint("POST", request.url.path, {})
    if one_time and idempotency.replay(session=session, actor=actor, key=one_time, request_fingerprint=fingerprint):
        return settings_response(request, session, principal, made_before=True)
    row, secret = calendar.make_feed(session=session, account_id=principal.account_id)
    audit(request, session, principal).record("calendar_feeds", [row.id], {"made": True})
    if one_time:
        idempotency.remember(
            session=session,
            actor=actor,
            key=one_time,
            request_fingerprint=fingerprint,
            status=201,
            body={"calendar_feed_id": row.id},
        )
    address = str(request.url_for("calendar_feed", secret=secret))
    return settings_response(request, session, principal, new_address=address, status_code=201)


@router.post("/web/alerts/calendar/revoke", name="web_alert_calendar_revoke", responses={303: {}})
def revoke_calendar(request: Request, session: SessionDep, viewer: ViewerDep, _csrf: CsrfDep) -> Response:
    """Stop this account's calendar address: fetching it then answers 404."""
    principal = viewer.principal
    assert principal.account_id is not None
    stopped = calendar.revoke_feeds(session=session, account_id=principal.account_id)
    audit(request, session, principal).record("calendar_feeds", stopped, {"revoked": True})
    return RedirectResponse(request.url_for("web_alert_settings").path + "?revoked=1", status_code=303)
