"""The capital programme forecast: when developers' money is expected, and what is already available.

Assumption (shown in every response): a site builds `dwellings_per_year` homes a year from its
development start; a site not yet started is assumed to start `start_lag_years` after the as-at date.
So a trigger at the Nth occupation falls due N / rate years after the start, on completion after
dwellings / rate years, on commencement at the start; a trigger met, or money payable on signing, is due
now. Dates already passed count as due now. on_date and other triggers carry no date and are reported
as unscheduled; at-risk money is reported apart and counted in no year. Money held by authorities and
money drawn but unspent (per contribution, where positive) are available in the current year.

Where a site has recorded progress (app/sites), its own counts and build rate replace the assumption for
its occupation and completion triggers: the trigger falls due when the remaining dwellings are built at
the rate its recorded completions rose; a threshold the counts already passed, or a site recorded as
started for a commencement trigger, is due now. Each item says which basis it used.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.balances.queries import ForecastInput, forecast_inputs
from app.deadlines.service import add_years
from app.instalments import service as instalments
from app.models import Agreement, Contribution, TriggerType
from app.money import ZERO
from app.sites import service as sites

RateBasis = Literal["recorded_progress", "authority_default", "assumed"]

DAYS_PER_YEAR = Fraction(1461, 4)
"""A year of days, leap years included (365.25), as an exact fraction."""


def financial_year_start(day: date) -> date:
    """The 1 April on or before the day."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(start: date) -> str:
    """A financial year's name, such as 2026/27."""
    return f"{start.year}/{(start.year + 1) % 100:02d}"


@dataclass(frozen=True)
class Site:
    """A site's recorded counts as at the forecast's date, and its build rate in dwellings a day (if known)."""

    counts: sites.SiteCounts
    rate: Fraction | None


def from_progress(item: ForecastInput, site: Site, *, as_at: date) -> tuple[date, str] | None:
    """The due date the site's recorded progress gives a trigger, or None where it gives none."""
    counts = site.counts
    if item.trigger_type is TriggerType.on_commencement:
        if counts.started > 0:
            return as_at, f"on commencement; {counts.started} dwellings started by {counts.on} (recorded progress)"
        return None
    if item.trigger_type is TriggerType.on_occupation:
        measure: sites.Measure = "occupied"
        threshold = max(item.trigger_threshold or 0, 1)
    elif item.trigger_type is TriggerType.on_completion and (item.trigger_threshold or item.dwellings):
        measure, threshold = "completed", item.trigger_threshold or item.dwellings or 0
    else:
        return None
    reached = counts.of(measure)
    if reached >= threshold:
        return (
            as_at,
            f"{measure} {reached} of {threshold} by {counts.on} (recorded progress; trigger not yet confirmed)",
        )
    if site.rate is None or counts.on is None:
        return None
    due = counts.on + timedelta(days=round(Fraction(threshold - reached) / site.rate))
    per_year = round(site.rate * DAYS_PER_YEAR)
    return max(due, as_at), (
        f"{measure} {threshold}: {reached} by {counts.on}, building {per_year} a year (recorded progress)"
    )


def estimated_due(
    item: ForecastInput,
    *,
    as_at: date,
    dwellings_per_year: int,
    start_lag_years: int,
    site: Site | None = None,
) -> tuple[date | None, str, RateBasis | None]:
    """When the contribution's trigger is estimated to fall due, why, and whose build rate it used."""
    if item.trigger_met_on is not None:
        return as_at, f"trigger met on {item.trigger_met_on}", None
    if item.trigger_type is TriggerType.on_signing:
        return as_at, "payable on signing", None
    recorded = from_progress(item, site, as_at=as_at) if site is not None else None
    if recorded is not None:
        return recorded[0], recorded[1], "recorded_progress"
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
        return None, f"{item.trigger_type.value} trigger gives no date", None
    return max(due, as_at), basis, "assumed"


