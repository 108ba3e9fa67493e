"""HTTP routes for local authorities."""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.db import SessionDep
from app.local_authorities import service
from app.local_authorities.schemas import (
    LocalAuthorityCreate,
    LocalAuthorityRead,
    LocalAuthorityUpdate,
)
from app.pagination import Page, PageDep

router = APIRouter(prefix="/local-authorities", tags=["local authorities"])


@router.get("", response_model=Page[LocalAuthorityRead])
def list_local_authorities(session: SessionDep, principal: Reader, page: PageDep) -> Page[LocalAuthorityRead]:
    """List the local authorities the caller may see."""
    rows, total = service.list_local_authorities(
        session=session, scope=principal.scope, limit=page.limit, offset=page.offset
    )
    items = [LocalAuthorityRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "",
    response_model=LocalAuthorityRead,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, 422: {}},
)
def create_local_authority(
    data: LocalAuthorityCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> LocalAuthorityRead:
    """Add a local planning authority."""
    authority = service.create_local_authority(session=session, data=data)
    audit.record("local_authorities", [authority.id], data)
    return LocalAuthorityRead.model_validate(authority)


@router.get("/{local_authority_id}", response_model=LocalAuthorityRead, responses={404: {}})
def get_local_authority(local_authority_id: str, session: SessionDep, principal: Reader) -> LocalAuthorityRead:
    """One local authority, with its release basis and evidence."""
    authority = service.get_local_authority(
        session=session, local_authority_id=local_authority_id, scope=principal.scope
    )
    return LocalAuthorityRead.model_validate(authority)


@router.patch("/{local_authority_id}", response_model=LocalAuthorityRead, responses={404: {}, 422: {}})
def update_local_authority(
    local_authority_id: str,
    data: LocalAuthorityUpdate,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> LocalAuthorityRead:
    """Change an authority's description or release rules."""
    authority = service.update_local_authority(session=session, local_authority_id=local_authority_id, data=data)
    audit.record("local_authorities", [authority.id], data)
    return LocalAuthorityRead.model_validate(authority)
