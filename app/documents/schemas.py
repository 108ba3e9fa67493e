"""Response shapes for documents (uploads arrive as a multipart form, parsed by the router)."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.ids import RowId
from app.models import DocumentKind, DocumentOwner


class DocumentRead(BaseModel):
    """A document's description; its content is at `content_url`, always as a download."""

    id: int
    owner_type: DocumentOwner
    owner_id: RowId | None = Field(description="the owning record's id; empty for an authority's own document")
    local_authority_id: str | None = Field(description="the owning authority, for its own documents (pack templates)")
    kind: DocumentKind
    title: str
    filename: str
    media_type: str = Field(description="sniffed from the content, not taken from the upload")
    size_bytes: int
    sha256: str
    document_url: str | None = Field(description="where the council publishes it, if it does")
    supersedes_id: int | None
    superseded_by_id: int | None = Field(description="the newer version, if one replaced it")
    note: str | None
    uploaded_at: datetime
    uploaded_by: str
    content_url: str
