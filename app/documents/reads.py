"""What the documents API and the pages show of documents."""

from sqlalchemy.orm import Session

from app.documents.schemas import DocumentRead
from app.documents.service import superseded_by
from app.models import Document


def read_models(session: Session, documents: list[Document]) -> list[DocumentRead]:
    """Documents with the version that replaced each, if any."""
    newer = superseded_by(session, (document.id for document in documents))
    return [
        DocumentRead(
            id=document.id,
            owner_type=document.owner_type,
            owner_id=document.owner_id,
            local_authority_id=document.local_authority_id,
            kind=document.kind,
            title=document.title,
            filename=document.filename,
            media_type=document.media_type,
            size_bytes=document.size_bytes,
            sha256=document.sha256,
            document_url=document.document_url,
            supersedes_id=document.supersedes_id,
            superseded_by_id=newer.get(document.id),
            note=document.note,
            uploaded_at=document.uploaded_at,
            uploaded_by=document.uploaded_by,
            content_url=f"/documents/{document.id}/content",
        )
        for document in documents
    ]


def read_one(session: Session, document: Document) -> DocumentRead:
    """One document."""
    return read_models(session, [document])[0]
