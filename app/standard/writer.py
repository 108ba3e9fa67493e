"""Writing imported rows to the ledger, remembering each so a second import changes nothing.

Used by the import of published files and by the register migration. Figures others published that
break a money rule are kept as published with the excess recorded as a flagged adjustment
(DESIGN.md); the rules themselves are never loosened for what users record.
"""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ids
from app.agreements.schemas import AgreementCreate
from app.auth.service import Principal
from app.contributions.schemas import ContributionCreate, Trigger
from app.errors import ConflictError, DomainError, RuleError
from app.instalments import service as instalments
from app.instalments.schemas import InstalmentTrigger, InstalmentWrite
from app.instalments.wording import read_schedule, schedule_for
from app.ledger import locks, rollup
from app.ledger.writer import History, HistoryMovement, insert_in_slices, record_histories
from app.local_authorities.service import get_local_authority
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    ImportedRecord,
    Instalment,
    InstalmentDue,
    LocalAuthority,
    MovementKind,
    table_of,
)
from app.money import ZERO, pounds
from app.standard.matching import record_key
from app.standard.parsing import read_trigger
from app.standard.reading import strip_notes
from app.standard.rows import (
    IMPORTED,
    UNCHANGED,
    AgreementRow,
    ContributionRow,
    Progress,
    RowLog,
    TransactionRow,
    not_asked_for,
)

LEDGER_ROWS = {
    "indexation": MovementKind.indexation,
    "variation": MovementKind.variation,
    "written off": MovementKind.written_off,
}
"""The `secured` rows the service's own export notes as a change of total value."""

STATUS_MOVEMENT = {
    "received": MovementKind.received,
    "transferred": MovementKind.drawn,
    "spent": MovementKind.spent,
    "returned": MovementKind.returned,
}

PUBLISHED_NOTE = {status: f"{status} (published)" for status in STATUS_MOVEMENT}
"""One note per status, shared by every movement of that status (not a string per movement)."""


def imported_record(*, session: Session, local_authority_id: str, key: str) -> ImportedRecord | None:
    """The earlier import of a row with this key, if any."""
    return session.scalar(
        select(ImportedRecord).where(ImportedRecord.local_authority_id == local_authority_id, ImportedRecord.key == key)
    )


def reason_of(error: Exception) -> str:
    """A refusal as one sentence for the report."""
    if isinstance(error, DomainError):
        return error.detail
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors())
    return str(error)


@dataclass
class Published:
    """What recording one published movement wrote: how many movements, and the flagged adjustments."""

    movements: int = 0
    adjustments: list[str] = field(default_factory=list)


class Plan:
    """A contribution's published movements, checked in memory as they come and written in one insert at the end."""

    def __init__(self, history: History, sequence: Iterator[int]) -> None:
        self.history = history
        self.base = (list(history.dates), list(history.states))
        self.sequence = sequence
        self.movements: list[tuple[int, HistoryMovement]] = []

    def add(self, movement: HistoryMovement, position: int | None = None) -> None:
        """Take a movement already checked (its position among all the run's movements kept on an undo)."""
        self.history.apply(movement.change)
        self.movements.append((next(self.sequence) if position is None else position, movement))

    def attempt(self, principal: Principal, movement: HistoryMovement) -> bool:
        """Take a movement if it breaks no money rule; refusals that are no rule's still raise."""
        self.history.admit(principal, movement)
        if not movement.adjustment and self.history.refusal(movement.change) is not None:
            return False
        self.add(movement)
        return True

    def record(self, principal: Principal, movement: HistoryMovement) -> None:
        """Take a movement, or refuse it with the rule it breaks."""
        self.history.admit(principal, movement)
        problem = None if movement.adjustment else self.history.refusal(movement.change)
        if problem is not None:
            raise ConflictError(problem, field="amount")
        self.add(movement)

    def undo(self, mark: int) -> None:
        """Drop the movements taken since the mark (a row that was refused after all)."""
        if mark == len(self.movements):
            return
        kept = self.movements[:mark]
        self.history.dates, self.history.states = list(self.base[0]), list(self.base[1])
        self.movements = []
        for position, movement in kept:
            self.add(movement, position)


AT_RISK_KINDS = (EventKind.at_risk, EventKind.at_risk_cleared)
IN_LIST = 500
"""References or ids asked for in one query."""
EVENT_IDS_AHEAD = 500
"""Event ids allocated at a time (a run's events are not counted before they are checked)."""


@dataclass(slots=True)
class StagedEvent:
    """A stage event the run will write, and the contribution's one instalment it makes fall due, if any."""

    id: int
    contribution_id: int
    kind: EventKind
    on: date
    note: str
    instalment_id: int | None = None


