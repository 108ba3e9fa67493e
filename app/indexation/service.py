"""Index-linking: series loaded from CSV, and the amount due = amount x index(month before due) / index(base).

An accepted uplift is recorded as one indexation movement on the date payment fell due, so the
contribution's total value rises before the authority's receipt of the indexed sum is recorded.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.balances.queries import secured_amounts
from app.errors import ConflictError, NotFoundError, RuleError
from app.models import ContributionEvent, EventKind, IndexValue, Movement, MovementKind
from app.money import CENT, pounds
from app.movements.service import get_contribution, record_movement

COLUMNS = ("month", "value", "source")


@dataclass(frozen=True)
class LoadResult:
    """Counts of a CSV load."""

    added: int
    replaced: int
    unchanged: int


@dataclass(frozen=True)
class Indexation:
    """An indexed amount and the figures behind it."""

    contribution_id: int
    series: str
    amount: Decimal
    due_on: date
    base_month: date
    base_value: Decimal
    index_month: date
    index_value: Decimal
    indexed_amount: Decimal
    uplift: Decimal
    recorded_movement_id: int | None

    @property
    def formula(self) -> str:
        """The computation in words a reader can check."""
        return (
            f"{pounds(self.amount)} x {self.series} {self.index_month:%Y-%m} ({self.index_value}) / "
            f"{self.series} {self.base_month:%Y-%m} ({self.base_value}) = {pounds(self.indexed_amount)}"
        )


def first_of_month(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def month_before(day: date) -> date:
    """The first day of the month before the day's month."""
    return first_of_month(first_of_month(day) - timedelta(days=1))


def _parse_month(text: str) -> date:
    text = text.strip()
    if len(text) == 7:
        text += "-01"
    return first_of_month(date.fromisoformat(text))


def parse_csv(text: str) -> list[tuple[date, Decimal, str]]:
    """Rows of month, value and source; any bad line is refused with its number."""
    # newline="" as the csv module asks, so a bare carriage return ends a line rather than breaking the reader.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        records = list(reader)
    except csv.Error as error:
        raise RuleError(f"the CSV cannot be read: {error}", field="csv") from None
    if any(column not in header for column in COLUMNS):
        raise RuleError(f"the CSV needs a header with the columns {', '.join(COLUMNS)}; it has {header}", field="csv")
    rows: list[tuple[date, Decimal, str]] = []
    seen: set[date] = set()
    for number, raw in enumerate(records, start=2):
        record = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        try:
            month = _parse_month(record["month"])
        except ValueError:
            raise RuleError(f"line {number}: month {record['month']!r} is not YYYY-MM", field="csv") from None
        try:
            value = Decimal(record["value"])
        except InvalidOperation:
            raise RuleError(f"line {number}: value {record['value']!r} is not a number", field="csv") from None
        if not value.is_finite() or value <= 0 or value >= Decimal("1e10"):
            raise RuleError(f"line {number}: value {record['value']!r} must be a positive number", field="csv")
        if not record["source"]:
            raise RuleError(f"line {number}: source is empty; say where the figure comes from", field="csv")
        if month in seen:
            raise RuleError(f"line {number}: {month:%Y-%m} appears twice", field="csv")
        seen.add(month)
        rows.append((month, value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), record["source"][:300]))
    if not rows:
        raise RuleError("the CSV has no rows", field="csv")
    return rows


def load_series(*, session: Session, principal: Principal, series: str, text: str) -> LoadResult:
    """Load a series' months from CSV: new months are added, changed ones replaced; all or nothing."""
    rows = parse_csv(text)
    existing = {value.month: value for value in session.scalars(select(IndexValue).where(IndexValue.series == series))}
    added = replaced = unchanged = 0
    for month, value, source in rows:
        current = existing.get(month)
        if current is None:
            session.add(IndexValue(series=series, month=month, value=value, source=source, loaded_by=principal.label))
            added += 1
        elif current.value != value or current.source != source:
            current.value, current.source, current.loaded_by = value, source, principal.label
            replaced += 1
        else:
            unchanged += 1
    session.flush()
    return LoadResult(added=added, replaced=replaced, unchanged=unchanged)


def list_series(*, session: Session) -> list[tuple[str, int, date, date]]:
    """Each series with its month count, first and last month."""
    rows = session.execute(
        select(IndexValue.series, func.count(), func.min(IndexValue.month), func.max(IndexValue.month))
        .group_by(IndexValue.series)
        .order_by(IndexValue.series)
    )
    return [(series, count, first, last) for series, count, first, last in rows]


