"""What the forecast route and page return: the capital programme's money by financial year."""

from datetime import date

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.forecast import service
from app.forecast.schemas import Assumptions, Forecast, ForecastItem, ForecastYear


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
    years = [
        ForecastYear(
            financial_year=service.financial_year_label(year.start),
            starts_on=year.start,
            ends_on=date(year.start.year + 1, 3, 31),
            expected_from_triggers=year.expected,
            held_by_local_authority=year.held,
            drawn_unspent=year.drawn_unspent,
            total=year.expected + year.held + year.drawn_unspent,
        )
        for year in sorted(result.years.values(), key=lambda year: year.start)
    ]
    return Forecast(
        as_at=when,
        assumptions=Assumptions(
            dwellings_per_year=dwellings_per_year,
            start_lag_years=start_lag_years,
            description=(
                f"each site completes {dwellings_per_year} dwellings a year from its development start; a site not "
                f"yet started starts {start_lag_years} year(s) after {when}; dates already passed are due now; a site "
                "with recorded progress uses its own counts and build rate instead"
            ),
        ),
        years=years,
        at_risk=result.at_risk,
        unscheduled=result.unscheduled,
        items=[
            ForecastItem(
                contribution_id=id_,
                expected=expected,
                estimated_due_on=due,
                basis=basis,
                build_rate_basis=rate_basis,
            )
            for id_, expected, due, basis, rate_basis in result.items
        ]
        if detail
        else None,
    )
