"""Reading the values of real published files: dates, amounts, references, triggers and tables."""

import csv
import io
import itertools
import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from app.models import TriggerType
from app.money import CENT
from app.standard.limits import (
    MAX_COLUMNS,
    MAX_FIELD_CHARACTERS,
    MAX_FILE_BYTES,
    MAX_INTEGER_DIGITS,
    MAX_ROWS,
    FileTooLargeError,
    LimitError,
)

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (its day 60, 29 February 1900, never existed)."""

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ][\d:.]+)?$")
_DAY_FIRST_SHORT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s/.-]*([a-z]{3,9})[\s/.,-]*(\d{2}|\d{4})$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})[-_/.](\d{1,2})[-_/.](\d{1,2})(?:[T ][\d:.]+Z?)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_SERIAL = re.compile(r"^\d{4,6}(?:\.0+)?$")
_PENNY_NOISE = Decimal("0.000001")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NO_AMOUNT = {"-", "–", "—", "n/a", "na", "nil", "none", "tbc", "tba", "£-", "£ -"}
_AMOUNT_NOISE = re.compile(r"[£\s,\u00a0\ufffd]|^gbp|gbp$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^-?\d*\.?\d*$")


T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A value read from a cell, with a warning when it had to be read generously."""

    value: T
    warning: str | None = None


_NO_DATE = re.compile(r"^(-+|–|—|n/?a|nil|none|tbc|tba|unknown|yyyy-mm-dd|0{1,4}([-/.]0{1,2}){2}|1900-01-00)$", re.I)


def blank(value: object) -> bool:
    """Whether a cell is empty (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def blank_date(value: object) -> bool:
    """Whether a date cell says no date: empty, a dash, n/a or a zero date."""
    return blank(value) or (isinstance(value, str) and bool(_NO_DATE.match(value.strip())))


def text(value: object) -> str:
    """A cell as trimmed text ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: object) -> Parsed[date]:
    """A date as councils write it: YYYY-MM-DD, DD/MM/YYYY or /YY, 7-Aug-19, an Excel serial, YYYY-MM or YYYY."""
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
        if match := _DAY_FIRST_SHORT.match(raw):
            day = date(_century(int(match[3])), int(match[2]), int(match[1]))
            return Parsed(day, f"date {raw!r} has a two-digit year; read as {day.isoformat()}")
        if (match := _DAY_MONTH_NAME.match(raw)) and match[2].lower() in _MONTHS:
            year = int(match[3]) if len(match[3]) == 4 else _century(int(match[3]))
            return Parsed(date(year, _MONTHS[match[2].lower()], int(match[1])))
        if match := _YEAR_MONTH.match(raw):
            return Parsed(date(int(match[1]), int(match[2]), 1), f"date {raw!r} has no day; read as the 1st")
        if match := _YEAR.match(raw):
            return Parsed(date(int(match[1]), 1, 1), f"date {raw!r} is only a year; read as 1 January")
    except ValueError as error:
        raise ValueError(f"{raw!r} is not a real date") from error
    if _SERIAL.match(raw):
        return _from_serial(Decimal(raw), raw)
    raise ValueError(f"{raw!r} is not a date (expected YYYY-MM-DD, DD/MM/YYYY or an Excel serial number)")


def _century(year: int) -> int:
    """A two-digit year in this century unless that would be more than a year ahead."""
    return 2000 + year if 2000 + year <= date.today().year + 1 else 1900 + year


def _from_serial(serial: Decimal, raw: object) -> Parsed[date]:
    if serial != serial.to_integral_value() or not 1 <= serial <= 2958465:
        raise ValueError(f"{raw!r} is not a date")
    day = EXCEL_EPOCH + timedelta(days=int(serial))
    return Parsed(day, f"date {raw!r} is an Excel serial day number; read as {day.isoformat()}")


class AmountTooLargeError(ValueError):
    """An amount beyond what the ledger holds: the whole file is refused, not only its row."""


