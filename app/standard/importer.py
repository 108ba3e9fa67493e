"""Importing the national developer-contributions files (as published, messy) into the ledger.

One run reads every file, checks every row, then writes in one transaction: a dry run rolls it back,
a real run keeps it. Each row that is written is remembered by a key built from what it says (not
from its position), so importing the same files again changes nothing. Rows that cannot be
understood are reported by file and line and left out; they never stop the rows around them.
"""

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.schemas import AgreementCreate
from app.agreements.service import create_agreement
from app.auth.service import Principal
from app.balances.queries import Balance, GroupBy, balances_by_id, running_totals
from app.contributions.schemas import ContributionCreate, EventCreate, Trigger
from app.contributions.service import create_contribution, record_event
from app.errors import ConflictError, DomainError, RuleError
from app.local_authorities.service import get_local_authority
from app.models import Agreement, Contribution, EventKind, ImportedRecord, LocalAuthority, MovementKind, Purpose
from app.money import ZERO, pounds
from app.movements.service import record_movement
from app.standard import codelists
from app.standard.parsing import Parsed, Table, base_reference, blank, parse_amount, parse_date, read_table, text
from app.standard.parsing import read_trigger as read_trigger_text
from app.standard.schemas import (
    AGREEMENT_DATASET,
    CONTRIBUTION_DATASET,
    TRANSACTION_DATASET,
    Comparison,
    Discrepancy,
    FileSummary,
    ImportReport,
    Issue,
)

Progress = Callable[[str, int, int], None]
"""Called as (step, done, total) while an import runs."""

BLANK_STATUS_MEANING = (
    "contribution-funding-status is blank on {count} row(s): read as each contribution's trigger schedule "
    "(its Trigger text becomes the trigger), not as a status reached, so no trigger_met event and no money "
    "is recorded for them (see docs/data-standard.md)"
)

_STATUS_MOVEMENT = {
    "received": MovementKind.received,
    "transferred": MovementKind.drawn,
    "spent": MovementKind.spent,
    "returned": MovementKind.returned,
}
_LOCAL_PURPOSE_NOTE = re.compile(r"police purpose:\s*([a-z_]+)", re.IGNORECASE)
_TRIGGER_NOTE = re.compile(r"trigger:\s*([^;]+)", re.IGNORECASE)


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


def record_key(*parts: object) -> str:
    """A stable key for a row from what it says (SHA-256 of its identifying parts)."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def imported_record(*, session: Session, local_authority_id: str, key: str) -> ImportedRecord | None:
    """The earlier import of a row with this key, if any."""
    return session.scalar(
        select(ImportedRecord).where(ImportedRecord.local_authority_id == local_authority_id, ImportedRecord.key == key)
    )


def remember(
    *,
    session: Session,
    principal: Principal,
    local_authority_id: str,
    key: str,
    kind: str,
    record_id: int | None,
    source: str,
) -> None:
    """Note that a row has been imported, so a later import of it changes nothing."""
    session.add(
        ImportedRecord(
            local_authority_id=local_authority_id,
            key=key,
            kind=kind,
            record_id=record_id,
            source=source[:500],
            imported_by=principal.label,
        )
    )
    session.flush()


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A savepoint that rolls back only this block's writes when it raises."""
    with session.begin_nested():
        yield


def state_on(*, session: Session, contribution_id: int, on: date) -> dict[str, Decimal]:
    """A contribution's running sums at the end of a date."""
    state = {"total_value": ZERO, "received": ZERO, "drawn": ZERO, "spent": ZERO, "returned": ZERO}
    for point in running_totals(session, contribution_id=contribution_id):
        if point.on > on:
            break
        state = {name: getattr(point, name) for name in state}
    return state


@dataclass
class Published:
    """What recording one published movement wrote: how many movements, and the flagged adjustments."""

    movements: int = 0
    adjustments: list[str] = field(default_factory=list)


