"""HTTP route for the capital programme forecast. Every role reads; a planning officer sees their authority's part."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Reader
from app.dates import Day
from app.db import SessionDep
from app.forecast import service
from app.forecast.schemas import Assumptions, Forecast, ForecastItem, ForecastYear

router = APIRouter(tags=["forecast"])


@router.get("/forecast", response_model=Forecast, responses={422: {}})
def get_forecast(
    session: SessionDep,
    principal: Reader,
    as_at: Annotated[Day | None, Query(description="today if omitted")] = None,
    dwellings_per_year: Annotated[int, Query(ge=1, le=5000, description="homes completed a year per site")] = 50,
    start_lag_years: Annotated[int, Query(ge=0, le=20, description="years until a site not yet started starts")] = 1,
    detail: Annotated[bool, Query(description="list each contribution's estimate")] = False,
) -> Forecast:
    """Money for the capital programme by financial year: expected from triggers, held by authorities, drawn unspent."""
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
                f"yet started starts {start_lag_years} year(s) after {when}; dates already passed are due now"
            ),
        ),
        years=years,
        at_risk=result.at_risk,
        unscheduled=result.unscheduled,
        items=[
            ForecastItem(contribution_id=id_, expected=expected, estimated_due_on=due, basis=basis)
            for id_, expected, due, basis in result.items
        ]
        if detail
        else None,
    )