@dataclass
class EventTrack:
    """What a contribution's next event is checked against: its signing date, at-risk events, one instalment."""

    signed_on: date
    at_risk: list[tuple[date, tuple[int, int], EventKind]]
    """The at-risk and cleared events: date, order (the ledger's by id, then this run's), kind."""
    single_instalment: int | None
    due_recorded: bool


class Events:
    """A run's stage events, checked in memory as `record_event` checks them, written in one insert at the end."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.tracks: dict[int, EventTrack] = {}
        self.staged: list[StagedEvent] = []
        self.order = itertools.count()
        self.ids = ids.IdPool(session, ContributionEvent.__tablename__)

    def track_new(self, contribution_id: int, signed_on: date, instalment_ids: list[int]) -> EventTrack:
        """The track of a contribution this run creates."""
        single = instalment_ids[0] if len(instalment_ids) == 1 else None
        track = self.tracks[contribution_id] = EventTrack(signed_on, [], single, False)
        return track

    def track(self, contribution: Contribution) -> EventTrack:
        """A contribution's track, read from the ledger the first time for one created by an earlier import."""
        found = self.tracks.get(contribution.id)
        if found is not None:
            return found
        at_risk = self.session.execute(
            select(ContributionEvent.on, ContributionEvent.id, ContributionEvent.kind).where(
                ContributionEvent.contribution_id == contribution.id, ContributionEvent.kind.in_(AT_RISK_KINDS)
            )
        )
        schedule = instalments.schedules(session=self.session, contribution_ids=[contribution.id])[contribution.id]
        single = schedule[0].id if len(schedule) == 1 else None
        due = single is not None and bool(instalments.due_records(session=self.session, instalment_ids=[single]))
        found = self.tracks[contribution.id] = EventTrack(
            contribution.agreement.signed_on, [(on, (0, number), kind) for on, number, kind in at_risk], single, due
        )
        return found

    def record(self, contribution_id: int, track: EventTrack, kind: EventKind, on: date, note: str) -> int:
        """Take an event, or refuse one that makes no sense at its date, with `record_event`'s reasons; its id."""
        if on < track.signed_on:
            raise RuleError(f"on {on} is before the agreement was signed on {track.signed_on}", field="on")
        if on > date.today():
            raise RuleError(f"on {on} is in the future", field="on")
        if kind in AT_RISK_KINDS:
            earlier = [item for item in track.at_risk if item[0] <= on]
            at_risk = bool(earlier) and max(earlier, key=lambda item: item[:2])[2] is EventKind.at_risk
            if kind is EventKind.at_risk and at_risk:
                raise ConflictError(f"contribution {contribution_id} is already at risk on {on}", field="kind")
            if kind is EventKind.at_risk_cleared and not at_risk:
                raise ConflictError(f"contribution {contribution_id} is not at risk on {on}", field="kind")
            track.at_risk.append((on, (1, next(self.order)), kind))
        (number,) = self.ids.take(1, ahead=EVENT_IDS_AHEAD)
        event = StagedEvent(number, contribution_id, kind, on, note)
        if kind is EventKind.trigger_met and track.single_instalment is not None and not track.due_recorded:
            # A trigger met on a contribution of one instalment is that instalment falling due.
            event.instalment_id = track.single_instalment
            track.due_recorded = True
        self.staged.append(event)
        return number

    def undo(self, mark: int) -> None:
        """Drop the events taken since the mark (a row that was refused after all)."""
        while len(self.staged) > mark:
            event = self.staged.pop()
            track = self.tracks[event.contribution_id]
            if event.kind in AT_RISK_KINDS:
                track.at_risk.pop()
            if event.instalment_id is not None:
                track.due_recorded = False

    def write(self, group_of: dict[int, int]) -> dict[int, int]:
        """Write every event taken, and the instalments they made fall due, with one insert each; returns the ids
        given again (old to new) so that they follow the order agreements are written in, however sliced."""
        if not self.staged:
            return {}
        numbers = sorted(event.id for event in self.staged)
        ordered = sorted(enumerate(self.staged), key=lambda item: (group_of.get(item[1].contribution_id, 0), item[0]))
        renumbered: dict[int, int] = {}
        for number, (_index, event) in zip(numbers, ordered, strict=True):
            renumbered[event.id] = number
            event.id = number
        self.staged = [event for _index, event in ordered]
        label = self.principal.label
        self.session.execute(
            insert(table_of(ContributionEvent)),
            [
                {
                    "id": event.id,
                    "contribution_id": event.contribution_id,
                    "kind": event.kind,
                    "on": event.on,
                    "note": event.note,
                    "recorded_by": label,
                }
                for event in self.staged
            ],
        )
        dues = [
            {
                "instalment_id": event.instalment_id,
                "on": event.on,
                "note": event.note,
                "event_id": event.id,
                "recorded_by": label,
            }
            for event in self.staged
            if event.instalment_id is not None
        ]
        if dues:
            self.session.execute(insert(table_of(InstalmentDue)), dues)
        # A bulk insert passes the ORM by, so the rollup is told of these contributions directly.
        rollup.mark_contributions(self.session, {event.contribution_id for event in self.staged})
        self.staged = []
        return renumbered


