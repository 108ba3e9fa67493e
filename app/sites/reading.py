"""Reading a council's housing monitoring file (CSV): one row per site and date, counts to date.

Pure: rows in, rows out, with the row number and column of anything that cannot be read. Councils
name their columns differently; each count is found under any of its usual names. Counts are the
totals to date (cumulative), as monitoring returns keep them per site, not the year's additions.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from app.dates import date_as_typed
from app.errors import RuleError

COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": (
        "reference",
        "agreement reference",
        "planning application",
        "planning application reference",
        "planning application number",
        "planning application no",
        "application no",
        "application reference",
        "application number",
        "application ref",
        "planning reference",
        "planning ref",
        "app ref",
    ),
    "on": ("date", "as at", "as at date", "monitoring date", "survey date", "date of survey", "period end", "on"),
    "started": (
        "started",
        "starts",
        "units started",
        "dwellings started",
        "started to date",
        "commenced",
        "units commenced",
    ),
    "completed": (
        "completed",
        "completions",
        "units completed",
        "dwellings completed",
        "completed to date",
        "completions to date",
        "total completions",
        "cumulative completions",
    ),
    "occupied": (
        "occupied",
        "occupations",
        "units occupied",
        "dwellings occupied",
        "occupied to date",
        "occupations to date",
    ),
    "note": ("note", "notes", "comment", "comments"),
}
COUNTS = ("started", "completed", "occupied")
MAX_ROWS = 5000


@dataclass(frozen=True)
class ProgressRow:
    """One readable row: the agreement's reference, the date and the counts it gives."""

    row: int
    reference: str
    on: date
    started: int | None
    completed: int | None
    occupied: int | None
    note: str | None


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


def column_map(headers: list[str]) -> dict[str, int]:
    """Which column holds each field, by its usual names; refuses a file without a reference, date or count."""
    keys = [_key(header) for header in headers]
    found = {}
    for name, aliases in COLUMNS.items():
        for position, key in enumerate(keys):
            if key in aliases:
                found[name] = position
                break
    if "reference" not in found:
        raise RuleError("the file needs a column naming the planning application (e.g. 'Planning application')")
    if "on" not in found:
        raise RuleError("the file needs a column with the date the counts are as at (e.g. 'Date')")
    if not any(count in found for count in COUNTS):
        raise RuleError("the file needs at least one count column: started, completed (completions) or occupied")
    return found


def _count(text: str, *, row: int, column: str) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned or cleaned in ("-", "n/a", "N/A"):
        return None
    if not cleaned.isdigit() or int(cleaned) > 100_000:
        raise RuleError(f"row {row}: {column} {text!r} is not a count of dwellings", field="file")
    return int(cleaned)


def read_progress(text: str) -> list[ProgressRow]:
    """The rows of a monitoring CSV, or RuleError naming the first row that cannot be read."""
    try:
        # newline="" as the csv module asks, so a bare carriage return ends a line rather than breaking the reader.
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise RuleError(f"the file cannot be read as CSV: {error}", field="file") from None
    if not lines:
        raise RuleError("the file is empty", field="file")
    columns = column_map(lines[0])
    if len(lines) - 1 > MAX_ROWS:
        raise RuleError(f"the file has more than {MAX_ROWS} rows; split it", field="file")
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            position = columns.get(name)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        reference = cell("reference")
        if not reference:
            raise RuleError(f"row {number}: no planning application reference", field="file")
        typed = date_as_typed(cell("on"))
        try:
            on = date.fromisoformat(typed)
        except ValueError as error:
            raise RuleError(
                f"row {number}: date {cell('on')!r} is not a date such as 31/03/2024", field="file"
            ) from error
        counts = {name: _count(cell(name), row=number, column=name) for name in COUNTS}
        if all(value is None for value in counts.values()):
            raise RuleError(f"row {number}: no count of dwellings started, completed or occupied", field="file")
        rows.append(ProgressRow(row=number, reference=reference, on=on, note=cell("note") or None, **counts))
    if not rows:
        raise RuleError("the file has no rows of counts", field="file")
    return rows