def record_published(
    *,
    session: Session,
    principal: Principal,
    contribution_id: int,
    kind: MovementKind,
    amount: Decimal,
    on: date,
    reference: str | None,
    note: str | None,
) -> Published:
    """Record a published movement; where it breaks a rule, keep it as published with the excess flagged."""
    written = Published()

    def plain(plain_amount: Decimal) -> bool:
        try:
            with savepoint(session):
                record_movement(
                    session=session,
                    principal=principal,
                    contribution_id=contribution_id,
                    kind=kind,
                    amount=plain_amount,
                    published_history=True,
                    on=on,
                    reference=reference,
                    note=note,
                )
        except ConflictError:
            return False
        written.movements += 1
        return True

    def flagged(flag_kind: MovementKind, flag_amount: Decimal, why: str) -> None:
        record_movement(
            session=session,
            principal=principal,
            contribution_id=contribution_id,
            kind=flag_kind,
            amount=flag_amount,
            on=on,
            reference=reference,
            note=f"flagged import adjustment: {why}",
            adjustment=True,
            published_history=True,
        )
        written.movements += 1
        written.adjustments.append(f"{flag_kind.value} {pounds(flag_amount)} on {on} flagged as an adjustment: {why}")

    if plain(amount):
        return written
    state = state_on(session=session, contribution_id=contribution_id, on=on)
    if kind in (MovementKind.received, MovementKind.spent):
        so_far = state["received" if kind is MovementKind.received else "spent"]
        excess = so_far + amount - state["total_value"]
        if excess > 0:
            flagged(
                MovementKind.variation,
                excess,
                f"published {kind.value} of {pounds(so_far + amount)} exceeds the "
                f"{pounds(state['total_value'])} secured",
            )
        if not plain(amount):
            flagged(kind, amount, "the published figures break the ledger's rules here")
        return written
    if kind in (MovementKind.drawn, MovementKind.returned):
        held = max(state["received"] - state["drawn"] - state["returned"], ZERO)
        within = min(amount, held)
        if within > 0 and not plain(within):
            within = ZERO
        flagged(
            kind,
            amount - within,
            f"the authority held only {pounds(held)} when {pounds(amount)} was published as {kind.value}",
        )
        return written
    flagged(kind, amount, "the published figures break the ledger's rules here")
    return written


@dataclass
class AgreementRow:
    """An agreement read from a file (or found in the ledger when only its contributions were imported)."""

    file: str
    line: int
    source_reference: str
    reference: str
    signed_on: date
    name: str | None = None
    agreement_type: str = "section-106"
    planning_application: str | None = None
    document_url: str | None = None
    notes: str | None = None
    closed_on: date | None = None
    agreement: Agreement | None = None
    own: bool = False
    ok: bool = True


@dataclass
class ContributionRow:
    """A contribution read from the contribution file."""

    file: str
    line: int
    source_reference: str
    target: AgreementRow | None
    purpose_code: str
    amount: Decimal | None
    units: str
    notes: str | None
    local_purpose: Purpose
    start_on: date | None
    end_on: date | None
    key: str = ""
    selected: bool = False
    ok: bool = True
    contribution: Contribution | None = None
    trigger_text: str | None = None
    transactions: list["TransactionRow"] = field(default_factory=list)


@dataclass
class TransactionRow:
    """A status row read from the transaction file."""

    file: str
    line: int
    source_reference: str
    contribution: ContributionRow | None
    status: str | None
    amount: Decimal | None
    trigger: str
    on: date | None
    end_on: date | None
    key: str = ""
    ok: bool = True


