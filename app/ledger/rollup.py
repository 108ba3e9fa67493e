"""The rollup: each contribution's stage figures as signed deltas per date, and their sums per period.

A contribution's figures as at a date (the ones app/balances/queries.py computes from the ledger) are
a step function of the date; the rollup stores its steps. Summing a contribution's deltas up to a
date gives its figures as at that date. Per authority (and purpose) the rollup also keeps the figures
at the end of every month, and what each month's days added before each of its later periods began (a period
is a quarter of a month, from the 1st, 9th, 17th and 25th): an authority's figures as at a date are a month
end's, with at most one period's change, plus or less the few days between the nearest period end and it.

Any write that can move a step (a movement or reversal, an event, closing or reopening an agreement,
a repurposing, a change of trigger) is noticed when it is flushed, and the contributions it touched
are derived again from the ledger, from scratch, before the transaction commits: so a back-dated write
re-derives every later step, and the rollup commits or rolls back with the write. Only the days that
differ from the stored ones are written, and only the month ends and period changes they move (a month has
period changes only once the month ends have been brought past it). A write that bypasses
the ORM (a bulk insert) calls `rederive_contributions` itself, or `rebuild` for a whole load.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import chain, groupby
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CursorResult,
    Date,
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy import (
    cast as cast_,
)
from sqlalchemy.orm import Session

from app import scoping
from app.ledger import locks
from app.ledger.expressions import sum_of, total_value_sum
from app.models import (
    ROLLUP_STAGES,
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    LocalAuthority,
    Movement,
    MovementKind,
    Purpose,
    Regime,
    RollupAgreementDay,
    RollupAgreementMonth,
    RollupAgreementPeriodChange,
    RollupAgreementPurposeDay,
    RollupAgreementPurposeMonth,
    RollupAgreementPurposePeriodChange,
    RollupContributionDay,
    RollupMonth,
    RollupPeriodChange,
    TriggerType,
)
from app.money import ZERO, to_money

STAGES = ROLLUP_STAGES
"""The stage figures of a contribution; each is kept for all agreements and, prefixed open_, for open ones."""

_PURPOSES = tuple(purpose.value for purpose in Purpose)

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


PERIOD_STARTS = (1, 9, 17, 25)
"""The days of the month on which a period begins: a read sums at most about four days of day rows."""


def period_of(on: date) -> date:
    """The period a date falls in, as its first day."""
    return on.replace(day=max(day for day in PERIOD_STARTS if day <= on.day))


def next_period(period: date) -> date:
    """The first day of the period after the one this date falls in."""
    for day in PERIOD_STARTS:
        if day > period.day:
            return period.replace(day=day)
    return (period.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_end(period: date) -> date:
    """The last day of the period this date falls in."""
    return next_period(period) - timedelta(days=1)


def month_of(on: date) -> date:
    """The month a date falls in, as its first day."""
    return on.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after the one this date falls in."""
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def previous_month(month: date) -> date:
    """The first day of the month before the one this date falls in."""
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month this date falls in."""
    return next_month(month) - timedelta(days=1)


def periods_within(on: date) -> list[date]:
    """The periods of the date's month that begin after it (their first days): the period changes a day moves."""
    return [on.replace(day=day) for day in PERIOD_STARTS[1:] if day > on.day]


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
    """One step of one agreement's place in the counts (of one of its purposes, when it names one)."""

    agreement_id: int
    on: date
    local_authority_id: str
    counts: tuple[int, int]
    purpose: Purpose | None = None


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


@lru_cache
def _terms_statements(filtered: bool, padding: int = 0) -> tuple[Any, Any, Any]:
    """Built once: the terms of the contributions of the agreements in `agreements` (or of all), their daily
    movement sums (source 6) and their events (source 7), the last two with `padding` more empty columns."""
    terms_query = select(
        Contribution.id,
        Contribution.agreement_id,
        Agreement.local_authority_id,
        Contribution.purpose,
        Contribution.trigger_type,
        Agreement.signed_on,
        Agreement.closed_on,
    ).join(Agreement, Agreement.id == Contribution.agreement_id)
    sums = (
        total_value_sum(),
        *(
            sum_of(kind)
            for kind in (MovementKind.received, MovementKind.drawn, MovementKind.spent, MovementKind.returned)
        ),
    )
    pads = [null() for _ in range(padding)]
    daily = select(
        literal(6).label("source"),
        Movement.contribution_id,
        Movement.on,
        cast_(null(), String()).label("kind"),
        *pads[:1],
        *sums,
        *pads[1:],
    ).group_by(Movement.contribution_id, Movement.on)
    events = select(
        literal(7),
        ContributionEvent.contribution_id,
        ContributionEvent.on,
        cast_(ContributionEvent.kind, String()),
        *pads[:1],
        *(null() for _ in sums),
        *pads[1:],
    )
    if filtered:
        agreements: BindParameter[Any] = bindparam("agreements", expanding=True)
        terms_query = terms_query.where(Contribution.agreement_id.in_(agreements))
        ids = select(Contribution.id).where(Contribution.agreement_id.in_(agreements))
        daily = daily.where(Movement.contribution_id.in_(ids))
        events = events.where(ContributionEvent.contribution_id.in_(ids))
    return terms_query, daily, events


def _read_movement_or_event(by_id: dict[int, _Terms], row: Sequence[Any], offset: int) -> None:
    """Add a row of the daily sums (source 6) or the events (7) to its contribution's terms."""
    source, contribution_id, on, kind = row[:4]
    if source == 6:
        by_id[contribution_id].movements[on] = tuple(to_money(value) for value in row[4 + offset : 9 + offset])
    else:
        by_id[contribution_id].events.append((on, EventKind(kind)))


def _load_terms(session: Session, agreement_ids: list[int] | None) -> list[_Terms]:
    """The terms, daily movement sums and events of the contributions of these agreements (all of them for None)."""
    terms_query, daily, events = _terms_statements(agreement_ids is not None)
    parameters = {} if agreement_ids is None else {"agreements": agreement_ids}
    by_id = {row[0]: _Terms(*row) for row in session.connection().execute(terms_query, parameters)}
    for row in session.connection().execute(union_all(daily, events), parameters):
        _read_movement_or_event(by_id, row, 0)
    return list(by_id.values())


