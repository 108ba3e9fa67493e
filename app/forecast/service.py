"""The capital programme forecast: when developers' money is expected, and what is already available.

Assumption (shown in every response): a site builds `dwellings_per_year` homes a year from its
development start; a site not yet started is assumed to start `start_lag_years` after the as-at date.
So a trigger at the Nth occupation falls due N / rate years after the start, on completion after
dwellings / rate years, on commencement at the start; a trigger met, or money payable on signing, is due
now. Dates already passed count as due now. on_date and other triggers carry no date and are reported
as unscheduled; at-risk money is reported apart and counted in no year. Money held by authorities and
money drawn but unspent (per contribution, where positive) are available in the current year.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from app.balances.queries import ForecastInput, forecast_inputs
from app.deadlines.service import add_years
from app.models import TriggerType
from app.money import ZERO

DAYS_PER_YEAR = Fraction(1461, 4)
"""A year of days, leap years included (365.25), as an exact fraction."""


def financial_year_start(day: date) -> date:
    """The 1 April on or before the day."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(start: date) -> str:
    """A financial year's name, such as 2026/27."""
    return f"{start.year}/{(start.year + 1) % 100:02d}"


def estimated_due(
    item: ForecastInput, *, as_at: date, dwellings_per_year: int, start_lag_years: int
) -> tuple[date | None, str]:
    """When the contribution's trigger is estimated to fall due, and why."""
    if item.trigger_met_on is not None:
        return as_at, f"trigger met on {item.trigger_met_on}"
    if item.trigger_type is TriggerType.on_signing:
        return as_at, "payable on signing"
    if item.started_on is not None:
        start, started = item.started_on, f"started {item.started_on}"
    else:
        start, started = add_years(as_at, start_lag_years), f"assumed start {add_years(as_at, start_lag_years)}"
    if item.trigger_type is TriggerType.on_commencement:
        due, basis = start, f"on commencement; {started}"
    elif item.trigger_type is TriggerType.on_occupation:
        threshold = item.trigger_threshold or 1
        due = start + timedelta(days=round(Fraction(threshold, dwellings_per_year) * DAYS_PER_YEAR))
        basis = f"occupation {threshold} at {dwellings_per_year} a year; {started}"
    elif item.trigger_type is TriggerType.on_completion and (item.dwellings or item.trigger_threshold):
        homes = item.dwellings or item.trigger_threshold or 0
        due = start + timedelta(days=round(Fraction(homes, dwellings_per_year) * DAYS_PER_YEAR))
        basis = f"completion of {homes} dwellings at {dwellings_per_year} a year; {started}"
    else:
        return None, f"{item.trigger_type.value} trigger gives no date"
    return max(due, as_at), basis


@dataclass
class Year:
    """Sums for one financial year."""

    start: date
    expected: Decimal = ZERO
    held: Decimal = ZERO
    drawn_unspent: Decimal = ZERO


@dataclass
class Result:
    """The forecast's sums and its per-contribution estimates."""

    years: dict[date, Year] = field(default_factory=dict)
    at_risk: Decimal = ZERO
    unscheduled: Decimal = ZERO
    items: list[tuple[int, Decimal, date | None, str]] = field(default_factory=list)


def forecast(
    *, session: Session, scope: str | None, as_at: date, dwellings_per_year: int, start_lag_years: int
) -> Result:
    """Money by financial year for the contributions the caller may see, in one query."""
    result = Result()
    current = financial_year_start(as_at)
    result.years[current] = Year(current)
    for item in forecast_inputs(session, as_at=as_at, scope=scope):
        result.at_risk += item.at_risk
        this_year = result.years[current]
        this_year.held += item.held_by_local_authority
        this_year.drawn_unspent += max(item.drawn - item.spent, ZERO)
        expected = item.not_started + item.held_by_developer
        if expected <= 0:
            continue
        due, basis = estimated_due(
            item, as_at=as_at, dwellings_per_year=dwellings_per_year, start_lag_years=start_lag_years
        )
        result.items.append((item.contribution_id, expected, due, basis))
        if due is None:
            result.unscheduled += expected
            continue
        start = financial_year_start(due)
        result.years.setdefault(start, Year(start)).expected += expected
    last = max(result.years)
    year = current
    while year < last:  # every year up to the last, so an empty year shows as zeros
        year = date(year.year + 1, 4, 1)
        result.years.setdefault(year, Year(year))
    return result
