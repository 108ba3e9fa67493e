"""Request and response shapes for capital spend."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.models import CapitalCategory
from app.money import PositiveMoney, SignedMoney

Note = Annotated[str | None, Field(max_length=5000)]


class ChargeCreate(BaseModel):
    """The part of the invoice charged to one contribution."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    amount: PositiveMoney


class SpendCreate(BaseModel):
    """A capital invoice paid by the force for a project, and the contributions it is charged to."""

    model_config = ConfigDict(extra="forbid")

    project_id: RowId
    on: Day
    supplier: Annotated[str, Field(min_length=1, max_length=300)]
    invoice_reference: Annotated[str, Field(min_length=1, max_length=200)]
    amount: PositiveMoney = Field(description="the invoice's amount; contributions may fund part of it")
    category: CapitalCategory | None = Field(default=None, description="the project's category if omitted")
    charges: list[ChargeCreate] = Field(default_factory=list, max_length=200)
    note: Note = None


class SpendCancel(BaseModel):
    """Cancelling a spend recorded in error: its spent movements are reversed."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = None
    reason: Annotated[str, Field(min_length=1, max_length=5000)]


class ChargeRead(BaseModel):
    """A charge to a contribution and the spent movement that carries it."""

    contribution_id: RowId
    local_authority_id: str
    amount: SignedMoney
    movement_id: RowId


class SpendRead(BaseModel):
    """A recorded spend. A planning officer sees only the charges to their authority's contributions."""

    id: int
    project_id: RowId
    on: Day
    supplier: str
    invoice_reference: str
    amount: SignedMoney
    category: CapitalCategory
    charged: SignedMoney
    charges: list[ChargeRead]
    note: str | None
    cancelled_on: Day | None
    cancellation_reason: str | None
    recorded_at: datetime
    recorded_by: str
