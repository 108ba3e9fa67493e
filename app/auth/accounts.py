"""Accounts: invited by the officer (or made on the command line), signed in with a password, disabled, reset."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.alerts import subscriptions
from app.auth import passwords
from app.errors import ConflictError, NotFoundError, RuleError
from app.models import Account, AccountSession, ApiToken, LocalAuthority, PasswordLink, Role

PASSWORD_LINK_LIFETIME = timedelta(days=7)
"""How long an invitation or reset link may be used (once)."""


def normalise_email(email: str) -> str:
    """An address as it is stored and looked up: trimmed and in lower case."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised address, or a refusal naming the field."""
    address = normalise_email(email)
    if not address:
        raise RuleError("enter an email address", field="email")
    local, at, domain = address.partition("@")
    if not at or not local or "." not in domain or " " in address or len(address) > 254:
        raise RuleError("enter an email address in the correct format, like name@example.org", field="email")
    return address


def check_role(session: Session, role: Role, local_authority_id: str | None) -> str | None:
    """The authority a role is bound to: a planning officer's own, nobody else's."""
    if role is Role.planning:
        if not local_authority_id:
            raise RuleError("a planning officer's account must name their local authority", field="local_authority_id")
        if session.get(LocalAuthority, local_authority_id) is None:
            raise NotFoundError(f"no local authority {local_authority_id!r}", field="local_authority_id")
        return local_authority_id
    if local_authority_id:
        raise RuleError("only a planning officer's account is bound to a local authority", field="local_authority_id")
    return None


def find_account(session: Session, email: str) -> Account | None:
    """The account with this address, whatever its case."""
    return session.scalar(select(Account).where(Account.email == normalise_email(email)))


def get_account(*, session: Session, account_id: int) -> Account:
    """An account by id."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}", field="account_id")
    return account


def create_account(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    local_authority_id: str | None = None,
    password: str | None = None,
) -> Account:
    """A new account; without a password it waits for its set-password link."""
    address = check_email(email)
    if not name.strip():
        raise RuleError("enter the person's name", field="name")
    if len(name.strip()) > 200:
        raise RuleError("a name can have at most 200 characters", field="name")
    scope = check_role(session, role, local_authority_id)
    if find_account(session, address) is not None:
        raise ConflictError(f"there is already an account for {address}", field="email")
    if password is not None:
        passwords.check_new_password(password)
    account = Account(
        email=address,
        name=name.strip(),
        role=role,
        local_authority_id=scope,
        password_hash=passwords.hash_password(password) if password is not None else None,
    )
    session.add(account)
    session.flush()
    subscriptions.subscribe_defaults(session=session, account=account)
    return account


def list_accounts(*, session: Session) -> list[Account]:
    """Every account, enabled first, then by name."""
    return list(session.scalars(select(Account).order_by(Account.disabled_at.is_not(None), func.lower(Account.name))))


def end_sessions(session: Session, account_id: int) -> None:
    """Sign the account out everywhere."""
    session.execute(delete(AccountSession).where(AccountSession.account_id == account_id))


def disable_account(*, session: Session, account: Account) -> Account:
    """Stop an account: its sessions end, its tokens stop working and it cannot sign in."""
    if account.disabled_at is None:
        now = datetime.now(UTC)
        account.disabled_at = now
        end_sessions(session, account.id)
        session.execute(
            update(ApiToken)
            .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        session.flush()
    return account


def enable_account(*, session: Session, account: Account) -> Account:
    """Let a disabled account sign in again (its revoked tokens stay revoked)."""
    account.disabled_at = None
    session.flush()
    return account


def secret_hash(secret: str) -> str:
    """SHA-256 of a long random secret (no salt or slow hash needed for 256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    """A set-password link's row and its secret, which is shown once and never stored."""

    link: PasswordLink
    secret: str


def issue_password_link(*, session: Session, account: Account) -> IssuedLink:
    """A one-time link to set the password; earlier unused links stop working, and for a reset so do sessions."""
    now = datetime.now(UTC)
    session.execute(
        update(PasswordLink)
        .where(PasswordLink.account_id == account.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    link = PasswordLink(
        account_id=account.id,
        secret_hash=secret_hash(secret),
        created_at=now,
        expires_at=now + PASSWORD_LINK_LIFETIME,
    )
    session.add(link)
    if account.password_hash is not None:
        account.password_hash = None
        end_sessions(session, account.id)
    session.flush()
    return IssuedLink(link=link, secret=secret)


def usable_link(session: Session, secret: str) -> PasswordLink | None:
    """The link for a secret if it is unused, unexpired and its account enabled."""
    link = session.scalar(select(PasswordLink).where(PasswordLink.secret_hash == secret_hash(secret)))
    if link is None or link.used_at is not None or link.expires_at <= datetime.now(UTC):
        return None
    account = session.get(Account, link.account_id)
    if account is None or account.disabled_at is not None:
        return None
    return link


def set_password_from_link(*, session: Session, secret: str, password: str) -> Account:
    """Use a link once to set the account's password."""
    link = usable_link(session, secret)
    if link is None:
        raise NotFoundError("this link has expired or been used; ask the S106 officer for a new one", field="secret")
    passwords.check_new_password(password)
    account = get_account(session=session, account_id=link.account_id)
    account.password_hash = passwords.hash_password(password)
    link.used_at = datetime.now(UTC)
    session.flush()
    return account


def set_password(*, session: Session, account: Account, password: str) -> Account:
    """Set a password directly (the command line and the demo accounts); other sessions end."""
    passwords.check_new_password(password)
    account.password_hash = passwords.hash_password(password)
    end_sessions(session, account.id)
    session.flush()
    return account
