"""Request and response shapes for contributions and their events."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.balances.schemas import BalanceFigures
from app.dates import Day
from app.instalments.schemas import InstalmentRead, Schedule
from app.models import EventKind, Purpose, TriggerType
from app.money import PositiveMoney, SignedMoney


class Trigger(BaseModel):
    """When the developer must pay: a kind of trigger, a dwelling count for occupations, and its words."""

    model_config = ConfigDict(extra="forbid")

    type: TriggerType
    threshold: Annotated[int | None, Field(ge=0, le=1_000_000, description="e.g. the 50th occupation")] = None
    description: Annotated[str | None, Field(max_length=2000)] = None


class ContributionCreate(BaseModel):
    """A new contribution on an agreement; its amount is secured on the agreement's signed date."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    amount: PositiveMoney = Field(description='the sum in the agreement, a decimal string such as "25000.00"')
    trigger: Trigger
    instalments: Schedule | None = Field(
        default=None,
        description="the money in tranches (shares adding to 100% or to the amount); one instalment of 100% at "
        "the trigger if omitted",
    )
    spend_by: Day | None = Field(default=None, description="a fixed date by which the money must be spent")
    repayment_period_years: Annotated[
        int | None,
        Field(ge=1, le=50, description="years from each receipt before unspent money is repaid"),
    ] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    clause_text: Annotated[
        str | None, Field(max_length=20000, description="the agreement's wording: purpose and what it may fund")
    ] = None


class ContributionUpdate(BaseModel):
    """Changes to a contribution's terms that carry no money."""

    model_config = ConfigDict(extra="forbid")

    trigger: Trigger | None = None
    spend_by: Day | None = None
    repayment_period_years: Annotated[int | None, Field(ge=1, le=50)] = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    clause_text: Annotated[
        str | None, Field(max_length=20000, description="the agreement's wording: purpose and what it may fund")
    ] = None


class ContributionRead(BaseModel):
    """A contribution with its current stage and balances as at today."""

    id: int
    agreement_id: int
    local_authority_id: str
    purpose: Purpose
    amount: SignedMoney = Field(description="the sum secured in the agreement")
    trigger: Trigger = Field(description="the trigger the ledger's stages follow: the first instalment's")
    instalments: list[InstalmentRead] = Field(
        description="the schedule of tranches, in order; their values sum to the total"
    )
    spend_by: Day | None
    repayment_period_years: int | None
    notes: str | None
    clause_text: str | None
    stage: str
    balances: BalanceFigures


class EventCreate(BaseModel):
    """A dated stage change."""

    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    on: Day
    note: Annotated[str | None, Field(max_length=5000)] = None


class EventRead(BaseModel):
    """A recorded stage change."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    contribution_id: int
    kind: EventKind
    on: Day
    note: str | None
    recorded_at: datetime
    recorded_by: str
