"""Repurposing with consent, index series uploads, imports (dry run on screen, then confirm) and reconciliation."""

import base64
import binascii
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Schema
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from app import idempotency
from app.dates import AsAtDay
from app.db import SessionDep
from app.errors import DomainError
from app.ids import RowId
from app.indexation import service as indexation
from app.indexation.schemas import SeriesName
from app.models import Purpose, Role
from app.movements.service import get_contribution
from app.projects.service import list_projects
from app.reports.reconcile import Verdict
from app.reports.service import reconcile_csv
from app.repurposing import service as repurposing
from app.repurposing.schemas import RepurposingCreate
from app.standard.importer import ImportOptions, SourceFile, import_files
from app.standard.register import RegisterOptions, import_register
from app.standard.schemas import ImportReport
from app.web.agreement_forms import authority_choices, choices, contribution_path
from app.web.forms import (
    FORM_KEY,
    Field,
    FormDataDep,
    FormInvalid,
    FormSpec,
    FormState,
    Viewer,
    WriterDep,
    read_form,
    refusal,
    require_role,
    typed_values,
)
from app.web.pages import ViewerDep, render
from app.web.submitting import KEY_PREFIX, FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)


def project_choices(session: Session) -> list[tuple[str, str]]:
    """Every project, as options."""
    found, _total = list_projects(
        session=session, scope=None, stage=None, funding=None, local_authority_id=None, limit=1000, offset=0
    )
    return [(str(project.id), f"#{project.id} {project.name}") for project in found]


def repurposing_form(session: Session) -> FormSpec:
    """The form recording a change of purpose or project, with RepurposingCreate's fields."""
    projects = project_choices(session)
    return FormSpec(
        title="Change the purpose or project, with consent",
        caption="Contributions",
        button="Record the change",
        fields=(
            Field("purpose", "New purpose", "select", optional=True, options=choices(Purpose)),
            Field("from_project_id", "Move its allocation from", "select", optional=True, options=projects),
            Field("to_project_id", "To", "select", optional=True, options=projects),
            Field("consented_on", "Date the authority consented", "date", hint="For example, 01/12/2026"),
            Field("consent_reference", "The authority's letter or email", width=20),
            Field("note", "Note", "textarea", optional=True),
        ),
    )


