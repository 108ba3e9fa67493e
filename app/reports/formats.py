"""A Panel table or a reconciliation as CSV, XLSX or a rich table: formatting only, no figures computed."""

from decimal import ROUND_HALF_UP, Decimal

from rich.table import Table

from app import spreadsheets
from app.reports.reconcile import Check, Finding, PanelRow, PanelTable, Verdict
from app.spreadsheets import Cell

MONEY_FORMAT = '"£"#,##0.00'
COUNT_FORMAT = "#,##0"


def _rows(table: PanelTable) -> list[PanelRow]:
    return table.rows + ([table.total] if table.total is not None else [])


def _figure(value: Decimal, money: bool) -> Decimal | int:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if money else int(value)


def to_csv(table: PanelTable) -> str:
    """The table with the published CSV's header (so it can be reconciled back), money to the penny."""
    rows: list[list[Cell]] = [["local_authority", *(column.key for column in table.columns)]]
    for row in _rows(table):
        rows.append([row.label, *(_figure(row.values[column.key], column.money) for column in table.columns)])
    return spreadsheets.to_csv(rows)


def to_xlsx(table: PanelTable) -> bytes:
    """A spreadsheet: a title saying as at when, the printed headings, money formatted as pounds."""
    from openpyxl.utils import get_column_letter  # loaded only when a workbook is written (see spreadsheets)

    scope = "open agreements only" if table.open_only else "all agreements signed by then"
    rows: list[list[Cell]] = [[table.title], [f"From the S106 ledger; {scope}."], []]
    rows.append(["Local authority", *(column.heading for column in table.columns)])
    header_row = len(rows)
    for row in table.rows:
        rows.append([row.label, *(row.values[column.key] for column in table.columns)])
    if table.total is not None:
        # The Total row sums the rows above it, so a finance officer who edits a figure sees the total follow.
        first, last = header_row + 1, len(rows)
        rows.append(
            [
                table.total.label,
                *(
                    spreadsheets.Formula(f"=SUM({get_column_letter(index)}{first}:{get_column_letter(index)}{last})")
                    for index in range(2, len(table.columns) + 2)
                ),
            ]
        )
    sheet = spreadsheets.Sheet(
        title=f"Panel {table.layout.value}",
        rows=rows,
        header_row=header_row,
        title_row=1,
        number_formats={
            index: MONEY_FORMAT if column.money else COUNT_FORMAT for index, column in enumerate(table.columns, start=2)
        },
        widths={1: 28, **dict.fromkeys(range(2, len(table.columns) + 2), 18)},
        bold_rows={len(rows)} if table.total is not None else set(),
        freeze_first_column=True,
    )
    return spreadsheets.to_xlsx([sheet])


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
