"""A Panel table or a reconciliation as CSV, XLSX or a rich table: formatting only, no figures computed."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from rich.table import Table

from app.reports.reconcile import Check, Finding, PanelRow, PanelTable, Verdict

MONEY_FORMAT = '"£"#,##0.00'
COUNT_FORMAT = "#,##0"


def _rows(table: PanelTable) -> list[PanelRow]:
    return table.rows + ([table.total] if table.total is not None else [])


def _plain(value: Decimal, money: bool) -> str:
    return f"{value:.2f}" if money else str(int(value))


def to_csv(table: PanelTable) -> str:
    """The table with the published CSV's header (so it can be reconciled back), money to the penny."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["local_authority", *(column.key for column in table.columns)])
    for row in _rows(table):
        writer.writerow([row.label, *(_plain(row.values[column.key], column.money) for column in table.columns)])
    return out.getvalue()


def to_xlsx(table: PanelTable) -> bytes:
    """A spreadsheet: a title saying as at when, the printed headings, money formatted as pounds."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = f"Panel {table.layout.value}"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    scope = "open agreements only" if table.open_only else "all agreements signed by then"
    sheet.append([f"From the S106 ledger; {scope}."])
    sheet.append([])
    sheet.append(["Local authority", *(column.heading for column in table.columns)])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in _rows(table):
        sheet.append([row.label, *(row.values[column.key] for column in table.columns)])
        for index, column in enumerate(table.columns, start=2):
            sheet.cell(sheet.max_row, index).number_format = MONEY_FORMAT if column.money else COUNT_FORMAT
    if table.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    for index in range(2, len(table.columns) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = sheet.cell(header_row + 1, 2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pounds(value: Decimal) -> str:
    """An amount to the pound with thousands separators, as the Panel prints it."""
    return f"{value.quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}"


def rich_table(table: PanelTable) -> Table:
    """The table for a terminal, laid out like the printed report: a column per authority, to the pound."""
    rows = _rows(table)
    figures = {
        column.key: [
            pounds(row.values[column.key]) if column.money else str(int(row.values[column.key])) for row in rows
        ]
        for column in table.columns
    }
    view = Table(title=table.title, caption="£, rounded to the pound")
    view.add_column("", min_width=24, max_width=40, overflow="fold")
    for index, row in enumerate(rows):
        # Figures never wrap or shorten; headings fold instead.
        width = max(len(figures[column.key][index]) for column in table.columns)
        style = "bold" if row is table.total else None
        view.add_column(row.label, justify="right", style=style, no_wrap=True, min_width=width, overflow="fold")
    for column in table.columns:
        view.add_row(column.heading, *figures[column.key])
    return view


def rich_findings(title: str, findings: list[Finding], against: str = "ledger") -> Table:
    """Findings for a terminal: row, column, the printed figure, the ledger's (or required) one, difference."""
    view = Table(title=title)
    for heading in ("row", "column", "printed", against, "difference", "verdict"):
        view.add_column(heading, justify="right" if heading in ("printed", against, "difference") else "left")
    for finding in findings:
        colour = "green" if finding.verdict is Verdict.matches else "red"
        unmatched = finding.check is Check.unmatched_row
        view.add_row(
            finding.row,
            finding.column or finding.check.value,
            "" if unmatched else f"{finding.actual:,}",
            "" if unmatched else f"{finding.expected:,}",
            "" if unmatched else f"{finding.difference:,}",
            f"[{colour}]{finding.verdict.value}[/{colour}]",
        )
    return view
