"""Request and response shapes for an authority's confirmations of the balance it holds for the force."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.money import SignedMoney, WrittenMoney


class ConfirmationCreate(BaseModel):
    """What the authority says it holds for the force at a date."""

    model_config = ConfigDict(extra="forbid")

    as_at: Day = Field(description="the date the balance is confirmed at")
    amount: WrittenMoney = Field(description="the balance the authority says it holds, not negative")
    note: Annotated[str | None, Field(max_length=5000)] = None
    letter_dated: Day | None = Field(
        default=None,
        description="the date of the authority's letter; when the force's officer records it and leaves it out, as_at",
    )
    letter_reference: Annotated[str | None, Field(max_length=200)] = None


class ConfirmationRead(BaseModel):
    """A confirmation beside the ledger's figure held by the authority at the same date, and the difference."""

    id: int
    local_authority_id: str
    as_at: Day
    amount: SignedMoney = Field(description="what the authority confirmed")
    ledger_held: SignedMoney = Field(description="held_by_local_authority in the ledger at as_at")
    difference: SignedMoney = Field(description="amount - ledger_held: positive where the authority says it holds more")
    note: str | None
    by_force: bool = Field(description="recorded by the force's officer from the authority's letter")
    letter_dated: Day | None
    letter_reference: str | None
    recorded_at: datetime
    recorded_by: str
    description: str = Field(description="who recorded it, in words")
