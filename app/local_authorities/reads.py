"""What the local authority routes return."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, String, bindparam, select

from app import scoping
from app.errors import NotFoundError
from app.local_authorities.schemas import LocalAuthorityRead
from app.models import LocalAuthority


@lru_cache
def _by_id_statement(scoped: bool) -> Select[*tuple[Any, ...]]:
    """Built once: an authority's columns by its id, within the caller's scope when it has one."""
    scope = bindparam("scope", type_=String()) if scoped else None
    return select(*LocalAuthority.__table__.columns).where(
        LocalAuthority.id == bindparam("local_authority_id", type_=String()),
        scoping.authority_keyed(LocalAuthority.id, scope),
    )


def read_one(*, connection: Connection, local_authority_id: str, scope: str | None) -> LocalAuthorityRead:
    """One authority as the routes return it; another authority than the caller's scope is as absent as none."""
    parameters = {"local_authority_id": local_authority_id, **({"scope": scope} if scope is not None else {})}
    # Through the connection: a statement of columns needs none of the ORM's loading.
    row = connection.execute(_by_id_statement(scope is not None), parameters).first()
    if row is None:
        raise NotFoundError(f"no local authority {local_authority_id!r}", field="local_authority_id")
    return LocalAuthorityRead.model_validate(row._mapping)
