"""Limit-and-offset pagination shared by every list endpoint."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.config import get_settings
from app.ids import MAX_ROW_ID


class PageParams(BaseModel):
    """Which slice of a list to return."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int | None, Query(ge=1, le=500, description="rows per page (default 50)")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="rows to skip")] = 0,
) -> PageParams:
    """Read limit and offset from the query string."""
    settings = get_settings()
    return PageParams(limit=min(limit or settings.default_page_size, settings.max_page_size), offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list, with the count of all matching rows."""

    items: list[Item]
    total: int
    limit: int
    offset: int
