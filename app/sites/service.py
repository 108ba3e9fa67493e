"""Site progress: dated counts of dwellings per agreement, the triggers they pass, and each site's build rate.

A record is never changed: a correction is a later record. The counts as at a date fold the records up
to it in (date, id) order, each count from the latest record that gives it; a completed dwelling has
started and an occupied one completed, so `started` is never below `completed`, nor that below
`occupied`. Triggers are watched per instalment: an instalment whose threshold the counts passed is only
proposed due, on the first date they did. The officer confirms it (or corrects its date) as a dated
record of the instalment falling due; the contribution's first instalment to fall due also records its
trigger_met event through the contributions service, so the ledger's event and stage rules apply and
nothing changes money without the officer.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.agreements.service import get_agreement
from app.auth.service import Principal
from app.contributions import service as contributions
from app.contributions.schemas import EventCreate
from app.dates import in_words
from app.errors import ConflictError, NotFoundError, RuleError
from app.instalments import service as instalments
from app.ledger import locks
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    Instalment,
    InstalmentDue,
    SiteProgress,
    TriggerType,
)
from app.sites.reading import ProgressRow, read_progress
from app.sites.schemas import Measure, ProgressCreate

DAYS_PER_YEAR = Fraction(1461, 4)


@dataclass(frozen=True)
class SiteCounts:
    """A site's dwellings to a date (zero where nothing says otherwise)."""

    on: date | None
    started: int
    completed: int
    occupied: int

    def of(self, measure: Measure) -> int:
        """The count of one measure."""
        return {"started": self.started, "completed": self.completed, "occupied": self.occupied}[measure]


@dataclass(frozen=True)
class Proposal:
    """An instalment's trigger passed by the recorded counts on a date, not yet confirmed due."""

    contribution: Contribution
    agreement: Agreement
    measure: Measure
    threshold: int
    reached: int
    due_on: date
    instalment: Instalment

    @property
    def reason(self) -> str:
        """Why it is proposed, in words."""
        passed_on = in_words(self.due_on)
        return f"{self.reached} dwellings {self.measure} on {passed_on} (threshold {self.threshold})"


def ordered(records: Iterable[SiteProgress]) -> list[SiteProgress]:
    """Records in the order they apply: by date, then as recorded."""
    return sorted(records, key=lambda record: (record.on, record.id))


def counts_as_at(records: Sequence[SiteProgress], as_at: date | None = None) -> SiteCounts:
    """The counts as at a date (all records if none), each from the latest record that gives it."""
    latest: dict[str, int] = {}
    last_on = None
    for record in ordered(records):
        if as_at is not None and record.on > as_at:
            break
        last_on = record.on
        for name in ("started", "completed", "occupied"):
            value = getattr(record, name)
            if value is not None:
                latest[name] = value
    occupied = latest.get("occupied", 0)
    completed = max(latest.get("completed", 0), occupied)
    return SiteCounts(
        on=last_on, started=max(latest.get("started", 0), completed), completed=completed, occupied=occupied
    )


def first_reached(records: Sequence[SiteProgress], measure: Measure, threshold: int) -> tuple[date, int] | None:
    """The first date the counts reach the threshold, and the count then; None if they have not."""
    for day in sorted({record.on for record in records}):
        reached = counts_as_at(records, day).of(measure)
        if reached >= threshold:
            return day, reached
    return None


def trigger_measure(instalment: Instalment, agreement: Agreement) -> tuple[Measure, int] | None:
    """Which count an instalment's trigger watches, and its threshold in dwellings; None for one counts cannot meet."""
    if instalment.trigger_type is TriggerType.on_commencement:
        return "started", 1
    if instalment.trigger_type not in (TriggerType.on_occupation, TriggerType.on_completion):
        return None
    measure: Measure = "occupied" if instalment.trigger_type is TriggerType.on_occupation else "completed"
    if instalment.threshold is not None:
        threshold = instalments.threshold_dwellings(instalment, agreement.dwellings)
        return (measure, max(threshold, 1)) if threshold is not None else None
    if measure == "occupied":
        return measure, 1
    if agreement.dwellings:
        return measure, agreement.dwellings  # completion of the whole development
    return None


