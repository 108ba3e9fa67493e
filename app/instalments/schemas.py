"""Request and response shapes for a contribution's instalments (its schedule of tranches)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.dates import Day
from app.models import ThresholdUnit, TriggerType
from app.money import Money, SignedMoney, WrittenMoney

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
"""A share of the total value in percent, such as "45" or "33.3333"."""


MOST_DWELLINGS = 1_000_000
"""The highest threshold a trigger holds."""


class InstalmentTrigger(BaseModel):
    """When an instalment is payable: the kind of trigger and, as it needs, a threshold, a date or words."""

    model_config = ConfigDict(extra="forbid")

    type: TriggerType
    threshold: Annotated[
        int | None, Field(ge=0, le=MOST_DWELLINGS, description="the Nth dwelling, or N percent of them")
    ] = None
    threshold_unit: ThresholdUnit = Field(
        default=ThresholdUnit.dwellings, description="dwellings (the Nth) or percent (N% of the dwellings)"
    )
    on: Day | None = Field(default=None, description="the date an on_date instalment is payable")
    description: Annotated[str | None, Field(max_length=2000)] = None

    @model_validator(mode="after")
    def complete(self) -> "InstalmentTrigger":
        """A percent threshold is at most 100 (a schedule's date triggers are checked with the schedule)."""
        if self.threshold_unit is ThresholdUnit.percent and (self.threshold or 0) > 100:
            raise ValueError("a percent threshold is at most 100")
        return self


class InstalmentWrite(BaseModel):
    """One tranche: a share (percent of the total, or an amount) and its trigger."""

    model_config = ConfigDict(extra="forbid")

    percent: Percent | None = Field(default=None, description='percent of the total value, such as "45"')
    amount: WrittenMoney | None = Field(default=None, description='pounds, such as "40474.56"')
    trigger: InstalmentTrigger

    @model_validator(mode="after")
    def one_share(self) -> "InstalmentWrite":
        """Exactly one of percent and amount."""
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give the share as percent or as amount, not both and not neither")
        return self


Schedule = Annotated[list[InstalmentWrite], Field(min_length=1, max_length=50)]


class ScheduleWrite(BaseModel):
    """A contribution's whole schedule, replacing the one it had."""

    model_config = ConfigDict(extra="forbid")

    instalments: Schedule


class InstalmentRead(BaseModel):
    """An instalment with what it is worth of the total value today and whether it has fallen due."""

    id: int
    position: int
    percent: Decimal | None
    amount: Money | None = Field(description="the share as the agreement states it, where it is an amount")
    trigger: InstalmentTrigger
    words: str = Field(description='the trigger in words, such as "on the 250th occupation"')
    value: SignedMoney = Field(description="its part of the contribution's total value today (they sum to it)")
    outstanding: SignedMoney = Field(
        description="what of its value the council has not yet received: receipts pay the instalments in order, so "
        "0.00 once it is paid in full, whether or not it was recorded as due"
    )
    due_on: Day | None = Field(
        description="the date it was recorded as fallen due (the latest record), or the signing for one payable on "
        "signing; none while not due"
    )
    status: Literal["due", "not_due"]


class DueCreate(BaseModel):
    """The officer's confirmation that an instalment fell due: on the proposed date, or a corrected one."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = Field(default=None, description="the proposed date if omitted; required where none is proposed")
    note: Annotated[str | None, Field(max_length=5000)] = None


class DueRead(BaseModel):
    """A record of an instalment falling due."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    instalment_id: int
    on: Day
    note: str | None
    event_id: int | None = Field(
        description="the contribution's trigger_met event recorded with it, if this was its first"
    )
    recorded_at: datetime
    recorded_by: str
