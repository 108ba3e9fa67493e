"""Instalments: a contribution's money in tranches, each with a share and a structured trigger.

A schedule's shares are all percentages (adding to 100) or all amounts (adding to the total value when
written). What each instalment is worth is worked out from the contribution's total value in the ledger,
so the instalments always sum to it, whatever indexation or variation did since: each share is its
fraction of the total, rounded down to the penny, and the last instalment takes the pence left over.

An instalment falls due by a dated record (never changed: a correction is a later record). The ledger's
stage rules stay per contribution: the first instalment of a contribution to fall due records the
contribution's trigger_met event with it (app/sites/service.py), which moves its unreceived money to
"held by developer" as a trigger met always has; a trigger_met recorded straight on a contribution of
one instalment is that instalment falling due.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import Numeric, delete, insert, literal, select, text
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.errors import ConflictError, RuleError
from app.instalments.schemas import InstalmentTrigger, InstalmentWrite
from app.models import (
    Contribution,
    Instalment,
    InstalmentDue,
    ThresholdUnit,
    TriggerType,
)
from app.money import CENT, ZERO, pounds

HUNDRED = Decimal(100)
FIXED_REASON = (
    "An instalment has fallen due, so the schedule is kept as it is: correct an instalment's due date with a "
    "later record instead"
)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split a total in pence by weights: each share rounded down, the last taking what is left."""
    if not weights:
        return []
    whole = sum(weights, Decimal(0))
    shares = []
    for weight in weights[:-1]:
        share = (total * weight / whole).quantize(CENT, rounding=ROUND_DOWN) if whole > 0 else ZERO
        shares.append(share)
    shares.append(total - sum(shares, ZERO))
    return shares


@dataclass(frozen=True, slots=True)
class InstalmentTerms:
    """An instalment's terms as one statement read them, without building the ORM's object for a read."""

    id: int
    position: int
    share_percent: Decimal | None
    share_amount: Decimal | None
    trigger_type: TriggerType
    threshold: int | None
    threshold_unit: ThresholdUnit
    due_date: date | None
    description: str | None


@dataclass(frozen=True, slots=True)
class DueOn:
    """The date of an instalment's latest due record, as one statement read it."""

    on: date


def weight_of(instalment: "Instalment | InstalmentTerms | InstalmentWrite") -> Decimal:
    """An instalment's share as a weight: its percent, or its amount."""
    if isinstance(instalment, InstalmentWrite):
        value = instalment.percent if instalment.percent is not None else instalment.amount
    else:
        value = instalment.share_percent if instalment.share_percent is not None else instalment.share_amount
    return Decimal(value or 0)


def values(instalments: Sequence[Instalment | InstalmentTerms], total: Decimal) -> list[Decimal]:
    """What each instalment (in position order) is worth of the contribution's total value."""
    return allocate(total, [weight_of(item) for item in instalments])


