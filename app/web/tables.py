"""The balances table by authority, as a page shows it and as it downloads (CSV and XLSX)."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.balances.queries import Balance
from app.money import format_money


@dataclass(frozen=True)
class Column:
    """One figure column: the Balance field it shows and its heading."""

    field: str
    heading: str
    money: bool = True


AUTHORITY_COLUMNS = (
    Column("open_agreements", "Open agreements", money=False),
    Column("total_value", "Total value"),
    Column("not_started", "Not yet started"),
    Column("held_by_developer", "Held by developers"),
    Column("at_risk", "At risk"),
    Column("held_by_local_authority", "Held by the authority"),
    Column("drawn", "Drawn"),
    Column("spent", "Spent"),
    Column("remaining", "Remaining"),
)
"""The home page's columns, in order; the downloads use the same."""

STAGE_COLUMNS = AUTHORITY_COLUMNS[1:]
"""The money columns, for agreements and contributions."""

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'


def figure(balance: Balance, column: Column) -> Decimal | int:
    """The value a column shows for a row."""
    value: Decimal | int = getattr(balance, column.field)
    return value


def balances_csv(rows: list[Balance], totals: Balance) -> bytes:
    """The table as CSV: one row per authority and a Total row; money as plain decimals such as 1234.50."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Local authority", *(column.heading for column in AUTHORITY_COLUMNS)])
    for row in [*rows, totals]:
        cells = [format_money(value) if isinstance(value, Decimal) else str(value) for value in _values(row)]
        writer.writerow([row.label, *cells])
    return buffer.getvalue().encode("utf-8")


def balances_xlsx(rows: list[Balance], totals: Balance, *, as_at: date) -> bytes:
    """The table as an XLSX workbook: money as numbers in pounds, a title naming the date."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Balances"
    sheet.append([f"S106 contributions by local authority as at {as_at.isoformat()}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(["Local authority", *(column.heading for column in AUTHORITY_COLUMNS)])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in [*rows, totals]:
        sheet.append([row.label, *_values(row)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, column in enumerate(AUTHORITY_COLUMNS, start=2):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 16
        if column.money:
            for (cell,) in sheet[f"{letter}4:{letter}{sheet.max_row}"]:
                cell.number_format = MONEY_FORMAT
    sheet.column_dimensions["A"].width = 40
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _values(row: Balance) -> list[Decimal | int]:
    return [figure(row, column) for column in AUTHORITY_COLUMNS]
