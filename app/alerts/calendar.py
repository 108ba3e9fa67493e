"""An account's calendar feed: repayment deadlines and expected triggers at a secret address Outlook can subscribe to.

The address holds a random secret; only its SHA-256 is stored, so it is shown once. An account has at
most one address in use: making another revokes the old one, and a revoked or unknown address is a 404.
The feed is drawn as at the day it is fetched and scoped like the account (a planning officer's holds
only their authority's): every repayment deadline, the triggers recorded progress has passed, and the
dates the forecast gives triggers from a site's own recorded build rate (never the assumed 50 a year).
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.alerts.service import Alert, deadline_alerts, pounds, trigger_alerts
from app.auth.service import account_principal, hash_token
from app.errors import NotFoundError
from app.forecast.service import forecast
from app.models import Account, Agreement, AlertKind, CalendarFeed, Contribution, Role

SECRET_PREFIX = "s106cal_"
ALL_DEADLINES = 36500
"""Every deadline the ledger holds, however far ahead (the deadlines' own upper bound)."""
ASSUMED_DWELLINGS_PER_YEAR = 50
ASSUMED_START_LAG_YEARS = 1
"""The forecast's defaults; the feed keeps only dates from a site's own recorded rate, which ignore them."""


SUMMARY_PREFIX = {"deadline": "Deadline: ", "trigger": "Trigger due: ", "expected": "Trigger expected: "}


def active_feed(*, session: Session, account_id: int) -> CalendarFeed | None:
    """The account's calendar address in use, if it has one."""
    query = select(CalendarFeed).where(CalendarFeed.account_id == account_id, CalendarFeed.revoked_at.is_(None))
    return session.scalar(query.order_by(CalendarFeed.id.desc()))


def revoke_feeds(*, session: Session, account_id: int) -> list[int]:
    """Stop every calendar address of the account; returns those stopped."""
    ids = list(
        session.scalars(
            select(CalendarFeed.id).where(CalendarFeed.account_id == account_id, CalendarFeed.revoked_at.is_(None))
        )
    )
    if ids:
        session.execute(update(CalendarFeed).where(CalendarFeed.id.in_(ids)).values(revoked_at=datetime.now(UTC)))
        session.flush()
    return ids


def make_feed(*, session: Session, account_id: int) -> tuple[CalendarFeed, str]:
    """A new calendar address for the account (its old one stops working); the secret is returned once."""
    revoke_feeds(session=session, account_id=account_id)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = CalendarFeed(account_id=account_id, secret_hash=hash_token(secret), created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return row, secret


def feed_account(*, session: Session, secret: str) -> Account:
    """The account whose address this is, or a 404 for one unknown, revoked, or of a disabled account."""
    row = session.scalar(select(CalendarFeed).where(CalendarFeed.secret_hash == hash_token(secret)))
    account = session.get(Account, row.account_id) if row is not None and row.revoked_at is None else None
    if account is None or account.disabled_at is not None or account.role is Role.panel:
        raise NotFoundError("no calendar at this address; make a new one from your alerts settings")
    return account


def expected_triggers(session: Session, scope: str | None, today: date) -> list[Alert]:
    """Triggers the forecast dates from a site's own recorded build rate, still to come (not the assumed rate's)."""
    result = forecast(
        session=session,
        scope=scope,
        as_at=today,
        dwellings_per_year=ASSUMED_DWELLINGS_PER_YEAR,
        start_lag_years=ASSUMED_START_LAG_YEARS,
    )
    dated = [
        (estimate, due)
        for estimate in result.items
        if estimate.rate_basis == "recorded_progress" and (due := estimate.due) is not None and due > today
    ]
    if not dated:
        return []
    query = (
        select(Contribution.id, Agreement.id, Agreement.reference, Agreement.local_authority_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_({estimate.contribution_id for estimate, _due in dated}))
    )
    agreements = {row[0]: row[1:] for row in session.execute(query)}
    alerts: list[Alert] = []
    for estimate, due in dated:
        agreement_id, reference, local_authority_id = agreements[estimate.contribution_id]
        # One event per instalment: two tranches of a contribution expected on one day stay two events.
        instalment = f":{estimate.instalment_id}" if estimate.instalment_id is not None else ""
        alerts.append(
            Alert(
                key=f"expected:{estimate.contribution_id}{instalment}:{due}",
                kind=AlertKind.trigger_due,
                local_authority_id=local_authority_id,
                title=f"{pounds(estimate.expected)} of {reference} (contribution {estimate.contribution_id}) "
                f"expected: {estimate.basis}",
                on=due,
                path=f"/web/agreements/{agreement_id}/progress",
            )
        )
    return alerts


def feed_items(*, session: Session, account: Account, today: date) -> list[Alert]:
    """Every repayment deadline of the ledger as at today, the triggers recorded progress has passed, and those
    its build rate expects."""
    scope = account_principal(account).scope
    return (
        deadline_alerts(session, scope, today, ALL_DEADLINES)
        + trigger_alerts(session, scope)
        + expected_triggers(session, scope, today)
    )


def feed(*, session: Session, secret: str, base_url: str, today: date) -> bytes:
    """The calendar at this address, as iCalendar text."""
    account = feed_account(session=session, secret=secret)
    calendar = Calendar()
    calendar.add("prodid", "-//Leicestershire Police//S106 contributions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"S106 deadlines and triggers ({account.name})")
    stamp = datetime.now(UTC)
    for item in feed_items(session=session, account=account, today=today):
        event = Event()
        event.add("uid", f"{item.key}@s106")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", SUMMARY_PREFIX[item.key.split(":", 1)[0]] + item.title)
        event.add("categories", [item.kind.value])
        event.add("url", f"{base_url.rstrip('/')}{item.path}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
