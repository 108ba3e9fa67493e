"""Bearer tokens: random, shown once, stored as a hash, revocable."""

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import token_cache
from app.errors import NotFoundError, RuleError
from app.models import Account, ApiToken, LocalAuthority, Role

TOKEN_PREFIX = "s106_"


@dataclass(frozen=True)
class Principal:
    """The caller: who they are, their role, and the one authority a planning officer is bound to."""

    name: str
    role: Role
    local_authority_id: str | None = None
    token_id: int | None = None
    account_id: int | None = None

    @property
    def scope(self) -> str | None:
        """The only authority this caller may see, or None for all."""
        return self.local_authority_id if self.role is Role.planning else None

    @property
    def label(self) -> str:
        """How the caller is written in recorded_by columns and the audit trail."""
        return f"{self.name} ({self.role.value})"


SYSTEM = Principal(name="system", role=Role.officer)


def command_line_principal() -> Principal:
    """Whoever runs an `s106` command, as recorded_by columns and the audit trail name them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry, as in some containers
        user = "unknown user"
    return Principal(name=f"command line ({user})", role=Role.officer)


def hash_token(token: str) -> str:
    """SHA-256 of a token; tokens are long and random, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *,
    session: Session,
    name: str,
    role: Role,
    local_authority_id: str | None = None,
    account: Account | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return the row and the secret, which is never stored; an account's token acts as it."""
    if not name.strip():
        raise RuleError("a token needs a name saying who holds it", field="name")
    if role is Role.planning:
        if not local_authority_id:
            raise RuleError("a planning token must name its local authority", field="local_authority")
        if session.get(LocalAuthority, local_authority_id) is None:
            raise NotFoundError(f"no local authority {local_authority_id!r}", field="local_authority")
    elif local_authority_id:
        raise RuleError("only a planning token is bound to a local authority", field="local_authority")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name.strip(),
        role=role,
        local_authority_id=local_authority_id,
        token_hash=hash_token(secret),
        account_id=account.id if account else None,
    )
    session.add(row)
    session.flush()
    return row, secret


def authenticate(*, session: Session, token: str) -> Principal | None:
    """The principal for a presented token, or None if it is unknown or revoked (app.auth.token_cache: the delay)."""
    token_hash = hash_token(token)
    principal = token_cache.tokens.recall(token_hash)
    if principal is not None:
        return principal
    generation = token_cache.tokens.generation
    principal = look_up(session=session, token_hash=token_hash)
    if principal is not None:
        token_cache.tokens.remember(token_hash, principal, generation)
    return principal


def remembered(token: str) -> Principal | None:
    """The principal the cache holds for a token, without touching the database."""
    return token_cache.tokens.recall(hash_token(token))


def look_up(*, session: Session, token_hash: str) -> Principal | None:
    """The principal for a token's hash as the database says now."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if row is None or row.revoked_at is not None:
        return None
    if row.account_id is not None:
        account = session.get(Account, row.account_id)
        if account is None or account.disabled_at is not None:
            return None
        # The account's role and authority, as they are now, not as they were when the token was made.
        return account_principal(account, token_id=row.id)
    if row.role is Role.planning and row.local_authority_id is None:
        return None  # its scope would be None, which means every authority: fail closed
    return Principal(name=row.name, role=row.role, local_authority_id=row.local_authority_id, token_id=row.id)


def account_principal(account: Account, *, token_id: int | None = None) -> Principal:
    """The caller an account is, signed in on a page or through one of its tokens."""
    return Principal(
        name=account.name,
        role=account.role,
        local_authority_id=account.local_authority_id,
        token_id=token_id,
        account_id=account.id,
    )


def list_account_tokens(*, session: Session, account_id: int) -> list[ApiToken]:
    """An account's own tokens, newest first."""
    query = select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, newest last."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(*, session: Session, token_id: int) -> ApiToken:
    """Revoke a token; revoking twice is harmless."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"no token {token_id}", field="token_id")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
    return row