@router.get("/web/contributions/{contribution_id}/repurposings/new", name="web_repurposing_new")
def new_repurposing_page(request: Request, contribution_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to repurpose a contribution."""
    require_role(viewer.principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)
    return show_form(request, repurposing_form(session), back=contribution_path(contribution_id))


@router.post("/web/contributions/{contribution_id}/repurposings/new", name="web_repurposing_create")
def create_repurposing(
    request: Request, contribution_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Repurpose a contribution, as POST /contributions/{id}/repurposings does."""
    require_role(viewer.principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)

    def write(data: RepurposingCreate) -> str:
        change = repurposing.repurpose(
            session=session, principal=viewer.principal, contribution_id=contribution_id, data=data
        )
        audit_log(request, session, viewer).record("repurposings", [change.id, contribution_id], data)
        return contribution_path(contribution_id)

    spec = repurposing_form(session)
    back = contribution_path(contribution_id)
    return submit(request, session, viewer, form, spec=spec, schema=RepurposingCreate, write=write, back=back)


class SeriesForm(BaseModel):
    """The series an uploaded CSV loads into."""

    model_config = ConfigDict(extra="forbid")

    series: SeriesName


SERIES_FORM = FormSpec(
    title="Index series",
    caption="Indexation",
    button="Load the series",
    intro="A CSV with the columns month, value and source; months already held are replaced by the file's.",
    multipart=True,
    fields=(
        Field("series", "Series", hint="For example, BCIS-TPI, RPI or CPI", width=20),
        Field("file", "CSV file", "file"),
    ),
)


def uploaded_text(form: FormData, name: str) -> str:
    """An uploaded file's text, or FormInvalid naming the field."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormInvalid({name: "Choose a file to upload"})
    try:
        return upload.file.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormInvalid({name: "the file must be UTF-8 text (save it from the spreadsheet as CSV UTF-8)"}) from error


def series_context(session: Session) -> dict[str, object]:
    """The series already loaded, for the upload page."""
    return {"series": indexation.list_series(session=session)}


@router.get("/web/index-series", name="web_index_series")
def index_series_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The series loaded, and (for the officer) the form to load one."""
    context = series_context(session)
    if viewer.principal.role is not Role.officer:
        return render(request, "index_series_list.html", context)
    return show_form(request, SERIES_FORM, back="/web", context=context, template="index_series.html")


@router.post("/web/index-series", name="web_index_series_load")
def load_index_series(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Load a series from an uploaded CSV, as POST /index-series/{series} does."""
    require_role(viewer.principal, Role.officer)

    def write(data: SeriesForm) -> str:
        text = uploaded_text(form, "file")
        try:
            result = indexation.load_series(session=session, principal=viewer.principal, series=data.series, text=text)
        except DomainError as error:
            raise FormInvalid({"file": error.detail}) from error
        audit_log(request, session, viewer).record("index_series", [data.series], result.__dict__)
        return "/web/index-series"

    return submit(
        request,
        session,
        viewer,
        form,
        spec=SERIES_FORM,
        schema=SeriesForm,
        write=write,
        back="/web",
        context=series_context(session),
        template="index_series.html",
    )


class ReconciliationForm(BaseModel):
    """The date a published table is as at."""

    as_at: AsAtDay


RECONCILIATION_FORM = FormSpec(
    title="Reconcile a published table",
    caption="Reports",
    button="Compare it with the ledger",
    intro="A Panel table as published (CSV, in the 2021 or 2024 layout): each cell is compared with the ledger's "
    "figure as at the table's date, and the table's own sums are checked. Nothing is stored.",
    multipart=True,
    fields=(
        Field("file", "The published table (CSV)", "file"),
        Field("as_at", "The date it is as at", "date", hint="For example, 31/01/2024"),
    ),
)


@router.get("/web/reconciliations", name="web_reconciliation")
def reconciliation_page(request: Request, viewer: ViewerDep) -> Response:
    """The form to reconcile a published table (the officer and finance)."""
    require_role(viewer.principal, Role.officer, Role.finance)
    return show_form(request, RECONCILIATION_FORM, back="/web")


@router.post("/web/reconciliations", name="web_reconciliation_run")
def run_reconciliation(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """The cells that differ and the table's own faults, as POST /reconciliations finds them."""
    require_role(viewer.principal, Role.officer, Role.finance)
    state = FormState(values=typed_values(form))
    try:
        data = read_form(ReconciliationForm, form)
        result = reconcile_csv(session=session, text=uploaded_text(form, "file"), as_at=data.as_at)
    except FormInvalid as invalid:
        state.errors = invalid.errors
        return show_form(request, RECONCILIATION_FORM, state, back="/web", status_code=422)
    except DomainError as error:
        state.errors = {"file": error.detail} if not error.field or error.field == "file" else refusal(error)
        return show_form(request, RECONCILIATION_FORM, state, back="/web", status_code=error.status)
    differing = [cell for cell in result.cells if cell.verdict is Verdict.differs]
    return render(
        request,
        "reconciliation.html",
        {"result": result, "as_at": data.as_at, "differing": differing, "compared": len(result.cells)},
    )


Kind = Annotated[str, Schema(pattern="^(standard|register)$")]


def import_form(session: Session, viewer: Viewer, kind: str) -> FormSpec:
    """The upload form of an import: an authority's published files, or the force's register."""
    if kind == "register":
        return FormSpec(
            title="Import the register",
            caption="Imports",
            button="Check the file",
            intro="The force's spreadsheet register (XLSX or CSV). Nothing is written until you confirm.",
            multipart=True,
            fields=(
                Field("file", "Register file", "file"),
                Field("undated_on", "Date for amounts given without one", "date", optional=True),
            ),
        )
    return FormSpec(
        title="Import an authority's published files",
        caption="Imports",
        button="Check the files",
        intro="The national data standard's developer-agreement, contribution and transaction files (CSV or XLSX). "
        "Nothing is written until you confirm.",
        multipart=True,
        fields=(
            Field("local_authority", "Local authority", "select", options=authority_choices(session, viewer.principal)),
            Field(
                "files",
                "Files",
                "file",
                hint="The files the authority publishes (CSV, XLSX or a zip), as many as it has",
            ),
            Field("local_purpose", "Police purpose for imported contributions", "select", options=choices(Purpose)),
        ),
    )


def run_import(
    session: Session, viewer: Viewer, kind: str, sources: list[SourceFile], options: dict[str, str], *, dry_run: bool
) -> ImportReport:
    """Run the import service as POST /imports (or /imports/register) does."""
    if kind == "register":
        undated = options.get("undated_on") or None
        return import_register(
            session=session,
            principal=viewer.principal,
            file=sources[0],
            options=RegisterOptions(dry_run=dry_run, undated_on=date.fromisoformat(undated) if undated else None),
        )
    return import_files(
        session=session,
        principal=viewer.principal,
        files=sources,
        options=ImportOptions(
            local_authority_id=options["local_authority"],
            local_purpose=Purpose(options.get("local_purpose") or Purpose.no_prescription.value),
            dry_run=dry_run,
        ),
    )


def uploaded_sources(form: FormData, kind: str) -> list[SourceFile]:
    """The uploaded files, or FormInvalid naming the field."""
    name = "file" if kind == "register" else "files"
    uploads = [item for item in form.getlist(name) if isinstance(item, UploadFile) and item.filename]
    if not uploads:
        raise FormInvalid({name: "Choose a file to upload"})
    return [SourceFile(name=item.filename or name, content=item.file.read()) for item in uploads]


def import_options(form: FormData, kind: str) -> dict[str, str]:
    """The import's options as posted, checked as the API checks them."""
    values = {name: str(form.get(name) or "") for name in ("local_authority", "local_purpose", "undated_on")}
    if kind == "standard" and not values["local_authority"]:
        raise FormInvalid({"local_authority": "Field required"})
    if values["local_purpose"] and values["local_purpose"] not in {purpose.value for purpose in Purpose}:
        raise FormInvalid({"local_purpose": "not a purpose"})
    if values["undated_on"]:
        try:
            date.fromisoformat(values["undated_on"])
        except ValueError as error:
            raise FormInvalid({"undated_on": "Input should be a valid date"}) from error
    return values


def _import_page(kind: str) -> str:
    return "/web/imports/register" if kind == "register" else "/web/imports"


@router.get("/web/imports", name="web_import")
def import_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to import an authority's published files."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, import_form(session, viewer, "standard"), back="/web")


@router.get("/web/imports/register", name="web_import_register")
def register_import_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to import the force's register."""
    require_role(viewer.principal, Role.officer)
    return show_form(request, import_form(session, viewer, "register"), back="/web")


def dry_run(request: Request, session: Session, viewer: Viewer, form: FormData, kind: str) -> Response:
    """Check the upload: the import's report on screen, nothing written, and a button to confirm."""
    require_role(viewer.principal, Role.officer)
    spec = import_form(session, viewer, kind)
    state = FormState(values=typed_values(form))
    try:
        sources = uploaded_sources(form, kind)
        options = import_options(form, kind)
        report = run_import(session, viewer, kind, sources, options, dry_run=True)
    except FormInvalid as invalid:
        state.errors = invalid.errors
        return show_form(request, spec, state, back="/web", status_code=422)
    except DomainError as error:
        session.rollback()
        state.errors = refusal(error)
        return show_form(request, spec, state, back="/web", status_code=error.status)
    carried = [(source.name, base64.b64encode(source.content).decode("ascii")) for source in sources]
    return render(
        request,
        "import_report.html",
        {
            "report": report,
            "kind": kind,
            "carried": carried,
            "options": options,
            "confirm_key": FormState().key,
            "written": False,
        },
    )


@router.post("/web/imports", name="web_import_check")
def check_import(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """A dry run of an authority's files, as POST /imports with dry_run does."""
    return dry_run(request, session, viewer, form, "standard")


@router.post("/web/imports/register", name="web_import_register_check")
def check_register_import(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """A dry run of the register, as POST /imports/register with dry_run does."""
    return dry_run(request, session, viewer, form, "register")


@router.post("/web/imports/confirm", name="web_import_confirm")
def confirm_import(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Write the checked import (once, however often the button is pressed) and say what it wrote."""
    require_role(viewer.principal, Role.officer)
    kind = "register" if form.get("kind") == "register" else "standard"
    names, contents = form.getlist("file_name"), form.getlist("file_content")
    try:
        sources = [
            SourceFile(name=str(name), content=base64.b64decode(str(content), validate=True))
            for name, content in zip(names, contents, strict=True)
        ]
    except (binascii.Error, ValueError):
        sources = []
    if not sources:
        return RedirectResponse(_import_page(kind), status_code=303)
    options = import_options(form, kind)
    key = str(form.get(FORM_KEY) or "")
    location = "/web/audit?resource=imports"
    fingerprint = idempotency.fingerprint("POST", request.url.path, {"files": contents, **options, "kind": kind})
    actor = idempotency.caller_of(viewer.principal)
    if key and idempotency.replay(session=session, actor=actor, key=KEY_PREFIX + key, request_fingerprint=fingerprint):
        return RedirectResponse(location, status_code=303)
    report = run_import(session, viewer, kind, sources, options, dry_run=False)
    if report.committed:
        resource_ids = [sources[0].name] if kind == "register" else [options["local_authority"]]
        summary = {"files": [source.name for source in sources], "created": report.created.model_dump()}
        audit_log(request, session, viewer).record("imports", resource_ids, summary)
    if key:
        idempotency.remember(
            session=session,
            actor=actor,
            key=KEY_PREFIX + key,
            request_fingerprint=fingerprint,
            status=303,
            body={"location": location},
        )
    # What was written, on the report the officer checked; pressed again, the button leads to the audit trail.
    return render(
        request,
        "import_report.html",
        {"report": report, "kind": kind, "carried": [], "options": {}, "confirm_key": "", "written": True},
    )
