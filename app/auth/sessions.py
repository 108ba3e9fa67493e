"""Page sessions: a random id in the cookie, its hash in the database, ended when idle or on sign-out."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import Account, AccountSession

TOUCH_EVERY = timedelta(minutes=1)
"""A session's last-seen time is written at most this often, so reading pages does not write on every request."""


def id_hash(session_id: str) -> str:
    """SHA-256 of the cookie's value: the table never holds a usable session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def idle_limit() -> timedelta:
    """How long a session lasts without a request."""
    return timedelta(minutes=get_settings().session_idle_minutes)


def lifetime_limit() -> timedelta:
    """How long a session lasts however busy it is."""
    return timedelta(hours=get_settings().session_lifetime_hours)


def start_session(*, session: Session, account: Account) -> str:
    """A new session for the account; returns the id for the cookie, which is not stored."""
    now = datetime.now(UTC)
    session_id = secrets.token_urlsafe(32)
    session.add(AccountSession(account_id=account.id, id_hash=id_hash(session_id), created_at=now, last_seen_at=now))
    # Old sessions of anyone are swept here rather than by a scheduler.
    session.execute(delete(AccountSession).where(AccountSession.last_seen_at < now - idle_limit()))
    session.flush()
    return session_id


@dataclass(frozen=True)
class SignedIn:
    """A live session and its account."""

    row: AccountSession
    account: Account


def find_session(*, session: Session, session_id: str) -> SignedIn | None:
    """The live session for a cookie's value, touched; None if unknown, idle too long, too old or disabled."""
    row = session.scalar(select(AccountSession).where(AccountSession.id_hash == id_hash(session_id)))
    if row is None:
        return None
    now = datetime.now(UTC)
    account = session.get(Account, row.account_id)
    expired = now - row.last_seen_at > idle_limit() or now - row.created_at > lifetime_limit()
    if account is None or account.disabled_at is not None or expired:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return SignedIn(row=row, account=account)


def end_session(*, session: Session, session_id: str) -> None:
    """Sign out: the session's row is deleted, so the cookie names nothing even if it is kept."""
    session.execute(delete(AccountSession).where(AccountSession.id_hash == id_hash(session_id)))
    session.flush()
