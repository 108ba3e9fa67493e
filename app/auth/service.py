"""Bearer tokens: random, shown once, stored as a hash, revocable."""

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, RuleError
from app.models import ApiToken, LocalAuthority, Role

TOKEN_PREFIX = "s106_"


@dataclass(frozen=True)
class Principal:
    """The caller: who they are, their role, and the one authority a planning officer is bound to."""

    name: str
    role: Role
    local_authority_id: str | None = None
    token_id: int | None = None

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
    *, session: Session, name: str, role: Role, local_authority_id: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return the row and the secret, which is never stored."""
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
    )
    session.add(row)
    session.flush()
    return row, secret


def authenticate(*, session: Session, token: str) -> Principal | None:
    """The principal for a presented token, or None if it is unknown or revoked."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.role is Role.planning and row.local_authority_id is None:
        return None  # its scope would be None, which means every authority: fail closed
    return Principal(name=row.name, role=row.role, local_authority_id=row.local_authority_id, token_id=row.id)


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
