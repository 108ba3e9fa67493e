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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import Select, delete, event, func, insert, inspect, select, union_all
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
    table_of,
)
from app.money import ZERO, to_money

STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
"""The stage figures of a contribution; each is kept for all agreements and, prefixed open_, for open ones."""

FIGURES = (*STAGES, *(f"open_{name}" for name in STAGES))
"""Every money column of the rollup tables, in order."""

COUNTS = ("agreements", "open_agreements")
"""The agreement counts of the rollup's agreement tables."""

SETTLE_SLICE = 500
"""How many contributions a settle derives at once: bounds its memory, whatever a transaction wrote."""

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


def current_month() -> date:
    """The month of today: the horizon every write brings the month ends up to."""
    return month_of(date.today())


def next_month(month: date) -> date:
    """The first day of the month after this one."""
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def months_from(first: date, last: date) -> list[date]:
    """Every month from the first to the last, both included (first days)."""
    months: list[date] = []
    month = month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


Steps = Mapping[tuple[Any, ...], Sequence[Any]]
"""Changes per (group..., month): a group's key columns, then the month."""


@dataclass(frozen=True)
class MonthEnds:
    """A table of figures at each month's end per group, kept dense, and the table of days it accumulates.

    Every group has a row for every month from the month of its first step to the horizon (the latest
    month stored, which every write first brings up to the current month), so the figures as at any date
    are one row per group (the month before the date's month) plus the days since: a read costs the same
    however long the ledger's history. Days after the horizon (dated after the current month when written)
    are added to the months when a later write brings the horizon up to them.
    """

    months: Any  # the tables' Table objects (typed FromClause on the models)
    days: Any
    group: tuple[str, ...]
    columns: tuple[str, ...]

    def horizon(self, session: Session) -> date | None:
        """The latest month stored, if any."""
        return session.scalar(select(func.max(self.months.c.month)))

    def _group_of(self, row: Any) -> tuple[Any, ...]:
        return tuple(row[: len(self.group)])

    def _rows_at(self, session: Session, month: date, *, lock: bool) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        query = (
            select(*(self.months.c[name] for name in self.group), *(self.months.c[name] for name in self.columns))
            .where(self.months.c.month == month)
            .order_by(*(self.months.c[name] for name in self.group))
        )
        if lock:
            query = query.with_for_update()
        return {self._group_of(row): tuple(row[len(self.group) :]) for row in session.execute(query)}

    def _day_sums(self, session: Session, first: date, last: date | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The days' steps from the first date to the last (open-ended for None), summed per group."""
        query = select(
            *(self.days.c[name] for name in self.group), *(func.sum(self.days.c[name]) for name in self.columns)
        ).where(self.days.c.on >= first)
        if last is not None:
            query = query.where(self.days.c.on <= last)
        query = query.group_by(*(self.days.c[name] for name in self.group))
        return {self._group_of(row): tuple(row[len(self.group) :]) for row in session.execute(query)}

    def _insert(self, session: Session, rows: list[dict[str, Any]], *, replace: bool = False) -> None:
        if not rows:
            return
        dialect = session.get_bind().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.months)
        if not replace:
            statement = statement.on_conflict_do_nothing(index_elements=[*self.group, "month"])
        session.execute(statement, rows)

    def _row(self, group: tuple[Any, ...], month: date, values: Iterable[Any]) -> dict[str, Any]:
        return {
            **dict(zip(self.group, group, strict=True)),
            "month": month,
            **dict(zip(self.columns, values, strict=True)),
        }

    def extend(self, session: Session, to_month: date) -> date | None:
        """Bring the horizon up to this month, each new month the last plus its days; the new horizon."""
        horizon = self.horizon(session)
        if horizon is None or horizon >= to_month:
            return horizon
        # Locking the horizon's rows makes two writers extending at once, or a writer adding to the
        # horizon while another extends past it, take turns: the later one copies committed figures.
        figures = self._rows_at(session, horizon, lock=True)
        for month in months_from(next_month(horizon), to_month):
            for group, steps in self._day_sums(session, month, next_month(month) - timedelta(days=1)).items():
                before = figures.get(group, tuple(0 for _ in self.columns))
                figures[group] = tuple(a + b for a, b in zip(before, steps, strict=True))
            self._insert(session, [self._row(group, month, values) for group, values in sorted(figures.items())])
        return to_month

    def add(self, session: Session, changes: Steps) -> None:
        """Add each (group..., month) change to that month's row and every later one, up to the horizon.

        However many groups and months change, it costs two statements: the groups' first stored months, and
        one insert of every month row from each group's earliest change on that adds to the row already there
        (sent together, in group then month order).
        """
        changes = {key: values for key, values in changes.items() if any(values)}
        if not changes:
            return
        current = current_month()
        horizon = self.extend(session, current) or current
        if any(key[-1] > horizon for key in changes):
            # A step after the horizon reaches the months through a later extension: wait for one running now.
            self._rows_at(session, horizon, lock=True)
            horizon = self.horizon(session) or horizon
        by_group: dict[tuple[Any, ...], dict[date, Sequence[Any]]] = defaultdict(dict)
        for key, values in changes.items():
            if key[-1] <= horizon:
                by_group[key[:-1]][key[-1]] = values
        if not by_group:
            return
        table = self.months
        group_columns = [table.c[name] for name in self.group]
        first_of = {
            self._group_of(row): row[-1]
            for row in session.execute(
                select(*group_columns, func.min(table.c.month))
                .where(group_columns[0].in_(sorted({group[0] for group in by_group})))
                .group_by(*group_columns)
            )
        }
        rows: list[dict[str, Any]] = []
        zeros = tuple(0 for _ in self.columns)
        # Sorted, so two writers adding to the same groups take the row locks in one order.
        for group in sorted(by_group, key=lambda group: tuple(str(part) for part in group)):
            months = by_group[group]
            earliest = min(months)
            first = first_of.get(group)
            running = zeros
            for month in months_from(earliest, horizon):
                running = tuple(a + b for a, b in zip(running, months.get(month, zeros), strict=True))
                # A month before the group's first is written even at zero, so its months stay dense.
                if any(running) or first is None or month < first:
                    rows.append(self._row(group, month, running))
        if rows:
            dialect = session.get_bind().dialect.name
            statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.months)
            statement = statement.on_conflict_do_update(
                index_elements=[*self.group, "month"],
                set_={name: table.c[name] + statement.excluded[name] for name in self.columns},
            )
            session.execute(statement, rows)

    def fill(self, session: Session, steps: Steps, to_month: date) -> None:
        """Write the month ends from every group's monthly steps up to the month, into an empty table."""
        self._insert(session, self.expected(steps, to_month), replace=True)

    def expected(self, steps: Steps, to_month: date) -> list[dict[str, Any]]:
        """The dense month-end rows that monthly steps give, up to the month."""
        by_group: dict[tuple[Any, ...], dict[date, Sequence[Any]]] = defaultdict(dict)
        for key, values in steps.items():
            by_group[key[:-1]][key[-1]] = values
        rows: list[dict[str, Any]] = []
        for group in sorted(by_group, key=lambda group: tuple(str(part) for part in group)):
            months = by_group[group]
            first = min(months)
            if first > to_month:
                continue
            running: tuple[Any, ...] = tuple(0 for _ in self.columns)
            for month in months_from(first, to_month):
                step = months.get(month, (0,) * len(self.columns))
                running = tuple(a + b for a, b in zip(running, step, strict=True))
                rows.append(self._row(group, month, running))
        return rows

    def as_at(self, session: Session, as_at: date, columns: tuple[str, ...], where: list[Any]) -> Select[Any]:
        """The group's figures as at the date, one row per group: the month end before it plus the days since."""
        horizon = self.horizon(session)
        month = month_of(as_at)
        later_in_month = select(self.days.c.on).where(
            self.days.c.on > as_at, self.days.c.on < next_month(month), *(clause(self.days) for clause in where)
        )
        parts = []
        if horizon is not None and month <= horizon and session.scalar(later_in_month.limit(1)) is None:
            # Nothing happens later in the date's month (a month end, or today): its month end is the answer.
            base: date | None = month
        else:
            base = None if horizon is None else min(month_of(month - timedelta(days=1)), horizon)
            days_from = date.min if base is None else next_month(base)
            parts.append(
                select(*(self.days.c[name] for name in self.group), *(self.days.c[name] for name in columns)).where(
                    self.days.c.on >= days_from, self.days.c.on <= as_at, *(clause(self.days) for clause in where)
                )
            )
        if base is not None:
            parts.append(
                select(*(self.months.c[name] for name in self.group), *(self.months.c[name] for name in columns)).where(
                    self.months.c.month == base, *(clause(self.months) for clause in where)
                )
            )
        both = union_all(*parts).subquery("rollup_parts")
        return select(*(both.c[name] for name in self.group), *(func.sum(both.c[name]) for name in columns)).group_by(
            *(both.c[name] for name in self.group)
        )


