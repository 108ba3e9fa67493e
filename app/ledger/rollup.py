"""The rollup: each contribution's stage figures as signed deltas per date, and their sums per month.

A contribution's figures as at a date (the ones app/balances/queries.py computes from the ledger) are
a step function of the date; the rollup stores its steps. Summing a contribution's deltas up to a
date gives its figures as at that date, and summing the monthly sums of every contribution of an
authority up to the last whole month, plus the days of the month in progress, gives the authority's.

Any write that can move a step (a movement or reversal, an event, closing or reopening an agreement,
a repurposing, a change of trigger) is noticed when it is flushed, and the contributions it touched
are derived again from the ledger, from scratch, before the transaction commits: so a back-dated write
re-derives every later step, and the rollup commits or rolls back with the write. A write that bypasses
the ORM (a bulk insert) calls `rederive_contributions` itself, or `rebuild` for a whole load.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.ledger import locks
from app.ledger.expressions import sum_of, total_value_sum
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    Movement,
    MovementKind,
    Purpose,
    RollupAgreementDay,
    RollupAgreementMonth,
    RollupContributionDay,
    RollupMonth,
    TriggerType,
)
from app.money import ZERO, to_money

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
"""The stage figures of a contribution; each is kept for all agreements and, prefixed open_, for open ones."""

FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
"""Every money column of the rollup tables, in order."""

COUNTS = ("agreements", "open_agreements")
"""The agreement counts of the rollup's agreement tables."""

DIRTY_CONTRIBUTIONS = "rollup_dirty_contributions"
DIRTY_AGREEMENTS = "rollup_dirty_agreements"

Vector = tuple[Decimal, ...]
ZEROS: Vector = tuple(ZERO for _ in FIGURES)


def month_of(on: date) -> date:
    """The month a date falls in, as its first day."""
    return on.replace(day=1)


@dataclass
class _Terms:
    """What a contribution's figures depend on besides its movements and events."""

    contribution_id: int
    agreement_id: int
    local_authority_id: str
    purpose: Purpose
    trigger_type: TriggerType
    signed_on: date
    closed_on: date | None
    movements: dict[date, Vector] = field(default_factory=dict)
    events: list[tuple[date, EventKind]] = field(default_factory=list)


@dataclass(frozen=True)
class ContributionDay:
    """One step of one contribution's figures."""

    contribution_id: int
    on: date
    local_authority_id: str
    purpose: Purpose
    figures: Vector


@dataclass(frozen=True)
class AgreementDay:
    """One step of one agreement's place in the counts."""

    agreement_id: int
    on: date
    local_authority_id: str
    counts: tuple[int, int]


def _figures_at(
    terms: _Terms, first_movement: date | None, sums: list[Decimal], latest: dict[str, date | None], on: date
) -> Vector:
    """The contribution's figures at the end of a date, as app/balances/queries.py's stages compute them."""
    if on < terms.signed_on or first_movement is None or first_movement > on:
        return ZEROS
    total_value, received, drawn, spent, returned = sums
    unreceived = total_value - received
    at_risk_on, cleared_on = latest["at_risk"], latest["cleared"]
    is_at_risk = at_risk_on is not None and (cleared_on is None or at_risk_on > cleared_on)
    is_started = latest["started"] is not None or terms.trigger_type is TriggerType.on_signing
    if is_at_risk:
        stages = (ZERO, ZERO, unreceived)
    elif is_started:
        stages = (ZERO, unreceived, ZERO)
    else:
        stages = (unreceived, ZERO, ZERO)
    figures = (total_value, *stages, received, drawn, spent, returned)
    is_open = terms.closed_on is None or terms.closed_on > on
    return figures + (figures if is_open else tuple(ZERO for _ in STAGES))


def _steps(terms: _Terms) -> Iterator[ContributionDay]:
    """Every date on which the contribution's figures change, with the signed change."""
    events: dict[date, list[EventKind]] = defaultdict(list)
    for on, kind in terms.events:
        events[on].append(kind)
    dates = sorted({*terms.movements, *events, terms.signed_on, *([terms.closed_on] if terms.closed_on else [])})
    sums = [ZERO] * 5
    latest: dict[str, date | None] = {"started": None, "at_risk": None, "cleared": None}
    previous = ZEROS
    first_movement = min(terms.movements) if terms.movements else None
    for on in dates:
        sums = [total + change for total, change in zip(sums, terms.movements.get(on, ZEROS[:5]), strict=True)]
        for kind in events.get(on, []):
            if kind in (EventKind.development_started, EventKind.trigger_met):
                latest["started"] = on
            elif kind is EventKind.at_risk:
                latest["at_risk"] = on
            elif kind is EventKind.at_risk_cleared:
                latest["cleared"] = on
        figures = _figures_at(terms, first_movement, sums, latest, on)
        change = tuple(now - before for now, before in zip(figures, previous, strict=True))
        previous = figures
        if any(change):
            yield ContributionDay(terms.contribution_id, on, terms.local_authority_id, terms.purpose, change)


