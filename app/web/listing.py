"""A table as a page shows it and as it downloads: people's headings, numbers as numbers, totals as formulas.

No text a person typed or a council published reaches a spreadsheet as a formula: a text cell that
starts with =, +, -, @, a tab or a carriage return is written with a leading apostrophe.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.reports.formats import COUNT_FORMAT, MONEY_FORMAT

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "d mmm yyyy"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CellKind = Literal["text", "money", "count", "date"]


@dataclass(frozen=True)
class Column:
    """A column: the row key it shows, its heading, and what kind of value it holds."""

    key: str
    heading: str
    kind: CellKind = "text"
    total: bool = False
    """Whether the total row sums it."""


@dataclass
class Listing:
    """A table of rows (dicts by column key), with links for the page and an optional total row."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    links: list[dict[str, str]] = field(default_factory=list)
    totals: bool = False

    def total_of(self, column: Column) -> Decimal | int | None:
        """The column's total, for the page (the spreadsheet's is a formula)."""
        if not (self.totals and column.total):
            return None
        values = [row.get(column.key) or 0 for row in self.rows]
        return sum(values, Decimal("0.00") if column.kind == "money" else 0)


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as typed, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value):.2f}"
    if column.kind == "date" and isinstance(value, date):
        return value.isoformat()
    if column.kind == "count":
        return str(int(value))
    return safe_text(str(value))


def to_csv(listing: Listing) -> bytes:
    """The table as CSV: its headings, money to the penny, dates as ISO, and the total row if it has one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.heading for column in listing.columns])
    for row in listing.rows:
        writer.writerow([_csv_cell(column, row.get(column.key)) for column in listing.columns])
    if listing.totals:
        writer.writerow(
            [
                "Total" if index == 0 else _csv_cell(column, listing.total_of(column))
                for index, column in enumerate(listing.columns)
            ]
        )
    return out.getvalue().encode("utf-8")


def _xlsx_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(value)
    if column.kind == "count":
        return int(value)
    if column.kind == "date":
        return value
    return safe_text(str(value))


def to_xlsx(listing: Listing) -> bytes:
    """The table as a workbook: headings in bold, money and counts as numbers, the total row as SUM formulas."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = safe_text(listing.title)[:31].replace("/", " ")
    sheet.append([column.heading for column in listing.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in listing.rows:
        sheet.append([_xlsx_value(column, row.get(column.key)) for column in listing.columns])
    last = sheet.max_row
    if listing.totals and last >= 2:
        total_row = last + 1
        sheet.cell(total_row, 1, "Total").font = Font(bold=True)
        for index, column in enumerate(listing.columns, start=1):
            if column.total:
                letter = get_column_letter(index)
                cell = sheet.cell(total_row, index, f"=SUM({letter}2:{letter}{last})")
                cell.font = Font(bold=True)
    for index, column in enumerate(listing.columns, start=1):
        number_format = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "date": DATE_FORMAT}.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        sheet.column_dimensions[get_column_letter(index)].width = 16 if column.kind != "text" else 28
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(listing: Listing, filename: str, file_format: str) -> Response:
    """The table as a file to save: CSV or XLSX."""
    if file_format == "xlsx":
        content, media_type, extension = to_xlsx(listing), XLSX_MEDIA_TYPE, "xlsx"
    else:
        content, media_type, extension = to_csv(listing), "text/csv; charset=utf-8", "csv"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}.{extension}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=media_type, headers=headers)
