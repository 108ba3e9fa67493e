"""Reading the published files into rows: pure (a table in, rows and issues out), no database."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.models import EventKind, Purpose, TriggerType
from app.standard import codelists
from app.standard.limits import LimitError
from app.standard.parsing import (
    AmountTooLargeError,
    Parsed,
    Table,
    base_reference,
    blank_date,
    parse_amount,
    parse_date,
    read_tables,
    text,
)
from app.standard.rows import AgreementRow, ContributionRow, ImportOptions, RowLog, SourceFile, TransactionRow
from app.standard.schemas import AGREEMENT_DATASET, CONTRIBUTION_DATASET, TRANSACTION_DATASET

BLANK_STATUS_MEANING = (
    "contribution-funding-status is blank on {count} row(s): read as each contribution's trigger schedule "
    "(its Trigger text becomes the trigger), not as a status reached, so no trigger_met event and no money "
    "is recorded for them (see docs/data-standard.md)"
)
_LOCAL_PURPOSE_NOTE = re.compile(r"police purpose:\s*([a-z_]+)", re.IGNORECASE)
_TRIGGER_NOTE = re.compile(r"(?<!\w)trigger:\s*([^;]+)", re.IGNORECASE)
_TRIGGER_TYPE_NOTE = re.compile(r"trigger type:\s*([a-z_]+)(?:\s+(\d+))?\s*", re.IGNORECASE)
_EVENTS_NOTE = re.compile(r"events:\s*([^;]*)", re.IGNORECASE)
_INSTALMENTS_NOTE = re.compile(r"instalments:\s*([^;]+)", re.IGNORECASE)
_EVENT = re.compile(r"([a-z_]+)\s+(\d{4}-\d{2}-\d{2})")


class UnplacedFileError(ValueError):
    """A file whose headings name none of the three datasets."""


@dataclass(frozen=True)
class Publisher:
    """Who the rows must come from: the authority's name and national organisation code."""

    name: str
    organisation: str | None


def dataset_of(headings: list[str]) -> str | None:
    """Which of the three files a table is, from its headings."""
    names = set(headings)
    if TRANSACTION_DATASET in names or "contribution-funding-status" in names:
        return TRANSACTION_DATASET
    if CONTRIBUTION_DATASET in names or "contribution-purpose" in names:
        return CONTRIBUTION_DATASET
    if AGREEMENT_DATASET in names or "developer-agreement-type" in names or "planning-application" in names:
        return AGREEMENT_DATASET
    return None


def read_files(files: list[SourceFile], *, lazy: bool = False) -> list[tuple[str, Table]]:
    """Each table of the files (zips opened, every sheet read) with the dataset its headings name.

    Lazily, each table's rows are read only as `read_rows` takes them (see `read_tables`).
    """
    placed: list[tuple[str, Table]] = []
    for source in files:
        found = len(placed)
        for table in read_tables(source.name, source.content, lazy=lazy):
            dataset = dataset_of(table.headings)
            if dataset is None:
                if not table.has_rows():
                    continue  # a sheet of notes, or a blank one, beside the tables
                raise UnplacedFileError(
                    f"{table.name} is not a developer-contributions file: its headings "
                    f"({', '.join(heading for heading in table.headings if heading)}) name none of {DATASETS}"
                )
            placed.append((dataset, table))
        if len(placed) == found:
            # Nothing in it was read: saying so, rather than leaving it out of the report unmentioned.
            raise UnplacedFileError(
                f"{source.name} holds no developer-contributions table: no headings name {DATASETS}"
            )
    return placed


DATASETS = "developer-agreement, developer-agreement-contribution or developer-agreement-transaction"
"""The three national files, as a refusal names them."""


