"""Migrating the force's spreadsheet register (one row per contribution) into the ledger.

The register is the force's own record, so its rows keep every rule of the ledger: a row that breaks
one is reported and left out whole (agreement, contribution and movements), never forced in.
"""

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ids, spreadsheets
from app.agreements.schemas import AgreementCreate
from app.auth.service import Principal
from app.contributions.schemas import ContributionCreate, Trigger
from app.errors import ConflictError, DomainError, RuleError
from app.ledger.writer import History, HistoryMovement
from app.models import Agreement, Contribution, Instalment, LocalAuthority, MovementKind, Purpose, TriggerType
from app.money import pounds
from app.spreadsheets import Cell
from app.standard.matching import record_key
from app.standard.parsing import blank, parse_amount, parse_date, read_table, read_trigger, text
from app.standard.rows import AgreementRow, ContributionRow, Progress, RowLog, SourceFile
from app.standard.schemas import FileSummary, ImportReport
from app.standard.writer import Made, Writer, reason_of


@dataclass(frozen=True)
class Column:
    """A register column: its field, the heading the template writes, and other headings it accepts."""

    field: str
    heading: str
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("authority", "Authority", ("local authority", "la", "council", "lpa")),
    Column("agreement_reference", "Agreement reference", ("reference", "planning reference", "planning application")),
    Column("site", "Site", ("site address", "address", "development")),
    Column("developer", "Developer", ()),
    Column("signed_on", "Signed date", ("signed", "date signed", "signed on", "agreement date")),
    Column("purpose", "Purpose", ("police purpose", "category")),
    Column("amount", "Amount", ("sum", "contribution", "amount secured", "total")),
    Column("trigger", "Trigger", ("trigger point", "payment trigger")),
    Column("received", "Received", ("received by la", "amount received", "paid to la")),
    Column("received_on", "Received date", ("date received", "received on")),
    Column("drawn", "Drawn", ("drawn down", "amount drawn", "paid to force", "transferred")),
    Column("drawn_on", "Drawn date", ("date drawn", "drawn on", "drawdown date")),
    Column("spent", "Spent", ("amount spent",)),
    Column("spent_on", "Spent date", ("date spent", "spent on")),
    Column("notes", "Notes", ("comments",)),
)
REQUIRED = ("authority", "agreement_reference", "signed_on", "purpose", "amount")
EXAMPLE_MARK = "EXAMPLE"

EXAMPLE_ROW: tuple[Any, ...] = (
    "Blaby",
    "19/0001/OUT",
    "Land east of Lutterworth Road",
    "Example Homes Ltd",
    date(2019, 4, 1),
    "equipment",
    Decimal("25000.00"),
    "Prior to the occupation of the 50th dwelling",
    Decimal("25000.00"),
    date(2021, 5, 1),
    Decimal("10000.00"),
    date(2021, 9, 1),
    None,
    None,
    f"{EXAMPLE_MARK}: delete this row before importing",
)

_PURPOSE_WORDS = {
    "none": Purpose.no_prescription,
    "general": Purpose.no_prescription,
    "unspecified": Purpose.no_prescription,
    "not_prescribed": Purpose.no_prescription,
    "policing": Purpose.no_prescription,
    "buildings": Purpose.premises,
    "building": Purpose.premises,
    "estates": Purpose.premises,
    "vehicle": Purpose.vehicles,
    "fleet": Purpose.vehicles,
    "anpr": Purpose.equipment,
    "cctv": Purpose.equipment,
    "it": Purpose.equipment,
    "target_hardening": Purpose.crime_prevention,
}
_MONEY_STEPS = (
    ("received", "received_on", MovementKind.received),
    ("drawn", "drawn_on", MovementKind.drawn),
    ("spent", "spent_on", MovementKind.spent),
)


def _heading_key(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def _heading_fields() -> dict[str, str]:
    fields: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.heading, column.field, *column.aliases):
            fields[_heading_key(name)] = column.field
    return fields