STAGE_MONTHS = MonthEnds(
    RollupMonth.__table__, RollupContributionDay.__table__, ("local_authority_id", "purpose"), FIGURES
)
AGREEMENT_MONTHS = MonthEnds(
    RollupAgreementMonth.__table__, RollupAgreementDay.__table__, ("local_authority_id",), COUNTS
)


def _net(old: Steps, new: Steps, width: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What each month gains going from the old steps to the new (unchanged months net to nothing)."""
    zeros = (0,) * width
    return {
        key: tuple(b - a for a, b in zip(old.get(key, zeros), new.get(key, zeros), strict=True))
        for key in set(old) | set(new)
    }


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
            insert(table_of(RollupContributionDay)),
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
            insert(table_of(RollupAgreementDay)),
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
    old_days = _stored_days(session, ids)
    old_agreement_days = _stored_agreement_days(session, agreement_ids)
    session.execute(delete(RollupContributionDay).where(RollupContributionDay.contribution_id.in_(ids)))
    session.execute(delete(RollupAgreementDay).where(RollupAgreementDay.agreement_id.in_(agreement_ids)))
    _insert_days(session, days, agreement_days)
    # Only the months whose sums changed are touched: a new movement today moves this month's row alone.
    STAGE_MONTHS.add(session, _net(dict(monthly(old_days)), dict(monthly(days)), len(FIGURES)))
    AGREEMENT_MONTHS.add(
        session, _net(dict(agreement_monthly(old_agreement_days)), dict(agreement_monthly(agreement_days)), 2)
    )


def rederive_contribution(session: Session, contribution_id: int) -> None:
    """Derive one contribution's rollup again from the ledger (for a write that bypassed the ORM)."""
    rederive_contributions(session, [contribution_id])


def rebuild(session: Session) -> None:
    """Throw the rollup away and derive all of it from the ledger (after a bulk load, or to repair it)."""
    for table in (RollupContributionDay, RollupMonth, RollupAgreementDay, RollupAgreementMonth):
        session.execute(delete(table))
    days, agreement_days = derive(session)
    _insert_days(session, days, agreement_days)
    current = current_month()
    STAGE_MONTHS.fill(session, dict(monthly(days)), current)
    AGREEMENT_MONTHS.fill(session, dict(agreement_monthly(agreement_days)), current)
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


def _compare_months(session: Session, table: MonthEnds, steps: Steps, horizon: date, name: str) -> list[Difference]:
    """The stored month ends against the ones the ledger's steps give, up to the stored horizon."""
    keys = (*table.group, "month")
    expected = {
        tuple(row[key] for key in keys): tuple(row[column] for column in table.columns)
        for row in table.expected(steps, horizon)
    }
    stored = session.execute(
        select(*(table.months.c[key] for key in keys), *(table.months.c[c] for c in table.columns))
    )
    return compare(
        expected,
        {tuple(row[: len(keys)]): tuple(row[len(keys) :]) for row in stored},
        table=name,
        columns=table.columns,
    )


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
    horizon = STAGE_MONTHS.horizon(session) or current_month()
    differences += _compare_months(session, STAGE_MONTHS, dict(monthly(days)), horizon, "rollup_months")
    differences += compare(
        {(day.agreement_id, day.on, day.local_authority_id): day.counts for day in agreement_days},
        {
            (day.agreement_id, day.on, day.local_authority_id): day.counts
            for day in _stored_agreement_days(session, None)
        },
        table="rollup_agreement_days",
        columns=COUNTS,
    )
    horizon = AGREEMENT_MONTHS.horizon(session) or current_month()
    agreement_steps = dict(agreement_monthly(agreement_days))
    differences += _compare_months(session, AGREEMENT_MONTHS, agreement_steps, horizon, "rollup_agreement_months")
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
    # In slices, so an import's thousands of contributions are derived in memory a slice at a time (ids run
    # by agreement, so an agreement's contributions mostly share a slice; one split is derived twice, harmlessly).
    ordered = sorted(contributions)
    for start in range(0, len(ordered), SETTLE_SLICE):
        rederive_contributions(session, ordered[start : start + SETTLE_SLICE])


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
    where = [] if local_authority_id is None else [lambda table: table.c.local_authority_id == local_authority_id]
    query = STAGE_MONTHS.as_at(session, as_at, columns, where)
    return {
        (row[0], Purpose(row[1])): {stage: to_money(value) for stage, value in zip(STAGES, row[2:], strict=True)}
        for row in session.execute(query)
    }


def agreement_counts(session: Session, *, as_at: date, local_authority_id: str | None) -> dict[str, tuple[int, int]]:
    """Per authority: agreements counted as at the date, and how many of them are open then."""
    settle(session)
    where = [] if local_authority_id is None else [lambda table: table.c.local_authority_id == local_authority_id]
    query = AGREEMENT_MONTHS.as_at(session, as_at, COUNTS, where)
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(query)}