def completions_per_day(records: Sequence[SiteProgress], *, as_at: date, started_on: date | None) -> Fraction | None:
    """The site's build rate from its recorded completions up to a date, in dwellings a day; None if unknown.

    Between the first and the latest dated completions where they rose; otherwise, from the start of
    development to the latest count."""
    points = []
    for day in sorted({record.on for record in records if record.on <= as_at}):
        points.append((day, counts_as_at(records, day).completed))
    if not points:
        return None
    last_on, last = points[-1]
    for first_on, first in points:
        if first_on < last_on and last > first:
            return Fraction(last - first, (last_on - first_on).days)
    if started_on is not None and started_on < last_on and last > 0:
        return Fraction(last, (last_on - started_on).days)
    return None


def check_counts(agreement: Agreement, data: ProgressCreate) -> None:
    """Refuse counts that cannot be: above the agreement's dwellings, more completed than started, and so on."""
    if data.on > date.today():
        raise RuleError(f"on {data.on} is in the future", field="on")
    if data.on < agreement.signed_on:
        raise RuleError(f"on {data.on} is before the agreement was signed on {agreement.signed_on}", field="on")
    for name in ("started", "completed", "occupied"):
        value = getattr(data, name)
        if value is not None and agreement.dwellings is not None and value > agreement.dwellings:
            raise RuleError(f"{name} {value} is more than the agreement's {agreement.dwellings} dwellings", field=name)
    if data.started is not None and data.completed is not None and data.completed > data.started:
        raise RuleError(f"completed {data.completed} is more than started {data.started}", field="completed")
    if data.completed is not None and data.occupied is not None and data.occupied > data.completed:
        raise RuleError(f"occupied {data.occupied} is more than completed {data.completed}", field="occupied")


def record_progress(
    *, session: Session, principal: Principal, agreement_id: int, data: ProgressCreate, source: str
) -> SiteProgress:
    """Record a site's counts to a date; another authority's agreement is as absent as an unknown one."""
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=principal.scope)
    check_counts(agreement, data)
    record = SiteProgress(
        agreement_id=agreement.id,
        on=data.on,
        started=data.started,
        completed=data.completed,
        occupied=data.occupied,
        note=data.note,
        source=source,
        recorded_by=principal.label,
    )
    session.add(record)
    session.flush()
    return record


def development_starts(*, session: Session, agreement_ids: Sequence[int]) -> dict[int, date]:
    """When development started on each of these agreements' sites, where recorded (its earliest start event)."""
    if not agreement_ids:
        return {}
    query = (
        select(Contribution.agreement_id, func.min(ContributionEvent.on))
        .join(Contribution, Contribution.id == ContributionEvent.contribution_id)
        .where(Contribution.agreement_id.in_(agreement_ids), ContributionEvent.kind == EventKind.development_started)
        .group_by(Contribution.agreement_id)
    )
    return dict(session.execute(query).all())


def history(*, session: Session, agreement_ids: Sequence[int]) -> dict[int, list[SiteProgress]]:
    """The records of these agreements in the order they apply, in one query (the caller checks scope)."""
    found: dict[int, list[SiteProgress]] = {agreement_id: [] for agreement_id in agreement_ids}
    if not agreement_ids:
        return found
    query = (
        select(SiteProgress)
        .where(SiteProgress.agreement_id.in_(agreement_ids))
        .order_by(SiteProgress.on, SiteProgress.id)
    )
    for record in session.scalars(query):
        found[record.agreement_id].append(record)
    return found