Band = Literal["held_by_local_authority", "trigger_met", "trigger_expected", "speculative"]
BANDS: tuple[Band, ...] = ("held_by_local_authority", "trigger_met", "trigger_expected", "speculative")
"""The certainty bands, surest first."""


@dataclass
class Year:
    """Sums for one financial year, with money not yet drawn by band of certainty."""

    start: date
    expected: Decimal = ZERO
    held: Decimal = ZERO
    drawn_unspent: Decimal = ZERO
    bands: dict[Band, Decimal] = field(default_factory=lambda: dict.fromkeys(BANDS, ZERO))


@dataclass(frozen=True)
class Estimate:
    """One instalment's unpaid money, when it is estimated to fall due, why, and how sure that is."""

    contribution_id: int
    instalment_id: int | None
    expected: Decimal
    due: date | None
    basis: str
    rate_basis: RateBasis | None
    band: Band


@dataclass
class Result:
    """The forecast's sums and its per-instalment estimates."""

    years: dict[date, Year] = field(default_factory=dict)
    at_risk: Decimal = ZERO
    unscheduled: Decimal = ZERO
    items: list[Estimate] = field(default_factory=list)


def instalment_due(
    item: ForecastInput,
    valued: instalments.Valued,
    *,
    as_at: date,
    dwellings_per_year: int,
    start_lag_years: int,
    site: Site | None,
) -> tuple[date | None, str, RateBasis | None, Band]:
    """When an instalment is estimated to fall due, why, whose build rate dated it, and its band of certainty."""
    instalment = valued.instalment
    kind = instalment.trigger_type
    if valued.due is not None:
        return as_at, f"instalment {instalment.position} due since {valued.due.on}", None, "trigger_met"
    if kind is TriggerType.on_signing:
        return as_at, "payable on signing", None, "trigger_met"
    if kind is TriggerType.on_date:
        if instalment.due_date is None:
            return None, "on_date trigger with no date recorded", None, "speculative"
        return max(instalment.due_date, as_at), f"payable on {instalment.due_date} (its date)", None, "trigger_expected"
    if kind is TriggerType.on_commencement and item.started_on is not None:
        return as_at, f"on commencement; development started {item.started_on}", None, "trigger_met"
    if kind is TriggerType.other:
        return (
            None,
            f"other trigger gives no date: {instalment.description or 'no words recorded'}",
            None,
            "speculative",
        )
    threshold = instalment.threshold
    if threshold is not None:
        threshold = instalments.threshold_dwellings(instalment, item.dwellings)
        if threshold is None:
            return None, f"{instalment.threshold}% of dwellings the agreement does not number", None, "speculative"
    adapted = replace(item, trigger_type=kind, trigger_threshold=threshold, trigger_met_on=None)
    due, basis, rate_basis = estimated_due(
        adapted, as_at=as_at, dwellings_per_year=dwellings_per_year, start_lag_years=start_lag_years, site=site
    )
    if due is None:
        return None, basis, rate_basis, "speculative"
    return due, basis, rate_basis, "trigger_expected" if rate_basis == "recorded_progress" else "speculative"


def recorded_sites(session: Session, contribution_ids: list[int], *, as_at: date) -> dict[int, Site]:
    """The recorded progress of these contributions' sites as at the date, by contribution, in two queries."""
    started = {}
    agreement_of = {}
    for contribution_id, agreement_id in session.execute(
        select(Contribution.id, Agreement.id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_(contribution_ids))
    ):
        agreement_of[contribution_id] = agreement_id
    agreement_ids = sorted(set(agreement_of.values()))
    records = sites.history(session=session, agreement_ids=agreement_ids)
    # With one record only, the rate runs from the start of development to it.
    starts = sites.development_starts(session=session, agreement_ids=agreement_ids)
    for agreement_id, held in records.items():
        held = [record for record in held if record.on <= as_at]
        if held:
            start = starts.get(agreement_id)
            started[agreement_id] = Site(
                counts=sites.counts_as_at(held, as_at),
                rate=sites.completions_per_day(
                    held, as_at=as_at, started_on=start if start is not None and start <= as_at else None
                ),
            )
    return {
        contribution_id: started[agreement_id]
        for contribution_id, agreement_id in agreement_of.items()
        if agreement_id in started
    }


