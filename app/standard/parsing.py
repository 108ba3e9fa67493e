"""Reading the values of real published files: dates, amounts, references, triggers and tables."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from app.models import TriggerType
from app.money import CENT, parse_money

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (its day 60, 29 February 1900, never existed)."""

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_SERIAL = re.compile(r"^\d{4,6}(?:\.0+)?$")
_PENNY_NOISE = Decimal("0.000001")


T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A value read from a cell, with a warning when it had to be read generously."""

    value: T
    warning: str | None = None


def blank(value: object) -> bool:
    """Whether a cell is empty (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    """A cell as trimmed text ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: object) -> Parsed[date]:
    """A date written as YYYY-MM-DD, DD/MM/YYYY, an Excel serial day number, YYYY-MM or YYYY."""
    if isinstance(value, datetime):
        return Parsed(value.date())
    if isinstance(value, date):
        return Parsed(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(Decimal(str(value)), value)
    raw = text(value)
    if not raw:
        raise ValueError("date is blank")
    try:
        if match := _ISO.match(raw):
            return Parsed(date(int(match[1]), int(match[2]), int(match[3])))
        if match := _DAY_FIRST.match(raw):
            return Parsed(date(int(match[3]), int(match[2]), int(match[1])))
        if match := _YEAR_MONTH.match(raw):
            return Parsed(date(int(match[1]), int(match[2]), 1), f"date {raw!r} has no day; read as the 1st")
        if match := _YEAR.match(raw):
            return Parsed(date(int(match[1]), 1, 1), f"date {raw!r} is only a year; read as 1 January")
    except ValueError as error:
        raise ValueError(f"{raw!r} is not a real date") from error
    if _SERIAL.match(raw):
        return _from_serial(Decimal(raw), raw)
    raise ValueError(f"{raw!r} is not a date (expected YYYY-MM-DD, DD/MM/YYYY or an Excel serial number)")


def _from_serial(serial: Decimal, raw: object) -> Parsed[date]:
    if serial != serial.to_integral_value() or not 1 <= serial <= 2958465:
        raise ValueError(f"{raw!r} is not a date")
    day = EXCEL_EPOCH + timedelta(days=int(serial))
    return Parsed(day, f"date {raw!r} is an Excel serial day number; read as {day.isoformat()}")


def parse_amount(value: object) -> Parsed[Decimal] | None:
    """An amount in pounds rounded to pence (None for an empty cell); spreadsheet float noise is dropped."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount of money")
    raw = Decimal(repr(value)) if isinstance(value, float) else None
    if raw is None:
        raw = parse_money(str(value)) if not isinstance(value, int | Decimal) else Decimal(value)
    if raw < 0:
        raise ValueError(f"amount {text(value)} is negative")
    pence = raw.quantize(CENT)
    if abs(raw - pence) > _PENNY_NOISE:
        return Parsed(pence, f"amount {text(value)} has fractions of a penny; rounded to {pence}")
    return Parsed(pence)


def base_reference(reference: str) -> str:
    """A reference without the standard's -da / -dac / -dat suffix, for matching files that mix them up."""
    return re.sub(r"-(da|dac|dat)$", "", reference.strip(), flags=re.IGNORECASE)


_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_FIRST = re.compile(r"\b(first|1st)\s+(dwelling|occupation|unit)", re.IGNORECASE)


@dataclass(frozen=True)
class TriggerReading:
    """A free-text trigger read as a kind of trigger and an occupation threshold."""

    type: TriggerType
    threshold: int | None
    description: str


def read_trigger(description: str) -> TriggerReading:
    """The trigger a free-text description names (occupations keep the dwelling count when there is one)."""
    words = description.strip()
    lower = words.lower()
    if "commence" in lower or "prior to development" in lower:
        return TriggerReading(TriggerType.on_commencement, None, words)
    if "occup" in lower or "occuaption" in lower:
        threshold: int | None = None
        if "%" not in lower:
            ordinal = _ORDINAL.search(lower)
            if ordinal:
                threshold = int(ordinal[1])
            elif _FIRST.search(lower) or "first occupation" in lower or "1st occupation" in lower:
                threshold = 1
        return TriggerReading(TriggerType.on_occupation, threshold, words)
    if "completion" in lower:
        return TriggerReading(TriggerType.on_completion, None, words)
    if "signing" in lower or "on completion of this deed" in lower:
        return TriggerReading(TriggerType.on_signing, None, words)
    return TriggerReading(TriggerType.other, None, words)


@dataclass
class Table:
    """The rows of one sheet or CSV file, keyed by normalised heading, with their line numbers."""

    name: str
    headings: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    extra_cells: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def normalise_heading(heading: object) -> str:
    """A heading as the standard writes it: lower case, hyphens between words."""
    return "-".join(text(heading).lower().replace("_", " ").replace("-", " ").split())


def read_tables(name: str, content: bytes) -> list[Table]:
    """Every table of a file: one for a CSV or the first sheet of an XLSX."""
    return [read_table(name, content)]


def read_table(name: str, content: bytes) -> Table:
    """Read a CSV or XLSX file (the first sheet); blank rows are left out."""
    if content[:2] == b"PK":
        return _read_xlsx(name, content)
    return _read_csv(name, content)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _read_csv(name: str, content: bytes) -> Table:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    headings: list[str] | None = None
    table = Table(name=name, headings=[])
    for cells in reader:
        if headings is None:
            headings = [normalise_heading(cell) for cell in cells]
            table.headings = headings
            continue
        _add_row(table, reader.line_num, cells)
    return table


def _read_xlsx(name: str, content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise ValueError(f"{name} is not a readable XLSX workbook: {error}") from error
    sheet = workbook.worksheets[0]
    table = Table(name=name, headings=[])
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number == 1:
            table.headings = [normalise_heading(cell) for cell in cells]
            continue
        _add_row(table, number, list(cells))
    workbook.close()
    return table


def _add_row(table: Table, line: int, cells: list[Any]) -> None:
    if all(blank(cell) for cell in cells):
        return
    row: dict[str, Any] = {}
    for index, cell in enumerate(cells):
        heading = table.headings[index] if index < len(table.headings) else ""
        if not heading:
            if not blank(cell):
                table.extra_cells.append(line)
            continue
        row.setdefault(heading, cell)
    table.rows.append((line, row))
