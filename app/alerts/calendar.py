"""An account's calendar feed: repayment deadlines and expected triggers at a secret address Outlook can subscribe to.

The address holds a random secret; only its SHA-256 is stored, so it is shown once. An account has at
most one address in use: making another revokes the old one, and a revoked or unknown address is a 404.
The feed is drawn as at the day it is fetched and scoped like the account (a planning officer's holds
only their authority's).
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.alerts.service import Alert, deadline_alerts, trigger_alerts
from app.auth.service import account_principal, hash_token
from app.errors import NotFoundError
from app.models import Account, CalendarFeed, Role

SECRET_PREFIX = "s106cal_"
ALL_DEADLINES = 36500
"""Every deadline the ledger holds, however far ahead (the deadlines' own upper bound)."""


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


def feed_items(*, session: Session, account: Account, today: date) -> list[Alert]:
    """Every repayment deadline of the ledger as at today, and the triggers recorded progress has passed."""
    scope = account_principal(account).scope
    return deadline_alerts(session, scope, today, ALL_DEADLINES) + trigger_alerts(session, scope)


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
        event.add("summary", ("Deadline: " if item.kind == "deadline" else "Trigger due: ") + item.title)
        event.add("categories", [item.kind.value])
        event.add("url", f"{base_url.rstrip('/')}{item.path}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
