"""Documents: checked on upload (type sniffed, size limited), stored by content hash, never deleted.

A document belongs to one record (agreement, contribution, project, drawdown request or spend), or to
an authority itself (its request-pack template), and is readable by whoever may read that record. A
replacement supersedes it; the old version stays readable.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import Session, aliased

from app import scoping
from app.auth.service import Principal
from app.config import get_settings
from app.documents.sniffing import ACCEPTED, KIND_NAMES, OFFICE_OPEN_XML, sniff
from app.documents.storage import DocumentStore
from app.drawdowns.templating import check as check_template
from app.errors import ConflictError, DomainError, NotFoundError, RuleError
from app.limits import megabytes
from app.models import Document, DocumentKind, DocumentOwner

DOCX = OFFICE_OPEN_XML["word/"]


def current(session: Session, documents: Iterable[Document]) -> list[Document]:
    """Those of the documents no other document supersedes."""
    listed = list(documents)
    replaced = superseded_by(session, (document.id for document in listed))
    return [document for document in listed if document.id not in replaced]


class DocumentTooLargeError(DomainError):
    """An upload over the size limit."""

    status = 413
    title = "Document too large"


class UnsupportedDocumentError(DomainError):
    """An upload whose content is not an accepted kind of file, whatever its name says."""

    status = 415
    title = "Unsupported kind of file"


@dataclass(frozen=True)
class Upload:
    """What was uploaded and what it is for."""

    owner_type: DocumentOwner
    owner_id: int | str
    """The record's id; an authority's slug for an authority's own document."""
    kind: DocumentKind
    filename: str
    content: bytes
    title: str | None = None
    document_url: str | None = None
    supersedes_id: int | None = None
    note: str | None = None


def _owner_statement(owner_type: DocumentOwner, scope: str | None) -> Select:
    statements = {
        DocumentOwner.agreement: scoping.readable_agreements,
        DocumentOwner.contribution: scoping.readable_contributions,
        DocumentOwner.project: scoping.readable_projects,
        DocumentOwner.drawdown: scoping.readable_drawdowns,
        DocumentOwner.spend: scoping.readable_spend,
        DocumentOwner.local_authority: scoping.readable_local_authorities,
    }
    return statements[owner_type](scope)


def check_owner(*, session: Session, owner_type: DocumentOwner, owner_id: int | str, scope: str | None) -> None:
    """The record exists and the caller may read it; otherwise 404, as an unknown id."""
    statement = _owner_statement(owner_type, scope)
    entity = statement.column_descriptions[0]["entity"]
    # An authority's id is its slug: a number names none (PostgreSQL will not compare text with a number).
    key = str(owner_id) if owner_type is DocumentOwner.local_authority else owner_id
    if session.scalar(statement.where(entity.id == key)) is None:
        raise NotFoundError(f"no {owner_type.value} {owner_id}", field="owner_id")


def owned_by(owner_type: DocumentOwner, owner_id: int | str) -> ColumnElement[bool]:
    """Documents of one record (an authority's by its slug)."""
    if owner_type is DocumentOwner.local_authority:
        return (Document.owner_type == owner_type) & (Document.local_authority_id == str(owner_id))
    return (Document.owner_type == owner_type) & (Document.owner_id == owner_id)


def _check_kind(data: Upload, media_type: str) -> None:
    """A pack template belongs to an authority, is a Word document and renders against a sample request."""
    if (data.kind is DocumentKind.pack_template) != (data.owner_type is DocumentOwner.local_authority):
        raise RuleError(
            "a pack_template belongs to a local authority, and an authority's own documents are its pack templates",
            field="kind",
        )
    if data.kind is DocumentKind.pack_template:
        if media_type != DOCX:
            raise RuleError(
                f"a pack template is a Word document (DOCX); this file is {KIND_NAMES.get(media_type, media_type)}",
                field="file",
            )
        check_template(data.content)