def parse_amount(value: object, *, negative_as_magnitude: bool = False) -> Parsed[Decimal] | None:
    """An amount in pounds rounded half-up to pence (None for an empty cell or a dash).

    Pound signs, commas, spaces and brackets for negatives are read; spreadsheet float noise is dropped.
    A negative amount is refused unless the column's sign carries no meaning (then read as its size).
    """
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount of money")
    raw_text = text(value)
    if isinstance(value, float):
        raw = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        raw = Decimal(value)
    else:
        if raw_text.lower() in _NO_AMOUNT:
            return None
        raw = _amount_from_text(raw_text)
    if not raw.is_finite():
        raise ValueError(f"{raw_text!r} is not an amount of money")
    if raw != 0 and raw.adjusted() >= MAX_INTEGER_DIGITS:
        raise AmountTooLargeError(
            f"amount {raw_text[:40]!r} is larger than the ledger holds (at most {MAX_INTEGER_DIGITS} digits of pounds)"
        )
    warning: str | None = None
    if raw < 0:
        if not negative_as_magnitude:
            raise ValueError(f"amount {raw_text} is negative")
        raw = -raw
        warning = f"amount {raw_text} is written as negative; read as {raw.quantize(CENT, rounding=ROUND_HALF_UP)}"
    pence = raw.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(raw - pence) > _PENNY_NOISE:
        return Parsed(pence, f"amount {raw_text} has fractions of a penny; rounded to {pence}")
    return Parsed(pence, warning)