def forecast(
    *, session: Session, scope: str | None, as_at: date, dwellings_per_year: int, start_lag_years: int
) -> Result:
    """Money by financial year and band for the contributions the caller may see, instalment by instalment.

    Every pound not yet drawn is in one band: held by the authority (this year), or an instalment's unpaid
    money in the year its trigger is estimated, or, at risk or with no date, in no year (speculative)."""
    result = Result()
    current = financial_year_start(as_at)
    result.years[current] = Year(current)
    inputs = forecast_inputs(session, as_at=as_at, scope=scope)
    ids = [item.contribution_id for item in inputs]
    progress = recorded_sites(session, ids, as_at=as_at)
    schedules = instalments.valued(
        session=session, totals={item.contribution_id: item.total_value for item in inputs}, as_at=as_at
    )
    for item in inputs:
        result.at_risk += item.at_risk
        this_year = result.years[current]
        this_year.held += item.held_by_local_authority
        this_year.bands["held_by_local_authority"] += item.held_by_local_authority
        # Signed, as the balances show it: spend ahead of drawing (forward funding) is less available.
        this_year.drawn_unspent += item.drawn - item.spent
        expected = item.not_started + item.held_by_developer
        if expected <= 0:
            continue
        for estimate in estimates(
            item,
            schedules.get(item.contribution_id, []),
            expected,
            as_at=as_at,
            dwellings_per_year=dwellings_per_year,
            start_lag_years=start_lag_years,
            site=progress.get(item.contribution_id),
        ):
            result.items.append(estimate)
            if estimate.due is None:
                result.unscheduled += estimate.expected
                continue
            start = financial_year_start(estimate.due)
            year = result.years.setdefault(start, Year(start))
            year.expected += estimate.expected
            year.bands[estimate.band] += estimate.expected
    last = max(result.years)
    year_start = current
    while year_start < last:  # every year up to the last, so an empty year shows as zeros
        year_start = date(year_start.year + 1, 4, 1)
        result.years.setdefault(year_start, Year(year_start))
    return result


def estimates(
    item: ForecastInput,
    schedule: list[instalments.Valued],
    expected: Decimal,
    *,
    as_at: date,
    dwellings_per_year: int,
    start_lag_years: int,
    site: Site | None,
) -> list[Estimate]:
    """A contribution's expected money, instalment by instalment (receipts pay the first ones first).

    A site without recorded progress builds at its authority's default rate where it has one, else the
    fallback `dwellings_per_year`; each estimate says which (`authority_default` or `assumed`)."""
    authority_rate = item.authority_dwellings_per_year
    if authority_rate:
        dwellings_per_year = authority_rate
    if not schedule:
        due, basis, rate_basis = estimated_due(
            item, as_at=as_at, dwellings_per_year=dwellings_per_year, start_lag_years=start_lag_years, site=site
        )
        band: Band = "trigger_met" if item.trigger_met_on else "speculative"
        if rate_basis == "assumed" and authority_rate:
            rate_basis, basis = "authority_default", f"{basis} (the authority's default rate)"
        return [Estimate(item.contribution_id, None, expected, due, basis, rate_basis, band)]
    unpaid = instalments.outstanding([valued.value for valued in schedule], item.received)
    found = []
    for valued, owed in zip(schedule, unpaid, strict=True):
        if owed <= 0:
            continue
        due, basis, rate_basis, band = instalment_due(
            item,
            valued,
            as_at=as_at,
            dwellings_per_year=dwellings_per_year,
            start_lag_years=start_lag_years,
            site=site,
        )
        if rate_basis == "assumed" and authority_rate:
            rate_basis, basis = "authority_default", f"{basis} (the authority's default rate)"
        found.append(Estimate(item.contribution_id, valued.instalment.id, owed, due, basis, rate_basis, band))
    return found
