"""HTTP routes for documents.

Roles: the officer uploads; every role reads what its scope allows (a planning officer, only documents
of their own authority's records; others' answer 404). Content is always a download, never shown inline.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.db import SessionDep
from app.documents import service
from app.documents.reads import read_models, read_one
from app.documents.schemas import DocumentRead
from app.documents.storage import DocumentStore, get_store
from app.ids import RowId
from app.models import DocumentKind, DocumentOwner

router = APIRouter(prefix="/documents", tags=["documents"])

StoreDep = Annotated[DocumentStore, Depends(get_store)]


@router.post(
    "",
    response_model=DocumentRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 413: {}, 415: {}, 422: {}},
)
def upload_document(
    file: Annotated[UploadFile, File(description="PDF, image or Office file; its type is read from its content")],
    owner_type: Annotated[DocumentOwner, Form()],
    owner_id: Annotated[RowId, Form()],
    kind: Annotated[DocumentKind, Form()],
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
    store: StoreDep,
    title: Annotated[str | None, Form(max_length=300)] = None,
    document_url: Annotated[str | None, Form(max_length=1000)] = None,
    supersedes_id: Annotated[RowId | None, Form()] = None,
    note: Annotated[str | None, Form(max_length=5000)] = None,
) -> DocumentRead:
    """Attach a document to an agreement, contribution, project, drawdown request or spend."""
    data = service.Upload(
        owner_type=owner_type,
        owner_id=owner_id,
        kind=kind,
        filename=file.filename or "document",
        content=file.file.read(),
        title=title or None,
        document_url=document_url or None,
        supersedes_id=supersedes_id,
        note=note or None,
    )
    document = service.upload(session=session, store=store, principal=principal, data=data)
    audit.record(
        "documents",
        [document.id],
        {
            "owner_type": owner_type.value,
            "owner_id": owner_id,
            "kind": kind.value,
            "filename": document.filename,
            "sha256": document.sha256,
            "supersedes_id": supersedes_id,
        },
    )
    return read_one(session, document)


@router.get("", response_model=list[DocumentRead], responses={404: {}})
def list_documents(
    owner_type: DocumentOwner, owner_id: RowId, session: SessionDep, principal: Reader
) -> list[DocumentRead]:
    """A record's documents, every version, oldest first."""
    rows = service.list_documents(session=session, scope=principal.scope, owner_type=owner_type, owner_id=owner_id)
    return read_models(session, rows)


@router.get("/{document_id}", response_model=DocumentRead, responses={404: {}})
def get_document(document_id: RowId, session: SessionDep, principal: Reader) -> DocumentRead:
    """One document's description."""
    return read_one(session, service.get_document(session=session, document_id=document_id, scope=principal.scope))


@router.get(
    "/{document_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {}},
)
def download_document(document_id: RowId, session: SessionDep, principal: Reader, store: StoreDep) -> Response:
    """The document's content, as a download."""
    document = service.get_document(session=session, document_id=document_id, scope=principal.scope)
    return Response(
        store.get(document.sha256),
        media_type=document.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
