"""Site progress pages: a site's counts, history and proposed triggers with the form to record counts, the
upload of an authority's monitoring file, and the officer's confirmation of a proposed trigger."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from app.auth.service import Principal
from app.db import SessionDep
from app.errors import DomainError
from app.ids import RowId
from app.instalments.schemas import DueCreate
from app.local_authorities.service import get_local_authority, list_local_authorities
from app.models import Role
from app.sites import service
from app.sites.reads import read_import, read_site, read_watch_list
from app.sites.schemas import ProgressCreate, SiteRead
from app.web import downloads
from app.web.downloads import FormatQuery
from app.web.forms import Field, FormDataDep, FormInvalid, FormSpec, FormState, WriterDep, may_write, require_role
from app.web.listing import download
from app.web.pages import ViewerDep, render
from app.web.submitting import FormRoute, audit_log, show_form, submit
from app.web.upload_pages import uploaded_text

router = APIRouter(route_class=FormRoute, include_in_schema=False)

SITE_TEMPLATE = "site.html"
RECORDERS = (Role.officer, Role.planning)

PROGRESS_FORM = FormSpec(
    title="Record progress",
    button="Record the counts",
    intro="Dwellings to date, as the council's monitoring or the developer's notice gives them; leave blank what "
    "it does not say. A correction is recorded as a new record; the earlier one is kept.",
    fields=(
        Field("on", "Counts as at", "date", hint="For example, 31/03/2024"),
        Field("started", "Dwellings started", "number", optional=True, width=5),
        Field("completed", "Dwellings completed", "number", optional=True, width=5),
        Field("occupied", "Dwellings occupied", "number", optional=True, width=5),
        Field("note", "Note", "textarea", optional=True),
    ),
)
CONFIRM_FIELDS = (Field("on", "Fell due on", "date", optional=True, hint="Leave blank for the proposed date"),)


def site_path(agreement_id: int) -> str:
    """A site's progress page."""
    return f"/web/agreements/{agreement_id}/progress"


def site_context(site: SiteRead, principal: Principal) -> dict[str, Any]:
    """What the site page shows beside its form: the site, and the confirm buttons for the officer."""
    return {
        "site": site,
        "confirm_fields": CONFIRM_FIELDS,
        "confirm_state": FormState(),
        "may_confirm": may_write(principal),
    }