class _Import:
    """One run of an import: the parsed rows, the report being built, and the writes."""

    def __init__(
        self,
        *,
        session: Session,
        principal: Principal,
        authority: LocalAuthority,
        options: ImportOptions,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.authority = authority
        self.options = options
        self.report = report
        self.progress = progress or (lambda _step, _done, _total: None)
        self.outcomes: dict[tuple[str, int], str] = {}
        self.agreements: dict[str, AgreementRow] = {}
        self.agreements_by_source: dict[str, AgreementRow] = {}
        self.contributions: list[ContributionRow] = []
        self.contributions_by_source: defaultdict[str, list[ContributionRow]] = defaultdict(list)
        self.contributions_by_base: defaultdict[str, list[ContributionRow]] = defaultdict(list)
        self.transactions: list[TransactionRow] = []
        self.serial_dates: Counter[str] = Counter()
        self.foreign: dict[str, AgreementRow] = {}

    # -- the report ---------------------------------------------------------------------------

    def warn(self, file: str, line: int | None, message: str) -> None:
        """Add a warning."""
        self.report.warnings.append(Issue(file=file, line=line, message=message))

    def fail(self, file: str, line: int, message: str) -> None:
        """Add an error for a row, which is then left out."""
        self.report.errors.append(Issue(file=file, line=line, lines=[line], message=message))
        self.outcomes[(file, line)] = "error"

    def outcome(self, file: str, line: int, what: str) -> None:
        """Note what became of a row (an error sticks)."""
        if self.outcomes.get((file, line)) != "error":
            self.outcomes[(file, line)] = what

    def read_date(self, file: str, line: int, value: object, label: str) -> date | None:
        """A date cell, with generous reading noted; raises ValueError for one that is not a date."""
        if blank(value):
            return None
        parsed = parse_date(value)
        self._note(file, line, parsed, label)
        return parsed.value

    def _note(self, file: str, line: int, parsed: Parsed[Any], label: str) -> None:
        if parsed.warning is None:
            return
        if "Excel serial" in parsed.warning:
            self.serial_dates[file] += 1
        else:
            self.warn(file, line, f"{label}: {parsed.warning}")

    def check_organisation(self, file: str, line: int, row: dict[str, Any]) -> bool:
        """Whether the row's organisation (if any) is this authority's."""
        organisation = text(row.get("organisation"))
        expected = self.authority.organisation
        if organisation and expected and organisation.lower() != expected.lower():
            self.fail(file, line, f"organisation {organisation!r} is not {self.authority.name} ({expected})")
            return False
        return True

    # -- reading --------------------------------------------------------------------------------

    def read_agreements(self, table: Table) -> None:
        """Parse the agreement file."""
        for line, row in table.rows:
            self.outcome(table.name, line, "not_imported")
            if not self.check_organisation(table.name, line, row):
                continue
            source = text(row.get(AGREEMENT_DATASET) or row.get("reference"))
            if not source:
                self.fail(table.name, line, "the developer-agreement reference is blank")
                continue
            reference = base_reference(source) or source
            try:
                signed = self.read_date(table.name, line, row.get("start-date"), "start-date")
                if signed is None:
                    signed = self.read_date(table.name, line, row.get("entry-date"), "entry-date")
                    if signed is not None:
                        self.warn(table.name, line, "start-date is blank; the agreement is dated by its entry-date")
                closed = self.read_date(table.name, line, row.get("end-date"), "end-date")
            except ValueError as error:
                self.fail(table.name, line, str(error))
                continue
            if signed is None:
                self.fail(table.name, line, "the agreement has neither a start-date nor an entry-date")
                continue
            if signed > date.today():
                self.fail(table.name, line, f"start-date {signed} is in the future")
                continue
            if closed is not None and closed < signed:
                self.warn(table.name, line, f"end-date {closed} is before the start-date {signed}; ignored")
                closed = None
            raw_type = text(row.get("developer-agreement-type"))
            agreement_type = "section-106"
            if raw_type:
                try:
                    matched = codelists.match(codelists.AGREEMENT_TYPE, raw_type)
                except codelists.CodeError as error:
                    self.fail(table.name, line, str(error))
                    continue
                agreement_type = matched.code
                if matched.warning:
                    self.warn(table.name, line, matched.warning)
            else:
                self.warn(table.name, line, "developer-agreement-type is blank; read as section-106")
            if len(reference) > 100:
                self.fail(table.name, line, f"reference {reference!r} is longer than 100 characters")
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
            earlier = self.agreements.get(reference)
            if earlier is not None:
                self.warn(table.name, line, f"agreement {source!r} repeats line {earlier.line}; the first row is kept")
                self.agreements_by_source.setdefault(source, earlier)
                continue
            self.agreements[reference] = parsed
            self.agreements_by_source[source] = parsed

    def find_agreement(self, file: str, line: int, raw: str) -> AgreementRow | None:
        """The agreement a contribution names: in the files, by near-miss suffix, or already in the ledger."""
        if raw in self.agreements_by_source:
            return self.agreements_by_source[raw]
        base = base_reference(raw)
        if base in self.agreements:
            found = self.agreements[base]
            self.warn(file, line, f"developer-agreement {raw!r} read as {found.source_reference!r}")
            return found
        existing = self.session.scalar(
            select(Agreement).where(Agreement.local_authority_id == self.authority.id, Agreement.reference == base)
        )
        if existing is None:
            return None
        target = AgreementRow(
            file=file,
            line=line,
            source_reference=raw,
            reference=existing.reference,
            signed_on=existing.signed_on,
            agreement=existing,
            own=self.seen(self.agreement_key(existing.reference)) is not None,
        )
        self.agreements[base] = target
        return target

    def seen(self, key: str) -> ImportedRecord | None:
        """The earlier import of a row with this key, if any."""
        return imported_record(session=self.session, local_authority_id=self.authority.id, key=key)

    def remember(self, key: str, kind: str, record_id: int | None, source: str) -> None:
        """Note that a row has been imported."""
        remember(
            session=self.session,
            principal=self.principal,
            local_authority_id=self.authority.id,
            key=key,
            kind=kind,
            record_id=record_id,
            source=source,
        )

    def agreement_key(self, reference: str) -> str:
        """The key of an agreement imported from published files."""
        return record_key("standard", "agreement", self.authority.id, reference)

    def read_contributions(self, table: Table) -> None:
        """Parse the contribution file."""
        occurrences: Counter[tuple[str, str, str]] = Counter()
        for line, row in table.rows:
            self.outcome(table.name, line, "not_imported")
            if not self.check_organisation(table.name, line, row):
                continue
            source = text(row.get(CONTRIBUTION_DATASET) or row.get("reference"))
            raw_agreement = text(row.get(AGREEMENT_DATASET))
            try:
                purpose = codelists.match(codelists.PURPOSE, text(row.get("contribution-purpose")))
            except codelists.CodeError as error:
                self.fail(table.name, line, str(error))
                continue
            if purpose.warning:
                self.warn(table.name, line, purpose.warning)
            try:
                amount = parse_amount(row.get("amount"))
                start = self.read_date(table.name, line, row.get("start-date"), "start-date")
                end = self.read_date(table.name, line, row.get("end-date"), "end-date")
            except ValueError as error:
                self.fail(table.name, line, str(error))
                continue
            if amount is not None and amount.warning:
                self.warn(table.name, line, amount.warning)
            notes = text(row.get("notes")) or None
            local_purpose = self.options.local_purpose
            if notes and (named := _LOCAL_PURPOSE_NOTE.search(notes)):
                try:
                    local_purpose = Purpose(named[1].lower())
                except ValueError:
                    self.warn(table.name, line, f"notes name an unknown police purpose {named[1]!r}; ignored")
            parsed = ContributionRow(
                file=table.name,
                line=line,
                source_reference=source,
                target=None,
                purpose_code=purpose.code,
                amount=amount.value if amount else None,
                units=text(row.get("units")),
                notes=notes,
                local_purpose=local_purpose,
                start_on=start,
                end_on=end,
                selected=purpose.code in self.options.purposes,
            )
            if notes and (trigger := _TRIGGER_NOTE.search(notes)):
                parsed.trigger_text = trigger[1].strip()
            self.contributions.append(parsed)
            if not source:
                self.fail(table.name, line, "the developer-agreement-contribution reference is blank")
                parsed.ok = False
                continue
            target = self.find_agreement(table.name, line, raw_agreement) if raw_agreement else None
            if target is None:
                missing = (
                    f"agreement {raw_agreement!r}" if raw_agreement else "no agreement (developer-agreement is blank)"
                )
                self.fail(table.name, line, f"contribution {source!r} names {missing}, which is not in the files")
                parsed.ok = False
                continue
            if not target.ok:
                self.fail(table.name, line, f"its agreement (line {target.line} of {target.file}) was not imported")
                parsed.ok = False
                continue
            parsed.target = target
            identity = (target.reference, purpose.code, str(parsed.amount))
            occurrences[identity] += 1
            parsed.key = record_key("standard", "contribution", self.authority.id, *identity, occurrences[identity])

    def find_contribution(
        self, file: str, line: int, raw: str, amount: Decimal | None, status: str | None
    ) -> ContributionRow | None:
        """The contribution a transaction names; repeated references are told apart by amount."""
        if not self.contributions_by_source:
            for row in self.contributions:
                self.contributions_by_source[row.source_reference].append(row)
                self.contributions_by_base[base_reference(row.source_reference)].append(row)
        candidates = self.contributions_by_source.get(raw, [])
        if not candidates:
            candidates = self.contributions_by_base.get(base_reference(raw), [])
            if candidates:
                self.warn(
                    file, line, f"developer-agreement-contribution {raw!r} read as {candidates[0].source_reference!r}"
                )
        if not candidates:
            self.fail(file, line, f"contribution {raw!r} is not in the contribution file")
            return None
        if len(candidates) == 1:
            return candidates[0]
        same_amount = [row for row in candidates if row.amount is not None and row.amount == amount]
        if not same_amount:
            self.fail(
                file,
                line,
                f"contribution reference {raw!r} is used by {len(candidates)} contributions and none is for "
                f"{'an unstated amount' if amount is None else pounds(amount)}; cannot tell which this row belongs to",
            )
            return None
        for row in same_amount:
            if not any(other.status == status for other in row.transactions):
                return row
        self.warn(
            file, line, f"another row for the contribution on line {same_amount[0].line} of {same_amount[0].file}"
        )
        return same_amount[0]

    def read_transactions(self, table: Table) -> None:
        """Parse the transaction file."""
        blank_status = 0
        occurrences: Counter[tuple[str, str, str, str]] = Counter()
        for line, row in table.rows:
            self.outcome(table.name, line, "not_imported")
            if not self.check_organisation(table.name, line, row):
                continue
            source = text(row.get(TRANSACTION_DATASET) or row.get("reference"))
            raw_status = text(row.get("contribution-funding-status"))
            status: str | None = None
            if raw_status:
                try:
                    matched = codelists.match(codelists.FUNDING_STATUS, raw_status)
                except codelists.CodeError as error:
                    self.fail(table.name, line, str(error))
                    continue
                status = matched.code
                if matched.warning:
                    self.warn(table.name, line, matched.warning)
            else:
                blank_status += 1
            try:
                amount = parse_amount(row.get("amount"))
                on = self.read_date(table.name, line, row.get("start-date"), "start-date")
                if on is None and status is not None:
                    on = self.read_date(table.name, line, row.get("entry-date"), "entry-date")
                    if on is not None:
                        self.warn(table.name, line, "start-date is blank; the row is dated by its entry-date")
                end = self.read_date(table.name, line, row.get("end-date"), "end-date")
            except ValueError as error:
                self.fail(table.name, line, str(error))
                continue
            if amount is not None and amount.warning:
                self.warn(table.name, line, amount.warning)
            value = amount.value if amount else None
            raw_contribution = text(row.get(CONTRIBUTION_DATASET))
            if not raw_contribution:
                self.fail(table.name, line, "developer-agreement-contribution is blank")
                continue
            contribution = self.find_contribution(table.name, line, raw_contribution, value, status)
            if contribution is None:
                continue
            parsed = TransactionRow(
                file=table.name,
                line=line,
                source_reference=source,
                contribution=contribution,
                status=status,
                amount=value,
                trigger=text(row.get("trigger")),
                on=on,
                end_on=end,
            )
            contribution.transactions.append(parsed)
            if not contribution.ok:
                self.fail(
                    table.name,
                    line,
                    f"its contribution (line {contribution.line} of {contribution.file}) was not imported",
                )
                parsed.ok = False
                continue
            self.transactions.append(parsed)
            identity = (contribution.key, status or "", str(value), str(on))
            occurrences[identity] += 1
            parsed.key = record_key("standard", "transaction", self.authority.id, *identity, occurrences[identity])
            if parsed.trigger and contribution.trigger_text is None:
                contribution.trigger_text = parsed.trigger
        if blank_status:
            self.warn(table.name, None, BLANK_STATUS_MEANING.format(count=blank_status))

    # -- writing --------------------------------------------------------------------------------

    def write_agreements(self) -> None:
        """Create the agreements that are new; recognise those imported before."""
        rows = [row for row in self.agreements.values() if row.agreement is None]
        for done, row in enumerate(rows, start=1):
            self.progress("agreements", done, len(rows))
            existing = self.session.scalar(
                select(Agreement).where(
                    Agreement.local_authority_id == self.authority.id, Agreement.reference == row.reference
                )
            )
            key = self.agreement_key(row.reference)
            if existing is not None:
                row.agreement = existing
                row.own = self.seen(key) is not None
                self.outcome(row.file, row.line, "unchanged")
                if row.own and existing.signed_on != row.signed_on:
                    self.warn(
                        row.file,
                        row.line,
                        f"the ledger has agreement {row.reference} signed on {existing.signed_on}, "
                        f"not {row.signed_on}; the ledger is left unchanged",
                    )
                continue
            try:
                with savepoint(self.session):
                    agreement = create_agreement(
                        session=self.session,
                        principal=self.principal,
                        data=AgreementCreate(
                            local_authority_id=self.authority.id,
                            reference=row.reference,
                            site=(row.name or row.reference)[:300],
                            signed_on=row.signed_on,
                            notes=row.notes,
                        ),
                    )
                    agreement.planning_application = (row.planning_application or "")[:100] or None
                    agreement.agreement_type = row.agreement_type
                    agreement.document_url = (row.document_url or "")[:1000] or None
                    agreement.closed_on = row.closed_on
                    self.session.flush()
                    self.remember(key, "agreement", agreement.id, self.source(row))
            except (DomainError, ValidationError) as error:
                self.fail(row.file, row.line, _reason(error))
                row.ok = False
                continue
            row.agreement = agreement
            row.own = True
            self.report.created.agreements += 1
            self.outcome(row.file, row.line, "imported")
            if row.closed_on is not None:
                self.warn(row.file, row.line, "the agreement is end-dated: recorded as closed on its end-date")

    def source(self, row: AgreementRow | ContributionRow | TransactionRow) -> str:
        """Where a row came from, as the imported record keeps it."""
        return f"{row.file}:{row.line}"

    def write_contributions(self) -> None:
        """Create the force's contributions that are new."""
        rows = [row for row in self.contributions if row.ok and row.selected]
        for row in self.contributions:
            if row.ok and not row.selected:
                self.outcome(row.file, row.line, "not_imported")
        for done, row in enumerate(rows, start=1):
            self.progress("contributions", done, len(rows))
            target = row.target
            if target is None or target.agreement is None or not target.ok:
                self.fail(row.file, row.line, "its agreement could not be imported")
                row.ok = False
                continue
            if not target.own:
                row.ok = False
                self.outcome(row.file, row.line, "not_imported")
                if target.reference not in self.foreign:
                    self.foreign[target.reference] = target
                    self.warn(
                        row.file,
                        row.line,
                        f"agreement {target.reference} is already in the ledger, kept by hand (not from published "
                        "files); its published contributions are left out so nothing is counted twice, and "
                        "compared with the ledger under comparisons",
                    )
                continue
            if row.amount is None or row.amount == 0:
                row.ok = False
                self.outcome(row.file, row.line, "not_imported")
                what = f"units {row.units!r}" if row.units else "no amount"
                self.warn(row.file, row.line, f"a non-money obligation ({what}) is not kept in the money ledger")
                continue
            earlier = self.seen(row.key)
            if earlier is not None and earlier.record_id is not None:
                row.contribution = self.session.get(Contribution, earlier.record_id)
                self.outcome(row.file, row.line, "unchanged")
                continue
            self.create_contribution(row, target.agreement)

    def create_contribution(self, row: ContributionRow, agreement: Agreement) -> None:
        """Create one contribution, secured on the agreement's date, and written off if end-dated."""
        reading = read_trigger_text(row.trigger_text) if row.trigger_text else None
        trigger = (
            Trigger(type=reading.type, threshold=reading.threshold, description=reading.description[:2000])
            if reading
            else Trigger(type="other", description=None)
        )
        notes = _LOCAL_PURPOSE_NOTE.sub("", _TRIGGER_NOTE.sub("", row.notes or "")).strip(" ;") or None
        if row.end_on is not None and row.end_on < agreement.signed_on:
            self.fail(
                row.file, row.line, f"end-date {row.end_on} is before the agreement was signed on {agreement.signed_on}"
            )
            row.ok = False
            return
        try:
            with savepoint(self.session):
                contribution = create_contribution(
                    session=self.session,
                    principal=self.principal,
                    agreement_id=agreement.id,
                    data=ContributionCreate(purpose=row.local_purpose, amount=row.amount, trigger=trigger, notes=notes),
                    published_history=True,
                )
                if row.end_on is not None:
                    written_off = record_published(
                        session=self.session,
                        principal=self.principal,
                        contribution_id=contribution.id,
                        kind=MovementKind.written_off,
                        amount=row.amount or ZERO,
                        on=row.end_on,
                        reference=row.source_reference[:200] or None,
                        note="superseded: end-dated in the published contribution file",
                    )
                    self.report.created.movements += written_off.movements
                    self.report.created.adjustments += len(written_off.adjustments)
                self.remember(row.key, "contribution", contribution.id, self.source(row))
        except (DomainError, ValidationError) as error:
            self.fail(row.file, row.line, _reason(error))
            row.ok = False
            return
        row.contribution = contribution
        self.report.created.contributions += 1
        self.report.created.movements += 1
        self.outcome(row.file, row.line, "imported")
        if row.start_on is not None and row.start_on != agreement.signed_on:
            self.warn(
                row.file,
                row.line,
                f"start-date {row.start_on} differs from the agreement's {agreement.signed_on}; the sum is secured "
                "on the agreement's date",
            )
        if row.end_on is not None:
            self.warn(row.file, row.line, "the contribution is end-dated (superseded): written off on its end-date")

    def write_transactions(self) -> list[tuple[TransactionRow, list[str]]]:
        """Record each status reached, oldest first; returns the flagged adjustments by row."""
        rows = [row for row in self.transactions if row.contribution is not None and row.contribution.selected]
        for row in self.transactions:
            if row.contribution is not None and not row.contribution.selected:
                self.outcome(row.file, row.line, "not_imported")
        rows.sort(key=lambda row: (row.on or date.min, row.line))
        flagged: list[tuple[TransactionRow, list[str]]] = []
        for done, row in enumerate(rows, start=1):
            self.progress("transactions", done, len(rows))
            adjustments = self.write_transaction(row)
            if adjustments:
                flagged.append((row, adjustments))
        return flagged

    def write_transaction(self, row: TransactionRow) -> list[str]:
        """Record one transaction row as an event or a movement."""
        parent = row.contribution
        if parent is None or parent.contribution is None or not parent.ok:
            self.outcome(row.file, row.line, "not_imported")
            return []
        if row.status is None:
            self.outcome(row.file, row.line, "not_imported")
            return []
        if row.end_on is not None:
            self.outcome(row.file, row.line, "not_imported")
            self.warn(row.file, row.line, f"the row is end-dated {row.end_on} (superseded); not recorded")
            return []
        if row.status == "allocated":
            self.outcome(row.file, row.line, "not_imported")
            self.warn(row.file, row.line, "allocated (earmarked for a project) moves no money; not recorded")
            return []
        if row.amount is None or row.amount == 0:
            self.fail(row.file, row.line, f"a {row.status} row needs an amount greater than zero")
            return []
        if row.on is None:
            self.fail(row.file, row.line, f"a {row.status} row needs a start-date")
            return []
        signed = parent.contribution.agreement.signed_on
        if row.on < signed:
            self.fail(row.file, row.line, f"{row.status} on {row.on} is before the agreement was signed on {signed}")
            return []
        if row.on > date.today():
            self.fail(row.file, row.line, f"{row.status} on {row.on} is in the future")
            return []
        if self.seen(row.key) is not None:
            self.outcome(row.file, row.line, "unchanged")
            return []
        contribution_id = parent.contribution.id
        adjustments: list[str] = []
        try:
            with savepoint(self.session):
                record_id: int | None
                if row.status == "secured":
                    event = record_event(
                        session=self.session,
                        principal=self.principal,
                        contribution_id=contribution_id,
                        data=EventCreate(kind=EventKind.trigger_met, on=row.on, note="secured (published)"),
                        published_history=True,
                    )
                    record_id = event.id
                    self.report.created.events += 1
                    total = state_on(session=self.session, contribution_id=contribution_id, on=row.on)["total_value"]
                    if row.amount > total:
                        record_movement(
                            session=self.session,
                            principal=self.principal,
                            contribution_id=contribution_id,
                            kind=MovementKind.indexation,
                            amount=row.amount - total,
                            on=row.on,
                            reference=row.source_reference[:200] or None,
                            note=(
                                f"secured amount {pounds(row.amount)} published, above the "
                                f"{pounds(total)} in the agreement"
                            ),
                            published_history=True,
                        )
                        self.report.created.movements += 1
                    elif row.amount < total:
                        self.warn(
                            row.file,
                            row.line,
                            f"secured {pounds(row.amount)} is part of the contribution's {pounds(total)}; "
                            "the trigger is recorded as met for the whole contribution",
                        )
                else:
                    published = record_published(
                        session=self.session,
                        principal=self.principal,
                        contribution_id=contribution_id,
                        kind=_STATUS_MOVEMENT[row.status],
                        amount=row.amount,
                        on=row.on,
                        reference=row.source_reference[:200] or None,
                        note=f"{row.status} (published)",
                    )
                    record_id = None
                    adjustments = published.adjustments
                    self.report.created.movements += published.movements
                    self.report.created.adjustments += len(adjustments)
                self.remember(row.key, "transaction", record_id, self.source(row))
        except (DomainError, ValidationError) as error:
            self.fail(row.file, row.line, _reason(error))
            return []
        self.outcome(row.file, row.line, "imported")
        return adjustments

    # -- the figures -----------------------------------------------------------------------------

    def discrepancies(self, flagged: list[tuple[TransactionRow, list[str]]]) -> None:
        """List each contribution whose published figures do not add up."""
        adjustments_of: dict[int, list[str]] = defaultdict(list)
        for row, adjustments in flagged:
            if row.contribution is not None:
                adjustments_of[id(row.contribution)].extend(adjustments)
        for contribution in self.contributions:
            if not contribution.selected or contribution.target is None or contribution.amount is None:
                continue
            sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for transaction in contribution.transactions:
                if transaction.ok and transaction.status and transaction.end_on is None and transaction.amount:
                    sums[transaction.status] += transaction.amount
            secured = max(contribution.amount, sums["secured"])
            problems = []
            if sums["received"] > secured:
                problems.append(f"received {pounds(sums['received'])}, more than the {pounds(secured)} secured")
            if sums["transferred"] + sums["returned"] > sums["received"]:
                paid_out = f"transferred {pounds(sums['transferred'])}" + (
                    f" and returned {pounds(sums['returned'])}" if sums["returned"] else ""
                )
                problems.append(f"{paid_out}, more than the {pounds(sums['received'])} received")
            if sums["spent"] > sums["received"]:
                problems.append(f"spent {pounds(sums['spent'])}, more than the {pounds(sums['received'])} received")
            adjustments = adjustments_of.get(id(contribution), [])
            if not problems and not adjustments:
                continue
            self.report.discrepancies.append(
                Discrepancy(
                    file=contribution.file,
                    line=contribution.line,
                    agreement_reference=contribution.target.reference,
                    contribution_reference=contribution.source_reference,
                    contribution_id=contribution.contribution.id if contribution.contribution else None,
                    secured=secured,
                    received=sums["received"],
                    transferred=sums["transferred"],
                    spent=sums["spent"],
                    returned=sums["returned"],
                    problems=problems,
                    adjustments=adjustments,
                )
            )

    def comparisons(self) -> None:
        """Set each agreement kept by hand beside the published figures for its police contributions."""
        if not self.foreign:
            return
        ids = [target.agreement.id for target in self.foreign.values() if target.agreement is not None]
        ledger = balances_by_id(self.session, group_by=GroupBy.agreement, as_at=date.today(), ids=ids)
        for reference, target in self.foreign.items():
            if target.agreement is None:
                continue
            published: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for row in self.contributions:
                if row.target is not target or not row.selected or row.amount is None:
                    continue
                if row.end_on is None:
                    published["secured"] += row.amount
                for transaction in row.transactions:
                    money = transaction.status not in (None, "secured", "allocated")
                    if money and transaction.status and transaction.end_on is None and transaction.amount:
                        published[transaction.status] += transaction.amount
            figures = ledger.get(target.agreement.id) or Balance(key=str(target.agreement.id), label=reference)
            pairs = (
                ("secured", published["secured"], "total value", figures.total_value),
                ("received", published["received"], "received", figures.received_by_local_authority),
                ("transferred", published["transferred"], "drawn", figures.drawn),
                ("spent", published["spent"], "spent", figures.spent),
            )
            self.report.comparisons.append(
                Comparison(
                    agreement_id=target.agreement.id,
                    agreement_reference=reference,
                    published_secured=published["secured"],
                    published_received=published["received"],
                    published_transferred=published["transferred"],
                    published_spent=published["spent"],
                    ledger_total_value=figures.total_value,
                    ledger_received=figures.received_by_local_authority,
                    ledger_drawn=figures.drawn,
                    ledger_spent=figures.spent,
                    differences=[
                        f"published {name} {pounds(theirs)}, ledger {ours_name} {pounds(ours)} "
                        f"(difference {pounds(theirs - ours)})"
                        for name, theirs, ours_name, ours in pairs
                        if theirs != ours
                    ],
                )
            )

    def summarise(self, tables: dict[str, Table]) -> None:
        """Count each file's rows by what became of them."""
        for dataset, table in tables.items():
            counts = Counter(self.outcomes.get((table.name, line), "not_imported") for line, _row in table.rows)
            self.report.files.append(
                FileSummary(
                    file=table.name,
                    dataset=dataset,
                    rows=len(table.rows),
                    imported=counts["imported"],
                    unchanged=counts["unchanged"],
                    not_imported=counts["not_imported"],
                    errors=counts["error"],
                )
            )
            if table.extra_cells:
                self.warn(
                    table.name,
                    None,
                    f"{len(table.extra_cells)} row(s) have values under no heading (lines "
                    f"{', '.join(map(str, table.extra_cells[:10]))}); those values are ignored",
                )
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
        order = {table.name: index for index, table in enumerate(tables.values())}
        self.report.warnings.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
        self.report.errors.sort(key=lambda issue: (order.get(issue.file, 0), issue.line or 0))


def _reason(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.detail
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors())
    return str(error)


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


def read_files(files: list[SourceFile], report: ImportReport) -> dict[str, Table]:
    """Read each file and tell which dataset it is; refuses files it cannot place."""
    tables: dict[str, Table] = {}
    for source in files:
        try:
            table = read_table(source.name, source.content)
        except ValueError as error:
            raise RuleError(str(error), field="files") from error
        dataset = dataset_of(table.headings)
        if dataset is None:
            raise RuleError(
                f"{source.name} is not a developer-contributions file: its headings ({', '.join(table.headings)}) "
                "name none of developer-agreement, developer-agreement-contribution, developer-agreement-transaction",
                field="files",
            )
        if dataset in tables:
            raise RuleError(f"{source.name} and {tables[dataset].name} are both {dataset} files", field="files")
        tables[dataset] = table
    return tables


def import_files(
    *,
    session: Session,
    principal: Principal,
    files: list[SourceFile],
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Import published developer-contributions files; a dry run (or a strict run with errors) writes nothing."""
    authority = get_local_authority(session=session, local_authority_id=options.local_authority_id, scope=None)
    for purpose in options.purposes:
        if not codelists.is_valid(codelists.PURPOSE, purpose):
            raise RuleError(f"purpose {purpose!r} is not a contribution-purpose code", field="purpose")
    if not files:
        raise RuleError("give at least one file to import", field="files")
    report = ImportReport(
        local_authority_id=authority.id, dry_run=options.dry_run, committed=False, purposes=list(options.purposes)
    )
    tables = read_files(files, report)
    run = _Import(
        session=session, principal=principal, authority=authority, options=options, report=report, progress=progress
    )
    transaction = session.begin_nested()
    try:
        if AGREEMENT_DATASET in tables:
            run.read_agreements(tables[AGREEMENT_DATASET])
        if CONTRIBUTION_DATASET in tables:
            run.read_contributions(tables[CONTRIBUTION_DATASET])
        if TRANSACTION_DATASET in tables:
            run.read_transactions(tables[TRANSACTION_DATASET])
        run.write_agreements()
        run.write_contributions()
        flagged = run.write_transactions()
        run.discrepancies(flagged)
        run.comparisons()
        run.summarise(tables)
    except BaseException:
        transaction.rollback()
        raise
    if options.dry_run or (options.strict and report.errors):
        transaction.rollback()
    else:
        transaction.commit()
        report.committed = True
    return report