def read_purpose(raw: str) -> tuple[Purpose, str | None]:
    """A police purpose from a register cell, allowing case, spacing and near-miss spellings."""
    folded = re.sub(r"[^a-z0-9]+", "_", raw.strip().lower()).strip("_")
    values = [purpose.value for purpose in Purpose]
    if raw in values:
        return Purpose(raw), None
    if folded in values:
        return Purpose(folded), f"purpose {raw!r} read as {folded!r}"
    if folded in _PURPOSE_WORDS:
        return _PURPOSE_WORDS[folded], f"purpose {raw!r} read as {_PURPOSE_WORDS[folded].value!r}"
    close = difflib.get_close_matches(folded, values, n=1, cutoff=0.8)
    if close:
        return Purpose(close[0]), f"purpose {raw!r} read as the near miss {close[0]!r}"
    raise ValueError(f"purpose {raw!r} is not one of {', '.join(values)}")


def _authority_names(session: Session) -> dict[str, str]:
    names: dict[str, str] = {}
    for authority in session.scalars(select(LocalAuthority)):
        keys = {authority.id, authority.name}
        if authority.organisation:
            keys.add(authority.organisation)
        short = re.sub(r"\b(district|borough|county|city)?\s*council\b", "", authority.name, flags=re.IGNORECASE)
        keys.add(short)
        for key in keys:
            names[_heading_key(key.replace("&", "and"))] = authority.id
    return names


def write_template(path_name: str) -> bytes:
    """An empty register with the expected headings and one example row, as XLSX (or CSV for a .csv name)."""
    headings: list[Cell] = [column.heading for column in COLUMNS]
    example: list[Cell] = [cell if isinstance(cell, str | Decimal | int | date) else None for cell in EXAMPLE_ROW]
    if path_name.lower().endswith(".csv"):
        return spreadsheets.to_csv([headings, example]).encode("utf-8")
    sheet = spreadsheets.Sheet(
        title="register",
        rows=[headings, example],
        number_formats={index: "#,##0.00" for index, cell in enumerate(example, start=1) if isinstance(cell, Decimal)},
        widths=dict.fromkeys(range(1, len(headings) + 1), 20),
    )
    return spreadsheets.to_xlsx([sheet])


@dataclass
class RegisterOptions:
    """How to migrate a register."""

    dry_run: bool = False
    strict: bool = False
    undated_on: date | None = None


@dataclass
class _Pending:
    """A register row that passed every check, waiting to be written with the others of its authority."""

    line: int
    agreement: Agreement | AgreementRow
    contribution: ContributionRow
    contribution_id: int
    money: list[tuple[MovementKind, Decimal, date]]


@dataclass
class _Authority:
    """One authority's part of a run: its writer, its agreements, and its rows to write."""

    writer: Writer
    made: Made
    in_ledger: dict[str, Agreement]
    new: dict[str, AgreementRow] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)


def _in_column(column: str, read: Callable[[Any], Any], value: object) -> Any:
    """A cell read as its column must be, or a ValueError naming the column."""
    try:
        return read(value)
    except ValueError as error:
        raise ValueError(f"{column.replace('_', ' ')}: {error}") from error


