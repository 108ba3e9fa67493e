"""Local authorities: who holds the money, and how they release it."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.errors import ConflictError, NotFoundError
from app.local_authorities.schemas import LocalAuthorityCreate, LocalAuthorityUpdate
from app.models import LocalAuthority


def get_local_authority(*, session: Session, local_authority_id: str, scope: str | None) -> LocalAuthority:
    """One authority; another authority than the caller's scope is as absent as an unknown id."""
    authority = session.scalar(scoping.readable_local_authorities(scope).where(LocalAuthority.id == local_authority_id))
    if authority is None:
        raise NotFoundError(f"no local authority {local_authority_id!r}", field="local_authority_id")
    return authority


def list_local_authorities(
    *, session: Session, scope: str | None, limit: int, offset: int
) -> tuple[list[LocalAuthority], int]:
    """Authorities the caller may see, by name."""
    query = scoping.readable_local_authorities(scope)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(LocalAuthority.name).limit(limit).offset(offset))
    return list(rows), total


def create_local_authority(*, session: Session, data: LocalAuthorityCreate) -> LocalAuthority:
    """Add an authority; its slug must be new."""
    if session.get(LocalAuthority, data.id) is not None:
        raise ConflictError(f"a local authority {data.id!r} already exists", field="id")
    authority = LocalAuthority(**data.model_dump(mode="json"))
    session.add(authority)
    session.flush()
    return authority


def update_local_authority(*, session: Session, local_authority_id: str, data: LocalAuthorityUpdate) -> LocalAuthority:
    """Change an authority's description or release rules."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=None)
    for name, value in data.model_dump(exclude_unset=True).items():
        if name in ("name", "regime", "release_evidence", "evidence_kinds", "own_template") and value is None:
            continue
        setattr(authority, name, [str(kind) for kind in value] if name == "evidence_kinds" else value)
    session.flush()
    return authority