def proposals(*, session: Session, scope: str | None, agreement_id: int | None = None) -> list[Proposal]:
    """Instalments the recorded progress has passed, on open agreements the caller may read, not yet due."""
    query = (
        scoping.readable_agreements(scope)
        .where(Agreement.closed_on.is_(None), Agreement.id.in_(select(SiteProgress.agreement_id)))
        .order_by(Agreement.id)
    )
    if agreement_id is not None:
        query = query.where(Agreement.id == agreement_id)
    agreements = {agreement.id: agreement for agreement in session.scalars(query)}
    records = history(session=session, agreement_ids=list(agreements))
    candidates = contributions.contributions_of_agreements(session=session, agreement_ids=list(agreements))
    schedules = instalments.schedules(session=session, contribution_ids=[item.id for item in candidates])
    due = instalments.due_records(
        session=session, instalment_ids=[item.id for items in schedules.values() for item in items]
    )
    found = []
    for contribution in candidates:
        agreement = agreements[contribution.agreement_id]
        for instalment in schedules[contribution.id]:
            watched = trigger_measure(instalment, agreement)
            if instalment.id in due or watched is None:
                continue
            measure, threshold = watched
            reached = first_reached(records[agreement.id], measure, threshold)
            if reached is not None:
                found.append(Proposal(contribution, agreement, measure, threshold, reached[1], reached[0], instalment))
    return sorted(found, key=lambda proposal: (proposal.due_on, proposal.contribution.id, proposal.instalment.position))


@dataclass(frozen=True)
class Confirmed:
    """An instalment recorded due, and the contribution's trigger_met event recorded with it, if any."""

    due: InstalmentDue
    event: ContributionEvent | None


def confirm_instalment(
    *, session: Session, principal: Principal, instalment_id: int, on: date | None, note: str | None
) -> Confirmed:
    """Record an instalment as due: on its proposed date, or the officer's date (a correction, or by hand).

    The contribution's trigger_met event is recorded with it unless one is already recorded on or before
    that date, so the stage rules move its unreceived money to "held by developer" only by this act."""
    instalment = session.scalar(scoping.readable_instalments(principal.scope).where(Instalment.id == instalment_id))
    if instalment is None:
        raise NotFoundError(f"no instalment {instalment_id}", field="instalment_id")
    contribution = session.get(Contribution, instalment.contribution_id)
    assert contribution is not None
    proposed = [
        proposal
        for proposal in proposals(session=session, scope=principal.scope, agreement_id=contribution.agreement_id)
        if proposal.instalment.id == instalment.id
    ]
    held = instalments.due_records(session=session, instalment_ids=[instalment.id]).get(instalment.id)
    if on is None and not proposed:
        state = f"is already due since {held.on}" if held else "is not proposed due by the recorded progress"
        raise ConflictError(
            f"instalment {instalment_id} {state}: give the date it fell due (on) to record or correct it", field="on"
        )
    when = on or proposed[0].due_on
    if held is not None and held.on == when:
        raise ConflictError(f"instalment {instalment_id} is already recorded due on {when}", field="on")
    reason = note or (f"confirmed from site progress: {proposed[0].reason}" if proposed and on is None else None)
    met_before = session.scalar(
        select(ContributionEvent.id).where(
            ContributionEvent.contribution_id == contribution.id,
            ContributionEvent.kind == EventKind.trigger_met,
            ContributionEvent.on <= when,
        )
    )
    event = None
    if met_before is None:
        event = contributions.record_event(
            session=session,
            principal=principal,
            contribution_id=contribution.id,
            data=EventCreate(
                kind=EventKind.trigger_met, on=when, note=reason or f"instalment {instalment.position} fell due"
            ),
            link_instalment=False,
        )
    else:
        check_due_date(session, contribution, when)
    due = instalments.record_due(
        session=session,
        principal=principal,
        instalment=instalment,
        on=when,
        note=reason,
        event_id=event.id if event is not None else None,
    )
    return Confirmed(due=due, event=event)


def check_due_date(session: Session, contribution: Contribution, on: date) -> None:
    """The rules a trigger_met event's date meets, for a due date that records none (and the agreement open)."""
    locks.lock_for_money(session, [contribution.id])
    agreement = session.get(Agreement, contribution.agreement_id)
    assert agreement is not None
    if on < agreement.signed_on:
        raise RuleError(f"on {on} is before the agreement was signed on {agreement.signed_on}", field="on")
    if on > date.today():
        raise RuleError(f"on {on} is in the future", field="on")


