"""Request and response shapes for agreements."""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.balances.schemas import BalanceFigures
from app.dates import Day

Text = Annotated[str, Field(max_length=5000)]


class AgreementStatus(StrEnum):
    """Whether an agreement is still live."""

    open = "open"
    closed = "closed"


class AgreementCreate(BaseModel):
    """A newly signed agreement."""

    model_config = ConfigDict(extra="forbid")

    local_authority_id: Annotated[str, Field(min_length=1, max_length=64)]
    reference: Annotated[str, Field(min_length=1, max_length=100, description="the planning application reference")]
    site: Annotated[str, Field(min_length=1, max_length=300)]
    developer: Annotated[str | None, Field(max_length=300)] = None
    signed_on: Day
    dwellings: Annotated[int | None, Field(ge=0, le=1_000_000)] = None
    notes: Text | None = None


class AgreementUpdate(BaseModel):
    """Changes to an agreement's description, or closing it. The signed date never changes."""

    model_config = ConfigDict(extra="forbid")

    reference: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    site: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    developer: Annotated[str | None, Field(max_length=300)] = None
    dwellings: Annotated[int | None, Field(ge=0, le=1_000_000)] = None
    status: AgreementStatus | None = None
    closed_on: Day | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _closed_on_goes_with_status(self) -> Self:
        if self.status is AgreementStatus.closed and self.closed_on is None:
            raise ValueError("closed_on: closing an agreement needs the date it closed")
        if self.status is AgreementStatus.open and self.closed_on is not None:
            raise ValueError("closed_on: an open agreement has no closed_on")
        return self


class AgreementRead(BaseModel):
    """An agreement, with its balances as at today."""

    id: int
    local_authority_id: str
    reference: str
    site: str
    developer: str | None
    signed_on: Day
    dwellings: int | None
    status: AgreementStatus
    closed_on: Day | None
    notes: str | None
    contributions: int
    balances: BalanceFigures
