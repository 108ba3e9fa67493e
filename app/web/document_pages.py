"""Documents from a page: upload one to an agreement, contribution, project, drawdown request or spend.

The record's own page lists its documents (current and superseded) with download links to
GET /documents/{id}/content, which the page session may read; a document is scoped like its record.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Schema
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.auth.service import Principal
from app.db import SessionDep
from app.documents import service
from app.documents.reads import read_models
from app.documents.schemas import DocumentRead
from app.documents.storage import get_store
from app.ids import RowId
from app.models import DocumentKind, DocumentOwner, Role
from app.web.formatting import label
from app.web.forms import Field, FormDataDep, FormInvalid, FormSpec, FormState, WriterDep, require_role
from app.web.pages import ViewerDep
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

OWNER_PAGES = {
    DocumentOwner.agreement: "/web/agreements/{}",
    DocumentOwner.contribution: "/web/contributions/{}",
    DocumentOwner.project: "/web/projects/{}",
    DocumentOwner.drawdown: "/web/drawdowns/{}",
    DocumentOwner.spend: "/web/spend/{}",
}


def owner_path(owner_type: DocumentOwner, owner_id: int) -> str:
    """The page of the record a document belongs to."""
    return OWNER_PAGES[owner_type].format(owner_id)


def document_listing(
    session: Session, principal: Principal, owner_type: DocumentOwner, owner_id: int
) -> dict[str, object]:
    """A record's documents for its page, every version, and where to upload another."""
    documents = service.list_documents(session=session, scope=principal.scope, owner_type=owner_type, owner_id=owner_id)
    return {
        "documents": read_models(session, documents),
        "documents_upload": f"/web/documents/new?owner_type={owner_type.value}&owner_id={owner_id}",
    }


class DocumentForm(BaseModel):
    """What the upload form says of the file, as POST /documents takes it."""

    model_config = ConfigDict(extra="forbid")

    owner_type: DocumentOwner
    owner_id: RowId
    kind: DocumentKind
    title: Annotated[str | None, Schema(max_length=300)] = None
    document_url: Annotated[str | None, Schema(max_length=1000)] = None
    supersedes_id: RowId | None = None
    note: Annotated[str | None, Schema(max_length=5000)] = None


def _label(document: DocumentRead) -> str:
    return f"#{document.id} {document.title} ({document.kind.value.replace('_', ' ')})"


def document_form(current: list[DocumentRead]) -> FormSpec:
    """The upload form; a replacement names the current version it supersedes."""
    return FormSpec(
        title="Upload a document",
        caption="Documents",
        button="Upload it",
        intro="PDF, images or Office files. A document is never deleted: upload a new version to replace one.",
        multipart=True,
        fields=(
            Field("owner_type", "Owner", "hidden"),
            Field("owner_id", "Owner id", "hidden"),
            Field("kind", "Kind of document", "select", options=[(kind.value, label(kind)) for kind in DocumentKind]),
            Field("file", "File", "file"),
            Field("title", "Title", optional=True, hint="The file's name if left empty"),
            Field("document_url", "Where the council publishes it", optional=True, hint="A web address, if any"),
            Field(
                "supersedes_id",
                "Replaces",
                "select",
                optional=True,
                options=[(str(document.id), _label(document)) for document in current],
            ),
            Field("note", "Note", "textarea", optional=True),
        ),
    )


def _current(session: Session, principal: Principal, owner_type: DocumentOwner, owner_id: int) -> list[DocumentRead]:
    documents = service.list_documents(session=session, scope=principal.scope, owner_type=owner_type, owner_id=owner_id)
    return [document for document in read_models(session, documents) if document.superseded_by_id is None]


@router.get("/web/documents/new", name="web_document_new")
def new_document_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    owner_type: Annotated[DocumentOwner, Query()],
    owner_id: Annotated[RowId, Query()],
) -> Response:
    """The form to attach a document to a record."""
    require_role(viewer.principal, Role.officer)
    current = _current(session, viewer.principal, owner_type, owner_id)
    state = FormState(values={"owner_type": owner_type.value, "owner_id": str(owner_id)})
    return show_form(request, document_form(current), state, back=owner_path(owner_type, owner_id))


@router.post("/web/documents/new", name="web_document_create")
def create_document(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Upload a document, as POST /documents does, and return to its record's page."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    try:
        owner_type = DocumentOwner(str(form.get("owner_type") or ""))
        owner_id = int(str(form.get("owner_id") or ""))
    except ValueError:
        owner_type, owner_id = DocumentOwner.agreement, 0
    back = owner_path(owner_type, owner_id)
    current = _current(session, principal, owner_type, owner_id)

    def write(data: DocumentForm) -> str:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormInvalid({"file": "Choose a file to upload"})
        document = service.upload(
            session=session,
            store=get_store(),
            principal=principal,
            data=service.Upload(
                owner_type=data.owner_type,
                owner_id=data.owner_id,
                kind=data.kind,
                filename=upload.filename,
                content=upload.file.read(),
                title=data.title,
                document_url=data.document_url,
                supersedes_id=data.supersedes_id,
                note=data.note,
            ),
        )
        audit_log(request, session, viewer).record(
            "documents",
            [document.id],
            {
                "owner_type": data.owner_type.value,
                "owner_id": data.owner_id,
                "kind": data.kind.value,
                "filename": document.filename,
                "sha256": document.sha256,
                "supersedes_id": data.supersedes_id,
            },
        )
        return owner_path(data.owner_type, data.owner_id)

    return submit(
        request, session, viewer, form, spec=document_form(current), schema=DocumentForm, write=write, back=back
    )
