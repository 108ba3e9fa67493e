"""HTTP routes for index series and index-linked contributions.

Roles: the officer loads series, links contributions and accepts uplifts; every role reads series and
computations (a planning officer only for their authority's contributions).
"""

from typing import Annotated

from fastapi import APIRouter, Body, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.dates import Day
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.indexation import service
from app.indexation.schemas import (
    Acceptance,
    IndexationRead,
    IndexLink,
    IndexValueRead,
    SeriesLoad,
    SeriesName,
    SeriesSummary,
)

router = APIRouter(tags=["indexation"])

EXAMPLE_CSV = "month,value,source\n2019-03,324.0,BCIS All-in TPI (licensed)\n2021-05,341.5,BCIS All-in TPI (licensed)\n"


def _read(figures: service.Indexation) -> IndexationRead:
    return IndexationRead(**figures.__dict__, formula=figures.formula)


@router.post("/index-series/{series}", response_model=SeriesLoad, responses={422: {}})
@idempotent
def load_series(
    series: SeriesName,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
    csv_text: Annotated[str, Body(media_type="text/csv", examples=[EXAMPLE_CSV])],
) -> SeriesLoad:
    """Load a series' months from a CSV body (month, value, source); changed months are replaced."""
    result = service.load_series(session=session, principal=principal, series=series, text=csv_text)
    audit.record("index_series", [series], result.__dict__)
    return SeriesLoad(series=series, **result.__dict__)


@router.get("/index-series", response_model=list[SeriesSummary])
def list_series(session: SessionDep, principal: Reader) -> list[SeriesSummary]:
    """The loaded series, each with its months."""
    return [
        SeriesSummary(series=series, months=count, first_month=first, last_month=last)
        for series, count, first, last in service.list_series(session=session)
    ]


@router.get("/index-series/{series}", response_model=list[IndexValueRead], responses={404: {}})
def get_series(series: str, session: SessionDep, principal: Reader) -> list[IndexValueRead]:
    """A series' values month by month, with their sources."""
    return [IndexValueRead.model_validate(value) for value in service.series_values(session=session, series=series)]


@router.put("/contributions/{contribution_id}/indexation", response_model=IndexLink, responses={404: {}})
def link_contribution(
    contribution_id: RowId, data: IndexLink, session: SessionDep, principal: Officer, audit: AuditDep
) -> IndexLink:
    """Link a contribution's sum to an index series from a base month."""
    service.link(session=session, contribution_id=contribution_id, series=data.series, base_month=data.base_month)
    audit.record("contributions", [contribution_id], data)
    return IndexLink(series=data.series, base_month=service.first_of_month(data.base_month))


@router.get("/contributions/{contribution_id}/indexation", response_model=IndexationRead, responses={404: {}, 422: {}})
def compute_indexation(
    contribution_id: RowId, session: SessionDep, principal: Reader, due_on: Day | None = None
) -> IndexationRead:
    """The indexed amount due when the trigger was met (or on due_on), with the figures used."""
    return _read(
        service.compute(session=session, contribution_id=contribution_id, scope=principal.scope, due_on=due_on)
    )


@router.post(
    "/contributions/{contribution_id}/indexation/accept",
    response_model=IndexationRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def accept_indexation(
    contribution_id: RowId, data: Acceptance, session: SessionDep, principal: Officer, audit: AuditDep
) -> IndexationRead:
    """Accept the computed uplift: it is recorded as an indexation movement raising the total value."""
    figures = service.accept(session=session, principal=principal, contribution_id=contribution_id, due_on=data.due_on)
    audit.record("movements", [figures.recorded_movement_id, contribution_id], data)
    return _read(figures)