def check_schedule(schedule: Sequence[InstalmentWrite], total: Decimal, *, dwellings: int | None = None) -> None:
    """Refuse a schedule whose shares do not add to 100% or to the total, or that mixes the two, with a share of
    nothing, or (where the agreement's dwellings are given) with a threshold beyond its dwellings."""
    for index, item in enumerate(schedule):
        if weight_of(item) == 0:
            share = "percent" if item.percent is not None else "amount"
            raise RuleError(
                f"instalment {index + 1} has a share of nothing: give it a share above 0, or leave it out",
                field=f"instalments.{index}.{share}",
            )
    percents = [item.percent for item in schedule if item.percent is not None]
    if percents and len(percents) != len(schedule):
        raise RuleError("give every instalment's share as a percent, or every one as an amount", field="instalments")
    if percents:
        added = sum(percents, Decimal(0))
        if added != HUNDRED:
            raise RuleError(f"the instalments' percents add to {added.normalize():f}%, not 100%", field="instalments")
    else:
        added = sum((item.amount or ZERO for item in schedule), ZERO)
        if added != total:
            raise RuleError(
                f"the instalments' amounts add to {pounds(added)}, not the contribution's total value {pounds(total)}",
                field="instalments",
            )
    for index, item in enumerate(schedule):
        trigger = item.trigger
        if trigger.type in (TriggerType.on_occupation, TriggerType.on_completion) and trigger.threshold == 0:
            raise RuleError(
                "an occupation or completion threshold is at least the 1st dwelling (or 1%)",
                field=f"instalments.{index}.trigger.threshold",
            )
        if trigger.type is TriggerType.on_date and trigger.on is None:
            raise RuleError("an on_date trigger needs its date (on)", field=f"instalments.{index}.trigger.on")
        if (
            dwellings
            and trigger.type in (TriggerType.on_occupation, TriggerType.on_completion)
            and trigger.threshold_unit is ThresholdUnit.dwellings
            and (trigger.threshold or 0) > dwellings
        ):
            measure = "occupation" if trigger.type is TriggerType.on_occupation else "completion"
            raise RuleError(
                f"instalment {index + 1} is due on the {ordinal(trigger.threshold or 0)} {measure}, but the agreement "
                f"has {dwellings} dwellings: it would never fall due",
                field=f"instalments.{index}.trigger.threshold",
            )


def one_instalment(contribution: Contribution) -> InstalmentWrite:
    """A contribution's single trigger as a schedule of one instalment of 100%."""
    return InstalmentWrite(
        percent=HUNDRED,
        trigger=InstalmentTrigger(
            type=contribution.trigger_type,
            threshold=contribution.trigger_threshold,
            description=contribution.trigger_description,
        ),
    )


def counts_as_started(trigger_type: TriggerType) -> bool:
    """Whether a contribution with this trigger counts as started without an event (the ledger's stage rules)."""
    return trigger_type is TriggerType.on_signing


def schedule_fixed(*, session: Session, contribution_id: int) -> bool:
    """Whether the schedule is kept as it is because an instalment of it is recorded as fallen due."""
    held = schedules(session=session, contribution_ids=[contribution_id])[contribution_id]
    return bool(held and due_records(session=session, instalment_ids=[item.id for item in held]))


def refuse_if_fixed(*, session: Session, contribution: Contribution) -> None:
    """Refuse to change a schedule once an instalment of it is recorded as fallen due."""
    if schedule_fixed(session=session, contribution_id=contribution.id):
        raise ConflictError(
            f"contribution {contribution.id} has an instalment recorded as due: its schedule is kept as it is "
            "(correct an instalment's due date with a later record instead)",
            field="instalments",
        )


def write_schedule(
    *, session: Session, principal: Principal, contribution: Contribution, schedule: Sequence[InstalmentWrite]
) -> list[Instalment]:
    """Replace a contribution's schedule (the caller has checked it); refused once an instalment has fallen due.

    The contribution's own trigger becomes its first instalment's, which is what the ledger's stage rules read.
    """
    refuse_if_fixed(session=session, contribution=contribution)
    session.execute(delete(Instalment).where(Instalment.contribution_id == contribution.id))
    session.flush()
    written = []
    for position, item in enumerate(schedule, start=1):
        trigger = item.trigger
        instalment = Instalment(
            contribution_id=contribution.id,
            position=position,
            share_percent=item.percent,
            share_amount=item.amount,
            trigger_type=trigger.type,
            threshold=trigger.threshold,
            threshold_unit=trigger.threshold_unit,
            due_date=trigger.on,
            description=trigger.description,
            created_by=principal.label,
        )
        session.add(instalment)
        written.append(instalment)
    taken = trigger_from_schedule(schedule, contribution.trigger_type)
    if taken is not None:
        contribution.trigger_type, contribution.trigger_threshold, contribution.trigger_description = taken
    session.flush()
    return written


