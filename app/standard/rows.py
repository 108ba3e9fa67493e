"""The rows of an import as read from the files, and the log of what became of each (no database)."""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from app.models import EventKind, Purpose, TriggerType
from app.standard.schemas import FileSummary, ImportReport, Issue

if TYPE_CHECKING:
    from app.models import Agreement, Contribution
    from app.standard.parsing import TableOutline

Progress = Callable[[str, int, int], None]
"""Called as (step, done, total) while an import runs."""


@dataclass(frozen=True)
class SourceFile:
    """An uploaded or named file: its name (for the report) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how."""

    local_authority_id: str
    purposes: tuple[str, ...] = ("other",)
    local_purpose: Purpose = Purpose.no_prescription
    dry_run: bool = False
    strict: bool = False
    slice_rows: int = 5000
    """About how many contribution and transaction rows are written at a time (whole agreements a slice)."""
    agreements_from_contributions: bool = False
    """Make an agreement no agreement row publishes from the first contribution naming it."""
    contributions_from_transactions: bool = False
    """Make a contribution no contribution row publishes from the transactions naming it (its purpose unknown:
    use it only for files of the purposes asked for, or with every purpose asked for)."""


@dataclass(slots=True)
class AgreementRow:
    """An agreement read from a file (or found in the ledger when only its contributions were imported)."""

    file: str
    line: int
    source_reference: str
    reference: str
    signed_on: date
    name: str | None = None
    developer: str | None = None
    agreement_type: str = "section-106"
    planning_application: str | None = None
    document_url: str | None = None
    notes: str | None = None
    closed_on: date | None = None
    agreement: "Agreement | None" = None
    own: bool = False
    ok: bool = True
    derived: bool = False
    """Made from a contribution naming an agreement that no agreement row publishes."""


@dataclass(slots=True)
class ContributionRow:
    """A contribution read from the contribution file."""

    file: str
    line: int
    source_reference: str
    agreement_reference: str
    purpose_code: str
    amount: Decimal | None
    units: str
    notes: str | None
    local_purpose: Purpose
    start_on: date | None
    end_on: date | None
    target: AgreementRow | None = None
    key: str = ""
    selected: bool = False
    ok: bool = True
    contribution: "Contribution | None" = None
    unchanged: bool = False
    trigger_text: str | None = None
    trigger_type: TriggerType | None = None
    trigger_threshold: int | None = None
    instalments_text: str | None = None
    """The service's own export's schedule of tranches ("10% on commencement - 90% on the 50th occupation")."""
    events: list[tuple[EventKind, date]] | None = None
    """The stage events the service's own export lists in its notes (None for anyone else's file)."""
    transactions: list["TransactionRow"] = field(default_factory=list)
    derived: bool = False
    """Made from the transactions naming it: no contribution row publishes it."""
    kept_on: "Agreement | None" = None
    """A non-money obligation (units, no amount): kept in its agreement's notes, never money in the ledger."""
    statuses: tuple[str | None, ...] = ()
    """The statuses of the transactions matched to it so far (telling apart contributions sharing a reference)."""
    position: int = 0
    """Where it comes among the run's contributions: the files' order, then those made from transactions."""
    group: int = 0
    """Its agreement's place in the run: rows are written a slice of whole agreements at a time, in this order."""


@dataclass(slots=True)
class TransactionRow:
    """A status row read from the transaction file."""

    file: str
    line: int
    source_reference: str
    contribution_reference: str
    status: str | None
    amount: Decimal | None
    trigger: str
    on: date | None
    end_on: date | None
    notes: str = ""
    units: str = ""
    contribution: ContributionRow | None = None
    key: str = ""
    ok: bool = True
    unread: tuple[str, str] | None = None
    """A cell that could not be read (the message and the reason): an error once it is known to be the force's."""


IMPORTED = "imported"
UNCHANGED = "unchanged"
ERROR = "error"
NOT_IMPORTED = "not_imported"
OUTCOMES = ("", IMPORTED, UNCHANGED, NOT_IMPORTED, ERROR)
"""What became of a line, by the number a file's outcomes hold for it (0: nothing said)."""
_CODE = {outcome: code for code, outcome in enumerate(OUTCOMES)}


class Outcomes:
    """What became of each line of one file: a byte a line, however long the file."""

    def __init__(self) -> None:
        self.codes = bytearray()

    def get(self, line: int) -> str | None:
        """The line's outcome, if one was noted."""
        return (OUTCOMES[self.codes[line]] or None) if line < len(self.codes) else None

    def __setitem__(self, line: int, outcome: str) -> None:
        if line >= len(self.codes):
            self.codes.extend(bytes(line + 1 - len(self.codes)))
        self.codes[line] = _CODE[outcome]


