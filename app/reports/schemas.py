"""Response shapes for the Panel report and reconciliations."""

import enum
from decimal import Decimal

from pydantic import BaseModel

from app.dates import Day
from app.money import SignedMoney
from app.reports.reconcile import Check, Finding, Layout, PanelRow, PanelTable, Verdict


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


class FindingRead(BaseModel):
    """One check: expected (the ledger, or what the table's own arithmetic requires), printed, difference."""

    check: Check
    row: str
    column: str
    expected: SignedMoney
    actual: SignedMoney
    difference: SignedMoney
    tolerance: SignedMoney
    verdict: Verdict
    message: str

    @classmethod
    def of(cls, finding: Finding) -> "FindingRead":
        """The response for a finding."""
        return cls.model_validate(finding, from_attributes=True)


class ReconciliationRead(BaseModel):
    """A published table reconciled against the ledger as at its date."""

    layout: Layout
    as_at: Day
    cells_compared: int
    cells_differing: int
    faults_found: int
    cells: list[FindingRead]
    faults: list[FindingRead]