class UnreadCell(ValueError):
    """A cell that does not hold what its column must: the message names the column and the value."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _read_date(log: RowLog, file: str, line: int, value: object, label: str) -> Any:
    """A date cell, with generous reading noted; raises UnreadCell for one that is not a date."""
    if blank_date(value):
        return None
    try:
        parsed = parse_date(value)
    except ValueError as error:
        raise UnreadCell(f"{label}: {error}", reason="a date that is not a date") from error
    _note(log, file, line, parsed, label)
    return parsed.value


def _read_amount(file: str, line: int, value: object, *, negative_as_magnitude: bool = False) -> Parsed[Decimal] | None:
    """An amount cell; a LimitError beyond what the ledger holds, UnreadCell for one that is not money."""
    try:
        return parse_amount(value, negative_as_magnitude=negative_as_magnitude)
    except AmountTooLargeError as error:
        raise LimitError(file=file, line=line, limit=str(error)) from error
    except ValueError as error:
        why = "a negative amount" if "negative" in str(error) else "an amount that is not a sum of money"
        raise UnreadCell(str(error), reason=why) from error


def _note(log: RowLog, file: str, line: int, parsed: Parsed[Any], label: str) -> None:
    if parsed.warning is None:
        return
    if "Excel serial" in parsed.warning:
        log.serial_dates[file] += 1
    else:
        log.warn(file, line, f"{label}: {parsed.warning}")


def _organisation_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _from_publisher(log: RowLog, publisher: Publisher, file: str, line: int, row: dict[str, Any]) -> bool:
    """Whether the row's organisation (if any) is the publisher's: its code, the code's last part, or its name."""
    organisation = text(row.get("organisation"))
    expected = publisher.organisation
    if not organisation or not expected:
        return True
    given = _organisation_key(organisation)
    accepted = {
        _organisation_key(expected),
        _organisation_key(expected.rsplit(":", 1)[-1]),
        _organisation_key(publisher.name),
    }
    if given in accepted:
        return True
    if ":" not in organisation and " " in organisation.strip():
        log.warn(file, line, f"organisation {organisation!r} is a name, not a code; read as {expected}")
        return True
    log.fail(
        file,
        line,
        f"organisation {organisation!r} is not {publisher.name} ({expected})",
        reason=f"names another organisation than {expected}",
    )
    return False


def read_agreements(table: Table, *, log: RowLog, publisher: Publisher, today: date) -> list[AgreementRow]:
    """The agreement rows of a file (the first of a repeated reference is kept)."""
    rows: list[AgreementRow] = []
    seen: dict[str, AgreementRow] = {}
    for line, row in table.each_row():
        if not _from_publisher(log, publisher, table.name, line, row):
            continue
        source = text(row.get(AGREEMENT_DATASET) or row.get("reference"))
        if not source:
            log.fail(table.name, line, "the developer-agreement reference is blank", reason="reference is blank")
            continue
        reference = base_reference(source) or source
        try:
            signed = _read_date(log, table.name, line, row.get("start-date"), "start-date")
            if signed is None:
                signed = _read_date(log, table.name, line, row.get("entry-date"), "entry-date")
                if signed is not None:
                    log.warn(table.name, line, "start-date is blank; the agreement is dated by its entry-date")
            closed = _read_date(log, table.name, line, row.get("end-date"), "end-date")
        except UnreadCell as error:
            log.fail(table.name, line, str(error), reason=error.reason)
            continue
        if signed is None:
            log.fail(
                table.name, line, "the agreement has neither a start-date nor an entry-date", reason="no date at all"
            )
            continue
        if signed > today:
            log.fail(table.name, line, f"start-date {signed} is in the future", reason="start-date in the future")
            continue
        if closed is not None and closed < signed:
            log.warn(table.name, line, f"end-date {closed} is before the start-date {signed}; ignored")
            closed = None
        raw_type = text(row.get("developer-agreement-type"))
        agreement_type = "section-106"
        if raw_type:
            try:
                matched = codelists.match(codelists.AGREEMENT_TYPE, raw_type)
            except codelists.CodeError as error:
                log.fail(table.name, line, str(error), reason="developer-agreement-type not in the codelist")
                continue
            agreement_type = matched.code
            if matched.warning:
                log.warn(table.name, line, matched.warning)
        else:
            log.warn(table.name, line, "developer-agreement-type is blank; read as section-106")
        if len(reference) > 100:
            log.fail(
                table.name,
                line,
                f"reference {reference!r} is longer than 100 characters",
                reason="reference longer than 100 characters",
            )
            continue
        parsed = AgreementRow(
            file=table.name,
            line=line,
            source_reference=source,
            reference=reference,
            signed_on=signed,
            name=text(row.get("name")) or None,
            agreement_type=agreement_type,
            planning_application=text(row.get("planning-application")) or None,
            document_url=text(row.get("document-url")) or None,
            notes=text(row.get("notes")) or None,
            closed_on=closed,
        )
        earlier = seen.get(reference)
        if earlier is not None:
            log.warn(table.name, line, f"agreement {source!r} repeats line {earlier.line}; the first row is kept")
            log.leave_out(table.name, line, "repeats an earlier agreement row (the first is kept)")
            continue
        seen[reference] = parsed
        rows.append(parsed)
    return rows