def _load_terms(session: Session, contribution_ids: list[int] | None) -> list[_Terms]:
    """The terms, daily movement sums and events of these contributions (all of them for None)."""
    terms_query = select(
        Contribution.id,
        Contribution.agreement_id,
        Agreement.local_authority_id,
        Contribution.purpose,
        Contribution.trigger_type,
        Agreement.signed_on,
        Agreement.closed_on,
    ).join(Agreement, Agreement.id == Contribution.agreement_id)
    daily = select(
        Movement.contribution_id,
        Movement.on,
        total_value_sum(),
        *(
            sum_of(kind)
            for kind in (MovementKind.received, MovementKind.drawn, MovementKind.spent, MovementKind.returned)
        ),
    ).group_by(Movement.contribution_id, Movement.on)
    events = select(ContributionEvent.contribution_id, ContributionEvent.on, ContributionEvent.kind)
    if contribution_ids is not None:
        terms_query = terms_query.where(Contribution.id.in_(contribution_ids))
        daily = daily.where(Movement.contribution_id.in_(contribution_ids))
        events = events.where(ContributionEvent.contribution_id.in_(contribution_ids))
    by_id = {row[0]: _Terms(*row) for row in session.execute(terms_query)}
    for contribution_id, on, *sums in session.execute(daily):
        by_id[contribution_id].movements[on] = tuple(to_money(value) for value in sums)
    for contribution_id, on, kind in session.execute(events):
        by_id[contribution_id].events.append((on, kind))
    return list(by_id.values())


def _agreement_steps(terms: Iterable[_Terms]) -> list[AgreementDay]:
    """Each agreement counts from its signing or its first movement, whichever is later, until it closes."""
    first: dict[int, date] = {}
    by_agreement: dict[int, _Terms] = {}
    for contribution in terms:
        by_agreement.setdefault(contribution.agreement_id, contribution)
        if contribution.movements:
            earliest = max(contribution.signed_on, min(contribution.movements))
            first[contribution.agreement_id] = min(first.get(contribution.agreement_id, earliest), earliest)
    days: list[AgreementDay] = []
    for agreement_id, counted_on in sorted(first.items()):
        agreement = by_agreement[agreement_id]
        closed_on = agreement.closed_on
        opens = closed_on is None or closed_on > counted_on
        days.append(AgreementDay(agreement_id, counted_on, agreement.local_authority_id, (1, 1 if opens else 0)))
        if closed_on is not None and opens:
            days.append(AgreementDay(agreement_id, closed_on, agreement.local_authority_id, (0, -1)))
    return days


def derive(
    session: Session, contribution_ids: list[int] | None = None
) -> tuple[list[ContributionDay], list[AgreementDay]]:
    """The rollup's days for these contributions (every one for None), and for their agreements, from the ledger."""
    terms = _load_terms(session, contribution_ids)
    if contribution_ids is not None:
        # An agreement's counts depend on all its contributions, so read its siblings' first movements too.
        agreement_ids = {contribution.agreement_id for contribution in terms}
        siblings = session.scalars(select(Contribution.id).where(Contribution.agreement_id.in_(agreement_ids)))
        others = sorted(set(siblings) - set(contribution_ids))
        agreement_terms = terms + (_load_terms(session, others) if others else [])
    else:
        agreement_terms = terms
    days = [day for contribution in terms for day in _steps(contribution)]
    return days, _agreement_steps(agreement_terms)


def monthly(days: Iterable[ContributionDay]) -> dict[tuple[str, Purpose, date], Vector]:
    """Contribution days summed per authority, purpose and month."""
    sums: dict[tuple[str, Purpose, date], Vector] = {}
    for day in days:
        key = (day.local_authority_id, day.purpose, month_of(day.on))
        sums[key] = tuple(a + b for a, b in zip(sums.get(key, ZEROS), day.figures, strict=True))
    return sums


