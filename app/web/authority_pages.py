"""An authority's side from pages: its confirmations of the balance it holds, and its request-pack template.

A planning officer confirms their own authority's balance; the officer records one from the authority's
letter (giving the letter's date) and uploads the authority's DOCX template for its packs.
"""

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Schema
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.auth.service import Principal
from app.confirmations import service as confirmations
from app.confirmations.reads import read_models as confirmation_models
from app.confirmations.schemas import ConfirmationCreate, ConfirmationRead
from app.db import SessionDep
from app.documents import service as documents
from app.documents.reads import read_models as document_models
from app.documents.schemas import DocumentRead
from app.documents.storage import get_store
from app.drawdowns.pack import upload_template
from app.drawdowns.templating import PLACEHOLDERS
from app.local_authorities.service import get_local_authority
from app.models import DocumentOwner, Role
from app.web.forms import Field, FormDataDep, FormInvalid, FormSpec, FormState, WriterDep, require_role
from app.web.pages import ViewerDep
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

SHOWN = 50
"""Confirmations listed on a page, latest first."""


def authority_path(local_authority_id: str) -> str:
    """An authority's page."""
    return f"/web/local-authorities/{local_authority_id}"


def confirmations_path(local_authority_id: str) -> str:
    """An authority's balance confirmations page."""
    return f"/web/local-authorities/{local_authority_id}/balance-confirmations"


def template_path(local_authority_id: str) -> str:
    """An authority's request-pack template page."""
    return f"/web/local-authorities/{local_authority_id}/pack-template"


def confirmation_form(principal: Principal) -> FormSpec:
    """The form to confirm a balance; the officer also gives the authority's letter."""
    fields = [
        Field("as_at", "Balance as at", "date", hint="For example, 31/03/2026"),
        Field("amount", "Balance held for the force", "money"),
        Field("note", "Note", "textarea", optional=True),
    ]
    if principal.role is Role.officer:
        fields += [
            Field(
                "letter_dated",
                "Date of the authority's letter",
                "date",
                optional=True,
                hint="You are recording the authority's confirmation for it; the as-at date if left empty",
            ),
            Field("letter_reference", "The letter's reference", optional=True, width=20),
        ]
    return FormSpec(
        title="Confirm the balance held",
        caption="Balance confirmations",
        button="Record the confirmation",
        fields=tuple(fields),
    )


def recent_confirmations(session: Session, principal: Principal, local_authority_id: str) -> list[ConfirmationRead]:
    """An authority's latest confirmations beside the ledger's figure, for its pages."""
    rows, _total = confirmations.list_confirmations(
        session=session, principal=principal, local_authority_id=local_authority_id, limit=SHOWN, offset=0
    )
    return confirmation_models(session, rows)


def templates_of(session: Session, principal: Principal, local_authority_id: str) -> list[DocumentRead]:
    """An authority's request-pack templates, every version, oldest first."""
    rows = documents.list_documents(
        session=session, scope=principal.scope, owner_type=DocumentOwner.local_authority, owner_id=local_authority_id
    )
    return document_models(session, rows)


def authority_side(session: Session, principal: Principal, local_authority_id: str) -> dict[str, object]:
    """What an authority's page shows of its side: its latest confirmations and the template in use."""
    templates = templates_of(session, principal, local_authority_id)
    in_use = next((item for item in reversed(templates) if item.superseded_by_id is None), None)
    return {
        "confirmations": recent_confirmations(session, principal, local_authority_id)[:5],
        "pack_template": in_use,
        "may_confirm": principal.role in (Role.officer, Role.planning),
        "may_upload_template": principal.role is Role.officer,
    }


