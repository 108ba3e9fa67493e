"""HTTP routes for local authorities, and each authority's request-pack template.

Roles: the officer adds and changes authorities and uploads their templates; every role reads what
its scope allows (a planning officer, their own authority only).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OneStatementReader, Reader
from app.db import SessionDep, read_one_statement
from app.documents import service as documents
from app.documents.reads import read_models, read_one
from app.documents.schemas import DocumentRead
from app.documents.storage import DocumentStore, get_store
from app.drawdowns.pack import upload_template
from app.local_authorities import reads, service
from app.local_authorities.schemas import (
    LocalAuthorityCreate,
    LocalAuthorityRead,
    LocalAuthorityUpdate,
)
from app.models import DocumentOwner
from app.pagination import Page, PageDep
from app.responses import model_answer

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
async def get_local_authority(local_authority_id: str, request: Request, principal: OneStatementReader) -> Response:
    """One local authority, with its release basis and evidence."""
    authority = await read_one_statement(
        request.app, reads.read_one, local_authority_id=local_authority_id, scope=principal.scope
    )
    return model_answer(authority)


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


StoreDep = Annotated[DocumentStore, Depends(get_store)]


@router.post(
    "/{local_authority_id}/pack-templates",
    response_model=DocumentRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 413: {}, 415: {}, 422: {}},
)
def upload_pack_template(
    local_authority_id: str,
    file: Annotated[
        UploadFile, File(description="a Word (DOCX) template with the placeholders of docs/request-packs.md")
    ],
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
    store: StoreDep,
    note: Annotated[str | None, Form(max_length=5000)] = None,
) -> DocumentRead:
    """Use a new DOCX template for the authority's request packs; it supersedes the one in use."""
    document = upload_template(
        session=session,
        store=store,
        principal=principal,
        local_authority_id=local_authority_id,
        filename=file.filename or "template.docx",
        content=file.file.read(),
        note=note or None,
    )
    audit.record(
        "documents",
        [document.id],
        {
            "owner_type": "local_authority",
            "local_authority_id": local_authority_id,
            "kind": document.kind.value,
            "filename": document.filename,
            "sha256": document.sha256,
            "supersedes_id": document.supersedes_id,
        },
    )
    return read_one(session, document)


@router.get("/{local_authority_id}/pack-templates", response_model=list[DocumentRead], responses={404: {}})
def list_pack_templates(local_authority_id: str, session: SessionDep, principal: Reader) -> list[DocumentRead]:
    """The authority's templates, every version, oldest first; the one not superseded is in use."""
    rows = documents.list_documents(
        session=session, scope=principal.scope, owner_type=DocumentOwner.local_authority, owner_id=local_authority_id
    )
    return read_models(session, rows)