def _amount_from_text(raw_text: str) -> Decimal:
    cleaned = _AMOUNT_NOISE.sub("", raw_text).replace("\u2212", "-").removeprefix("+")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned, negative = cleaned[1:-1], True
    elif cleaned.endswith("-") and not cleaned.startswith("-"):
        cleaned, negative = cleaned[:-1], True
    cleaned = cleaned.lstrip("£")
    if not cleaned or not _PLAIN_NUMBER.match(cleaned) or cleaned in ("-", ".", "-."):
        if re.fullmatch(r"-?\d+(\.\d+)?e\+?\d+", cleaned, re.IGNORECASE):
            exponent = int(re.split(r"e\+?", cleaned, flags=re.IGNORECASE)[1])
            if exponent >= MAX_INTEGER_DIGITS:
                raise AmountTooLargeError(
                    f"amount {raw_text[:40]!r} is larger than the ledger holds "
                    f"(at most {MAX_INTEGER_DIGITS} digits of pounds)"
                )
        raise ValueError(f"not an amount of money: {raw_text[:60]!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money: {raw_text[:60]!r}") from error
    return -value if negative else value


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
    """The rows of one sheet or CSV file, keyed by the standard's heading, with their line numbers.

    A table read lazily holds its rows still to be read in `pending`: `each_row` reads them as they are
    taken, so a large file's cells are never all held at once; `lines` and the notes are complete once
    every row has been taken.
    """

    name: str
    headings: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    extra_cells: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lines: "array[int]" = field(default_factory=lambda: array("l"))
    """The line number of every row read so far."""
    pending: Iterator[tuple[int, dict[str, Any]]] | None = field(default=None, repr=False)

    def each_row(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every row once: those held, then those still to be read from the file."""
        yield from self.rows
        if self.pending is not None:
            pending, self.pending = self.pending, None
            yield from pending

    def has_rows(self) -> bool:
        """Whether the table has a row of data (reading at most one more)."""
        if self.rows:
            return True
        if self.pending is None:
            return False
        first = next(self.pending, None)
        if first is None:
            self.pending = None
            return False
        self.pending = itertools.chain([first], self.pending)
        return True

    def outline(self) -> "TableOutline":
        """What a report says of the table once its rows are read: its name, line numbers and notes."""
        return TableOutline(self.name, self.lines, self.extra_cells, self.notes)


@dataclass(frozen=True)
class TableOutline:
    """A table without its cells: enough to count what became of each of its lines."""

    name: str
    lines: "array[int]"
    extra_cells: list[int]
    notes: list[str]


KNOWN_HEADINGS = (
    "reference",
    "name",
    "developer-agreement",
    "developer-agreement-contribution",
    "developer-agreement-transaction",
    "developer-agreement-type",
    "planning-application",
    "document-url",
    "notes",
    "organisation",
    "entry-date",
    "start-date",
    "end-date",
    "contribution-purpose",
    "contribution-funding-status",
    "amount",
    "units",
    "trigger",
)
_HEADING_ALIASES = {
    "developeragreementclassification": "developer-agreement-type",
    "developmentagreementtype": "developer-agreement-type",
    "agreementtype": "developer-agreement-type",
    "type": "developer-agreement-type",
    "fundingstatus": "contribution-funding-status",
    "status": "contribution-funding-status",
    "purpose": "contribution-purpose",
    "sitename": "name",
    "site": "name",
    "documentlink": "document-url",
    "url": "document-url",
    "note": "notes",
    "comments": "notes",
    "triggers": "trigger",
}
_HEADING_PREFIXES = (
    ("contributionpurpose", "contribution-purpose"),
    ("contributionfundingstatus", "contribution-funding-status"),
    ("planningapplication", "planning-application"),
    ("documenturl", "document-url"),
    ("units", "units"),
    ("amount", "amount"),
)
_KNOWN_KEYS = {re.sub(r"[^a-z0-9]", "", heading): heading for heading in KNOWN_HEADINGS}
_HEADING_SCAN_ROWS = 30
_EXAMPLE_CELL = re.compile(r"^(yyyy|dd)[-/_.]|leave blank|unique ref", re.IGNORECASE)


def plain_heading(heading: object) -> str:
    """A heading in lower case with hyphens between its words."""
    return "-".join(re.sub(r"[^a-z0-9]+", " ", text(heading).lower()).split())


def normalise_heading(heading: object) -> str:
    """A heading as the standard writes it, whatever its case, spacing or punctuation."""
    key = re.sub(r"[^a-z0-9]", "", text(heading).lower())
    if key in _KNOWN_KEYS:
        return _KNOWN_KEYS[key]
    if key in _HEADING_ALIASES:
        return _HEADING_ALIASES[key]
    for prefix, heading_name in _HEADING_PREFIXES:
        if key.startswith(prefix):
            return heading_name
    return plain_heading(heading)


def _heading_score(cells: list[Any]) -> int:
    return len({normalise_heading(cell) for cell in cells if not blank(cell)} & set(KNOWN_HEADINGS))


def _headings_of(cells: list[Any], notes: list[str], standard: bool) -> list[str]:
    """The row's headings; a transaction file heading its contribution column as a second transaction is read so."""
    if not standard:
        return [plain_heading(cell) for cell in cells]
    headings = [normalise_heading(cell) for cell in cells]
    transaction, contribution = "developer-agreement-transaction", "developer-agreement-contribution"
    if headings.count(transaction) == 2 and contribution not in headings:
        second = headings.index(transaction, headings.index(transaction) + 1)
        headings[second] = contribution
        notes.append(f"the second {transaction} heading is read as {contribution}")
    return headings


def read_tables(name: str, content: bytes, *, standard: bool = True, lazy: bool = False) -> list[Table]:
    """Every table of a file: a CSV, each sheet of an XLSX, or each CSV or XLSX inside a zip.

    With standard, headings are read as the developer-contributions standard's whatever their spelling,
    and the heading row is found under any title rows; otherwise the first row holds plain headings.
    Lazily, each table's rows are read as they are taken (`Table.each_row`), and a limit a row breaks is
    raised then.
    """
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLargeError(file=name, line=None, limit=f"the file is larger than {MAX_FILE_BYTES:,} bytes")
    if content[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except zipfile.BadZipFile as error:
            raise ValueError(f"{name} is neither a CSV file nor a readable XLSX workbook or zip") from error
        with archive:
            members = archive.namelist()
            if "[Content_Types].xml" in members:
                return _read_xlsx(name, content, standard, lazy)
            return _read_zip(name, archive, standard, lazy)
    return [_read_csv(name, content, standard, lazy)]


def read_table(name: str, content: bytes, *, standard: bool = True) -> Table:
    """The first table of a file (a CSV, or the first sheet holding data)."""
    return read_tables(name, content, standard=standard)[0]


def _read_zip(name: str, archive: zipfile.ZipFile, standard: bool, lazy: bool) -> list[Table]:
    tables: list[Table] = []
    readable = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith((".csv", ".xlsx", ".txt"))
        and not info.filename.startswith("__MACOSX/")
    ]
    if not readable:
        raise ValueError(f"{name} is a zip holding no CSV or XLSX file")
    for info in readable:
        member = f"{name}/{info.filename}"
        if info.file_size > MAX_FILE_BYTES:
            raise FileTooLargeError(file=member, line=None, limit=f"it is larger than {MAX_FILE_BYTES:,} bytes")
        with archive.open(info) as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise FileTooLargeError(file=member, line=None, limit=f"it is larger than {MAX_FILE_BYTES:,} bytes")
        if content[:2] == b"PK":
            tables.extend(_read_xlsx(member, content, standard, lazy))
        else:
            tables.append(_read_csv(member, content, standard, lazy))
    return tables


def decode(content: bytes) -> str:
    """Text from bytes in UTF-8 (with or without a BOM), UTF-16 or Windows-1252."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return content.decode("utf-16")
    if content[:3] == b"\xef\xbb\xbf":
        return content[3:].decode("utf-8", errors="replace")
    sample = content[:2000]
    if sample and sample.count(b"\x00") * 4 >= len(sample):
        return content.decode("utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _text_lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, as `csv` reads them, without copying the whole text.

    A `StringIO` of it would hold a second copy at four bytes a character (a 7 MB file took 28 MB while it was
    read); lines cut from the text itself hold only the line being read. Bare carriage returns as line ends
    (old Mac files) still go through `StringIO`, which splits on them as `csv` expects.
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        yield from io.StringIO(text, newline="")
        return
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start : stop + 1]
        start = stop + 1


def _read_csv(name: str, content: bytes, standard: bool, lazy: bool) -> Table:
    decoded = decode(content)
    if "\x00" in decoded:
        decoded = decoded.replace("\x00", "")
    reader = csv.reader(_text_lines(decoded))
    del decoded

    def lines() -> Iterator[tuple[int, list[Any]]]:
        # Read as the table is built, so a file's cells are never all held at once beside its rows.
        try:
            for count, cells in enumerate(reader, start=1):
                if count > MAX_ROWS + _HEADING_SCAN_ROWS:
                    raise LimitError(file=name, line=reader.line_num, limit=f"more than {MAX_ROWS:,} rows")
                yield reader.line_num, cells
        except csv.Error as error:
            if "field limit" in str(error):
                limit = f"a field longer than {MAX_FIELD_CHARACTERS:,} characters"
            else:
                limit = f"the CSV cannot be read ({error})"
            raise LimitError(file=name, line=reader.line_num, limit=limit) from error

    return _table(name, lines(), standard, lazy)


def _read_xlsx(name: str, content: bytes, standard: bool, lazy: bool) -> list[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise ValueError(f"{name} is not a readable XLSX workbook: {error}") from error
    tables: list[Table] = []
    try:
        sheets = workbook.worksheets
        for sheet in sheets:
            # The declared dimension is the file's say-so: a tiny file may claim a million rows.
            sheet.reset_dimensions()
            lines: list[tuple[int, list[Any]]] = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS + _HEADING_SCAN_ROWS:
                    raise LimitError(file=name, line=number, limit=f"more than {MAX_ROWS:,} rows")
                if any(not blank(cell) for cell in cells):
                    lines.append((number, list(cells)))
            if not lines and len(sheets) > 1:
                continue
            label = f"{name} [{sheet.title}]" if len(sheets) > 1 else name
            tables.append(_table(label, lines, standard, lazy))
    finally:
        workbook.close()
    return tables or [Table(name=name, headings=[])]


def _table(name: str, given: Iterable[tuple[int, list[Any]]], standard: bool, lazy: bool = False) -> Table:
    """A table from its lines: the heading row found under any titles, then the rows of data."""
    table = Table(name=name, headings=[])
    source = iter(given)
    lines = list(itertools.islice(source, _HEADING_SCAN_ROWS))
    candidates = [
        (index, _heading_score(cells))
        for index, (_line, cells) in enumerate(lines)
        if any(not blank(cell) for cell in cells)
    ]
    if not candidates:
        return table
    best = max(
        candidates, key=lambda candidate: (candidate[1] >= 2, candidate[1] if candidate[1] >= 2 else 0, -candidate[0])
    )
    heading_index = best[0] if best[1] >= 2 and standard else candidates[0][0]
    skipped = [line for line, cells in lines[:heading_index] if any(not blank(cell) for cell in cells)]
    if skipped:
        table.notes.append(
            f"{len(skipped)} row(s) above the headings (titles or notes, lines {', '.join(map(str, skipped[:10]))}) "
            "were skipped"
        )
    table.headings = _headings_of(lines[heading_index][1], table.notes, standard)
    rows = _data_rows(table, itertools.chain(lines[heading_index + 1 :], source), standard)
    if lazy:
        table.pending = rows
    else:
        table.rows = list(rows)
    return table


def _data_rows(
    table: Table, lines: Iterator[tuple[int, list[Any]]], standard: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of data under the headings, each checked against the limits as it is read."""
    name = table.name
    note_lines: list[int] = []
    for line, cells in lines:
        # Each cell is looked at once here: this loop runs for every cell of the file.
        filled = [cell for cell in cells if cell is not None and (not isinstance(cell, str) or cell.strip())]
        if len(filled) > MAX_COLUMNS:
            raise LimitError(file=name, line=line, limit=f"more than {MAX_COLUMNS} cells in a row")
        for cell in cells:
            if isinstance(cell, str) and len(cell) > MAX_FIELD_CHARACTERS:
                raise LimitError(file=name, line=line, limit=f"a field longer than {MAX_FIELD_CHARACTERS:,} characters")
        if not filled:
            continue
        if standard and _is_note_row(filled):
            note_lines.append(line)
            continue
        table.lines.append(line)
        yield line, _row_of(table, line, cells)
    if note_lines:
        table.notes.append(
            f"{len(note_lines)} row(s) are notes, section titles or the template's example, not data (lines "
            f"{', '.join(map(str, note_lines[:10]))}); skipped"
        )


def _is_note_row(filled: list[Any]) -> bool:
    """A row of guidance (given its cells that are not blank): one cell of words, or the template's example."""
    if any(isinstance(cell, str) and _EXAMPLE_CELL.search(cell.strip()) for cell in filled):
        return True
    return len(filled) == 1 and isinstance(filled[0], str) and " " in filled[0].strip()


def _row_of(table: Table, line: int, cells: list[Any]) -> dict[str, Any]:
    """A row's cells by heading (the first of a repeated heading kept); a value under no heading is noted."""
    row: dict[str, Any] = {}
    headings = table.headings
    for heading, cell in zip(headings, cells, strict=False):
        if heading:
            row.setdefault(heading, cell)
        elif not blank(cell):
            table.extra_cells.append(line)
    for cell in cells[len(headings) :]:
        if not blank(cell):
            table.extra_cells.append(line)
    return row
