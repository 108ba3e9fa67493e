"""Signing in with a password, slowed down after repeated failures per email address and per network address."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import passwords
from app.auth.accounts import find_account, normalise_email
from app.models import Account, SignInAttempt

WINDOW = timedelta(minutes=15)
"""Failures older than this are forgotten."""
FAILURES_PER_EMAIL = 5
"""Failures for one address, since its last success, after which it must wait."""
FAILURES_PER_ADDRESS = 20
"""Failures from one network address (any email) after which it must wait."""


class SignInRefused(Exception):
    """Why a sign-in failed, in words for the page."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.throttled = throttled


WRONG = "Enter a correct email address and password"
THROTTLED = "There have been too many failed attempts to sign in. Wait 15 minutes, then try again"


@dataclass(frozen=True)
class Failures:
    """Recent failures for an email address and from a network address."""

    for_email: int
    from_address: int


def recent_failures(session: Session, email: str, address: str, now: datetime) -> Failures:
    """Failures within the window: for the email since its last success, and from the address."""
    since = now - WINDOW
    last_success = session.scalar(
        select(func.max(SignInAttempt.at)).where(SignInAttempt.email == email, SignInAttempt.succeeded.is_(True))
    )
    email_since = max(since, last_success) if last_success else since
    for_email = session.scalar(
        select(func.count()).where(
            SignInAttempt.email == email, SignInAttempt.succeeded.is_(False), SignInAttempt.at > email_since
        )
    )
    from_address = session.scalar(
        select(func.count()).where(
            SignInAttempt.address == address, SignInAttempt.succeeded.is_(False), SignInAttempt.at > since
        )
    )
    return Failures(for_email=for_email or 0, from_address=from_address or 0)


def sign_in_with_password(*, session: Session, email: str, password: str, address: str) -> Account:
    """The account whose password this is, or SignInRefused; every attempt is recorded."""
    address_key = address[:64]
    email_key = normalise_email(email)[:254]
    if not email_key or not password:
        raise SignInRefused(WRONG)
    now = datetime.now(UTC)
    failures = recent_failures(session, email_key, address_key, now)
    if failures.for_email >= FAILURES_PER_EMAIL or failures.from_address >= FAILURES_PER_ADDRESS:
        # Refused without checking the password, so guessing on gains nothing; not recorded, so waiting works.
        raise SignInRefused(THROTTLED, throttled=True)
    account = find_account(session, email_key)
    matches = passwords.verify_password(account.password_hash if account else None, password)
    succeeded = account is not None and matches and account.disabled_at is None
    session.add(SignInAttempt(at=now, email=email_key, address=address_key, succeeded=succeeded))
    session.flush()
    if not succeeded or account is None:
        raise SignInRefused(WRONG)
    if account.password_hash and passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    account.last_signed_in_at = now
    session.flush()
    return account