@router.get("/web/agreements/{agreement_id}/progress", name="web_site")
def site_page(request: Request, agreement_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A site's counts, build rate, history and proposed triggers; the form to record counts for those who may."""
    site = read_site(session, viewer.principal, agreement_id)
    context = site_context(site, viewer.principal)
    if viewer.principal.role not in RECORDERS:
        return render(request, SITE_TEMPLATE, {**context, "form": None})
    return show_form(
        request, PROGRESS_FORM, back=f"/web/agreements/{agreement_id}", context=context, template=SITE_TEMPLATE
    )


@router.post("/web/agreements/{agreement_id}/progress", name="web_site_record")
def record_progress(
    request: Request, agreement_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record a site's counts, as POST /agreements/{id}/progress does."""
    require_role(viewer.principal, *RECORDERS)
    site = read_site(session, viewer.principal, agreement_id)

    def write(data: ProgressCreate) -> str:
        record = service.record_progress(
            session=session, principal=viewer.principal, agreement_id=agreement_id, data=data, source="page"
        )
        audit_log(request, session, viewer).record("site_progress", [record.id, agreement_id], data)
        return site_path(agreement_id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=PROGRESS_FORM,
        schema=ProgressCreate,
        write=write,
        back=f"/web/agreements/{agreement_id}",
        context=site_context(site, viewer.principal),
        template=SITE_TEMPLATE,
    )


@router.post("/web/instalments/{instalment_id}/due", name="web_instalment_due")
def confirm_instalment(
    request: Request, instalment_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Confirm an instalment fell due (its proposed date, or the date typed), as POST /instalments/{id}/due does."""
    require_role(viewer.principal, Role.officer)
    instalment = service.instalment_of(session=session, instalment_id=instalment_id)
    contribution = service.contribution_of(session=session, contribution_id=instalment.contribution_id)
    back = site_path(contribution.agreement_id)
    spec = FormSpec(title="Confirm the instalment fell due", button="Confirm", fields=CONFIRM_FIELDS)

    def write(data: DueCreate) -> str:
        confirmed = service.confirm_instalment(
            session=session, principal=viewer.principal, instalment_id=instalment_id, on=data.on, note=data.note
        )
        ids = [confirmed.due.id] + ([confirmed.event.id] if confirmed.event is not None else [])
        audit_log(request, session, viewer).record("instalment_due", ids, data)
        return back

    return submit(request, session, viewer, form, spec=spec, schema=DueCreate, write=write, back=back)


class UploadForm(BaseModel):
    """An upload form has no fields but its file."""

    model_config = ConfigDict(extra="forbid")


UPLOAD_FORM = FormSpec(
    title="Upload housing monitoring",
    caption="Site progress",
    button="Record the file",
    intro="A CSV with a row per site and date: the planning application (or agreement reference), the date, and "
    "the dwellings started, completed and occupied to date under their usual column names (Units started, "
    "Completions to date, Occupied...). A row already held with the same counts is left as it is; a file with "
    "any row that cannot be read or matched records nothing.",
    multipart=True,
    fields=(Field("file", "Monitoring file (CSV)", "file"),),
)


def upload_path(local_authority_id: str) -> str:
    """An authority's upload page."""
    return f"/web/local-authorities/{local_authority_id}/site-progress"


@router.get("/web/local-authorities/{local_authority_id}/site-progress", name="web_site_upload")
def upload_page(
    request: Request,
    local_authority_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    recorded: int | None = None,
    unchanged: int | None = None,
) -> Response:
    """The form to upload an authority's monitoring file (the officer, and that authority's planning officer)."""
    require_role(viewer.principal, *RECORDERS)
    authority = get_local_authority(
        session=session, local_authority_id=local_authority_id, scope=viewer.principal.scope
    )
    context = {"authority": authority, "recorded": recorded, "unchanged": unchanged}
    return show_form(request, UPLOAD_FORM, back="/web/agreements", context=context, template="site_upload.html")


@router.post("/web/local-authorities/{local_authority_id}/site-progress", name="web_site_upload_record")
def upload(
    request: Request, local_authority_id: str, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Record an uploaded monitoring file, as POST /local-authorities/{id}/site-progress does."""
    require_role(viewer.principal, *RECORDERS)
    authority = get_local_authority(
        session=session, local_authority_id=local_authority_id, scope=viewer.principal.scope
    )

    def write(data: UploadForm) -> str:
        upload = form.get("file")
        text = uploaded_text(form, "file")
        try:
            result = service.import_progress(
                session=session,
                principal=viewer.principal,
                local_authority_id=authority.id,
                text=text,
                source=getattr(upload, "filename", None) or "upload",
            )
        except DomainError as error:
            raise FormInvalid({"file": error.detail}) from error
        report = read_import(result)
        audit_log(request, session, viewer).record(
            "site_progress", [authority.id], {"recorded": report.recorded, "unchanged": report.unchanged}
        )
        return f"{upload_path(authority.id)}?recorded={report.recorded}&unchanged={report.unchanged}"

    return submit(
        request,
        session,
        viewer,
        form,
        spec=UPLOAD_FORM,
        schema=UploadForm,
        write=write,
        back="/web/agreements",
        context={"authority": authority, "recorded": None, "unchanged": None},
        template="site_upload.html",
    )


@router.get("/web/instalment-watch", name="web_instalment_watch")
def watch_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    dwellings: Annotated[int, Query(ge=0, le=100_000)] = 10,
    days: Annotated[int, Query(ge=0, le=3650)] = 90,
    overdue_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    file_format: FormatQuery = "html",
) -> Response:
    """Instalments near their trigger and instalments due but unpaid, as GET /instalment-watch gives them."""
    watched = read_watch_list(session, viewer.principal, dwellings=dwellings, days=days, overdue_days=overdue_days)
    authorities, _total = list_local_authorities(session=session, scope=viewer.principal.scope, limit=1000, offset=0)
    names = {authority.id: authority.name for authority in authorities}
    listing = downloads.instalment_watch("Instalment watch list", watched.items, names)
    if file_format != "html":
        return download(listing, f"instalment-watch-{watched.as_at.isoformat()}", file_format)
    query = urlencode({"dwellings": dwellings, "days": days, "overdue_days": overdue_days})
    return render(request, "instalment_watch.html", {"watch": watched, "listing": listing, "query_string": query})
