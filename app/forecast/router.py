"""HTTP route for the capital programme forecast. Every role reads; a planning officer sees their authority's part."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Reader
from app.dates import Day
from app.db import SessionDep
from app.forecast.reads import read_forecast
from app.forecast.schemas import Forecast

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
    return read_forecast(
        session,
        principal,
        as_at=as_at,
        dwellings_per_year=dwellings_per_year,
        start_lag_years=start_lag_years,
        detail=detail,
    )
