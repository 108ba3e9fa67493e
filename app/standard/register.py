"""Migrating the force's spreadsheet register (one row per contribution) into the ledger.

The register is the force's own record, so its rows keep every rule of the ledger: a row that breaks
one is reported and left out whole (agreement, contribution and movements), never forced in.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import spreadsheets
from app.agreements.schemas import AgreementCreate
from app.agreements.service import create_agreement
from app.auth.service import Principal
from app.contributions.schemas import ContributionCreate, Trigger
from app.contributions.service import create_contribution
from app.errors import DomainError, RuleError
from app.models import Agreement, LocalAuthority, MovementKind, Purpose, TriggerType
from app.money import pounds
from app.movements.service import record_movement
from app.spreadsheets import Cell
from app.standard.matching import record_key
from app.standard.parsing import blank, parse_amount, parse_date, read_table, read_trigger, text
from app.standard.rows import Progress, SourceFile
from app.standard.schemas import Created, FileSummary, ImportReport, Issue
from app.standard.writer import imported_record, remember, savepoint


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


def import_register(
    *,
    session: Session,
    principal: Principal,
    file: SourceFile,
    options: RegisterOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Migrate a spreadsheet register into the ledger; a dry run (or a strict run with errors) writes nothing."""
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
    authorities = _authority_names(session)
    occurrences: Counter[tuple[str, str, str, str]] = Counter()
    counts: Counter[str] = Counter()
    transaction = session.begin_nested()
    try:
        for done, (line, raw) in enumerate(table.rows, start=1):
            if progress:
                progress("register", done, len(table.rows))
            row = {column_of[heading]: value for heading, value in raw.items() if heading in column_of}
            outcome = _import_row(
                session=session,
                principal=principal,
                file=file.name,
                line=line,
                row=row,
                authorities=authorities,
                occurrences=occurrences,
                options=options,
                report=report,
            )
            counts[outcome] += 1
    except BaseException:
        transaction.rollback()
        raise
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


def _import_row(
    *,
    session: Session,
    principal: Principal,
    file: str,
    line: int,
    row: dict[str, Any],
    authorities: dict[str, str],
    occurrences: Counter[tuple[str, str, str, str]],
    options: RegisterOptions,
    report: ImportReport,
) -> str:
    """Import one register row whole, or report why not; returns what became of it."""

    def fail(message: str) -> str:
        report.errors.append(Issue(file=file, line=line, lines=[line], message=message))
        return "error"

    def warn(message: str) -> None:
        report.warnings.append(Issue(file=file, line=line, lines=[line], message=message))

    if text(row.get("notes")).upper().startswith(EXAMPLE_MARK):
        return fail("this is the template's example row; delete it")
    absent = [name for name in REQUIRED if blank(row.get(name))]
    if absent:
        return fail(f"no {', '.join(name.replace('_', ' ') for name in absent)}")
    authority_text = text(row["authority"])
    authority_id = authorities.get(_heading_key(authority_text.replace("&", "and")))
    if authority_id is None:
        return fail(f"authority {authority_text!r} is not a known local authority")
    reference = text(row["agreement_reference"])
    try:
        signed = parse_date(row["signed_on"])
        purpose, purpose_warning = read_purpose(text(row["purpose"]))
        amount = parse_amount(row["amount"])
        money: list[tuple[MovementKind, Decimal, date]] = []
        for amount_field, date_field, kind in _MONEY_STEPS:
            value = parse_amount(row.get(amount_field))
            if value is None or value.value == 0:
                continue
            on = parse_date(row[date_field]).value if not blank(row.get(date_field)) else None
            if on is None:
                if options.undated_on is None:
                    return fail(
                        f"{amount_field} {pounds(value.value)} has no date (give --undated-on to date such amounts)"
                    )
                on = options.undated_on
                warn(f"{amount_field} {pounds(value.value)} has no date; recorded on {on}")
            money.append((kind, value.value, on))
    except (ValueError, KeyError) as error:
        return fail(str(error).strip("'"))
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
    if imported_record(session=session, local_authority_id=authority_id, key=key) is not None:
        return "unchanged"
    agreement_key = record_key("register", "agreement", authority_id, reference)
    trigger_text = text(row.get("trigger"))
    reading = read_trigger(trigger_text) if trigger_text else None
    created = Created()
    try:
        with savepoint(session):
            agreement = session.scalar(
                select(Agreement).where(Agreement.local_authority_id == authority_id, Agreement.reference == reference)
            )
            if agreement is None:
                agreement = create_agreement(
                    session=session,
                    principal=principal,
                    data=AgreementCreate(
                        local_authority_id=authority_id,
                        reference=reference,
                        site=text(row.get("site")) or reference,
                        developer=text(row.get("developer")) or None,
                        signed_on=signed.value,
                    ),
                )
                remember(
                    session=session,
                    principal=principal,
                    local_authority_id=authority_id,
                    key=agreement_key,
                    kind="register agreement",
                    record_id=agreement.id,
                    source=file,
                )
                created.agreements += 1
            elif imported_record(session=session, local_authority_id=authority_id, key=agreement_key) is None:
                raise RuleError(
                    f"agreement {reference} of {authority_id} is already in the ledger (not from this register); "
                    "add this contribution to it by hand"
                )
            elif agreement.signed_on != signed.value:
                warn(f"agreement {reference} was signed on {agreement.signed_on} on an earlier row; that date is kept")
            contribution = create_contribution(
                session=session,
                principal=principal,
                agreement_id=agreement.id,
                data=ContributionCreate(
                    purpose=purpose,
                    amount=amount.value,
                    trigger=Trigger(
                        type=reading.type if reading else TriggerType.other,
                        threshold=reading.threshold if reading else None,
                        description=reading.description[:2000] if reading else None,
                    ),
                    notes=text(row.get("notes")) or None,
                ),
            )
            created.contributions += 1
            created.movements += 1
            for kind, step_amount, on in money:
                record_movement(
                    session=session,
                    principal=principal,
                    contribution_id=contribution.id,
                    kind=kind,
                    amount=step_amount,
                    on=on,
                    note=f"migrated from the register ({file} line {line})",
                )
                created.movements += 1
            remember(
                session=session,
                principal=principal,
                local_authority_id=authority_id,
                key=key,
                kind="register contribution",
                record_id=contribution.id,
                source=f"{file}:{line}",
            )
    except (DomainError, ValidationError) as error:
        if isinstance(error, DomainError):
            return fail(error.detail)
        return fail("; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors()))
    report.created.agreements += created.agreements
    report.created.contributions += created.contributions
    report.created.movements += created.movements
    return "imported"