def import_register(
    *,
    session: Session,
    principal: Principal,
    file: SourceFile,
    options: RegisterOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Migrate a spreadsheet register into the ledger; a dry run (or a strict run with errors) writes nothing.

    Every row is checked first (its agreement, its contribution and its money in date order, as the ledger
    checks them), then each authority's rows are written in bulk through the import's writer.
    """
    try:
        table = read_table(file.name, file.content, standard=False)
    except ValueError as error:
        raise RuleError(str(error), field="file") from error
    fields = _heading_fields()
    column_of = {
        heading: fields[_heading_key(heading)] for heading in table.headings if _heading_key(heading) in fields
    }
    missing = [name for name in REQUIRED if name not in column_of.values()]
    if missing:
        expected = ", ".join(column.heading for column in COLUMNS if column.field in missing)
        raise RuleError(f"{file.name} has no column for: {expected} (see `s106 register-template`)", field="file")
    report = ImportReport(local_authority_id=None, dry_run=options.dry_run, committed=False, purposes=[])
    log = RowLog(report)
    authorities = _authority_names(session)
    occurrences: Counter[tuple[str, str, str, str]] = Counter()
    counts: Counter[str] = Counter()
    runs: dict[str, _Authority] = {}
    today = date.today()

    def run_for(authority_id: str) -> _Authority:
        found = runs.get(authority_id)
        if found is None:
            authority = session.get_one(LocalAuthority, authority_id)
            writer = Writer(
                session=session,
                principal=principal,
                authority=authority,
                log=log,
                progress=lambda _step, _done, _total: None,
                today=today,
                source="register",
            )
            in_ledger = {
                agreement.reference: agreement
                for agreement in session.scalars(select(Agreement).where(Agreement.local_authority_id == authority_id))
            }
            made = Made(ids.IdPool(session, Contribution.__tablename__), ids.IdPool(session, Instalment.__tablename__))
            found = runs[authority_id] = _Authority(writer, made, in_ledger)
        return found

    transaction = session.begin_nested()
    try:
        for done, (line, raw) in enumerate(table.rows, start=1):
            if progress:
                progress("register", done, len(table.rows))
            row = {column_of[heading]: value for heading, value in raw.items() if heading in column_of}
            outcome = _check_row(
                principal=principal,
                file=file.name,
                line=line,
                row=row,
                authorities=authorities,
                occurrences=occurrences,
                options=options,
                log=log,
                run_for=run_for,
            )
            if outcome != "pending":
                counts[outcome] += 1
        for run in runs.values():
            _write(run, principal, counts, file.name)
    except BaseException:
        transaction.rollback()
        raise
    for issue in report.warnings:
        if issue.line is not None and not issue.lines:
            issue.lines = [issue.line]
    report.errors.sort(key=lambda issue: issue.line or 0)
    report.warnings.sort(key=lambda issue: issue.line or 0)
    report.files.append(
        FileSummary(
            file=file.name,
            dataset="register",
            rows=len(table.rows),
            imported=counts["imported"],
            unchanged=counts["unchanged"],
            not_imported=counts["not_imported"],
            errors=counts["error"],
            left_out=dict(Counter(issue.message for issue in report.errors).most_common()),
        )
    )
    if options.dry_run or (options.strict and report.errors):
        transaction.rollback()
    else:
        transaction.commit()
        report.committed = True
    return report


def _write(run: _Authority, principal: Principal, counts: Counter[str], file: str) -> None:
    """Write one authority's checked rows: its new agreements in one insert, then contributions and money."""
    writer, made = run.writer, run.made
    writer.write_agreements(list(run.new.values()))
    for number, pending in enumerate(run.pending, start=1):
        made.still_to_come = len(run.pending) - number
        agreement = pending.agreement
        if isinstance(agreement, AgreementRow):
            if agreement.agreement is None or not agreement.ok:
                if agreement.line != pending.line:
                    writer.log.fail(file, pending.line, f"its agreement {agreement.reference} could not be created")
                counts["error"] += 1
                continue
            agreement = agreement.agreement
        writer.create_contribution(pending.contribution, agreement, made, pending.contribution_id)
        if not pending.contribution.ok:
            counts["error"] += 1
            continue
        plan = writer.plans[pending.contribution_id]
        for kind, amount, on in pending.money:
            # Checked already (`_check_row`), so a refusal here is a fault, not a row to leave out.
            plan.record(
                principal,
                HistoryMovement(
                    pending.contribution_id,
                    kind,
                    amount,
                    on,
                    None,
                    f"migrated from the register ({file} line {pending.line})",
                ),
            )
            writer.report.created.movements += 1
        counts["imported"] += 1
    writer.write_made(made)
    writer.finish()


def _check_row(
    *,
    principal: Principal,
    file: str,
    line: int,
    row: dict[str, Any],
    authorities: dict[str, str],
    occurrences: Counter[tuple[str, str, str, str]],
    options: RegisterOptions,
    log: RowLog,
    run_for: Callable[[str], _Authority],
) -> str:
    """Check one register row whole, or report why not; "pending" when it will be written."""

    def fail(message: str) -> str:
        log.fail(file, line, message)
        return "error"

    def warn(message: str) -> None:
        log.warn(file, line, message)

    if text(row.get("notes")).upper().startswith(EXAMPLE_MARK):
        return fail("this is the template's example row; delete it")
    absent = [name for name in REQUIRED if blank(row.get(name))]
    if absent:
        return fail(f"no {', '.join(name.replace('_', ' ') for name in absent)}")
    authority_text = text(row["authority"])
    authority_id = authorities.get(_heading_key(authority_text.replace("&", "and")))
    if authority_id is None:
        known = ", ".join(sorted(set(authorities.values())))
        return fail(f"authority {authority_text!r} is not a known local authority (the authorities are {known})")
    reference = text(row["agreement_reference"])
    try:
        signed = _in_column("signed date", parse_date, row["signed_on"])
        purpose, purpose_warning = read_purpose(text(row["purpose"]))
        amount = _in_column("amount", parse_amount, row["amount"])
        money: list[tuple[MovementKind, Decimal, date]] = []
        for amount_field, date_field, kind in _MONEY_STEPS:
            value = _in_column(amount_field, parse_amount, row.get(amount_field))
            if value is None or value.value == 0:
                continue
            on = _in_column(date_field, parse_date, row[date_field]).value if not blank(row.get(date_field)) else None
            if on is None:
                if options.undated_on is None:
                    return fail(
                        f"{amount_field} {pounds(value.value)} has no date (give --undated-on to date such amounts)"
                    )
                on = options.undated_on
                warn(f"{amount_field} {pounds(value.value)} has no date; recorded on {on}")
            money.append((kind, value.value, on))
    except KeyError as error:
        return fail(str(error.args[0]))
    except ValueError as error:
        return fail(str(error))
    if purpose_warning:
        warn(purpose_warning)
    if amount is None or amount.value <= 0:
        return fail("amount must be greater than zero")
    for parsed in (signed, amount):
        if parsed.warning:
            warn(parsed.warning)
    identity = (authority_id, reference, purpose.value, str(amount.value))
    occurrences[identity] += 1
    key = record_key("register", "contribution", *identity, occurrences[identity])
    run = run_for(authority_id)
    writer = run.writer
    if writer.seen(key):
        return "unchanged"
    agreement: Agreement | AgreementRow
    existing = run.in_ledger.get(reference)
    if existing is not None:
        if not writer.seen(writer.agreement_key(reference)):
            return fail(
                f"agreement {reference} of {authority_id} is already in the ledger (not from this register); "
                "add this contribution to it by hand"
            )
        agreement, signed_on = existing, existing.signed_on
    elif reference in run.new:
        agreement = run.new[reference]
        signed_on = agreement.signed_on
    else:
        try:
            AgreementCreate(
                local_authority_id=authority_id,
                reference=reference,
                site=text(row.get("site")) or reference,
                developer=text(row.get("developer")) or None,
                signed_on=signed.value,
            )
        except ValidationError as error:
            return fail(reason_of(error))
        agreement = AgreementRow(
            file=file,
            line=line,
            source_reference=reference,
            reference=reference,
            signed_on=signed.value,
            name=text(row.get("site")) or reference,
            developer=text(row.get("developer")) or None,
        )
        signed_on = signed.value
    if signed_on != signed.value:
        warn(f"agreement {reference} was signed on {signed_on} on an earlier row; that date is kept")
    trigger_text = text(row.get("trigger")) or None
    notes = text(row.get("notes")) or None
    (contribution_id,) = run.made.contribution_ids.take(1, ahead=16)
    history = History(contribution_id, signed_on, [])
    try:
        reading = read_trigger(trigger_text) if trigger_text else None
        ContributionCreate(
            purpose=purpose,
            amount=amount.value,
            trigger=Trigger(
                type=reading.type if reading else TriggerType.other,
                threshold=reading.threshold if reading else None,
                description=reading.description[:2000] if reading else None,
            ),
            notes=notes,
        )
        # The register is the force's own record: its money keeps every rule (nothing is flagged and kept).
        for kind, step_amount, on in [(MovementKind.secured, amount.value, signed_on), *money]:
            movement = HistoryMovement(contribution_id, kind, step_amount, on, None, None)
            history.admit(principal, movement)
            problem = history.refusal(movement.change)
            if problem is not None:
                raise ConflictError(problem, field="amount")
            history.apply(movement.change)
    except (DomainError, ValidationError) as error:
        return fail(reason_of(error))
    if isinstance(agreement, AgreementRow):
        run.new.setdefault(reference, agreement)
    run.pending.append(
        _Pending(
            line=line,
            agreement=agreement,
            contribution=ContributionRow(
                file=file,
                line=line,
                source_reference=reference,
                agreement_reference=reference,
                purpose_code="",
                amount=amount.value,
                units="",
                notes=notes,
                local_purpose=purpose,
                start_on=None,
                end_on=None,
                key=key,
                selected=True,
                trigger_text=trigger_text,
            ),
            contribution_id=contribution_id,
            money=money,
        )
    )
    return "pending"
