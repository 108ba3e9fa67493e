"""HTTP routes for the national developer-contributions files: import and export."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OfficerOrFinance, Reader
from app.dates import AsAtDay, Day
from app.db import SessionDep
from app.idempotency import idempotent
from app.models import Purpose
from app.standard import exporter
from app.standard.crosscheck import compare_files
from app.standard.importer import ImportOptions, SourceFile, import_files
from app.standard.register import RegisterOptions, import_register
from app.standard.schemas import AuthorityComparison, Dataset, ExportFormat, ImportReport

router = APIRouter(tags=["data standard"])

_MEDIA = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.post("/imports", response_model=ImportReport, responses={401: {}, 403: {}, 404: {}, 422: {}})
@idempotent
def post_import(
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
    files: Annotated[
        list[UploadFile], File(description="the published files (CSV, XLSX or zips of them), as many as there are")
    ],
    local_authority: Annotated[str, Form(description="the authority that published them, e.g. charnwood")],
    dry_run: Annotated[bool, Form(description="report everything and write nothing")] = False,
    purpose: Annotated[list[str] | None, Form(description="national purposes that are the force's")] = None,
    local_purpose: Annotated[Purpose, Form(description="the police purpose given to imported contributions")] = (
        Purpose.no_prescription
    ),
    strict: Annotated[bool, Form(description="write nothing if any row cannot be understood")] = False,
    agreements_from_contributions: Annotated[
        bool, Form(description="make an agreement no agreement row publishes from the contributions naming it")
    ] = False,
    contributions_from_transactions: Annotated[
        bool,
        Form(
            description="make a contribution no contribution row publishes from the transactions naming it, "
            "counted as one of the purposes asked for"
        ),
    ] = False,
) -> ImportReport:
    """Import an authority's published developer-contributions files; returns the import report."""
    sources = [
        SourceFile(name=upload.filename or f"file {number}", content=upload.file.read())
        for number, upload in enumerate(files, start=1)
    ]
    options = ImportOptions(
        local_authority_id=local_authority,
        purposes=tuple(purpose or ("other",)),
        local_purpose=local_purpose,
        dry_run=dry_run,
        strict=strict,
        agreements_from_contributions=agreements_from_contributions,
        contributions_from_transactions=contributions_from_transactions,
    )
    report = import_files(session=session, principal=principal, files=sources, options=options)
    if report.committed:
        audit.record(
            "imports",
            [local_authority],
            {
                "files": [source.name for source in sources],
                "created": report.created.model_dump(),
                "warnings": len(report.warnings),
                "errors": len(report.errors),
                "discrepancies": len(report.discrepancies),
            },
        )
    return report


@router.post("/comparisons", response_model=AuthorityComparison, responses={401: {}, 403: {}, 404: {}, 422: {}})
def post_comparison(
    session: SessionDep,
    principal: OfficerOrFinance,
    files: Annotated[list[UploadFile], File(description="the authority's published files (CSV, XLSX or zip)")],
    local_authority: Annotated[str, Form(description="the authority that published them, e.g. charnwood")],
    purpose: Annotated[list[str] | None, Form(description="national purposes that are the force's")] = None,
    as_at: Annotated[AsAtDay | None, Form(description="the ledger as at this date; today if omitted")] = None,
) -> AuthorityComparison:
    """An authority's published received, transferred and spent beside the ledger, contribution by contribution."""
    sources = [
        SourceFile(name=upload.filename or f"file {number}", content=upload.file.read())
        for number, upload in enumerate(files, start=1)
    ]
    return compare_files(
        session=session,
        files=sources,
        local_authority_id=local_authority,
        purposes=tuple(purpose or ("other",)),
        as_at=as_at or date.today(),
        scope=principal.scope,
    )


@router.post("/imports/register", response_model=ImportReport, responses={401: {}, 403: {}, 422: {}})
@idempotent
def post_register_import(
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
    file: Annotated[UploadFile, File(description="the register: XLSX or CSV, one row per contribution")],
    dry_run: Annotated[bool, Form(description="report everything and write nothing")] = False,
    strict: Annotated[bool, Form(description="write nothing if any row cannot be understood")] = False,
    undated_on: Annotated[Day | None, Form(description="the date for amounts the sheet gives without one")] = None,
) -> ImportReport:
    """Migrate the force's spreadsheet register into the ledger; returns the import report."""
    source = SourceFile(name=file.filename or "register", content=file.file.read())
    report = import_register(
        session=session,
        principal=principal,
        file=source,
        options=RegisterOptions(dry_run=dry_run, strict=strict, undated_on=undated_on),
    )
    if report.committed:
        audit.record("imports", [source.name], {"file": source.name, "created": report.created.model_dump()})
    return report


@router.get(
    "/exports/developer-contributions",
    responses={
        200: {"content": {_MEDIA[ExportFormat.csv]: {}, "application/zip": {}, _MEDIA[ExportFormat.xlsx]: {}}},
        401: {},
        403: {},
        404: {},
        422: {},
    },
    response_class=Response,
)
def export_developer_contributions(
    session: SessionDep,
    principal: Reader,
    local_authority: Annotated[str | None, Query(description="one authority's contributions; all if omitted")] = None,
    as_at: Annotated[AsAtDay | None, Query(description="the ledger as at this date; today if omitted")] = None,
    dataset: Annotated[Dataset | None, Query(description="one file; a zip of all three if omitted")] = None,
    format: Annotated[ExportFormat, Query(description="csv (as published) or xlsx")] = ExportFormat.csv,
) -> Response:
    """The force's contributions as the three developer-contributions files, as at a date."""
    when = as_at or date.today()
    tables = exporter.export_tables(
        session=session, scope=principal.scope, local_authority_id=local_authority, as_at=when
    )
    stem = f"developer-contributions-{local_authority or principal.scope or 'all'}-{when.isoformat()}"
    if dataset is not None:
        content = exporter.render(dataset.value, tables[dataset.value], format)
        name = f"{dataset.value}.{format.value}"
        media = _MEDIA[format]
    else:
        content = exporter.to_zip(tables, format)
        name = f"{stem}.zip"
        media = "application/zip"
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