def read_contributions(
    table: Table, *, log: RowLog, publisher: Publisher, options: ImportOptions
) -> list[ContributionRow]:
    """The contribution rows of a file, not yet matched to their agreements."""
    rows: list[ContributionRow] = []
    for line, row in table.each_row():
        if not _from_publisher(log, publisher, table.name, line, row):
            continue
        source = text(row.get(CONTRIBUTION_DATASET) or row.get("reference"))
        try:
            purpose = codelists.match(codelists.PURPOSE, text(row.get("contribution-purpose")))
        except codelists.CodeError as error:
            log.fail(table.name, line, str(error), reason="contribution-purpose not in the codelist")
            continue
        if purpose.warning:
            log.warn(table.name, line, purpose.warning)
        selected = purpose.code in options.purposes
        try:
            amount = _read_amount(table.name, line, row.get("amount"))
            start = _read_date(log, table.name, line, row.get("start-date"), "start-date")
            end = _read_date(log, table.name, line, row.get("end-date"), "end-date")
        except UnreadCell as error:
            if selected:
                log.fail(table.name, line, str(error), reason=error.reason)
                continue
            # Another service's row: not the force's to correct. Kept, unread, so its transactions are
            # left out as not asked for too, rather than as naming a contribution no row publishes.
            amount, start, end = None, None, None
        if amount is not None and amount.warning:
            log.warn(table.name, line, amount.warning)
        notes = text(row.get("notes")) or None
        local_purpose = options.local_purpose
        if notes and (named := _LOCAL_PURPOSE_NOTE.search(notes)):
            try:
                local_purpose = Purpose(named[1].lower())
            except ValueError:
                log.warn(table.name, line, f"notes name an unknown police purpose {named[1]!r}; ignored")
        parsed = ContributionRow(
            file=table.name,
            line=line,
            source_reference=source,
            agreement_reference=text(row.get(AGREEMENT_DATASET)),
            purpose_code=purpose.code,
            amount=amount.value if amount else None,
            units=text(row.get("units")),
            notes=notes,
            local_purpose=local_purpose,
            start_on=start,
            end_on=end,
            selected=selected,
        )
        if notes and (trigger := _TRIGGER_NOTE.search(notes)):
            parsed.trigger_text = trigger[1].strip()
        if notes:
            _read_own_export(notes, parsed)
        rows.append(parsed)
    return rows


def _read_own_export(notes: str, row: ContributionRow) -> None:
    """The trigger's kind and the stage events that the service's own export writes into a contribution's notes."""
    if (kind := _TRIGGER_TYPE_NOTE.search(notes)) and kind[1].lower() in TriggerType.__members__:
        row.trigger_type = TriggerType(kind[1].lower())
        row.trigger_threshold = int(kind[2]) if kind[2] else None
    if instalments := _INSTALMENTS_NOTE.search(notes):
        row.instalments_text = instalments[1].strip()
    if listed := _EVENTS_NOTE.search(notes):
        row.events = [
            (EventKind(event[1]), date.fromisoformat(event[2]))
            for event in _EVENT.finditer(listed[1])
            if event[1] in EventKind.__members__
        ]


def read_transactions(table: Table, *, log: RowLog, publisher: Publisher) -> list[TransactionRow]:
    """The transaction rows of a file, not yet matched to their contributions."""
    return list(each_transaction(table, log=log, publisher=publisher))


