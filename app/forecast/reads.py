"""What the forecast route and page return: the capital programme's money by financial year."""

from datetime import date

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.dates import in_words
from app.forecast import service
from app.forecast.schemas import Assumptions, Band, Forecast, ForecastItem, ForecastYear
from app.money import ZERO, pounds


def band_bases(as_at: date, dwellings_per_year: int) -> dict[service.Band, str]:
    """What each band of certainty rests on, in words."""
    return {
        "held_by_local_authority": f"held by the authorities on {in_words(as_at)}, ready to draw this year",
        "trigger_met": "instalments recorded due (or payable on signing, or on a commencement recorded) and not yet "
        "paid to the authority: owed now",
        "trigger_expected": "instalments dated by their site's recorded build rate, or by the agreement's own date",
        "speculative": "instalments dated by an assumed build rate (the authority's default, else "
        f"{dwellings_per_year} dwellings a year) from the recorded or an assumed start",
    }


def read_forecast(
    session: Session,
    principal: Principal,
    *,
    as_at: date | None,
    dwellings_per_year: int,
    start_lag_years: int,
    detail: bool,
) -> Forecast:
    """The forecast as at a date (today if none) under the assumptions given, with each estimate if asked."""
    when = as_at or date.today()
    result = service.forecast(
        session=session,
        scope=principal.scope,
        as_at=when,
        dwellings_per_year=dwellings_per_year,
        start_lag_years=start_lag_years,
    )
    bases = band_bases(when, dwellings_per_year)
    years = [
        ForecastYear(
            financial_year=service.financial_year_label(year.start),
            starts_on=year.start,
            ends_on=date(year.start.year + 1, 3, 31),
            expected_from_triggers=year.expected,
            held_by_local_authority=year.held,
            drawn_unspent=year.drawn_unspent,
            total=year.expected + year.held + year.drawn_unspent,
            bands=[Band(band=band, amount=year.bands[band], basis=bases[band]) for band in service.BANDS],
            not_yet_drawn=sum(year.bands.values(), ZERO),
        )
        for year in sorted(result.years.values(), key=lambda year: year.start)
    ]
    undated = [
        Band(
            band="speculative",
            amount=result.at_risk + result.unscheduled,
            basis=f"at risk ({pounds(result.at_risk)}: the trigger may never be reached) and triggers that give no "
            f"date ({pounds(result.unscheduled)}: other triggers, dates not recorded)",
        )
    ]
    return Forecast(
        as_at=when,
        assumptions=Assumptions(
            dwellings_per_year=dwellings_per_year,
            start_lag_years=start_lag_years,
            description=(
                f"each site completes {dwellings_per_year} dwellings a year (or its authority's default rate, where "
                f"it has one) from its development start; a site not yet started starts {start_lag_years} "
                f"year{'' if start_lag_years == 1 else 's'} after {in_words(when)}; dates already passed are due now; "
                "a site with recorded progress uses its own counts and build rate instead"
            ),
        ),
        years=years,
        at_risk=result.at_risk,
        unscheduled=result.unscheduled,
        undated=undated,
        not_yet_drawn=sum((year.not_yet_drawn for year in years), ZERO) + undated[0].amount,
        items=[
            ForecastItem(
                contribution_id=estimate.contribution_id,
                instalment_id=estimate.instalment_id,
                band=estimate.band,
                expected=estimate.expected,
                estimated_due_on=estimate.due,
                basis=estimate.basis,
                build_rate_basis=estimate.rate_basis,
            )
            for estimate in result.items
        ]
        if detail
        else None,
    )