def agreement_monthly(days: Iterable[AgreementDay]) -> dict[tuple[str, date], tuple[int, int]]:
    """Agreement days summed per authority and month."""
    sums: dict[tuple[str, date], tuple[int, int]] = {}
    for day in days:
        key = (day.local_authority_id, month_of(day.on))
        before = sums.get(key, (0, 0))
        sums[key] = (before[0] + day.counts[0], before[1] + day.counts[1])
    return sums


def _upsert(
    session: Session, table: Any, keys: tuple[str, ...], columns: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """Add each row's figures to the stored row with its key, creating it if there is none (keys in order)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + statement.excluded[name] for name in columns}
    )
    # Sorted, so two writers adding to the same months take the row locks in one order.
    for row in sorted(rows, key=lambda row: tuple(str(row[key]) for key in keys)):
        session.execute(statement, row)


def _store(session: Session, days: list[ContributionDay], agreement_days: list[AgreementDay], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) these days' sums from the monthly tables."""
    months = [
        {
            "local_authority_id": key[0],
            "purpose": key[1],
            "month": key[2],
            **dict(zip(FIGURES, (sign * value for value in figures), strict=True)),
        }
        for key, figures in monthly(days).items()
        if any(figures)
    ]
    _upsert(session, RollupMonth.__table__, ("local_authority_id", "purpose", "month"), FIGURES, months)
    agreement_months = [
        {
            "local_authority_id": key[0],
            "month": key[1],
            "agreements": sign * counts[0],
            "open_agreements": sign * counts[1],
        }
        for key, counts in agreement_monthly(agreement_days).items()
        if any(counts)
    ]
    _upsert(session, RollupAgreementMonth.__table__, ("local_authority_id", "month"), COUNTS, agreement_months)


def _stored_days(session: Session, contribution_ids: list[int]) -> list[ContributionDay]:
    table = RollupContributionDay.__table__
    query = select(
        table.c.contribution_id,
        table.c.on,
        table.c.local_authority_id,
        table.c.purpose,
        *(table.c[name] for name in FIGURES),
    )
    rows = session.execute(query.where(table.c.contribution_id.in_(contribution_ids)))
    return [
        ContributionDay(row[0], row[1], row[2], row[3], tuple(to_money(value) for value in row[4:])) for row in rows
    ]


def _stored_agreement_days(session: Session, agreement_ids: list[int] | None) -> list[AgreementDay]:
    table = RollupAgreementDay.__table__
    query = select(
        table.c.agreement_id, table.c.on, table.c.local_authority_id, table.c.agreements, table.c.open_agreements
    )
    if agreement_ids is not None:
        query = query.where(table.c.agreement_id.in_(agreement_ids))
    return [AgreementDay(row[0], row[1], row[2], (row[3], row[4])) for row in session.execute(query)]


def _insert_days(session: Session, days: list[ContributionDay], agreement_days: list[AgreementDay]) -> None:
    if days:
        session.execute(
            insert(RollupContributionDay),
            [
                {
                    "contribution_id": day.contribution_id,
                    "on": day.on,
                    "local_authority_id": day.local_authority_id,
                    "purpose": day.purpose,
                    **dict(zip(FIGURES, day.figures, strict=True)),
                }
                for day in days
            ],
        )
    if agreement_days:
        session.execute(
            insert(RollupAgreementDay),
            [
                {
                    "agreement_id": day.agreement_id,
                    "on": day.on,
                    "local_authority_id": day.local_authority_id,
                    "agreements": day.counts[0],
                    "open_agreements": day.counts[1],
                }
                for day in agreement_days
            ],
        )


def rederive_contributions(session: Session, contribution_ids: Iterable[int]) -> None:
    """Derive these contributions' days (and their agreements') again from the ledger, and correct the months."""
    ids = sorted(set(contribution_ids))
    if not ids:
        return
    # Already held by every write path; taken here for one that changes terms without locking (a trigger).
    locks.lock_contributions(session, ids)
    days, agreement_days = derive(session, ids)
    agreement_ids = sorted(
        {day.agreement_id for day in agreement_days}
        | set(session.scalars(select(Contribution.agreement_id).where(Contribution.id.in_(ids))))
    )
    _store(session, _stored_days(session, ids), _stored_agreement_days(session, agreement_ids), -1)
    session.execute(delete(RollupContributionDay).where(RollupContributionDay.contribution_id.in_(ids)))
    session.execute(delete(RollupAgreementDay).where(RollupAgreementDay.agreement_id.in_(agreement_ids)))
    _insert_days(session, days, agreement_days)
    _store(session, days, agreement_days, 1)


def rederive_contribution(session: Session, contribution_id: int) -> None:
    """Derive one contribution's rollup again from the ledger (for a write that bypassed the ORM)."""
    rederive_contributions(session, [contribution_id])


def rebuild(session: Session) -> None:
    """Throw the rollup away and derive all of it from the ledger (after a bulk load, or to repair it)."""
    for table in (RollupContributionDay, RollupMonth, RollupAgreementDay, RollupAgreementMonth):
        session.execute(delete(table))
    days, agreement_days = derive(session)
    _insert_days(session, days, agreement_days)
    months = [
        {"local_authority_id": key[0], "purpose": key[1], "month": key[2], **dict(zip(FIGURES, figures, strict=True))}
        for key, figures in monthly(days).items()
    ]
    if months:
        session.execute(insert(RollupMonth), months)
    counts = [
        {"local_authority_id": key[0], "month": key[1], "agreements": value[0], "open_agreements": value[1]}
        for key, value in agreement_monthly(agreement_days).items()
    ]
    if counts:
        session.execute(insert(RollupAgreementMonth), counts)
    session.info.pop(DIRTY_CONTRIBUTIONS, None)
    session.info.pop(DIRTY_AGREEMENTS, None)


@dataclass(frozen=True)
class Difference:
    """A rollup figure that is not what the ledger gives: which row, which column, expected and stored."""

    table: str
    key: tuple[Any, ...]
    column: str
    expected: Decimal
    stored: Decimal


def compare(
    expected: dict[tuple[Any, ...], tuple[Any, ...]],
    stored: dict[tuple[Any, ...], tuple[Any, ...]],
    *,
    table: str,
    columns: tuple[str, ...],
) -> list[Difference]:
    """Every cell where the stored rows differ from the expected ones (a missing row counts as zeros)."""
    differences: list[Difference] = []
    for key in sorted(set(expected) | set(stored), key=lambda key: tuple(str(part) for part in key)):
        want = expected.get(key, (0,) * len(columns))
        have = stored.get(key, (0,) * len(columns))
        for column, a, b in zip(columns, want, have, strict=True):
            if Decimal(a) != Decimal(b):
                differences.append(Difference(table, key, column, Decimal(a), Decimal(b)))
    return differences


def check(session: Session) -> list[Difference]:
    """Derive the whole rollup from the ledger and compare it with the stored one; empty when they agree."""
    settle(session)
    days, agreement_days = derive(session)
    stored_days = session.execute(
        select(
            RollupContributionDay.contribution_id,
            RollupContributionDay.on,
            RollupContributionDay.local_authority_id,
            RollupContributionDay.purpose,
            *(RollupContributionDay.__table__.c[name] for name in FIGURES),
        )
    )
    differences = compare(
        {(day.contribution_id, day.on, day.local_authority_id, day.purpose): day.figures for day in days},
        {tuple(row[:4]): tuple(to_money(value) for value in row[4:]) for row in stored_days},
        table="rollup_contribution_days",
        columns=FIGURES,
    )
    months = session.execute(
        select(
            RollupMonth.local_authority_id,
            RollupMonth.purpose,
            RollupMonth.month,
            *(RollupMonth.__table__.c[name] for name in FIGURES),
        )
    )
    differences += compare(
        dict(monthly(days)),
        {tuple(row[:3]): tuple(to_money(value) for value in row[3:]) for row in months},
        table="rollup_months",
        columns=FIGURES,
    )
    differences += compare(
        {(day.agreement_id, day.on, day.local_authority_id): day.counts for day in agreement_days},
        {
            (day.agreement_id, day.on, day.local_authority_id): day.counts
            for day in _stored_agreement_days(session, None)
        },
        table="rollup_agreement_days",
        columns=COUNTS,
    )
    agreement_months = session.execute(
        select(
            RollupAgreementMonth.local_authority_id,
            RollupAgreementMonth.month,
            RollupAgreementMonth.agreements,
            RollupAgreementMonth.open_agreements,
        )
    )
    differences += compare(
        dict(agreement_monthly(agreement_days)),
        {tuple(row[:2]): tuple(row[2:]) for row in agreement_months},
        table="rollup_agreement_months",
        columns=COUNTS,
    )
    return differences


# Noticing writes: every flushed change that can move a contribution's figures marks it for settling.

_AGREEMENT_TERMS = ("signed_on", "closed_on", "local_authority_id")
_CONTRIBUTION_TERMS = ("purpose", "trigger_type", "agreement_id")


def _changed(instance: Any, names: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


def mark_contributions(session: Session, contribution_ids: Iterable[int]) -> None:
    """Have these contributions' rollup derived again before the transaction commits."""
    session.info.setdefault(DIRTY_CONTRIBUTIONS, set()).update(contribution_ids)


@event.listens_for(Session, "after_flush")
def _notice(session: Session, _context: Any) -> None:
    contributions: set[int] = set()
    agreements: set[int] = set()
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, Movement | ContributionEvent):
            contributions.add(instance.contribution_id)
        elif isinstance(instance, Contribution) and instance not in session.new:
            if _changed(instance, _CONTRIBUTION_TERMS):
                contributions.add(instance.id)
        elif isinstance(instance, Agreement) and instance not in session.new:
            if _changed(instance, _AGREEMENT_TERMS):
                agreements.add(instance.id)
    if contributions:
        mark_contributions(session, contributions)
    if agreements:
        session.info.setdefault(DIRTY_AGREEMENTS, set()).update(agreements)


def settle(session: Session) -> None:
    """Derive again every contribution written in this transaction (called before commit and before reading)."""
    if (
        not session.info.get(DIRTY_CONTRIBUTIONS)
        and not session.info.get(DIRTY_AGREEMENTS)
        and not session.new
        and not session.dirty
    ):
        return
    session.flush()
    contributions: set[int] = session.info.pop(DIRTY_CONTRIBUTIONS, set())
    agreements: set[int] = session.info.pop(DIRTY_AGREEMENTS, set())
    if agreements:
        contributions |= set(session.scalars(select(Contribution.id).where(Contribution.agreement_id.in_(agreements))))
    rederive_contributions(session, contributions)


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    # A savepoint's release fires this too; settling once, at the outermost commit, keeps an import's
    # per-row savepoints from deriving the same contributions again and again.
    if not session.in_nested_transaction():
        settle(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    # A savepoint rolled back may have marked only some of the contributions: keep every mark (deriving one
    # more contribution again is harmless); only the whole transaction's rollback forgets them.
    if not session.in_nested_transaction():
        session.info.pop(DIRTY_CONTRIBUTIONS, None)
        session.info.pop(DIRTY_AGREEMENTS, None)


# Reading: figures as at a date from the months before its month and the days of its month.


def stage_sums(
    session: Session, *, as_at: date, local_authority_id: str | None, open_only: bool
) -> dict[tuple[str, Purpose], dict[str, Decimal]]:
    """Every stage's money as at the date per (authority, purpose), for all agreements or open ones only."""
    settle(session)
    columns = tuple(f"open_{name}" for name in STAGES) if open_only else STAGES
    start = month_of(as_at)
    months = RollupMonth.__table__
    days = RollupContributionDay.__table__
    parts = [
        select(months.c.local_authority_id, months.c.purpose, *(months.c[name] for name in columns)).where(
            months.c.month < start
        ),
        select(days.c.local_authority_id, days.c.purpose, *(days.c[name] for name in columns)).where(
            days.c.on >= start, days.c.on <= as_at
        ),
    ]
    if local_authority_id is not None:
        parts = [
            parts[0].where(months.c.local_authority_id == local_authority_id),
            parts[1].where(days.c.local_authority_id == local_authority_id),
        ]
    both = union_all(*parts).subquery("rollup_parts")
    query = select(both.c.local_authority_id, both.c.purpose, *(func.sum(both.c[name]) for name in columns)).group_by(
        both.c.local_authority_id, both.c.purpose
    )
    return {
        (row[0], Purpose(row[1])): {stage: to_money(value) for stage, value in zip(STAGES, row[2:], strict=True)}
        for row in session.execute(query)
    }


def agreement_counts(session: Session, *, as_at: date, local_authority_id: str | None) -> dict[str, tuple[int, int]]:
    """Per authority: agreements counted as at the date, and how many of them are open then."""
    settle(session)
    start = month_of(as_at)
    months = RollupAgreementMonth.__table__
    days = RollupAgreementDay.__table__
    parts = [
        select(months.c.local_authority_id, months.c.agreements, months.c.open_agreements).where(
            months.c.month < start
        ),
        select(days.c.local_authority_id, days.c.agreements, days.c.open_agreements).where(
            days.c.on >= start, days.c.on <= as_at
        ),
    ]
    if local_authority_id is not None:
        parts = [
            parts[0].where(months.c.local_authority_id == local_authority_id),
            parts[1].where(days.c.local_authority_id == local_authority_id),
        ]
    both = union_all(*parts).subquery("rollup_agreement_parts")
    query = select(both.c.local_authority_id, func.sum(both.c.agreements), func.sum(both.c.open_agreements)).group_by(
        both.c.local_authority_id
    )
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(query)}