def each_transaction(table: Table, *, log: RowLog, publisher: Publisher) -> Iterator[TransactionRow]:
    """The transaction rows of a file one at a time, as they are read (not yet matched)."""
    blank_status = 0
    for line, row in table.each_row():
        if not _from_publisher(log, publisher, table.name, line, row):
            continue
        source = text(row.get(TRANSACTION_DATASET) or row.get("reference"))
        raw_status = text(row.get("contribution-funding-status"))
        status: str | None = None
        if raw_status and not blank_date(raw_status):
            try:
                matched = codelists.match(codelists.FUNDING_STATUS, raw_status)
            except codelists.CodeError as error:
                log.fail(table.name, line, str(error), reason="contribution-funding-status not in the codelist")
                continue
            status = matched.code
            if matched.warning:
                log.warn(table.name, line, matched.warning)
        else:
            blank_status += 1
        try:
            amount = _read_amount(table.name, line, row.get("amount"), negative_as_magnitude=True)
            on = _read_date(log, table.name, line, row.get("start-date"), "start-date")
            if on is None and status is not None:
                on = _read_date(log, table.name, line, row.get("entry-date"), "entry-date")
                if on is not None:
                    log.warn(table.name, line, "start-date is blank; the row is dated by its entry-date")
            end = _read_date(log, table.name, line, row.get("end-date"), "end-date")
            unread = None
        except UnreadCell as error:
            # Whether it is an error depends on its contribution's purpose, known once it is matched.
            amount, on, end, unread = None, None, None, (str(error), error.reason)
        if amount is not None and amount.warning:
            log.warn(table.name, line, amount.warning)
        raw_contribution = text(row.get(CONTRIBUTION_DATASET))
        if unread is not None and not raw_contribution:
            log.fail(table.name, line, unread[0], reason=unread[1])
            continue
        if not raw_contribution:
            log.fail(
                table.name,
                line,
                "developer-agreement-contribution is blank",
                reason="names no contribution (developer-agreement-contribution is blank)",
            )
            continue
        yield (
            TransactionRow(
                file=table.name,
                line=line,
                source_reference=source,
                contribution_reference=raw_contribution,
                status=status,
                amount=amount.value if amount else None,
                trigger=text(row.get("trigger")),
                on=on,
                end_on=end,
                notes=text(row.get("notes")),
                units=text(row.get("units")),
                unread=unread,
            )
        )
    if blank_status:
        log.warn(table.name, None, BLANK_STATUS_MEANING.format(count=blank_status))


def strip_notes(notes: str | None) -> str | None:
    """A contribution's notes without the police purpose and trigger the export writes into them."""
    kept = notes or ""
    for pattern in (_TRIGGER_TYPE_NOTE, _EVENTS_NOTE, _INSTALMENTS_NOTE, _TRIGGER_NOTE, _LOCAL_PURPOSE_NOTE):
        kept = pattern.sub("", kept)
    return "; ".join(part.strip() for part in kept.split(";") if part.strip()) or None


@dataclass
class Rows:
    """Every row the files publish, by dataset, not yet matched."""

    agreements: list[AgreementRow]
    contributions: list[ContributionRow]
    transactions: list[TransactionRow]


def read_rows(
    tables: list[tuple[str, Table]], *, log: RowLog, publisher: Publisher, options: ImportOptions, today: date
) -> Rows:
    """The rows of every table, each read by its dataset."""
    return Rows(
        agreements=[
            row
            for dataset, table in tables
            if dataset == AGREEMENT_DATASET
            for row in read_agreements(table, log=log, publisher=publisher, today=today)
        ],
        contributions=[
            row
            for dataset, table in tables
            if dataset == CONTRIBUTION_DATASET
            for row in read_contributions(table, log=log, publisher=publisher, options=options)
        ],
        transactions=[
            row
            for dataset, table in tables
            if dataset == TRANSACTION_DATASET
            for row in read_transactions(table, log=log, publisher=publisher)
        ],
    )