def trigger_from_schedule(
    schedule: Sequence[InstalmentWrite], trigger_type: TriggerType
) -> tuple[TriggerType, int | None, str | None] | None:
    """The contribution's trigger its schedule's first instalment gives it (type, threshold, words), if it changes."""
    first = schedule[0].trigger
    if len(schedule) == 1 and trigger_type is first.type:
        return None
    return first.type, first.threshold if first.threshold_unit is ThresholdUnit.dwellings else None, first.description


def instalment_rows(
    *, principal: Principal, contribution_id: int, schedule: Sequence[InstalmentWrite]
) -> list[dict[str, object]]:
    """A new contribution's schedule as rows for one bulk insert (the caller has checked it)."""
    return [
        {
            "contribution_id": contribution_id,
            "position": position,
            "share_percent": item.percent,
            "share_amount": item.amount,
            "trigger_type": item.trigger.type,
            "threshold": item.trigger.threshold,
            "threshold_unit": item.trigger.threshold_unit,
            "due_date": item.trigger.on,
            "description": item.trigger.description,
            "created_by": principal.label,
        }
        for position, item in enumerate(schedule, start=1)
    ]


def schedules(*, session: Session, contribution_ids: Sequence[int]) -> dict[int, list[Instalment]]:
    """The instalments of these contributions in position order, in one query (the caller checks scope)."""
    found: dict[int, list[Instalment]] = {contribution_id: [] for contribution_id in contribution_ids}
    if not contribution_ids:
        return found
    query = (
        select(Instalment)
        .where(Instalment.contribution_id.in_(contribution_ids))
        .order_by(Instalment.contribution_id, Instalment.position)
    )
    for instalment in session.scalars(query):
        found[instalment.contribution_id].append(instalment)
    return found


def due_records(
    *, session: Session, instalment_ids: Sequence[int], as_at: date | None = None
) -> dict[int, InstalmentDue]:
    """Each instalment's latest record of falling due (as at a date, when given), in one query."""
    if not instalment_ids:
        return {}
    query = select(InstalmentDue).where(InstalmentDue.instalment_id.in_(instalment_ids)).order_by(InstalmentDue.id)
    latest: dict[int, InstalmentDue] = {}
    for record in session.scalars(query):
        if as_at is None or record.on <= as_at:
            latest[record.instalment_id] = record
    return latest


def record_due(
    *,
    session: Session,
    principal: Principal,
    instalment: Instalment,
    on: date,
    note: str | None,
    event_id: int | None,
) -> InstalmentDue:
    """Record that an instalment fell due on a date (the caller has checked it may and the date's rules)."""
    record = InstalmentDue(
        instalment_id=instalment.id, on=on, note=note, event_id=event_id, recorded_by=principal.label
    )
    session.add(record)
    session.flush()
    return record


