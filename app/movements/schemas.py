"""Request and response shapes for ledger movements."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.models import MovementKind
from app.money import PositiveMoney

Reference = Annotated[str | None, Field(max_length=200)]
Note = Annotated[str | None, Field(max_length=5000)]


class MovementCreate(BaseModel):
    """A movement of money on a contribution. `secured` is recorded when the contribution is created."""

    model_config = ConfigDict(extra="forbid")

    kind: MovementKind
    contribution_id: RowId
    amount: PositiveMoney = Field(description='pounds, a decimal string such as "1234.50"')
    on: Day = Field(description="the date it took effect")
    reference: Reference = None
    note: Note = None


class MovementReverse(BaseModel):
    """A reversal of a mistaken movement."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = Field(default=None, description="the reversal's effective date; today if omitted")
    reference: Reference = None
    note: Note = None


class MovementRead(BaseModel):
    """A ledger movement as recorded, with the reversal that cancelled it, if any."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: MovementKind
    contribution_id: RowId
    amount: PositiveMoney
    on: Day
    reference: str | None
    note: str | None
    reverses_id: int | None
    reversed_by_id: int | None = None
    adjustment: bool
    recorded_at: datetime
    recorded_by: str
