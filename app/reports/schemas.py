"""Response shapes for the Panel report and reconciliations."""

import enum
from decimal import Decimal

from pydantic import BaseModel, Field

from app.dates import Day
from app.money import SignedMoney
from app.reports.reconcile import COUNT_COLUMNS, Check, Finding, Layout, PanelRow, PanelTable, Verdict


class ReportFormat(enum.StrEnum):
    """How the Panel report is returned."""

    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class PanelColumn(BaseModel):
    """A published column: its key in `values`, its printed heading, and whether it is money."""

    key: str
    heading: str
    money: bool


class PanelRowRead(BaseModel):
    """One row: money columns are decimal strings in pounds, counts are integers."""

    local_authority_id: str | None
    local_authority: str
    values: dict[str, int | SignedMoney]

    @classmethod
    def of(cls, row: PanelRow, table: PanelTable) -> "PanelRowRead":
        """A response row from a computed one."""
        values: dict[str, Decimal | int] = {
            column.key: row.values[column.key] if column.money else int(row.values[column.key])
            for column in table.columns
        }
        return cls(local_authority_id=row.local_authority_id, local_authority=row.label, values=values)


class PanelReport(BaseModel):
    """The Panel's table in one of its published layouts, from the ledger, as at a date."""

    layout: Layout
    title: str
    as_at: Day
    open_only: bool
    columns: list[PanelColumn]
    rows: list[PanelRowRead]
    total: PanelRowRead

    @classmethod
    def of(cls, table: PanelTable) -> "PanelReport":
        """The response for a computed table."""
        assert table.total is not None
        return cls(
            layout=table.layout,
            title=table.title,
            as_at=table.as_at,
            open_only=table.open_only,
            columns=[PanelColumn(key=c.key, heading=c.heading, money=c.money) for c in table.columns],
            rows=[PanelRowRead.of(row, table) for row in table.rows],
            total=PanelRowRead.of(table.total, table),
        )


Figure = int | SignedMoney | None


def _figure(value: Decimal | None, count: bool) -> Decimal | int | None:
    return int(value) if count and value is not None else value


class FindingRead(BaseModel):
    """One check. For a cell, `printed` is the published figure and `ledger` the ledger's; counts are integers."""

    check: Check
    row: str
    column: str
    printed: Figure = Field(description="the figure the published table prints (null for an unmatched row)")
    ledger: Figure = Field(description="the ledger's figure for this cell (null for a fault or an unmatched row)")
    expected: Figure = Field(description="what the check requires: the ledger's figure for a cell, the sum for a fault")
    actual: Figure = Field(description="the printed figure (the same as `printed`)")
    difference: Figure = Field(description="printed less expected: positive when the table prints more")
    tolerance: Figure
    verdict: Verdict
    message: str

    @classmethod
    def of(cls, finding: Finding) -> "FindingRead":
        """The response for a finding: money as decimal strings, counts (agreements) as integers."""
        count = finding.column in COUNT_COLUMNS
        return cls(
            check=finding.check,
            row=finding.row,
            column=finding.column,
            printed=_figure(finding.printed, count),
            ledger=_figure(finding.ledger, count),
            expected=_figure(finding.expected, count),
            actual=_figure(finding.actual, count),
            difference=_figure(finding.difference, count),
            tolerance=_figure(finding.tolerance, count),
            verdict=finding.verdict,
            message=finding.message,
        )


class ReconciliationRead(BaseModel):
    """A published table reconciled against the ledger as at its date."""

    layout: Layout
    as_at: Day
    cells_compared: int
    cells_differing: int = Field(description="cells outside rounding, and rows only the table or the ledger has")
    faults_found: int
    cells: list[FindingRead]
    faults: list[FindingRead]