def _clean_filename(filename: str) -> str:
    """The last part of the name the browser sent, without control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    return name[:300] or "document"


def upload(*, session: Session, store: DocumentStore, principal: Principal, data: Upload) -> Document:
    """Check and keep an uploaded file against its owner; a replacement names the version it supersedes."""
    check_owner(session=session, owner_type=data.owner_type, owner_id=data.owner_id, scope=principal.scope)
    if data.document_url is not None and urlsplit(data.document_url).scheme.lower() not in ("http", "https"):
        raise RuleError(
            f"document_url {data.document_url[:100]!r} is not a web address: it starts with http:// or https://",
            field="document_url",
        )
    limit = get_settings().max_document_bytes
    if not data.content:
        raise RuleError("the file is empty", field="file")
    if len(data.content) > limit:
        raise DocumentTooLargeError(
            f"the file is {megabytes(len(data.content))} ({len(data.content):,} bytes); documents may be at most "
            f"{megabytes(limit)}",
            field="file",
        )
    media_type = sniff(data.content)
    if media_type is None:
        accepted = f"one of the accepted kinds ({ACCEPTED})"
        if data.kind is DocumentKind.pack_template:
            accepted = "a Word document (DOCX)"
        raise UnsupportedDocumentError(
            f"{data.filename or 'the file'} is not {accepted}, whatever its name says", field="file"
        )
    _check_kind(data, media_type)
    by_authority = data.owner_type is DocumentOwner.local_authority
    if data.supersedes_id is not None:
        try:
            older = get_document(session=session, document_id=data.supersedes_id, scope=principal.scope, lock=True)
        except NotFoundError as unknown:
            raise NotFoundError(f"no document {data.supersedes_id} to supersede", field="supersedes_id") from unknown
        owner = older.local_authority_id if by_authority else older.owner_id
        if (older.owner_type, owner) != (data.owner_type, data.owner_id):
            raise RuleError(
                f"document {older.id} belongs to {older.owner_type.value} {older.owner_id}; "
                "a replacement belongs to the same record",
                field="supersedes_id",
            )
        newer = superseded_by(session, [older.id]).get(older.id)
        if newer is not None:
            raise ConflictError(
                f"document {older.id} was already superseded by document {newer}; supersede that one",
                field="supersedes_id",
            )
    filename = _clean_filename(data.filename)
    document = Document(
        owner_type=data.owner_type,
        owner_id=None if by_authority else int(data.owner_id),
        local_authority_id=str(data.owner_id) if by_authority else None,
        kind=data.kind,
        title=(data.title or filename)[:300],
        filename=filename,
        media_type=media_type,
        size_bytes=len(data.content),
        sha256=store.put(data.content),
        document_url=data.document_url,
        supersedes_id=data.supersedes_id,
        note=data.note,
        uploaded_by=principal.label,
    )
    session.add(document)
    session.flush()
    return document


def get_document(*, session: Session, document_id: int, scope: str | None, lock: bool = False) -> Document:
    """One document; one whose owner the caller may not read is as absent as an unknown id."""
    query = scoping.readable_documents(scope).where(Document.id == document_id)
    if lock:
        query = query.with_for_update()
    document = session.scalar(query)
    if document is None:
        raise NotFoundError(f"no document {document_id}", field="document_id")
    return document


def list_documents(
    *, session: Session, scope: str | None, owner_type: DocumentOwner, owner_id: int | str
) -> list[Document]:
    """A record's documents, every version, oldest first."""
    check_owner(session=session, owner_type=owner_type, owner_id=owner_id, scope=scope)
    query = scoping.readable_documents(scope).where(owned_by(owner_type, owner_id))
    return list(session.scalars(query.order_by(Document.id)))


def superseded_by(session: Session, document_ids: Iterable[int]) -> dict[int, int]:
    """Document id -> the id of the document that replaced it, for those replaced."""
    ids = list(document_ids)
    if not ids:
        return {}
    rows = session.execute(select(Document.supersedes_id, Document.id).where(Document.supersedes_id.in_(ids))).all()
    return {older: newer for older, newer in rows if older is not None}


def current_kinds(session: Session, owners: Iterable[tuple[DocumentOwner, int]]) -> set[DocumentKind]:
    """The kinds of the current (not superseded) documents attached to any of these records."""
    pairs = list(owners)
    if not pairs:
        return set()
    newer = aliased(Document)
    rows = session.scalars(
        select(Document.kind)
        .where(tuple_(Document.owner_type, Document.owner_id).in_(pairs))
        .where(~select(newer.id).where(newer.supersedes_id == Document.id).exists())
    )
    return set(rows)
