"""HTTP routes for the Panel report and reconciliations."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.dependencies import OfficerOrFinance, PanelReader
from app.dates import AsAtDay
from app.db import SessionDep
from app.errors import RuleError
from app.reports.formats import to_csv, to_xlsx
from app.reports.reconcile import Layout, Verdict
from app.reports.schemas import FindingRead, PanelReport, ReconciliationRead, ReportFormat
from app.reports.service import panel_table, reconcile_csv

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        },
    }
}


@router.get(
    "/reports/panel",
    response_model=PanelReport,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}, 422: {}},
)
def get_panel_report(
    session: SessionDep,
    principal: PanelReader,
    layout: Layout = Layout.panel_2024,
    as_at: Annotated[AsAtDay | None, Query(description="the date the figures are as at; today if omitted")] = None,
    format: ReportFormat = ReportFormat.json,
) -> PanelReport | Response:
    """The Police and Crime Panel's table in its 2021 or 2024 layout, by authority with a Total row."""
    table = panel_table(session=session, layout=layout, as_at=as_at or date.today(), scope=principal.scope)
    if format is ReportFormat.json:
        return PanelReport.of(table)
    filename = f"panel-{layout.value}-as-at-{table.as_at.isoformat()}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format is ReportFormat.csv:
        return Response(to_csv(table), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(to_xlsx(table), media_type=XLSX, headers=headers)


async def _csv_text(request: Request) -> str:
    """The uploaded table: a multipart `file`, or the raw body sent as text/csv."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise RuleError("send the table as a multipart file named 'file', or as a text/csv body", field="file")
        raw = await upload.read()
    else:
        raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RuleError("the table must be UTF-8 text", field="file") from error


CsvBody = Annotated[str, Depends(_csv_text)]


@router.post(
    "/reconciliations",
    response_model=ReconciliationRead,
    responses={400: {}, 403: {}, 413: {}, 422: {}},
    openapi_extra=CSV_BODY,
)
def post_reconciliation(
    text: CsvBody,
    session: SessionDep,
    principal: OfficerOrFinance,
    as_at: Annotated[AsAtDay, Query(description="the date the published table is as at")],
) -> ReconciliationRead:
    """Reconcile a published table (CSV, either layout) cell by cell with the ledger, and check its own sums.

    Nothing is stored, so nothing is audited.
    """
    result = reconcile_csv(session=session, text=text, as_at=as_at)
    cells = [FindingRead.of(finding) for finding in result.cells]
    return ReconciliationRead(
        layout=result.printed.layout,
        as_at=as_at,
        cells_compared=len(cells),
        cells_differing=sum(cell.verdict is Verdict.differs for cell in cells),
        faults_found=len(result.faults),
        cells=cells,
        faults=[FindingRead.of(finding) for finding in result.faults],
    )
