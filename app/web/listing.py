"""A table as a page shows it and as it downloads: people's headings, numbers as numbers, totals as formulas.

Written by the one CSV and XLSX writer (app/spreadsheets.py), so no text a person typed or a council
published reaches a spreadsheet as a formula; only the total row's SUMs are formulas.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from fastapi import Response
from openpyxl.utils import get_column_letter

from app import spreadsheets
from app.reports.formats import COUNT_FORMAT, MONEY_FORMAT
from app.spreadsheets import Cell

XLSX_MEDIA_TYPE = spreadsheets.XLSX_MEDIA_TYPE
DATE_FORMAT = "d mmm yyyy"

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
    return spreadsheets.neutralise(value)


def _cell(column: Column, value: Any) -> Cell:
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(value).quantize(Decimal("0.01"))
    if column.kind == "count":
        return int(value)
    if column.kind == "date" and isinstance(value, date):
        return value
    return str(value)


def to_csv(listing: Listing) -> bytes:
    """The table as CSV: its headings, money to the penny, dates as ISO, and the total row if it has one."""
    rows: list[list[Cell]] = [[column.heading for column in listing.columns]]
    rows += [[_cell(column, row.get(column.key)) for column in listing.columns] for row in listing.rows]
    if listing.totals:
        rows.append(
            [
                "Total" if index == 0 else _cell(column, listing.total_of(column))
                for index, column in enumerate(listing.columns)
            ]
        )
    return spreadsheets.to_csv(rows).encode("utf-8")


def to_xlsx(listing: Listing) -> bytes:
    """The table as a workbook: headings in bold, money and counts as numbers, the total row as SUM formulas."""
    rows: list[list[Cell]] = [[column.heading for column in listing.columns]]
    rows += [[_cell(column, row.get(column.key)) for column in listing.columns] for row in listing.rows]
    last = len(rows)
    bold = set()
    if listing.totals and last >= 2:
        total: list[Cell] = ["Total"]
        for index, column in enumerate(listing.columns[1:], start=2):
            letter = get_column_letter(index)
            total.append(spreadsheets.Formula(f"=SUM({letter}2:{letter}{last})") if column.total else None)
        rows.append(total)
        bold.add(len(rows))
    formats = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "date": DATE_FORMAT}
    sheet = spreadsheets.Sheet(
        title=listing.title,
        rows=rows,
        header_row=1,
        number_formats={
            index: formats[column.kind]
            for index, column in enumerate(listing.columns, start=1)
            if column.kind in formats
        },
        widths={index: 16 if column.kind != "text" else 28 for index, column in enumerate(listing.columns, start=1)},
        bold_rows=bold,
    )
    return spreadsheets.to_xlsx([sheet])


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