def confirm_proposal(
    *, session: Session, principal: Principal, contribution_id: int, on: date | None, note: str | None
) -> ContributionEvent:
    """Confirm a contribution's earliest proposed instalment due, returning the trigger_met event it recorded."""
    contribution = session.scalar(
        scoping.readable_contributions(principal.scope).where(Contribution.id == contribution_id)
    )
    if contribution is None:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    proposed = [
        proposal
        for proposal in proposals(session=session, scope=principal.scope, agreement_id=contribution.agreement_id)
        if proposal.contribution.id == contribution.id
    ]
    if not proposed:
        raise ConflictError(
            f"no trigger is proposed for contribution {contribution_id}: its recorded progress has not passed its "
            "trigger, or the trigger is already recorded as met",
            field="contribution_id",
        )
    confirmed = confirm_instalment(
        session=session,
        principal=principal,
        instalment_id=proposed[0].instalment.id,
        on=on or proposed[0].due_on,
        note=note or f"confirmed from site progress: {proposed[0].reason}",
    )
    if confirmed.event is None:
        raise ConflictError(
            f"contribution {contribution_id}'s trigger is already recorded as met: confirm each further instalment "
            "with POST /instalments/{id}/due",
            field="contribution_id",
        )
    return confirmed.event


@dataclass(frozen=True)
class ImportResult:
    """What an upload recorded, row by row."""

    rows: list[tuple[ProgressRow, int, bool]]
    """Each row, the agreement it matched and whether it was recorded (False: the same counts were already held)."""


def match_agreements(
    session: Session, principal: Principal, local_authority_id: str, references: set[str]
) -> dict[str, int]:
    """Agreement ids of the authority by reference or planning application (case-insensitive)."""
    query = scoping.readable_agreements(principal.scope).where(Agreement.local_authority_id == local_authority_id)
    found: dict[str, int] = {}
    wanted = {reference.lower() for reference in references}
    for agreement in session.scalars(query):
        for name in (agreement.reference, agreement.planning_application):
            if name and name.lower() in wanted:
                found.setdefault(name.lower(), agreement.id)
    return found


def import_progress(
    *, session: Session, principal: Principal, local_authority_id: str, text: str, source: str
) -> ImportResult:
    """Record every row of an authority's monitoring file, or none: the first bad row refuses the file."""
    rows = read_progress(text)
    matched = match_agreements(session, principal, local_authority_id, {row.reference for row in rows})
    result = []
    held = history(session=session, agreement_ids=sorted(set(matched.values())))
    for row in rows:
        agreement_id = matched.get(row.reference.lower())
        if agreement_id is None:
            raise NotFoundError(f"row {row.row}: no agreement {row.reference!r} of {local_authority_id}", field="file")
        same_day = [record for record in held[agreement_id] if record.on == row.on]
        latest = same_day[-1] if same_day else None
        counts = (row.started, row.completed, row.occupied)
        if latest is not None and (latest.started, latest.completed, latest.occupied) == counts:
            result.append((row, agreement_id, False))
            continue
        data = ProgressCreate(
            on=row.on, started=row.started, completed=row.completed, occupied=row.occupied, note=row.note
        )
        try:
            record = record_progress(
                session=session, principal=principal, agreement_id=agreement_id, data=data, source=source
            )
        except RuleError as error:
            raise RuleError(f"row {row.row}: {error.detail}", field="file") from error
        held[agreement_id].append(record)
        result.append((row, agreement_id, True))
    return ImportResult(rows=result)


def contribution_of(*, session: Session, contribution_id: int) -> Contribution:
    """A contribution by id, for the officer's pages (who read every authority)."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFoundError(f"no contribution {contribution_id}", field="contribution_id")
    return contribution


def instalment_of(*, session: Session, instalment_id: int) -> Instalment:
    """An instalment by id, for the officer's pages (who read every authority)."""
    instalment = session.get(Instalment, instalment_id)
    if instalment is None:
        raise NotFoundError(f"no instalment {instalment_id}", field="instalment_id")
    return instalment
