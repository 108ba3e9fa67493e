"""Request and response shapes for index series and index-linked contributions."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.money import SignedMoney

SeriesName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", description="e.g. BCIS-TPI, RPI, CPI")]


class SeriesLoad(BaseModel):
    """What a CSV load did to a series."""

    series: str
    added: int
    replaced: int
    unchanged: int


class SeriesSummary(BaseModel):
    """A loaded series: how many months, from when to when."""

    series: str
    months: int
    first_month: Day
    last_month: Day


class IndexValueRead(BaseModel):
    """One month's index value and its source."""

    model_config = ConfigDict(from_attributes=True)

    month: Day
    value: Decimal
    source: str


class IndexLink(BaseModel):
    """The index a contribution's sum is linked to, and its base month."""

    model_config = ConfigDict(extra="forbid")

    series: SeriesName
    base_month: Day = Field(description="any day of the base month (the month before the agreement, usually)")


class Acceptance(BaseModel):
    """The officer's acceptance of a computed uplift, recorded as an indexation movement."""

    model_config = ConfigDict(extra="forbid")

    due_on: Day | None = Field(default=None, description="when payment fell due; the trigger_met date if omitted")


class IndexationRead(BaseModel):
    """The amount due under index-linking, with every figure used."""

    contribution_id: RowId
    series: str
    amount: SignedMoney = Field(description="the sum in the agreement")
    due_on: Day
    base_month: Day
    base_value: Decimal
    index_month: Day = Field(description="the month before payment fell due")
    index_value: Decimal
    indexed_amount: SignedMoney = Field(description="amount x index_value / base_value, to the penny")
    uplift: SignedMoney = Field(description="indexed_amount - amount")
    formula: str
    recorded_movement_id: RowId | None = Field(description="the indexation movement once accepted")