def threshold_dwellings(instalment: Instalment, dwellings: int | None) -> int | None:
    """An occupation or completion threshold in dwellings (N% of the agreement's, rounded up); None if unknown."""
    if instalment.threshold is None:
        return None
    if instalment.threshold_unit is ThresholdUnit.dwellings:
        return instalment.threshold
    if not dwellings:
        return None
    return max(-(-dwellings * instalment.threshold // 100), 1)


def describe(instalment: Instalment | InstalmentTerms) -> str:
    """An instalment's trigger in words, such as "before the 50th occupation" or "on 1 Apr 2027"."""
    kind = instalment.trigger_type
    if kind is TriggerType.on_signing:
        return "on signing"
    if kind is TriggerType.on_commencement:
        return "on commencement"
    if kind in (TriggerType.on_occupation, TriggerType.on_completion):
        measure = "occupation" if kind is TriggerType.on_occupation else "completion"
        if instalment.threshold is None:
            return f"on {measure}" if kind is TriggerType.on_occupation else "on completion of the development"
        if instalment.threshold_unit is ThresholdUnit.percent:
            return f"on {instalment.threshold}% {measure}"
        return f"on the {ordinal(instalment.threshold)} {measure}"
    if kind is TriggerType.on_date and instalment.due_date is not None:
        return f"on {instalment.due_date.day} {instalment.due_date:%b %Y}"
    return instalment.description or "other (no words given)"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class Valued:
    """An instalment, what it is worth today, and its latest due record."""

    instalment: Instalment
    value: Decimal
    due: InstalmentDue | None


@dataclass(frozen=True, slots=True)
class ValuedTerms:
    """An instalment's terms as one statement read them, what it is worth today, and its latest due date."""

    instalment: InstalmentTerms
    value: Decimal
    due: DueOn | None


def valued(*, session: Session, totals: dict[int, Decimal], as_at: date | None = None) -> dict[int, list[Valued]]:
    """The instalments of these contributions with their values of the totals given and their due records."""
    found = schedules(session=session, contribution_ids=list(totals))
    dues = due_records(
        session=session, instalment_ids=[item.id for items in found.values() for item in items], as_at=as_at
    )
    return {
        contribution_id: [
            Valued(item, value, dues.get(item.id))
            for item, value in zip(items, values(items, totals[contribution_id]), strict=True)
        ]
        for contribution_id, items in found.items()
    }


def typed_line(instalment: Instalment) -> str:
    """An instalment as the schedule form shows it, one line that `wording.read_typed` reads back."""
    share = (
        f"{instalment.share_percent.normalize():f}%"
        if instalment.share_percent is not None
        else f"£{instalment.share_amount or ZERO:,.2f}"
    )
    if instalment.trigger_type is TriggerType.other:
        return f"{share} other: {instalment.description or ''}".strip()
    if instalment.trigger_type is TriggerType.on_date and instalment.due_date is not None:
        return f"{share} on {instalment.due_date:%d/%m/%Y}"
    return f"{share} {describe(instalment)}"


def outstanding(values: Sequence[Decimal], received: Decimal) -> list[Decimal]:
    """What each instalment still awaits from the developer: receipts pay the instalments in order."""
    left = max(received, ZERO)
    unpaid = []
    for value in values:
        paid = min(value, left)
        left -= paid
        unpaid.append(value - paid)
    return unpaid


def give_bare_contributions_one_instalment(session: Session, *, recorded_by: str) -> None:
    """Contributions written in bulk (the seed, the generator) become one instalment of 100% at their trigger,
    due on their first trigger_met event where they have one: as migration 0017c did for those it found."""
    bare = ~Contribution.id.in_(select(Instalment.contribution_id))
    session.execute(
        insert(Instalment).from_select(
            ["contribution_id", "position", "share_percent", "trigger_type", "threshold", "threshold_unit"]
            + ["description", "created_by"],
            select(
                Contribution.id,
                literal(1),
                literal(HUNDRED, Numeric(7, 4)),
                Contribution.trigger_type,
                Contribution.trigger_threshold,
                literal(ThresholdUnit.dwellings.value),
                Contribution.trigger_description,
                literal(recorded_by),
            ).where(bare),
        )
    )
    # A single instalment not yet due falls due with its contribution's first trigger_met (as 0017c did).
    session.execute(
        text(
            'INSERT INTO instalment_due (instalment_id, "on", note, event_id, recorded_by) '
            "SELECT i.id, e.\"on\", 'the trigger recorded as met', e.id, e.recorded_by "
            "FROM instalments i JOIN contribution_events e ON e.contribution_id = i.contribution_id "
            "WHERE i.id NOT IN (SELECT d.instalment_id FROM instalment_due d) "
            "AND (SELECT COUNT(*) FROM instalments j WHERE j.contribution_id = i.contribution_id) = 1 "
            "AND e.id = (SELECT MIN(f.id) FROM contribution_events f WHERE f.contribution_id = i.contribution_id "
            'AND f.kind = \'trigger_met\' AND f."on" = (SELECT MIN(g."on") FROM contribution_events g '
            "WHERE g.contribution_id = i.contribution_id AND g.kind = 'trigger_met'))"
        )
    )
    session.flush()