def not_asked_for(purpose_code: str) -> str:
    """Why a row of a purpose the import was not asked for is left out."""
    return f"purpose {purpose_code} was not asked for"


class RowLog:
    """What became of every row, with the warnings and errors of the report being built."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        # By file, then line, a byte a line: a key per row cost more than the outcome it names. Reasons are kept
        # for the lines left out only, each sentence once.
        self.outcomes: defaultdict[str, Outcomes] = defaultdict(Outcomes)
        self.reasons: defaultdict[str, dict[int, str]] = defaultdict(dict)
        self.sentences: dict[str, str] = {}
        self.serial_dates: Counter[str] = Counter()

    def warn(self, file: str, line: int | None, message: str) -> None:
        """Add a warning."""
        self.report.warnings.append(Issue(file=file, line=line, message=message))

    def fail(self, file: str, line: int, message: str, reason: str | None = None) -> None:
        """Add an error for a row, which is then left out; reason groups it in the file's counts."""
        self.report.errors.append(Issue(file=file, line=line, lines=[line], message=message))
        self.outcomes[file][line] = ERROR
        self.reasons[file][line] = self.sentence(reason or message)

    def outcome(self, file: str, line: int, what: str) -> None:
        """Note that a row was imported or found unchanged (an error sticks)."""
        outcomes = self.outcomes[file]
        if outcomes.get(line) != ERROR:
            outcomes[line] = what
            self.reasons[file].pop(line, None)

    def refuse(self, row: ContributionRow, message: str, reason: str) -> None:
        """An error for a contribution of a purpose asked for; one of another purpose is only not asked for.

        A council's rows for other services are not the force's to correct, so they never make an import fail.
        """
        if row.selected:
            self.fail(row.file, row.line, message, reason=reason)
        else:
            self.leave_out(row.file, row.line, not_asked_for(row.purpose_code))
        row.ok = False

    def leave_out(self, file: str, line: int, reason: str) -> None:
        """Note that a row was read and deliberately left out, and why (an error sticks)."""
        outcomes = self.outcomes[file]
        if outcomes.get(line) != ERROR:
            outcomes[line] = NOT_IMPORTED
            self.reasons[file][line] = self.sentence(reason)

    def sentence(self, reason: str) -> str:
        """The one copy of a reason that many lines share."""
        return self.sentences.setdefault(reason, reason)

    def summarise(self, tables: list[tuple[str, "TableOutline"]]) -> None:
        """Count each file's rows by what became of them, and group repeated warnings."""
        for dataset, table in tables:
            counts: Counter[str] = Counter()
            left_out: Counter[str] = Counter()
            outcomes, reasons = self.outcomes.get(table.name) or Outcomes(), self.reasons.get(table.name, {})
            for line in table.lines:
                outcome = outcomes.get(line) or NOT_IMPORTED
                counts[outcome] += 1
                if outcome not in (IMPORTED, UNCHANGED):
                    left_out[reasons.get(line, "not a row of the force's contributions")] += 1
            self.report.files.append(
                FileSummary(
                    file=table.name,
                    dataset=dataset,
                    rows=len(table.lines),
                    imported=counts[IMPORTED],
                    unchanged=counts[UNCHANGED],
                    not_imported=counts[NOT_IMPORTED],
                    errors=counts[ERROR],
                    left_out=dict(left_out.most_common()),
                )
            )
            if table.extra_cells:
                self.warn(
                    table.name,
                    None,
                    f"{len(table.extra_cells)} row(s) have values under no heading (lines "
                    f"{', '.join(map(str, table.extra_cells[:10]))}); those values are ignored",
                )
            for note in table.notes:
                self.warn(table.name, None, note)
        grouped: dict[tuple[str, str], list[Issue]] = defaultdict(list)
        for issue in self.report.warnings:
            grouped[(issue.file, issue.message)].append(issue)
        self.report.warnings = [
            Issue(
                file=issues[0].file,
                line=issues[0].line,
                lines=[issue.line for issue in issues if issue.line is not None],
                message=issues[0].message,
            )
            for issues in grouped.values()
        ]
        for file, count in self.serial_dates.items():
            self.warn(file, None, f"{count} date(s) were Excel serial day numbers; read as dates (1900 date system)")
        order = {table.name: index for index, (_dataset, table) in enumerate(tables)}
        self.report.warnings.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
        self.report.errors.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
