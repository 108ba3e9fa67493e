"""Transaction rows set aside on disk while an import runs, so that its memory does not grow with the file.

The rows are kept in a temporary SQLite file (stdlib `sqlite3`, nothing to do with the ledger's database), each
under a group (its agreement's place in the run) and in the order it was put, and are read back a range of
groups at a time. The file goes when the spill is closed.
"""

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from app.standard.rows import TransactionRow

BATCH = 2000
"""Rows put in one statement."""


def values_of(row: TransactionRow) -> tuple[object, ...]:
    """What a read transaction says (its matching and key come later)."""
    return (
        row.file,
        row.line,
        row.source_reference,
        row.contribution_reference,
        row.status,
        row.amount,
        row.trigger,
        row.on,
        row.end_on,
        row.notes,
        row.units,
    )


def row_of(values: tuple[object, ...]) -> TransactionRow:
    """A transaction as `values_of` set it aside."""
    return TransactionRow(*values)  # type: ignore[arg-type]


class Spill:
    """A temporary on-disk store of transaction rows by group, each with a number (a contribution's place)."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="s106-import-")
        self.connection = sqlite3.connect(Path(self.folder.name) / "rows.db", isolation_level=None)
        # A scratch file that is thrown away on any failure: no journal, no waiting for the disk.
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute("CREATE TABLE rows (grp INTEGER NOT NULL, seq INTEGER NOT NULL, row BLOB NOT NULL)")
        self.pending: list[tuple[int, int, bytes]] = []
        self.count = 0
        self.indexed = False

    def __enter__(self) -> "Spill":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def put(self, group: int, number: int, row: TransactionRow) -> None:
        """Set a row aside under a group, with a number kept beside it."""
        self.pending.append((group, self.count, pickle.dumps((number, values_of(row)), pickle.HIGHEST_PROTOCOL)))
        self.count += 1
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the rows put since the last flush."""
        if self.pending:
            self.connection.executemany("INSERT INTO rows (grp, seq, row) VALUES (?, ?, ?)", self.pending)
            self.pending = []

    def each(self) -> Iterator[tuple[int, TransactionRow]]:
        """Every row with its number, in the order they were put."""
        self.flush()
        for (blob,) in self.connection.execute("SELECT row FROM rows ORDER BY seq"):
            number, values = pickle.loads(blob)
            yield number, row_of(values)

    def take(self, first: int, last: int) -> Iterator[tuple[int, TransactionRow]]:
        """The rows of groups first to last with their numbers, by group, then in the order they were put."""
        self.flush()
        if not self.indexed:
            self.connection.execute("CREATE INDEX rows_by_group ON rows (grp, seq)")
            self.indexed = True
        query = "SELECT row FROM rows WHERE grp BETWEEN ? AND ? ORDER BY grp, seq"
        for (blob,) in self.connection.execute(query, (first, last)):
            number, values = pickle.loads(blob)
            yield number, row_of(values)

    def close(self) -> None:
        """Remove the file."""
        self.connection.close()
        self.folder.cleanup()
