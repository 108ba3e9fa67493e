"""The limits an untrusted file meets before anything is written, and the error that names the one broken."""

from app.errors import RuleError

MAX_FILE_BYTES = 100_000_000
"""The largest file (or zip member, uncompressed) read."""
MAX_FIELD_CHARACTERS = 32_767
"""The longest cell: Excel's own limit."""
MAX_ROWS = 1_000_000
"""Data rows per table, counted as they are read (never from a sheet's declared dimension)."""
MAX_COLUMNS = 500
"""Cells per row, counted from the data."""
MAX_INTEGER_DIGITS = 12
"""Pounds the ledger's Numeric(14, 2) holds: twelve digits before the point."""
TIME_BUDGET_SECONDS = 900
"""How long one import may run before it stops, writing nothing."""


class LimitError(RuleError):
    """A file breaks one of the limits: nothing is written."""

    def __init__(self, *, file: str, line: int | None, limit: str) -> None:
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {limit}; nothing was imported", field="files")


class FileTooLargeError(LimitError):
    """A file larger than the import reads."""

    status = 413
    title = "The file is too large"