def record_published(
    *,
    plan: Plan,
    principal: Principal,
    kind: MovementKind,
    amount: Decimal,
    on: date,
    reference: str | None,
    note: str | None,
) -> Published:
    """Record a published movement; where it breaks a rule, keep it as published with the excess flagged."""
    written = Published()

    def plain(plain_amount: Decimal) -> bool:
        if not plan.attempt(
            principal, HistoryMovement(plan.history.contribution_id, kind, plain_amount, on, reference, note)
        ):
            return False
        written.movements += 1
        return True

    def flagged(flag_kind: MovementKind, flag_amount: Decimal, why: str) -> None:
        plan.attempt(
            principal,
            HistoryMovement(
                plan.history.contribution_id,
                flag_kind,
                flag_amount,
                on,
                reference,
                f"flagged import adjustment: {why}",
                adjustment=True,
            ),
        )
        written.movements += 1
        written.adjustments.append(f"{flag_kind.value} {pounds(flag_amount)} on {on} flagged as an adjustment: {why}")

    if plain(amount):
        return written
    state = plan.history.state_at(on)
    if kind in (MovementKind.received, MovementKind.spent):
        so_far = state.received if kind is MovementKind.received else state.spent
        excess = so_far + amount - state.total_value
        if excess > 0:
            flagged(
                MovementKind.variation,
                excess,
                f"published {kind.value} of {pounds(so_far + amount)} exceeds the {pounds(state.total_value)} secured",
            )
        if not plain(amount):
            flagged(kind, amount, "the published figures break the ledger's rules here")
        return written
    if kind in (MovementKind.drawn, MovementKind.returned):
        held = max(state.held_by_local_authority, ZERO)
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
class Made:
    """The contributions a run makes and their instalments, as rows for one insert each, with their ids."""

    contribution_ids: ids.IdPool
    instalment_ids: ids.IdPool
    contributions: list[dict[str, object]] = field(default_factory=list)
    instalments: list[dict[str, object]] = field(default_factory=list)
    rows: list[tuple[ContributionRow, int]] = field(default_factory=list)
    again: list[tuple[ContributionRow, int]] = field(default_factory=list)
    """Rows naming a contribution made before (in an earlier import, or earlier in this one)."""
    still_to_come: int = 0