@router.get("/web/local-authorities/{local_authority_id}/balance-confirmations", name="web_confirmations")
def confirmations_page(request: Request, local_authority_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The authority's confirmations beside the ledger's figure, and the form to record one."""
    require_role(viewer.principal, Role.officer, Role.planning, Role.finance)
    authority = get_local_authority(
        session=session, local_authority_id=local_authority_id, scope=viewer.principal.scope
    )
    context = {
        "authority": authority,
        "confirmations": recent_confirmations(session, viewer.principal, authority.id),
        "may_confirm": viewer.principal.role in (Role.officer, Role.planning),
    }
    return show_form(
        request,
        confirmation_form(viewer.principal),
        FormState(values={}),
        back=authority_path(authority.id),
        context=context,
        template="confirmations.html",
    )


@router.post("/web/local-authorities/{local_authority_id}/balance-confirmations", name="web_confirmation_create")
def record_confirmation(
    request: Request, local_authority_id: str, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record a confirmation, as POST /local-authorities/{id}/balance-confirmations does."""
    principal = viewer.principal
    require_role(principal, Role.officer, Role.planning)
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=principal.scope)

    def write(data: ConfirmationCreate) -> str:
        confirmation = confirmations.record_confirmation(
            session=session, principal=principal, local_authority_id=authority.id, data=data
        )
        audit_log(request, session, viewer).record("balance_confirmations", [confirmation.id], data)
        return confirmations_path(authority.id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=confirmation_form(principal),
        schema=ConfirmationCreate,
        write=write,
        back=authority_path(authority.id),
        context={
            "authority": authority,
            "confirmations": recent_confirmations(session, principal, authority.id),
            "may_confirm": True,
        },
        template="confirmations.html",
    )


class TemplateForm(BaseModel):
    """What the template upload form says besides the file."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str | None, Schema(max_length=5000)] = None


TEMPLATE_FORM = FormSpec(
    title="Upload the authority's request-pack template",
    caption="Request packs",
    button="Upload the template",
    intro="A Word (DOCX) file with the placeholders below. It is checked by filling it in for a sample request; "
    "it replaces the template in use, which is kept. The PDF pack keeps the service's own layout.",
    multipart=True,
    fields=(Field("file", "Template (DOCX)", "file"), Field("note", "Note", "textarea", optional=True)),
)


def _template_context(
    session: Session, principal: Principal, local_authority_id: str, uploaded: str | None = None
) -> dict[str, object]:
    templates = templates_of(session, principal, local_authority_id)
    return {
        "templates": templates,
        "in_use": next((item for item in reversed(templates) if item.superseded_by_id is None), None),
        "uploaded": next((item for item in templates if str(item.id) == uploaded), None),
        "placeholders": PLACEHOLDERS,
    }


@router.get("/web/local-authorities/{local_authority_id}/pack-template", name="web_pack_template")
def template_page(request: Request, local_authority_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The template in use for the authority's packs, its earlier versions, and the form to replace it."""
    require_role(viewer.principal, Role.officer)
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=None)
    # The upload redirects here naming what it stored, so the page can say it worked.
    uploaded = request.query_params.get("uploaded")
    context = {"authority": authority, **_template_context(session, viewer.principal, authority.id, uploaded)}
    return show_form(
        request,
        TEMPLATE_FORM,
        FormState(values={}),
        back=authority_path(authority.id),
        context=context,
        template="pack_template.html",
    )


@router.post("/web/local-authorities/{local_authority_id}/pack-template", name="web_pack_template_upload")
def upload_template_page(
    request: Request, local_authority_id: str, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Upload a template, as POST /local-authorities/{id}/pack-templates does."""
    principal = viewer.principal
    require_role(principal, Role.officer)
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=None)

    def write(data: TemplateForm) -> str:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormInvalid({"file": "Choose a file to upload"})
        document = upload_template(
            session=session,
            store=get_store(),
            principal=principal,
            local_authority_id=authority.id,
            filename=upload.filename,
            content=upload.file.read(),
            note=data.note,
        )
        audit_log(request, session, viewer).record(
            "documents",
            [document.id],
            {
                "owner_type": "local_authority",
                "local_authority_id": authority.id,
                "kind": document.kind.value,
                "filename": document.filename,
                "sha256": document.sha256,
                "supersedes_id": document.supersedes_id,
            },
        )
        return f"{template_path(authority.id)}?uploaded={document.id}"

    return submit(
        request,
        session,
        viewer,
        form,
        spec=TEMPLATE_FORM,
        schema=TemplateForm,
        write=write,
        back=authority_path(authority.id),
        context={"authority": authority, **_template_context(session, principal, authority.id)},
        template="pack_template.html",
    )