def series_values(*, session: Session, series: str) -> list[IndexValue]:
    """A series' months in order; an unknown series is 404."""
    values = list(session.scalars(select(IndexValue).where(IndexValue.series == series).order_by(IndexValue.month)))
    if not values:
        raise NotFoundError(f"no index series {series!r}; load it from CSV first", field="series")
    return values


def link(*, session: Session, contribution_id: int, series: str, base_month: date) -> None:
    """Name the index a contribution is linked to and its base month."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=None, lock=True)
    series_values(session=session, series=series)
    contribution.index_series = series
    contribution.index_base_month = first_of_month(base_month)
    session.flush()


def value_of(session: Session, series: str, month: date) -> Decimal | None:
    """A series' value for a month, if loaded."""
    value = session.scalar(select(IndexValue.value).where(IndexValue.series == series, IndexValue.month == month))
    return None if value is None else Decimal(value)


def latest_value(session: Session, series: str, month: date) -> tuple[date, Decimal] | None:
    """A series' value for the month, or for the latest month loaded before it (an index published late)."""
    row = session.execute(
        select(IndexValue.month, IndexValue.value)
        .where(IndexValue.series == series, IndexValue.month <= month)
        .order_by(IndexValue.month.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], Decimal(row[1]))


def _value(session: Session, series: str, month: date, field: str) -> Decimal:
    value = session.scalar(select(IndexValue.value).where(IndexValue.series == series, IndexValue.month == month))
    if value is None:
        raise RuleError(f"{series} has no value for {month:%Y-%m}; load it first", field=field)
    return Decimal(value)


def _recorded(session: Session, contribution_id: int) -> int | None:
    reversal = select(Movement.reverses_id).where(Movement.reverses_id.is_not(None))
    return session.scalar(
        select(Movement.id).where(
            Movement.contribution_id == contribution_id,
            Movement.kind == MovementKind.indexation,
            Movement.reverses_id.is_(None),
            Movement.id.not_in(reversal),
        )
    )


def compute(*, session: Session, contribution_id: int, scope: str | None, due_on: date | None) -> Indexation:
    """The amount due when the trigger was met (or on due_on), with the figures used."""
    contribution = get_contribution(session=session, contribution_id=contribution_id, scope=scope)
    if contribution.index_series is None or contribution.index_base_month is None:
        raise RuleError(
            f"contribution {contribution.id} is not index-linked; link it to a series first", field="series"
        )
    if due_on is None:
        due_on = session.scalar(
            select(func.max(ContributionEvent.on)).where(
                ContributionEvent.contribution_id == contribution.id, ContributionEvent.kind == EventKind.trigger_met
            )
        )
    if due_on is None:
        raise RuleError(f"contribution {contribution.id}'s trigger has not been met; give due_on", field="due_on")
    amount = secured_amounts(session, contribution_ids=[contribution.id]).get(contribution.id, Decimal(0))
    index_month = month_before(due_on)
    base_value = _value(session, contribution.index_series, contribution.index_base_month, "base_month")
    index_value = _value(session, contribution.index_series, index_month, "due_on")
    indexed = (amount * index_value / base_value).quantize(CENT, rounding=ROUND_HALF_UP)
    return Indexation(
        contribution_id=contribution.id,
        series=contribution.index_series,
        amount=amount,
        due_on=due_on,
        base_month=contribution.index_base_month,
        base_value=base_value,
        index_month=index_month,
        index_value=index_value,
        indexed_amount=indexed,
        uplift=indexed - amount,
        recorded_movement_id=_recorded(session, contribution.id),
    )


def accept(*, session: Session, principal: Principal, contribution_id: int, due_on: date | None) -> Indexation:
    """Record the computed uplift as an indexation movement on the date payment fell due."""
    get_contribution(session=session, contribution_id=contribution_id, scope=None, lock=True)
    figures = compute(session=session, contribution_id=contribution_id, scope=None, due_on=due_on)
    if figures.recorded_movement_id is not None:
        raise ConflictError(
            f"contribution {contribution_id}'s indexation is already recorded (movement "
            f"{figures.recorded_movement_id}); reverse it first to record another",
            field="contribution_id",
        )
    if figures.uplift <= 0:
        raise RuleError(f"the index has not risen ({figures.formula}); there is nothing to add", field="due_on")
    movement = record_movement(
        session=session,
        principal=principal,
        contribution_id=contribution_id,
        kind=MovementKind.indexation,
        amount=figures.uplift,
        on=figures.due_on,
        reference=f"{figures.series} {figures.index_month:%Y-%m}/{figures.base_month:%Y-%m}",
        note=figures.formula,
    )
    return Indexation(**{**figures.__dict__, "recorded_movement_id": movement.id})