class Writer:
    """Writes one import run's matched rows in its transaction and notes what became of each."""

    def __init__(
        self,
        *,
        session: Session,
        principal: Principal,
        authority: LocalAuthority,
        log: RowLog,
        progress: Progress,
        today: date,
        source: str = "standard",
    ) -> None:
        self.session = session
        self.source = source
        """What the rows come from: "standard" (published files) or "register" (the force's own register)."""
        self.principal = principal
        self.authority = authority
        self.log = log
        self.report = log.report
        self.progress = progress
        self.today = today
        self.foreign: dict[str, AgreementRow] = {}
        self.adjustments: dict[int, list[str]] = {}
        # Every key this authority's imports wrote, read once: a query per row was most of a run's reads.
        query = select(ImportedRecord.key, ImportedRecord.record_id).where(
            ImportedRecord.local_authority_id == authority.id
        )
        self.known: dict[str, int | None] = dict(session.execute(query).all())
        self.written: dict[str, int | None] = {}
        """The keys of the rows written since the last `finish` (a row's key never recurs in another slice)."""
        self.records: list[tuple[str, str, int | None, AgreementRow | ContributionRow | TransactionRow]] = []
        self.plans: dict[int, Plan] = {}
        self.created: set[int] = set()
        """Contributions this run creates: their plans are checked from nothing, so the ledger need not again."""
        self.sequence = itertools.count()
        self.group_of: dict[int, int] = {}
        """Each contribution's agreement's place in the run, so movements are written in the same order however
        the run is sliced."""
        self.events = Events(session, principal)

    def seen(self, key: str) -> bool:
        """Whether a row with this key was imported before (or earlier in this run)."""
        return key in self.known or key in self.written

    def earlier(self, key: str) -> int | None:
        """What an earlier import (or this run) wrote for a key, if any."""
        found = self.known.get(key)
        return self.written.get(key) if found is None else found

    def remember(
        self, key: str, kind: str, record_id: int | None, row: AgreementRow | ContributionRow | TransactionRow
    ) -> None:
        """Note that a row has been imported; the notes are written together at the end of the run."""
        self.written[key] = record_id
        self.records.append((key, kind if self.source == "standard" else f"{self.source} {kind}", record_id, row))

    def plan(self, contribution_id: int) -> Plan:
        """The contribution's movements to write, and its running sums with them, read from the ledger once."""
        plan = self.plans.get(contribution_id)
        if plan is None:
            plan = self.plans[contribution_id] = Plan(History.load(self.session, contribution_id), self.sequence)
        return plan

    def lock_existing(self, references: Iterable[str]) -> None:
        """Lock the agreements already in the ledger that the files name, then their contributions (the documented
        order), before the first slice is written: later slices write only to these and to rows this run made."""
        references = sorted(set(references))
        agreement_ids: list[int] = []
        for start in range(0, len(references), IN_LIST):
            agreement_ids += self.session.scalars(
                select(Agreement.id).where(
                    Agreement.local_authority_id == self.authority.id,
                    Agreement.reference.in_(references[start : start + IN_LIST]),
                )
            )
        if not agreement_ids:
            return
        locks.lock_agreements(self.session, agreement_ids)
        contribution_ids: list[int] = []
        for start in range(0, len(agreement_ids), IN_LIST):
            contribution_ids += self.session.scalars(
                select(Contribution.id).where(Contribution.agreement_id.in_(agreement_ids[start : start + IN_LIST]))
            )
        locks.lock_contribution_rows(self.session, contribution_ids)

    def finish(self) -> None:
        """Write the events, every contribution's published movements (each history checked once), the rows' notes;
        then forget what only this slice needed."""
        group_of = self.group_of
        planned = sorted(
            ((group_of.get(movement.contribution_id, 0), position), movement)
            for plan in self.plans.values()
            for position, movement in plan.movements
        )
        written = {movement.contribution_id for _, movement in planned}
        written |= {event.contribution_id for event in self.events.staged}
        locks.lock_for_money(self.session, written, published_history=True)
        renumbered = self.events.write(group_of)
        if renumbered:
            # A secured row's note names its trigger_met event.
            self.records = [
                (
                    key,
                    kind,
                    renumbered.get(record_id, record_id) if record_id and kind.endswith("transaction") else record_id,
                    row,
                )
                for key, kind, record_id, row in self.records
            ]
        # The plans' running sums are not needed past here; record_histories checks from the ledger again.
        self.plans.clear()
        movements = [item for _, item in planned]
        del planned
        record_histories(session=self.session, principal=self.principal, movements=movements, checked=self.created)
        del movements
        authority, label = self.authority.id, self.principal.label
        insert_in_slices(
            self.session,
            table_of(ImportedRecord),
            (
                {
                    "local_authority_id": authority,
                    "key": key,
                    "kind": kind,
                    "record_id": record_id,
                    "source": f"{row.file}:{row.line}"[:500],
                    "imported_by": label,
                }
                for key, kind, record_id, row in self.records
            ),
        )
        self.records = []
        self.written.clear()
        self.created.clear()
        self.group_of.clear()
        self.events.tracks.clear()

    def agreement_key(self, reference: str) -> str:
        """The key of an agreement imported from published files."""
        return record_key(self.source, "agreement", self.authority.id, reference)

    def in_ledger(self, file: str, line: int, raw: str, base: str) -> AgreementRow | None:
        """An agreement already in the ledger that a contribution names though no agreement row does."""
        existing = self.session.scalar(
            select(Agreement).where(Agreement.local_authority_id == self.authority.id, Agreement.reference == base)
        )
        if existing is None:
            return None
        return AgreementRow(
            file=file,
            line=line,
            source_reference=raw,
            reference=existing.reference,
            signed_on=existing.signed_on,
            agreement=existing,
            own=self.seen(self.agreement_key(existing.reference)),
        )

    # -- agreements -----------------------------------------------------------------------------

    def write_agreements(self, rows: list[AgreementRow]) -> None:
        """Create the agreements that are new, in one insert; recognise those imported before."""
        new = [row for row in rows if row.agreement is None]
        if not new:
            return
        references = sorted({row.reference for row in new})
        in_ledger: dict[str, Agreement] = {}
        for start in range(0, len(references), IN_LIST):
            in_ledger.update(
                (agreement.reference, agreement)
                for agreement in self.session.scalars(
                    select(Agreement).where(
                        Agreement.local_authority_id == self.authority.id,
                        Agreement.reference.in_(references[start : start + IN_LIST]),
                    )
                )
            )
        refusal: DomainError | None = None
        try:
            get_local_authority(session=self.session, local_authority_id=self.authority.id, scope=self.principal.scope)
        except DomainError as error:
            refusal = error
        pool = ids.IdPool(self.session, Agreement.__tablename__)
        made: dict[str, AgreementRow] = {}
        numbers: dict[str, int] = {}
        again: list[tuple[AgreementRow, AgreementRow]] = []
        values: list[dict[str, object]] = []
        for done, row in enumerate(new, start=1):
            self.progress("agreements", done, len(new))
            key = self.agreement_key(row.reference)
            existing = in_ledger.get(row.reference)
            first = made.get(row.reference)
            if existing is not None or first is not None:
                signed_on = row.signed_on
                if existing is not None:
                    row.agreement, signed_on = existing, existing.signed_on
                elif first is not None:
                    again.append((row, first))
                    signed_on = first.signed_on
                row.own = self.seen(key)
                if not row.derived:
                    self.log.outcome(row.file, row.line, UNCHANGED)
                if row.own and signed_on != row.signed_on:
                    self.log.warn(
                        row.file,
                        row.line,
                        f"the ledger has agreement {row.reference} signed on {signed_on}, "
                        f"not {row.signed_on}; the ledger is left unchanged",
                    )
                continue
            try:
                if refusal is not None:
                    raise refusal
                data = AgreementCreate(
                    local_authority_id=self.authority.id,
                    reference=row.reference,
                    site=(row.name or row.reference)[:300],
                    developer=row.developer,
                    signed_on=row.signed_on,
                    notes=row.notes,
                )
                if data.signed_on > date.today():
                    raise RuleError("signed_on cannot be in the future", field="signed_on")
            except (DomainError, ValidationError) as error:
                if row.derived:
                    self.log.warn(row.file, row.line, f"agreement {row.reference} was not made: {reason_of(error)}")
                else:
                    self.log.fail(row.file, row.line, reason_of(error))
                row.ok = False
                continue
            (number,) = pool.take(1, ahead=len(new) - done)
            values.append(
                {
                    **data.model_dump(),
                    "id": number,
                    "planning_application": (row.planning_application or "")[:100] or None,
                    "agreement_type": row.agreement_type,
                    "document_url": (row.document_url or "")[:1000] or None,
                    "closed_on": row.closed_on,
                    "created_by": self.principal.label,
                }
            )
            made[row.reference] = row
            numbers[row.reference] = number
            self.remember(key, "agreement", number, row)
            row.own = True
            self.report.created.agreements += 1
            if not row.derived:
                self.log.outcome(row.file, row.line, IMPORTED)
            if row.closed_on is not None:
                self.log.warn(row.file, row.line, "the agreement is end-dated: recorded as closed on its end-date")
        if values:
            try:
                written = self.session.scalars(insert(Agreement).returning(Agreement), values)
                by_id = {agreement.id: agreement for agreement in written}
            except IntegrityError as error:
                raise ConflictError(
                    f"{self.authority.id} was given one of these agreements' references by another writer at the "
                    "same time; import the files again",
                    field="reference",
                ) from error
            for reference, row in made.items():
                row.agreement = by_id[numbers[reference]]
        for row, first in again:
            row.agreement = first.agreement

    # -- contributions --------------------------------------------------------------------------

    def write_contributions(self, rows: list[ContributionRow]) -> None:
        """Create the force's contributions that are new."""
        chosen = [row for row in rows if row.ok and row.selected]
        for row in rows:
            if row.ok and not row.selected:
                self.log.leave_out(row.file, row.line, not_asked_for(row.purpose_code))
        agreements = {row.target.agreement.id for row in chosen if row.target and row.target.agreement}
        locks.lock_agreements(self.session, agreements)
        made = Made(
            ids.IdPool(self.session, Contribution.__tablename__), ids.IdPool(self.session, Instalment.__tablename__)
        )
        for done, row in enumerate(chosen, start=1):
            self.progress("contributions", done, len(chosen))
            made.still_to_come = len(chosen) - done
            target = row.target
            if target is None or target.agreement is None or not target.ok:
                self.log.fail(
                    row.file, row.line, "its agreement could not be imported", reason="its agreement row was left out"
                )
                row.ok = False
                continue
            if not target.own:
                row.ok = False
                self.log.leave_out(row.file, row.line, "its agreement is kept by hand in the ledger (compared instead)")
                if target.reference not in self.foreign:
                    self.foreign[target.reference] = target
                    self.log.warn(
                        row.file,
                        row.line,
                        f"agreement {target.reference} is already in the ledger, kept by hand (not from published "
                        "files); its published contributions are left out so nothing is counted twice, and "
                        "compared with the ledger under comparisons",
                    )
                continue
            if row.amount is None or row.amount == 0:
                row.ok = False
                row.kept_on = target.agreement
                what = f"{row.units} units" if row.units else "no amount"
                purpose = row.purpose_code or "purpose not published"
                self.keep(
                    row,
                    row.key,
                    target.agreement,
                    f"non-money obligation (published): {row.source_reference or 'no reference'}, {purpose}, {what}",
                )
                continue
            earlier = self.earlier(row.key)
            if earlier is not None:
                made.again.append((row, earlier))
                row.unchanged = True
                self.log.outcome(row.file, row.line, UNCHANGED)
                continue
            self.create_contribution(row, target.agreement, made)
        self.write_made(made)

    def write_made(self, made: "Made") -> None:
        """Insert the contributions made and their instalments, one statement each; hand each row its own."""
        by_id: dict[int, Contribution] = {}
        if made.contributions:
            written = self.session.scalars(insert(Contribution).returning(Contribution), made.contributions)
            by_id = {contribution.id: contribution for contribution in written}
        if made.instalments:
            self.session.execute(insert(table_of(Instalment)), made.instalments)
        for row, number in made.rows:
            row.contribution = by_id[number]
            self.group_of[number] = row.group
        for row, number in made.again:
            row.contribution = by_id.get(number) or self.session.get(Contribution, number)
            self.group_of[number] = row.group

    def read_schedule(self, row: ContributionRow, text: str, amount: Decimal) -> list[InstalmentWrite]:
        """The instalments a Trigger text gives, reporting what could not be read (kept as "other" instalments)."""
        reading = read_schedule(text)
        schedule, note = schedule_for(reading, amount)
        said = [f"read as {len(schedule)} instalment(s)"] if len(schedule) > 1 else []
        if reading.unread:
            said.append("could not read " + "; ".join(repr(part) for part in reading.unread) + ' (kept as "other")')
        said.extend(reading.assumed)
        if note:
            said.append(note)
        if reading.unread or reading.assumed or note:
            self.log.warn(row.file, row.line, f"trigger {text.strip()!r}: " + ", ".join(said))
        return schedule

    def create_contribution(
        self, row: ContributionRow, agreement: Agreement, made: "Made", contribution_id: int | None = None
    ) -> None:
        """Make one contribution, secured on the agreement's date and written off if end-dated, checked as the
        contributions service checks it; it is written with the others by `write_made` (with the id given, if
        one was taken for it from `made` already)."""
        reading = read_trigger(row.trigger_text) if row.trigger_text else None
        trigger = (
            Trigger(type=reading.type, threshold=reading.threshold, description=reading.description[:2000])
            if reading
            else Trigger(type="other", description=None)
        )
        schedule = None
        if row.trigger_type is not None:
            trigger = Trigger(type=row.trigger_type, threshold=row.trigger_threshold, description=trigger.description)
            if row.instalments_text and row.amount is not None:
                schedule = self.read_schedule(row, row.instalments_text, row.amount) or None
        elif row.trigger_text and row.amount is not None:
            schedule = self.read_schedule(row, row.trigger_text, row.amount)
        if row.end_on is not None and row.end_on < agreement.signed_on:
            self.log.fail(
                row.file,
                row.line,
                f"end-date {row.end_on} is before the agreement was signed on {agreement.signed_on}",
                reason="end-date before the agreement's signing",
            )
            row.ok = False
            return
        assert row.amount is not None
        if contribution_id is None:
            (contribution_id,) = made.contribution_ids.take(1, ahead=made.still_to_come)
        plan = Plan(History(contribution_id, agreement.signed_on, []), self.sequence)
        mark = len(self.events.staged)
        try:
            data = ContributionCreate(
                purpose=row.local_purpose,
                amount=row.amount,
                trigger=trigger,
                instalments=schedule,
                notes=strip_notes(row.notes),
            )
            if data.instalments is not None:
                instalments.check_schedule(data.instalments, data.amount)
            given = data.instalments or [
                InstalmentWrite(
                    percent=instalments.HUNDRED,
                    trigger=InstalmentTrigger(
                        type=data.trigger.type, threshold=data.trigger.threshold, description=data.trigger.description
                    ),
                )
            ]
            instalment_ids = made.instalment_ids.take(len(given), ahead=made.still_to_come)
            plan.record(
                self.principal,
                HistoryMovement(
                    contribution_id, MovementKind.secured, data.amount, agreement.signed_on, None, "secured on signing"
                ),
            )
            track = self.events.track_new(contribution_id, agreement.signed_on, instalment_ids)
            for kind, on in row.events or []:
                self.events.record(contribution_id, track, kind, on, "imported (published)")
            if row.end_on is not None and row.events is None:
                written_off = record_published(
                    plan=plan,
                    principal=self.principal,
                    kind=MovementKind.written_off,
                    amount=row.amount,
                    on=row.end_on,
                    reference=row.source_reference[:200] or None,
                    note="superseded: end-dated in the published contribution file",
                )
                self.report.created.movements += written_off.movements
                self.report.created.adjustments += len(written_off.adjustments)
        except (DomainError, ValidationError) as error:
            self.events.undo(mark)
            self.events.tracks.pop(contribution_id, None)
            self.log.fail(row.file, row.line, reason_of(error))
            row.ok = False
            return
        self.report.created.events += len(self.events.staged) - mark
        self.plans[contribution_id] = plan
        self.created.add(contribution_id)
        trigger_type, threshold, description = instalments.trigger_from_schedule(given, data.trigger.type) or (
            data.trigger.type,
            data.trigger.threshold,
            data.trigger.description,
        )
        made.contributions.append(
            {
                "id": contribution_id,
                "agreement_id": agreement.id,
                "purpose": data.purpose,
                "trigger_type": trigger_type,
                "trigger_threshold": threshold,
                "trigger_description": description,
                "spend_by": data.spend_by,
                "repayment_period_years": data.repayment_period_years,
                "notes": data.notes,
                "clause_text": data.clause_text,
                "created_by": self.principal.label,
            }
        )
        for number, values in zip(
            instalment_ids,
            instalments.instalment_rows(principal=self.principal, contribution_id=contribution_id, schedule=given),
            strict=True,
        ):
            made.instalments.append({"id": number, **values})
        made.rows.append((row, contribution_id))
        self.remember(row.key, "contribution", contribution_id, row)
        self.report.created.contributions += 1
        self.report.created.movements += 1
        self.log.outcome(row.file, row.line, IMPORTED)
        if row.start_on is not None and row.start_on != agreement.signed_on:
            self.log.warn(
                row.file,
                row.line,
                f"start-date {row.start_on} differs from the agreement's {agreement.signed_on}; the sum is secured "
                "on the agreement's date",
            )
        if row.end_on is not None:
            self.log.warn(row.file, row.line, "the contribution is end-dated (superseded): written off on its end-date")

    # -- transactions ---------------------------------------------------------------------------

    def write_transactions(self, rows: list[TransactionRow]) -> None:
        """Record each status reached, oldest first, noting the flagged adjustments by contribution."""
        chosen = [row for row in rows if row.contribution is not None and row.contribution.selected]
        for row in rows:
            if row.contribution is not None and not row.contribution.selected:
                self.log.leave_out(row.file, row.line, not_asked_for(row.contribution.purpose_code))
        # By agreement first (the order the run is sliced in), so a run writes in the same order however sliced.
        chosen.sort(key=lambda row: (row.contribution.group if row.contribution else 0, row.on or date.min, row.line))
        for done, row in enumerate(chosen, start=1):
            self.progress("transactions", done, len(chosen))
            adjustments = self.write_transaction(row)
            if adjustments and row.contribution is not None:
                self.adjustments.setdefault(id(row.contribution), []).extend(adjustments)

    def keep(self, row: ContributionRow | TransactionRow, key: str, owner: Agreement | Contribution, line: str) -> None:
        """Keep a row that moves no money as a line of its agreement's or contribution's notes, once."""
        if self.seen(key):
            self.log.outcome(row.file, row.line, UNCHANGED)
            return
        owner.notes = f"{owner.notes}\n{line}" if owner.notes else line
        self.session.flush()
        self.remember(key, "kept without money", owner.id, row)
        self.log.outcome(row.file, row.line, IMPORTED)

    def write_transaction(self, row: TransactionRow) -> list[str]:
        """Record one transaction row as an event or a movement; returns its flagged adjustments."""
        parent = row.contribution
        status = row.status or "no status"
        amount = pounds(row.amount) if row.amount else (f"{row.units} units" if row.units else "no amount")
        dated = f" on {row.on}" if row.on else ""
        if parent is not None and parent.kept_on is not None:
            self.keep(
                row,
                row.key,
                parent.kept_on,
                f"non-money obligation {parent.source_reference or 'no reference'}: {status} {amount}{dated}"
                " (published)",
            )
            return []
        if parent is None or parent.contribution is None or not parent.ok:
            self.log.leave_out(row.file, row.line, "its contribution was left out")
            return []
        if row.status is None:
            # Its trigger went into the contribution (matching); nothing else is said.
            if self.seen(row.key):
                self.log.outcome(row.file, row.line, UNCHANGED)
            else:
                self.remember(row.key, "trigger schedule", parent.contribution.id, row)
                self.log.outcome(row.file, row.line, IMPORTED)
            return []
        if row.end_on is not None:
            self.keep(
                row,
                row.key,
                parent.contribution,
                f"superseded (published): {status} {amount}{dated}, end-dated {row.end_on}",
            )
            return []
        if row.status == "allocated":
            self.keep(row, row.key, parent.contribution, f"allocated (published): {amount}{dated}; moves no money")
            return []
        if (row.amount is None or row.amount == 0) and row.status != "secured":
            self.log.fail(
                row.file,
                row.line,
                f"a {row.status} row needs an amount greater than zero",
                reason="a money status with no amount",
            )
            return []
        if row.on is None:
            self.log.fail(
                row.file, row.line, f"a {row.status} row needs a start-date", reason="a money status with no date"
            )
            return []
        on = row.on
        signed = parent.contribution.agreement.signed_on
        early: str | None = None
        if on < signed:
            early = (
                f"{row.status} {pounds(row.amount or ZERO)} published on {on}, before the agreement was signed on "
                f"{signed}: recorded on the signing date"
            )
            self.log.warn(row.file, row.line, early)
            on = signed
        if on > self.today:
            self.log.fail(
                row.file, row.line, f"{row.status} on {row.on} is in the future", reason="dated in the future"
            )
            return []
        if self.seen(row.key) or (parent.events is not None and parent.unchanged):
            # The service's own export of a contribution already in the ledger holds nothing new.
            self.log.outcome(row.file, row.line, UNCHANGED)
            return []
        contribution_id = parent.contribution.id
        if row.notes.startswith("ledger: ") and parent.events is not None:
            return self.write_ledger_row(row, contribution_id, on)
        adjustments: list[str] = [early] if early else []
        plan = self.plan(contribution_id)
        mark, events_mark = len(plan.movements), len(self.events.staged)
        record_id: int | None = None
        try:
            if row.status == "secured":
                record_id = self.record_secured(row, parent.contribution, plan, on)
            else:
                assert row.amount is not None
                published = record_published(
                    plan=plan,
                    principal=self.principal,
                    kind=STATUS_MOVEMENT[row.status],
                    amount=row.amount,
                    on=on,
                    reference=row.source_reference[:200] or None,
                    note=PUBLISHED_NOTE[row.status],
                )
                adjustments.extend(published.adjustments)
                self.report.created.movements += published.movements
                self.report.created.adjustments += len(published.adjustments)
        except (DomainError, ValidationError) as error:
            plan.undo(mark)
            self.events.undo(events_mark)
            self.log.fail(row.file, row.line, reason_of(error))
            return []
        self.remember(row.key, "transaction", record_id, row)
        self.log.outcome(row.file, row.line, IMPORTED)
        return adjustments

    def write_ledger_row(self, row: TransactionRow, contribution_id: int, on: date) -> list[str]:
        """A row of the service's own export: a change of total value, or the trigger met (its event came with
        the contribution's notes)."""
        kind = LEDGER_ROWS.get(row.notes.removeprefix("ledger: ").strip())
        adjustments: list[str] = []
        plan = self.plan(contribution_id)
        mark = len(plan.movements)
        try:
            if kind is not None and row.amount:
                published = record_published(
                    plan=plan,
                    principal=self.principal,
                    kind=kind,
                    amount=row.amount,
                    on=on,
                    reference=row.source_reference[:200] or None,
                    note=f"{kind.value} (published)",
                )
                adjustments = published.adjustments
                self.report.created.movements += published.movements
                self.report.created.adjustments += len(adjustments)
        except (DomainError, ValidationError) as error:
            plan.undo(mark)
            self.log.fail(row.file, row.line, reason_of(error))
            return []
        self.remember(row.key, "transaction", None, row)
        self.log.outcome(row.file, row.line, IMPORTED)
        return adjustments

    def record_secured(self, row: TransactionRow, contribution: Contribution, plan: Plan, on: date) -> int:
        """A secured row: the trigger is met, and a sum above the agreement's is indexation; the event's id."""
        event_id = self.events.record(
            contribution.id, self.events.track(contribution), EventKind.trigger_met, on, "secured (published)"
        )
        self.report.created.events += 1
        if row.amount is None or row.amount == 0:
            return event_id
        total = plan.history.state_at(on).total_value
        if row.amount > total:
            plan.record(
                self.principal,
                HistoryMovement(
                    plan.history.contribution_id,
                    MovementKind.indexation,
                    row.amount - total,
                    on,
                    row.source_reference[:200] or None,
                    f"secured amount {pounds(row.amount)} published, above the {pounds(total)} in the agreement",
                ),
            )
            self.report.created.movements += 1
        elif row.amount < total:
            self.log.warn(
                row.file,
                row.line,
                f"secured {pounds(row.amount)} is part of the contribution's {pounds(total)}; "
                "the trigger is recorded as met for the whole contribution",
            )
        return event_id
