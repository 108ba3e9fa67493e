"""The one CSV writer and the one XLSX writer every export and report uses.

Nothing a user typed or a council published reaches a spreadsheet as a formula (OWASP, CSV injection):
a text cell beginning with =, +, -, @, tab or carriage return is prefixed with a single quote, in CSV and
XLSX alike, and in XLSX every text cell is stored as a string, never a formula. Numbers and dates stay
numbers and dates.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Formula:
    """A formula the service composes itself (a total row's SUM), never text a person or a council wrote."""

    text: str


Cell = str | Decimal | int | date | Formula | None
"""A spreadsheet cell: text, an amount or count, a date, a formula of ours (XLSX only), or empty."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet recognises a formula (or a DDE command) at the start of a cell."""

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Text as a spreadsheet must show it: one that would start a formula is prefixed with a quote."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # The csv module quotes a field holding \n (our line end) but not a lone \r, which readers split on.
        return neutralise(value).replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Formula):
        raise TypeError("a CSV holds values, not formulas: write the figure")
    return str(value)


def to_csv(rows: Iterable[Sequence[Cell]]) -> str:
    """Rows as CSV text: numbers as written, dates in ISO form, text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


@dataclass
class Sheet:
    """One worksheet: its rows, and how to show them."""

    title: str
    rows: Sequence[Sequence[Cell]]
    header_row: int | None = None
    """The 1-based row of the column headings, shown bold and frozen below; None for no headings."""
    number_formats: dict[int, str] = field(default_factory=dict)
    """Per 1-based column, the format of its numbers or dates (pounds, say); dates default to DATE_FORMAT."""
    widths: dict[int, float] = field(default_factory=dict)
    """Per 1-based column, its width in characters."""
    bold_rows: set[int] = field(default_factory=set)
    """1-based rows shown bold (a title, a total)."""
    title_row: int | None = None
    """A 1-based row shown as the sheet's large title."""
    freeze_first_column: bool = False


DATE_FORMAT = "yyyy-mm-dd"


def sheet_title(title: str) -> str:
    """A title Excel accepts for a sheet: none of []:*?/\\ and at most 31 characters."""
    return "".join(" " if character in "[]:*?/\\" else character for character in title)[:31].strip() or "Sheet"


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Sheets as an XLSX workbook: text is always a string cell, amounts numbers, dates dates."""
    # Loaded here, not with the module: commands that write no workbook (an import) start faster without it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for spec in sheets:
        sheet = workbook.create_sheet(sheet_title(spec.title))
        for row_number, row in enumerate(spec.rows, start=1):
            for column_number, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row_number, column_number)
                if isinstance(value, Formula):
                    cell.value = value.text
                else:
                    cell.value = neutralise(value) if isinstance(value, str) else value
                if isinstance(value, str):
                    cell.data_type = TYPE_STRING  # openpyxl would take "=..." for a formula
                elif (spec.header_row or 0) < row_number and column_number in spec.number_formats:
                    cell.number_format = spec.number_formats[column_number]
                elif isinstance(value, date):
                    cell.number_format = DATE_FORMAT
        for row_number in spec.bold_rows:
            for cell in sheet[row_number]:
                cell.font = Font(bold=True)
        if spec.title_row is not None:
            sheet.cell(spec.title_row, 1).font = Font(bold=True, size=14)
        if spec.header_row is not None:
            for cell in sheet[spec.header_row]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.freeze_panes = sheet.cell(spec.header_row + 1, 2 if spec.freeze_first_column else 1)
        for column_number, width in spec.widths.items():
            sheet.column_dimensions[get_column_letter(column_number)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