def _agreement_steps(terms: Iterable[_Terms], *, by_purpose: bool = False) -> list[AgreementDay]:
    """Each agreement counts from its signing or its first movement, whichever is later, until it closes;
    by purpose, it counts under each purpose from its signing or the first movement of that purpose."""
    first: dict[tuple[int, Purpose | None], date] = {}
    by_key: dict[tuple[int, Purpose | None], _Terms] = {}
    for contribution in terms:
        key = (contribution.agreement_id, contribution.purpose if by_purpose else None)
        by_key.setdefault(key, contribution)
        if contribution.movements:
            earliest = max(contribution.signed_on, min(contribution.movements))
            first[key] = min(first.get(key, earliest), earliest)
    days: list[AgreementDay] = []
    for (agreement_id, purpose), counted_on in sorted(first.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        agreement = by_key[(agreement_id, purpose)]
        closed_on = agreement.closed_on
        opens = closed_on is None or closed_on > counted_on
        authority = agreement.local_authority_id
        days.append(AgreementDay(agreement_id, counted_on, authority, (1, 1 if opens else 0), purpose))
        if closed_on is not None and opens:
            days.append(AgreementDay(agreement_id, closed_on, authority, (0, -1), purpose))
    return days


@dataclass(frozen=True)
class Derived:
    """The rollup's days for some contributions and their agreements, as the ledger gives them."""

    days: list[ContributionDay]
    agreement_days: list[AgreementDay]
    agreement_purpose_days: list[AgreementDay]


def _derive(session: Session, contribution_ids: list[int] | None, agreement_ids: list[int] | None) -> Derived:
    """The contributions' days (all for None), and the days of their agreements (given, or all)."""
    # An agreement's counts depend on all its contributions, so its other contributions are read too.
    return _derived(_load_terms(session, agreement_ids), contribution_ids)


def _derived(agreement_terms: list[_Terms], contribution_ids: list[int] | None) -> Derived:
    """The days of these contributions (all for None), and of the agreements whose contributions these terms are."""
    if contribution_ids is None:
        terms = agreement_terms
    else:
        wanted = set(contribution_ids)
        terms = [contribution for contribution in agreement_terms if contribution.contribution_id in wanted]
    days = [day for contribution in terms for day in _steps(contribution)]
    return Derived(days, _agreement_steps(agreement_terms), _agreement_steps(agreement_terms, by_purpose=True))


def derive(session: Session, contribution_ids: list[int] | None = None) -> Derived:
    """The rollup's days for these contributions (every one for None), and for their agreements, from the ledger."""
    if contribution_ids is None:
        return _derive(session, None, None)
    agreement_ids = session.scalars(select(Contribution.agreement_id).where(Contribution.id.in_(contribution_ids)))
    return _derive(session, contribution_ids, sorted(set(agreement_ids)))


REBUILD_SLICE = 2_000
"""How many agreements a rebuild or a check derives at once: bounds their memory at national scale."""


def _agreement_slices(session: Session) -> Iterator[list[int]]:
    """Every agreement's id, in slices of REBUILD_SLICE: an agreement's contributions are derived together."""
    ids = list(session.scalars(select(Agreement.id).order_by(Agreement.id)))
    for start in range(0, len(ids), REBUILD_SLICE):
        yield ids[start : start + REBUILD_SLICE]


def per_day(days: Iterable[ContributionDay]) -> dict[tuple[str, Purpose, date], Vector]:
    """Contribution days summed per authority, purpose and date."""
    sums: dict[tuple[str, Purpose, date], Vector] = {}
    for day in days:
        key = (day.local_authority_id, day.purpose, day.on)
        sums[key] = tuple(a + b for a, b in zip(sums.get(key, ZEROS), day.figures, strict=True))
    return sums


def agreement_per_day(days: Iterable[AgreementDay]) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Agreement days summed per authority (and purpose, for days of a purpose) and date."""
    sums: dict[tuple[Any, ...], tuple[int, int]] = {}
    for day in days:
        purpose = () if day.purpose is None else (day.purpose,)
        key = (day.local_authority_id, *purpose, day.on)
        before = sums.get(key, (0, 0))
        sums[key] = (before[0] + day.counts[0], before[1] + day.counts[1])
    return sums


def current_month() -> date:
    """The month of today: the horizon every write brings the month ends up to."""
    return month_of(date.today())


def months_from(first: date, last: date) -> list[date]:
    """Every month from the first to the last, both included (first days)."""
    months: list[date] = []
    month = month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _upsert(session: Session, table: Any) -> Any:
    """An INSERT into the table with ON CONFLICT, in the session's engine's dialect (only that one is loaded)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


Steps = Mapping[tuple[Any, ...], Sequence[Any]]
"""Changes per (group..., date): a group's key columns, then a date (a day's, a month's or a period's first)."""

FEW_CHANGES = 4
"""Up to this many (group, month) changes are added one UPDATE each (a write's usual case, cheapest so); more,
as an import brings, in one upsert of every month row they reach."""

FILL_AUTHORITIES = 20
"""How many authorities' month ends a rebuild or a check sums from the days at once: bounds their memory."""


@dataclass(frozen=True)
class PeriodEnds:
    """A table of figures at each month's end per group, kept dense; beside it a sparse table of what each month's
    days added before each later period of the month began; and the table of days both sum.

    Every group has a month-end row for every month from the month of its first step to the horizon (the latest
    month stored, which every write first brings up to the current month), and a period change for a period
    beginning on the 9th, 17th or 25th of a month before the horizon's only when it had days in that month before
    the period (no row is no change). So the figures as at the end of any period before the horizon's month are
    one month end and at most one period change per group, and as at any date those plus or less the few days
    between: a read costs the same however long the ledger's history, and a back-dated write moves one row a month
    and at most three period changes. The horizon's month has no period changes: a write dated in it touches none,
    a read as at a date in it (before today) takes the month end before and the month's days up to the date, and
    its changes are filled from its days when the horizon moves past it. Days after the horizon (dated after the
    current month when written) reach the month ends and period changes when a later write brings the horizon up.
    """

    ends: Any  # the tables' Table objects (typed FromClause on the models)
    changes: Any
    days: Any
    group: tuple[str, ...]
    columns: tuple[str, ...]

    def horizon(self, session: Session) -> date | None:
        """The latest month stored, if any."""
        return session.scalar(select(func.max(self.ends.c.month)))

    def _group_of(self, row: Any) -> tuple[Any, ...]:
        return tuple(row[: len(self.group)])

    def _rows_at(self, session: Session, month: date, *, lock: bool) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        query = (
            select(*(self.ends.c[name] for name in self.group), *(self.ends.c[name] for name in self.columns))
            .where(self.ends.c.month == month)
            .order_by(*(self.ends.c[name] for name in self.group))
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
        statement = _upsert(session, self.ends)
        if not replace:
            statement = statement.on_conflict_do_nothing(index_elements=[*self.group, "month"])
        session.execute(statement, rows)

    def _row(self, group: tuple[Any, ...], month: date, values: Iterable[Any], key: str = "month") -> dict[str, Any]:
        return {
            **dict(zip(self.group, group, strict=True)),
            key: month,
            **dict(zip(self.columns, values, strict=True)),
        }

    def extend(self, session: Session, to_month: date, horizon: date | None) -> date | None:
        """Bring the horizon (as read) up to this month, each new month the last plus its days, and fill the period
        changes of the months it leaves from their days; the new horizon."""
        if horizon is None or horizon >= to_month:
            return horizon
        # Locking the horizon's rows makes two writers extending at once, or a writer adding to the
        # horizon while another extends past it, take turns: the later one copies committed figures.
        figures = self._rows_at(session, horizon, lock=True)
        # The horizon read before the lock may be stale: another writer may have extended past it meanwhile.
        stored = self.horizon(session)
        if stored is not None and stored > horizon:
            return self.extend(session, to_month, stored) if stored < to_month else stored
        for month in months_from(horizon, previous_month(to_month)):
            self._fill_changes(session, month)
        for month in months_from(next_month(horizon), to_month):
            for group, steps in self._day_sums(session, month, month_end(month)).items():
                before = figures.get(group, tuple(0 for _ in self.columns))
                figures[group] = tuple(a + b for a, b in zip(before, steps, strict=True))
            self._insert(session, [self._row(group, month, values) for group, values in sorted(figures.items())])
        return to_month

    def _fill_changes(self, session: Session, month: date) -> None:
        """Write a month's period changes from its day rows, in the database (the month has just left the horizon)."""
        money = self.columns != COUNTS
        # None should be there; a database rolled up before this rule may hold some for the month, summed again here.
        changes = self.changes.c
        session.execute(delete(self.changes).where(changes.period >= month, changes.period < next_month(month)))
        for period in periods_within(month):
            sums = (func.sum(self.days.c[name]) for name in self.columns)
            query = (
                select(
                    *(self.days.c[name] for name in self.group),
                    literal(period, Date()),
                    # SQLite sums money as floats: rounded to pence, as the reads round them.
                    *((func.round(each, 2) if money else each) for each in sums),
                )
                .where(self.days.c.on >= month, self.days.c.on < period)
                .group_by(*(self.days.c[name] for name in self.group))
            )
            names = [*self.group, "period", *self.columns]
            session.execute(insert(self.changes).from_select(names, query))

    def add(self, session: Session, changes: Steps, horizon: date | None) -> None:
        """Add each (group..., date) change to its month's row and every later one up to the horizon (as read, first
        brought up to the current month), and to the period changes after it of a month before the horizon's."""
        changes = {key: values for key, values in changes.items() if any(values)}
        if not changes:
            return
        current = current_month()
        horizon = self.extend(session, current, horizon) or current
        if any(month_of(key[-1]) > horizon for key in changes):
            # A step after the horizon reaches the month ends through a later extension: wait for one running now.
            self._rows_at(session, horizon, lock=True)
            horizon = self.horizon(session) or horizon
        # The horizon's month has no period changes yet: they are filled from its days when it is left.
        self._add_to_periods(session, {key: values for key, values in changes.items() if month_of(key[-1]) < horizon})
        by_month: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for key, values in changes.items():
            month_key = (*key[:-1], month_of(key[-1]))
            before = by_month.get(month_key, tuple(0 for _ in self.columns))
            by_month[month_key] = tuple(a + b for a, b in zip(before, values, strict=True))
        self._add_to_months(session, by_month, horizon)

    def _add_to_periods(self, session: Session, changes: Steps) -> None:
        """Add each day's change to the period changes of its month that begin after it: one upsert."""
        sums: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for key, values in changes.items():
            for period in periods_within(key[-1]):
                period_key = (*key[:-1], period)
                before = sums.get(period_key, tuple(0 for _ in self.columns))
                sums[period_key] = tuple(a + b for a, b in zip(before, values, strict=True))
        # Sorted, so two writers adding to the same groups take the row locks in one order.
        rows = [
            self._row(key[:-1], key[-1], values, "period")
            for key, values in sorted(sums.items(), key=lambda item: tuple(str(part) for part in item[0]))
            if any(values)
        ]
        if rows:
            session.connection().execute(_adding_to_periods(self, session.get_bind().dialect.name), rows)

    def _add_to_months(self, session: Session, changes: Steps, horizon: date) -> None:
        """Add each (group..., month) change to that month's row and every later one, up to the horizon.

        A few changes take an UPDATE each. More, however many groups and months, cost two statements: the
        groups' first stored months, and one insert of every month row from each group's earliest change on
        that adds to the row already there (sent together, in group then month order).
        """
        changes = {key: values for key, values in changes.items() if any(values) and key[-1] <= horizon}
        if not changes:
            return
        if len(changes) <= FEW_CHANGES:
            self._update_each(session, changes, horizon)
            return
        by_group: dict[tuple[Any, ...], dict[date, Sequence[Any]]] = defaultdict(dict)
        for key, values in changes.items():
            by_group[key[:-1]][key[-1]] = values
        table = self.ends
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
            statement = _upsert(session, self.ends)
            statement = statement.on_conflict_do_update(
                index_elements=[*self.group, "month"],
                set_={name: table.c[name] + statement.excluded[name] for name in self.columns},
            )
            session.execute(statement, rows)

    def _update_each(self, session: Session, changes: Steps, horizon: date) -> None:
        """Add a few changes one statement each (a single write's usual case): each group's months from its change."""
        # Sorted, so two writers adding to the same groups take the row locks in one order.
        for key in sorted(changes, key=lambda key: tuple(str(part) for part in key)):
            group, month = key[:-1], key[-1]
            keys = {f"group_{name}": value for name, value in zip(self.group, group, strict=True)}
            added = {f"add_{name}": value for name, value in zip(self.columns, changes[key], strict=True)}
            months = months_from(month, horizon)
            result = session.connection().execute(_adding(self), {**keys, **added, "first": month, "last": horizon})
            updated = cast(CursorResult[Any], result).rowcount
            if updated < len(months):
                # The group's rows begin after this month, or it has none: they are dense up to the horizon, so
                # the missing months are the earliest; each starts from nothing and takes the change.
                missing = months[: len(months) - updated]
                self._insert(session, [self._row(group, each, (0 for _ in self.columns)) for each in missing])
                session.connection().execute(_adding(self), {**keys, **added, "first": missing[0], "last": missing[-1]})

    def authority_slices(self, session: Session, *, with_changes: bool = True) -> Iterator[list[str]]:
        """Every authority with days, month ends or period changes stored, FILL_AUTHORITIES at a time."""
        tables = (self.days, self.ends, *([self.changes] if with_changes else []))
        ids = sorted(
            {each for table in tables for each in session.scalars(select(table.c.local_authority_id).distinct())}
        )
        for start in range(0, len(ids), FILL_AUTHORITIES):
            yield ids[start : start + FILL_AUTHORITIES]

    def fill(self, session: Session, to_month: date, *, with_changes: bool = True) -> None:
        """Write the month ends (up to the month) and the period changes of the months before it that the stored days
        give, into empty tables."""
        for authorities in self.authority_slices(session, with_changes=with_changes):
            ends, changes = self.expected(session, to_month, authorities)
            self._insert(session, ends, replace=True)
            if changes and with_changes:
                session.execute(insert(self.changes), changes)

    def expected(
        self, session: Session, to_month: date, authorities: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The dense month-end rows (up to the month) and the sparse period changes (of the months before it) that
        these authorities' stored days give."""
        days = self.days
        group = [days.c[name] for name in self.group]
        query = (
            select(*group, days.c.on, *(func.sum(days.c[name]) for name in self.columns))
            .where(days.c.local_authority_id.in_(authorities))
            .group_by(*group, days.c.on)
            .order_by(*group, days.c.on)
        )
        # SQLite sums money as floats: each day's sum is rounded once, before any is added to another.
        value = int if self.columns == COUNTS else to_money
        zeros = tuple(0 for _ in self.columns)
        ends: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for key, rows in groupby(session.execute(query).all(), key=self._group_of):
            steps: dict[date, tuple[Any, ...]] = {}
            periods: dict[date, tuple[Any, ...]] = {}
            for row in rows:
                on = row[len(self.group)]
                values = tuple(value(each) for each in row[len(self.group) + 1 :])
                for period in periods_within(on) if month_of(on) < to_month else []:
                    periods[period] = tuple(a + b for a, b in zip(periods.get(period, zeros), values, strict=True))
                if on <= month_end(to_month):
                    month = month_of(on)
                    steps[month] = tuple(a + b for a, b in zip(steps.get(month, zeros), values, strict=True))
            changes += [self._row(key, period, values, "period") for period, values in sorted(periods.items())]
            running = zeros
            for month in months_from(min(steps), to_month) if steps else []:
                running = tuple(a + b for a, b in zip(running, steps.get(month, zeros), strict=True))
                ends.append(self._row(key, month, running))
        return ends, changes


@lru_cache
def _adding_to_periods(period_ends: PeriodEnds, dialect: str) -> Any:
    """Built once per table and dialect: insert period changes, adding each to the row already there."""
    statement: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement = postgresql_insert(period_ends.changes)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(period_ends.changes)
    return statement.on_conflict_do_update(
        index_elements=[*period_ends.group, "period"],
        set_={name: period_ends.changes.c[name] + statement.excluded[name] for name in period_ends.columns},
    )


@lru_cache
def _adding(period_ends: PeriodEnds) -> Any:
    """Built once per table: add a change to a group's month ends from one month to another."""
    table = period_ends.ends
    return (
        update(table)
        .where(
            *(table.c[name] == bindparam(f"group_{name}", type_=table.c[name].type) for name in period_ends.group),
            table.c.month >= bindparam("first", type_=Date()),
            table.c.month <= bindparam("last", type_=Date()),
        )
        .values(
            {name: table.c[name] + bindparam(f"add_{name}", type_=table.c[name].type) for name in period_ends.columns}
        )
    )


STAGE_PERIODS = PeriodEnds(
    RollupMonth.__table__,
    RollupPeriodChange.__table__,
    RollupContributionDay.__table__,
    ("local_authority_id", "purpose"),
    FIGURES,
)
AGREEMENT_PERIODS = PeriodEnds(
    RollupAgreementMonth.__table__,
    RollupAgreementPeriodChange.__table__,
    RollupAgreementDay.__table__,
    ("local_authority_id",),
    COUNTS,
)
AGREEMENT_PURPOSE_PERIODS = PeriodEnds(
    RollupAgreementPurposeMonth.__table__,
    RollupAgreementPurposePeriodChange.__table__,
    RollupAgreementPurposeDay.__table__,
    ("local_authority_id", "purpose"),
    COUNTS,
)

_WRITTEN_TABLES = (STAGE_PERIODS, AGREEMENT_PERIODS, AGREEMENT_PURPOSE_PERIODS)


def _net(old: Steps, new: Steps, width: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What each date gains going from the old steps to the new (unchanged dates net to nothing)."""
    zeros = (0,) * width
    return {
        key: tuple(b - a for a, b in zip(old.get(key, zeros), new.get(key, zeros), strict=True))
        for key in set(old) | set(new)
    }


_DAY_TABLE: Any = RollupContributionDay.__table__
_AGREEMENT_DAY_TABLE: Any = RollupAgreementDay.__table__
_AGREEMENT_PURPOSE_DAY_TABLE: Any = RollupAgreementPurposeDay.__table__
_ALL_STORED_DAYS = select(
    _DAY_TABLE.c.contribution_id,
    _DAY_TABLE.c.on,
    _DAY_TABLE.c.local_authority_id,
    _DAY_TABLE.c.purpose,
    *(_DAY_TABLE.c[name] for name in FIGURES),
)
_ALL_STORED_AGREEMENT_DAYS = select(
    _AGREEMENT_DAY_TABLE.c.agreement_id,
    _AGREEMENT_DAY_TABLE.c.on,
    _AGREEMENT_DAY_TABLE.c.local_authority_id,
    _AGREEMENT_DAY_TABLE.c.agreements,
    _AGREEMENT_DAY_TABLE.c.open_agreements,
)
_ALL_STORED_AGREEMENT_PURPOSE_DAYS = select(
    _AGREEMENT_PURPOSE_DAY_TABLE.c.agreement_id,
    _AGREEMENT_PURPOSE_DAY_TABLE.c.on,
    _AGREEMENT_PURPOSE_DAY_TABLE.c.local_authority_id,
    _AGREEMENT_PURPOSE_DAY_TABLE.c.agreements,
    _AGREEMENT_PURPOSE_DAY_TABLE.c.open_agreements,
    _AGREEMENT_PURPOSE_DAY_TABLE.c.purpose,
)


def _stored_state_statement() -> Any:
    """The stored days from `since` on of the contributions in `ids`, the agreement days and agreement purpose
    days of `agreements`, the three horizons, and the daily movement sums and events of the contributions of
    `agreements`, in one statement: each row tagged by its source (0, 1 and 2 for the days, 3, 4 and 5 for the
    horizons in `on`, 6 and 7 for the movements and events)."""
    day, agreement_day, purpose_day = _DAY_TABLE, _AGREEMENT_DAY_TABLE, _AGREEMENT_PURPOSE_DAY_TABLE
    since = bindparam("since", type_=Date())
    figures = [day.c[name] for name in FIGURES]
    no_figures = [null() for _ in FIGURES]

    def horizon(source: int, ends: Any) -> Any:
        return select(
            literal(source),
            null(),
            select(func.max(ends.c.month)).scalar_subquery(),
            null(),
            null(),
            *no_figures,
            null(),
            null(),
        )

    _terms, daily, events = _terms_statements(True, padding=1 + len(FIGURES) - 5 + 2)
    return union_all(
        select(
            literal(0).label("source"),
            day.c.contribution_id.label("id"),
            day.c.on,
            day.c.local_authority_id,
            cast_(day.c.purpose, String()).label("purpose"),
            *figures,
            cast_(null(), Integer()).label("agreements"),
            cast_(null(), Integer()).label("open_agreements"),
        ).where(day.c.contribution_id.in_(bindparam("ids", expanding=True)), day.c.on >= since),
        select(
            literal(1),
            agreement_day.c.agreement_id,
            agreement_day.c.on,
            agreement_day.c.local_authority_id,
            null(),
            *no_figures,
            agreement_day.c.agreements,
            agreement_day.c.open_agreements,
        ).where(agreement_day.c.agreement_id.in_(bindparam("agreements", expanding=True)), agreement_day.c.on >= since),
        select(
            literal(2),
            purpose_day.c.agreement_id,
            purpose_day.c.on,
            purpose_day.c.local_authority_id,
            cast_(purpose_day.c.purpose, String()),
            *no_figures,
            purpose_day.c.agreements,
            purpose_day.c.open_agreements,
        ).where(purpose_day.c.agreement_id.in_(bindparam("agreements", expanding=True)), purpose_day.c.on >= since),
        horizon(3, RollupMonth.__table__),
        horizon(4, RollupAgreementMonth.__table__),
        horizon(5, RollupAgreementPurposeMonth.__table__),
        daily,
        events,
    )


_STORED_STATE = _stored_state_statement()


@dataclass
class _Stored:
    """What the rollup holds for some contributions and agreements, and its horizons."""

    days: set[ContributionDay] = field(default_factory=set)
    agreement_days: set[AgreementDay] = field(default_factory=set)
    agreement_purpose_days: set[AgreementDay] = field(default_factory=set)
    horizons: list[date | None] = field(default_factory=lambda: [None, None, None])


def _stored_state(
    session: Session, contribution_ids: list[int], agreement_ids: list[int], since: date
) -> tuple[list[_Terms], _Stored]:
    """The terms of every contribution of the agreements, with their movements and events, and what the rollup
    holds for the contributions and agreements from `since` on: one statement for the terms, one for the rest."""
    terms_query, _daily, _events = _terms_statements(True)
    connection = session.connection()
    by_id = {row[0]: _Terms(*row) for row in connection.execute(terms_query, {"agreements": agreement_ids})}
    stored = _Stored()
    parameters = {"ids": contribution_ids, "agreements": agreement_ids, "since": since}
    for row in connection.execute(_STORED_STATE, parameters):
        source, key, on, authority, purpose, *rest = row
        if source >= 6:
            _read_movement_or_event(by_id, row, 1)
        elif source == 0:
            figures = tuple(to_money(value) for value in rest[: len(FIGURES)])
            stored.days.add(ContributionDay(key, on, authority, Purpose(purpose), figures))
        elif source == 1:
            stored.agreement_days.add(AgreementDay(key, on, authority, (int(rest[-2]), int(rest[-1]))))
        elif source == 2:
            counts = (int(rest[-2]), int(rest[-1]))
            stored.agreement_purpose_days.add(AgreementDay(key, on, authority, counts, Purpose(purpose)))
        else:
            stored.horizons[source - 3] = on
    return list(by_id.values()), stored


def _stored_agreement_days(
    session: Session, *, by_purpose: bool = False, agreement_ids: list[int] | None = None
) -> list[AgreementDay]:
    """The stored agreement days (of these agreements, or all), by purpose or not."""
    table = _AGREEMENT_PURPOSE_DAY_TABLE if by_purpose else _AGREEMENT_DAY_TABLE
    statement: Select[Any] = _ALL_STORED_AGREEMENT_PURPOSE_DAYS if by_purpose else _ALL_STORED_AGREEMENT_DAYS
    if agreement_ids is not None:
        statement = statement.where(table.c.agreement_id.in_(agreement_ids))
    if by_purpose:
        return [
            AgreementDay(row[0], row[1], row[2], (row[3], row[4]), Purpose(row[5]))
            for row in session.execute(statement)
        ]
    return [AgreementDay(row[0], row[1], row[2], (row[3], row[4])) for row in session.execute(statement)]


def _agreement_rows(days: list[AgreementDay]) -> list[dict[str, Any]]:
    return [
        {
            "agreement_id": day.agreement_id,
            "on": day.on,
            "local_authority_id": day.local_authority_id,
            "agreements": day.counts[0],
            "open_agreements": day.counts[1],
            **({} if day.purpose is None else {"purpose": day.purpose}),
        }
        for day in days
    ]


def _insert_days(
    session: Session,
    days: list[ContributionDay],
    agreement_days: list[AgreementDay],
    agreement_purpose_days: list[AgreementDay],
) -> None:
    if days:
        session.connection().execute(
            insert(_DAY_TABLE),
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
        session.connection().execute(insert(_AGREEMENT_DAY_TABLE), _agreement_rows(agreement_days))
    if agreement_purpose_days:
        session.connection().execute(insert(_AGREEMENT_PURPOSE_DAY_TABLE), _agreement_rows(agreement_purpose_days))


def _remove_days(session: Session, table: Any, keys: tuple[str, ...], days: list[tuple[Any, ...]]) -> None:
    # One DELETE by primary key per day: SQLite (3.40) answers a row-value IN of two or more days with a scan of
    # the whole table, about 100 ms at a tenth of national scale.
    if days:
        session.connection().execute(_removing(table, keys), [dict(zip(keys, day, strict=True)) for day in days])


@lru_cache
def _removing(table: Any, keys: tuple[str, ...]) -> Any:
    """Built once per table: delete one day row by its key."""
    return delete(table).where(*(table.c[key] == bindparam(key, type_=table.c[key].type) for key in keys))


def _changed_days(stored: set[AgreementDay], new: list[AgreementDay]) -> tuple[list[AgreementDay], list[AgreementDay]]:
    """The stored agreement days that are no longer so, and the new ones not yet stored."""
    fresh = set(new)

    def order(day: AgreementDay) -> tuple[int, date, str]:
        return (day.agreement_id, day.on, str(day.purpose))

    return sorted(stored - fresh, key=order), sorted(fresh - stored, key=order)


def rederive_contributions(session: Session, contribution_ids: Iterable[int], *, since: date = date.min) -> None:
    """Derive these contributions' days (and their agreements') again from the ledger, and correct the month ends
    and period changes.

    Only what differs is written: the days that changed, and the month ends and period changes whose sums they move
    (a receipt dated today adds one day and moves the current month's row of its authority and purpose, and no
    period change). A write that
    moved nothing before a date (a movement dated then) compares only the days from that date on.
    """
    ids = sorted(set(contribution_ids))
    if not ids:
        return
    # Already held by every write path; taken here for one that changes terms without locking (a trigger).
    agreement_ids = locks.lock_contribution_rows(session, ids)
    terms, stored = _stored_state(session, ids, agreement_ids, since)
    derived = _derived(terms, ids)
    new_days = [day for day in derived.days if day.on >= since]
    by_contribution = attrgetter("contribution_id", "on")
    if stored.days:
        stale = sorted(stored.days - set(new_days), key=by_contribution)
        fresh = sorted(set(new_days) - stored.days, key=by_contribution)
    else:
        # Nothing stored (contributions an import has just made): every day is fresh, and comparing sets
        # would hash each day's sixteen figures for nothing. Each day is already one of its kind.
        stale, fresh = [], sorted(new_days, key=by_contribution)
    stale_agreements, fresh_agreements = _changed_days(
        stored.agreement_days, [day for day in derived.agreement_days if day.on >= since]
    )
    stale_purposes, fresh_purposes = _changed_days(
        stored.agreement_purpose_days, [day for day in derived.agreement_purpose_days if day.on >= since]
    )
    # The month ends are brought up to the current month (and the months left get their period changes) from the
    # days as stored before this write's, so that its changes are then added once.
    current = current_month()
    horizons = [
        table.extend(session, current, horizon) for table, horizon in zip(_WRITTEN_TABLES, stored.horizons, strict=True)
    ]
    _remove_days(session, _DAY_TABLE, ("contribution_id", "on"), [(day.contribution_id, day.on) for day in stale])
    _remove_days(
        session, _AGREEMENT_DAY_TABLE, ("agreement_id", "on"), [(day.agreement_id, day.on) for day in stale_agreements]
    )
    _remove_days(
        session,
        _AGREEMENT_PURPOSE_DAY_TABLE,
        ("agreement_id", "purpose", "on"),
        [(day.agreement_id, day.purpose, day.on) for day in stale_purposes],
    )
    _insert_days(session, fresh, fresh_agreements, fresh_purposes)
    stage_changes = _net(per_day(stale), per_day(fresh), len(FIGURES))
    count_changes = _net(agreement_per_day(stale_agreements), agreement_per_day(fresh_agreements), 2)
    purpose_changes = _net(agreement_per_day(stale_purposes), agreement_per_day(fresh_purposes), 2)
    STAGE_PERIODS.add(session, stage_changes, horizons[0])
    AGREEMENT_PERIODS.add(session, count_changes, horizons[1])
    AGREEMENT_PURPOSE_PERIODS.add(session, purpose_changes, horizons[2])


def rebuild(session: Session) -> None:
    """Throw the rollup away and derive all of it from the ledger (after a bulk load, or to repair it)."""
    # Migrations older than the agreement purpose tables, or the period changes, rebuild the rollup too: they
    # fill the tables they have (the month ends only, before the period changes).
    inspector = inspect(session.connection())
    by_purpose = inspector.has_table(_AGREEMENT_PURPOSE_DAY_TABLE.name)
    with_changes = inspector.has_table(RollupPeriodChange.__tablename__)
    tables: list[Any] = [RollupContributionDay, RollupMonth, RollupAgreementDay, RollupAgreementMonth]
    if by_purpose:
        tables += [RollupAgreementPurposeDay, RollupAgreementPurposeMonth]
    if with_changes:
        tables += [RollupPeriodChange, RollupAgreementPeriodChange, RollupAgreementPurposePeriodChange]
    for table in tables:
        session.execute(delete(table))
    for agreement_ids in _agreement_slices(session):
        derived = _derive(session, None, agreement_ids)
        purpose_days = derived.agreement_purpose_days if by_purpose else []
        _insert_days(session, derived.days, derived.agreement_days, purpose_days)
    current = current_month()
    for table in (STAGE_PERIODS, AGREEMENT_PERIODS, *([AGREEMENT_PURPOSE_PERIODS] if by_purpose else [])):
        table.fill(session, current, with_changes=with_changes)
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


def _compare_periods(session: Session, table: PeriodEnds) -> list[Difference]:
    """The stored month ends (up to the stored horizon) and period changes against the ones the stored days give."""
    horizon = table.horizon(session) or current_month()
    differences: list[Difference] = []
    for authorities in table.authority_slices(session):
        for stored_table, key, rows in zip(
            (table.ends, table.changes), ("month", "period"), table.expected(session, horizon, authorities), strict=True
        ):
            keys = (*table.group, key)
            expected = {
                tuple(row[name] for name in keys): tuple(row[column] for column in table.columns) for row in rows
            }
            stored = session.execute(
                select(*(stored_table.c[name] for name in keys), *(stored_table.c[c] for c in table.columns)).where(
                    stored_table.c.local_authority_id.in_(authorities)
                )
            )
            differences += compare(
                expected,
                {tuple(row[: len(keys)]): tuple(row[len(keys) :]) for row in stored},
                table=stored_table.name,
                columns=table.columns,
            )
    return differences


def check(session: Session) -> list[Difference]:
    """Derive the whole rollup from the ledger and compare it with the stored one; empty when they agree.

    The days are compared with the ledger's, and the month ends and period changes with the days' sums: a wrong
    day is reported as itself, and a month end or period change that does not add up its days as itself.
    """
    settle(session)
    differences: list[Difference] = []
    for agreement_ids in _agreement_slices(session):
        derived = _derive(session, None, agreement_ids)
        differences += _compare_days(session, derived, agreement_ids)
    for table in (STAGE_PERIODS, AGREEMENT_PERIODS, AGREEMENT_PURPOSE_PERIODS):
        differences += _compare_periods(session, table)
    return differences


def _compare_days(session: Session, derived: Derived, agreement_ids: list[int]) -> list[Difference]:
    """The stored days of these agreements and their contributions against the derived ones."""
    contributions = select(Contribution.id).where(Contribution.agreement_id.in_(agreement_ids))
    stored_days = session.execute(_ALL_STORED_DAYS.where(_DAY_TABLE.c.contribution_id.in_(contributions)))
    differences = compare(
        {(day.contribution_id, day.on, day.local_authority_id, day.purpose): day.figures for day in derived.days},
        {tuple(row[:4]): tuple(to_money(value) for value in row[4:]) for row in stored_days},
        table="rollup_contribution_days",
        columns=FIGURES,
    )
    for name, days, by_purpose in (
        ("rollup_agreement", derived.agreement_days, False),
        ("rollup_agreement_purpose", derived.agreement_purpose_days, True),
    ):
        differences += compare(
            {(day.agreement_id, day.purpose, day.on, day.local_authority_id): day.counts for day in days},
            {
                (day.agreement_id, day.purpose, day.on, day.local_authority_id): day.counts
                for day in _stored_agreement_days(session, by_purpose=by_purpose, agreement_ids=agreement_ids)
            },
            table=f"{name}_days",
            columns=COUNTS,
        )
    return differences


# Noticing writes: every flushed change that can move a contribution's figures marks it for settling.

_AGREEMENT_TERMS = ("signed_on", "closed_on", "local_authority_id")
_CONTRIBUTION_TERMS = ("purpose", "trigger_type", "agreement_id")


def _changed(instance: Any, names: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


def mark_contributions(session: Session, contribution_ids: Iterable[int], *, since: date = date.min) -> None:
    """Have these contributions' rollup derived again before the transaction commits (its days from `since` on)."""
    dirty: dict[int, date] = session.info.setdefault(DIRTY_CONTRIBUTIONS, {})
    for contribution_id in contribution_ids:
        dirty[contribution_id] = min(dirty.get(contribution_id, since), since)


@event.listens_for(Session, "after_flush")
def _notice(session: Session, _context: Any) -> None:
    # A movement or event added or removed moves its contribution's figures from its date on only; a term, from
    # the beginning.
    contributions: dict[int, date] = {}
    agreements: set[int] = set()
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, Movement | ContributionEvent):
            since = date.min if instance in session.dirty else instance.on
            contributions[instance.contribution_id] = min(contributions.get(instance.contribution_id, since), since)
        elif isinstance(instance, Contribution) and instance not in session.new:
            if _changed(instance, _CONTRIBUTION_TERMS):
                contributions[instance.id] = date.min
                if _changed(instance, ("agreement_id",)):
                    session.info.pop(locks.LOCKED_CONTRIBUTIONS, None)
        elif isinstance(instance, Agreement) and instance not in session.new:
            if _changed(instance, _AGREEMENT_TERMS):
                agreements.add(instance.id)
    for contribution_id, since in contributions.items():
        mark_contributions(session, [contribution_id], since=since)
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
    contributions: dict[int, date] = session.info.pop(DIRTY_CONTRIBUTIONS, {})
    agreements: set[int] = session.info.pop(DIRTY_AGREEMENTS, set())
    if agreements:
        query = select(Contribution.id).where(Contribution.agreement_id.in_(agreements))
        contributions |= dict.fromkeys(session.scalars(query), date.min)
    # In slices, so an import's thousands of contributions are derived in memory a slice at a time (ids run
    # by agreement, so an agreement's contributions mostly share a slice; one split is derived twice, harmlessly).
    ordered = sorted(contributions)
    for start in range(0, len(ordered), SETTLE_SLICE):
        part = ordered[start : start + SETTLE_SLICE]
        rederive_contributions(session, part, since=min(contributions[each] for each in part))


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


# Reading: figures as at a date from one month end and at most one period change per group, and the few days
# between the period end they give and the date.


@dataclass(frozen=True)
class Reading:
    """Where figures as at a date come from: a month end (named by the month's first day), a period change (named
    by its period's first day; None for none), plus (sign 1) or less (sign -1) the days in a range."""

    month: date | None
    period: date | None
    sign: int
    first_day: date
    last_day: date


def _before(start: date) -> tuple[date, date | None]:
    """The month end and period change that give the figures just before a period begins."""
    return previous_month(start), None if start.day == 1 else start


def reading(as_at: date, horizon: date | None, today: date) -> Reading:
    """The period end nearest the date (the end of its period or of the one before; the horizon's, past it),
    as a month end and a period change, and the days between it and the date; in the horizon's month, which has
    no period changes yet, the month end before it and the month's days up to the date."""
    if horizon is None:
        return Reading(None, None, 1, date.min, as_at)
    if month_of(as_at) > horizon:
        return Reading(horizon, None, 1, next_month(horizon), as_at)
    # Nothing is normally recorded after today, so today's figures are its month end less nothing.
    if as_at >= today:
        return Reading(month_of(as_at), None, -1, as_at + timedelta(days=1), month_end(as_at))
    if month_of(as_at) == horizon:
        return Reading(previous_month(as_at), None, 1, month_of(as_at), as_at)
    period = period_of(as_at)
    end = period_end(period)
    if (end - as_at).days <= (as_at - period).days:
        return Reading(*_before(end + timedelta(days=1)), -1, as_at + timedelta(days=1), end)
    return Reading(*_before(period), 1, period, as_at)


def _parts(table: PeriodEnds, prefix: str, columns: tuple[str, ...], names: tuple[str, ...], scope: Any) -> Any:
    """The table's month-end rows at one month, its period changes at one period and its day rows in a range times
    a sign, as one union."""
    ends, changes, days = table.ends, table.changes, table.days
    group = [ends.c[name] for name in table.group]
    sign = bindparam(f"{prefix}_sign", type_=Integer())
    end_rows = select(*group, *(ends.c[column].label(name) for column, name in zip(columns, names, strict=True)))
    change_rows = select(
        *(changes.c[name] for name in table.group),
        *(changes.c[column].label(name) for column, name in zip(columns, names, strict=True)),
    ).where(changes.c.period == bindparam(f"{prefix}_change", type_=Date()))
    day_rows = select(
        *(days.c[name] for name in table.group),
        *((days.c[column] * sign).label(name) for column, name in zip(columns, names, strict=True)),
    )
    end_rows = end_rows.where(ends.c.month == bindparam(f"{prefix}_month", type_=Date()))
    day_rows = day_rows.where(
        days.c.on >= bindparam(f"{prefix}_first_day", type_=Date()),
        days.c.on <= bindparam(f"{prefix}_last_day", type_=Date()),
    )
    if scope is not None:
        end_rows = end_rows.where(scoping.authority_keyed(ends.c.local_authority_id, scope))
        change_rows = change_rows.where(scoping.authority_keyed(changes.c.local_authority_id, scope))
        day_rows = day_rows.where(scoping.authority_keyed(days.c.local_authority_id, scope))
    return union_all(end_rows, change_rows, day_rows).subquery(f"{prefix}_parts")


def _typed_nulls(types: Sequence[Any]) -> list[Any]:
    return [cast_(null(), each) for each in types]


def _money_sum(value: Any) -> Any:
    """A sum of money in pence, rounded once: the union's Numeric(14, 2) result type rounds SQLite's float sums,
    and the cast gives PostgreSQL's (a CASE's ELSE 0 included) two places, so no Python rounds them again."""
    return cast_(func.sum(value), Numeric(18, 2))


@lru_cache
def _authority_statement(open_only: bool, scoped: bool) -> Any:
    """Built once per shape: every authority in scope by name, then each one's stages and held money per purpose,
    then its counts, then both tables' horizons, as one union of rows tagged by their source (0 to 3).

    Joined in the reader rather than in SQL, so SQLite neither materialises the sums nor indexes them to join.
    Each part is summed per authority in one pass, the held money split by purpose with a CASE per purpose.
    """
    scope = bindparam("scope", type_=String()) if scoped else None
    columns = tuple(f"open_{name}" for name in STAGES) if open_only else STAGES
    stage_parts = _parts(STAGE_PERIODS, "stage", columns, STAGES, scope)
    held = stage_parts.c.received - stage_parts.c.drawn - stage_parts.c.returned
    count_parts = _parts(AGREEMENT_PERIODS, "agreement", COUNTS, COUNTS, scope)
    money = Numeric(14, 2)
    money_nulls = _typed_nulls([money] * (len(STAGES) + len(_PURPOSES)))
    authorities = LocalAuthority.__table__
    # The first part names every column of the union.
    names = (*STAGES, *(f"held_{purpose}" for purpose in _PURPOSES), *COUNTS, "stage_horizon", "agreement_horizon")
    listed = select(
        literal(0).label("source"),
        authorities.c.id.label("local_authority_id"),
        authorities.c.name.label("name"),
        cast_(authorities.c.regime, String()).label("regime"),
        *(
            column.label(name)
            for column, name in zip(
                [*money_nulls, *_typed_nulls([Integer(), Integer(), Date(), Date()])], names, strict=True
            )
        ),
    )
    if scope is not None:
        listed = listed.where(scoping.authority_keyed(authorities.c.id, scope))
    stage_sums = select(
        literal(1),
        stage_parts.c.local_authority_id,
        *_typed_nulls([String(), String()]),
        *(_money_sum(stage_parts.c[name]) for name in STAGES),
        *(_money_sum(case((stage_parts.c.purpose == purpose, held), else_=0)) for purpose in _PURPOSES),
        *_typed_nulls([Integer(), Integer(), Date(), Date()]),
    ).group_by(stage_parts.c.local_authority_id)
    count_sums = select(
        literal(2),
        count_parts.c.local_authority_id,
        *_typed_nulls([String(), String()]),
        *money_nulls,
        *(func.sum(count_parts.c[name]) for name in COUNTS),
        *_typed_nulls([Date(), Date()]),
    ).group_by(count_parts.c.local_authority_id)
    horizons = select(
        literal(3),
        *_typed_nulls([String(), String(), String()]),
        *money_nulls,
        *_typed_nulls([Integer(), Integer()]),
        select(func.max(STAGE_PERIODS.ends.c.month)).scalar_subquery(),
        select(func.max(AGREEMENT_PERIODS.ends.c.month)).scalar_subquery(),
    )
    everything = union_all(listed, stage_sums, count_sums, horizons).subquery("tagged")
    return select(everything).order_by(everything.c.source, everything.c.name, everything.c.local_authority_id)


@dataclass(frozen=True)
class AuthoritySums:
    """One authority's figures as at a date from the rollup."""

    local_authority_id: str
    name: str
    regime: Regime
    stages: dict[str, Decimal]
    """Every stage's money (of open agreements only, when asked)."""
    held_by_purpose: dict[str, Decimal]
    """Money the authority holds, per purpose (its value), every purpose present."""
    agreements: int
    open_agreements: int


_STAGES_FROM = 4
_HELD_FROM = _STAGES_FROM + len(STAGES)
_COUNTS_FROM = _HELD_FROM + len(Purpose)
_HORIZONS_FROM = _COUNTS_FROM + len(COUNTS)


def _reading_parameters(
    as_at: date, horizons: Sequence[date | None], today: date, prefixes: Sequence[str] = ("stage", "agreement")
) -> dict[str, Any]:
    """The bound dates of a read as at a date: for each table, by its prefix, the month end, period change and days
    it reads."""
    parameters: dict[str, Any] = {}
    for prefix, horizon in zip(prefixes, horizons, strict=True):
        plan = reading(as_at, horizon, today)
        parameters |= {
            f"{prefix}_month": plan.month,
            f"{prefix}_change": plan.period,
            f"{prefix}_sign": plan.sign,
            f"{prefix}_first_day": plan.first_day,
            f"{prefix}_last_day": plan.last_day,
        }
    return parameters


def authority_sums(
    session: Session, *, as_at: date, local_authority_id: str | None, open_only: bool
) -> list[AuthoritySums]:
    """Every authority in scope, by name, with its figures as at the date, one row each, usually in one statement.

    The reading is chosen supposing both horizons are the current month (every write brings them up to it); the
    rows say what they are, and if either calls for another reading the statement runs again with it.
    """
    settle(session)
    statement = _authority_statement(open_only, local_authority_id is not None)
    today = date.today()
    month = current_month()
    scope = {} if local_authority_id is None else {"scope": local_authority_id}
    supposed = _reading_parameters(as_at, (month, month), today)
    rows = session.connection().execute(statement, supposed | scope).all()
    horizons = tuple(rows[-1][_HORIZONS_FROM:])
    if (parameters := _reading_parameters(as_at, horizons, today)) != supposed:
        rows = session.connection().execute(statement, parameters | scope).all()
    stages: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    for row in rows:
        if row[0] == 1:
            stages[row[1]] = row
        elif row[0] == 2:
            counts[row[1]] = row
    no_figures = (None,) * _STAGES_FROM + (ZERO,) * (_COUNTS_FROM - _STAGES_FROM) + (None,) * len(COUNTS)
    found: list[AuthoritySums] = []
    for row in rows:
        if row[0] != 0:
            break
        figures, counted = stages.get(row[1], no_figures), counts.get(row[1], no_figures)
        found.append(
            AuthoritySums(
                local_authority_id=row[1],
                name=row[2],
                regime=Regime(row[3]),
                stages=dict(zip(STAGES, figures[_STAGES_FROM:_HELD_FROM], strict=True)),
                held_by_purpose=dict(zip(_PURPOSES, figures[_HELD_FROM:_COUNTS_FROM], strict=True)),
                agreements=int(counted[_COUNTS_FROM] or 0),
                open_agreements=int(counted[_COUNTS_FROM + 1] or 0),
            )
        )
    return found


@lru_cache
def _purpose_statement(open_only: bool, scoped: bool) -> Any:
    """Built once per shape: every purpose with agreements counted, its stages and counts, then a last row (with
    no purpose) of the agreement counts over all purposes and the three horizons."""
    scope = bindparam("scope", type_=String()) if scoped else None
    columns = tuple(f"open_{name}" for name in STAGES) if open_only else STAGES
    stage_parts = _parts(STAGE_PERIODS, "stage", columns, STAGES, scope)
    stage_sums = (
        select(stage_parts.c.purpose, *(func.sum(stage_parts.c[name]).label(name) for name in STAGES))
        .group_by(stage_parts.c.purpose)
        .subquery("stage_sums")
    )
    purpose_parts = _parts(AGREEMENT_PURPOSE_PERIODS, "purpose", COUNTS, COUNTS, scope)
    purpose_counts = (
        select(purpose_parts.c.purpose, *(func.sum(purpose_parts.c[name]).label(name) for name in COUNTS))
        .group_by(purpose_parts.c.purpose)
        .subquery("purpose_counts")
    )
    count_parts = _parts(AGREEMENT_PERIODS, "agreement", COUNTS, COUNTS, scope)
    # An agreement of two purposes counts under each, and once in the total: the total comes from the agreements.
    counted = purpose_counts.c.open_agreements if open_only else purpose_counts.c.agreements
    purposes = (
        select(
            cast_(purpose_counts.c.purpose, String()).label("purpose"),
            *(stage_sums.c[name] for name in STAGES),
            *(purpose_counts.c[name] for name in COUNTS),
            *(cast_(null(), Date()) for _ in range(3)),
        )
        .select_from(purpose_counts.outerjoin(stage_sums, stage_sums.c.purpose == purpose_counts.c.purpose))
        .where(counted > 0)
    )
    totals = select(
        cast_(null(), String()),
        *(null() for _ in STAGES),
        *(func.sum(count_parts.c[name]) for name in COUNTS),
        *(select(func.max(table.ends.c.month)).scalar_subquery() for table in _PURPOSE_READ_TABLES),
    )
    return union_all(purposes, totals)


_PURPOSE_READ_TABLES = (STAGE_PERIODS, AGREEMENT_PERIODS, AGREEMENT_PURPOSE_PERIODS)
_PURPOSE_PREFIXES = ("stage", "agreement", "purpose")


@dataclass(frozen=True)
class PurposeSums:
    """One purpose's figures as at a date from the rollup (the agreements with contributions of it)."""

    purpose: Purpose
    stages: dict[str, Decimal]
    """Every stage's money (of open agreements only, when asked)."""
    agreements: int
    open_agreements: int


@dataclass(frozen=True)
class PurposeFigures:
    """Every purpose counted as at a date, in the purposes' order, and the agreement counts over all of them."""

    purposes: list[PurposeSums]
    agreements: int
    open_agreements: int


def _purposes_then_totals(row: Any) -> tuple[bool, str]:
    return (row[0] is None, row[0] or "")


def purpose_sums(session: Session, *, as_at: date, local_authority_id: str | None, open_only: bool) -> PurposeFigures:
    """Every purpose with agreements counted as at the date (in scope, open only when asked), usually in one
    statement; its reading is chosen as `authority_sums` chooses it."""
    settle(session)
    statement = _purpose_statement(open_only, local_authority_id is not None)
    today = date.today()
    month = current_month()
    scope = {} if local_authority_id is None else {"scope": local_authority_id}
    supposed = _reading_parameters(as_at, (month, month, month), today, _PURPOSE_PREFIXES)
    rows = session.connection().execute(statement, supposed | scope)
    *purposes, totals = sorted(rows, key=_purposes_then_totals)
    horizons = totals[-3:]
    if (parameters := _reading_parameters(as_at, horizons, today, _PURPOSE_PREFIXES)) != supposed:
        again = session.connection().execute(statement, parameters | scope)
        *purposes, totals = sorted(again, key=_purposes_then_totals)
    counts_from = 1 + len(STAGES)
    return PurposeFigures(
        purposes=[
            PurposeSums(
                purpose=Purpose(row[0]),
                stages=dict(zip(STAGES, map(to_money, row[1:counts_from]), strict=True)),
                agreements=int(row[counts_from]),
                open_agreements=int(row[counts_from + 1]),
            )
            for row in purposes
        ],
        agreements=int(totals[counts_from] or 0),
        open_agreements=int(totals[counts_from + 1] or 0),
    )
