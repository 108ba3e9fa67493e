"""Request and response shapes for bids, the funding formula and the bids summary."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.contributions.schemas import ContributionCreate
from app.dates import Day
from app.ids import RowId
from app.models import BidOutcome, DwellingType, FormulaItem
from app.money import PositiveMoney, SignedMoney

Text = Annotated[str | None, Field(max_length=5000)]
Dwellings = Annotated[int, Field(ge=1, le=1_000_000, description="new dwellings the application proposes")]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class FormulaLineCreate(BaseModel):
    """One item of a formula: its cost per dwelling and the assumption behind the figure."""

    model_config = ConfigDict(extra="forbid")

    item: FormulaItem
    cost_per_dwelling: PositiveMoney
    cost_per_house: PositiveMoney | None = Field(default=None, description="a house's cost, if costed apart")
    cost_per_flat: PositiveMoney | None = Field(default=None, description="a flat's cost, if costed apart")
    assumption: Annotated[str, Field(min_length=1, max_length=5000, description="how the figures were reached")]


class FormulaCreate(BaseModel):
    """A formula version: a new name starts at version 1, an existing name gets its next version."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    base_date: Day = Field(description="the date the costs are priced at")
    index_series: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=64,
            description="the loaded price index the costs move with, from the month before base_date",
        ),
    ] = None
    items: Annotated[list[FormulaLineCreate], Field(min_length=1, max_length=20)]
    notes: Text = None


class FormulaLineRead(BaseModel):
    """An item of a formula version."""

    item: FormulaItem
    cost_per_dwelling: SignedMoney
    cost_per_house: SignedMoney | None
    cost_per_flat: SignedMoney | None
    assumption: str


class FormulaRead(BaseModel):
    """A formula version with its items and its total cost per dwelling."""

    id: int
    name: str
    version: int
    base_date: date
    index_series: str | None
    items: list[FormulaLineRead]
    per_dwelling: SignedMoney = Field(description="the sum of the items' costs per dwelling")
    notes: str | None
    created_at: datetime
    created_by: str


class IndexApplied(BaseModel):
    """The index values a bid's costs were moved by: the month applied over the formula's base month."""

    series: str
    base_month: date = Field(description="the month before the formula's base date")
    base_value: Decimal
    month: date = Field(description="the month before the calculation date, or the latest loaded before it")
    value: Decimal


class WorkingLine(BaseModel):
    """One line of a bid's workings: an item's cost per dwelling (of a type), indexed, times those dwellings."""

    item: FormulaItem
    dwelling_type: DwellingType | None = Field(description="house or flat; null for dwellings of any type")
    cost_per_dwelling: SignedMoney = Field(description="the formula's figure, at its base date")
    indexed_cost: SignedMoney = Field(description="the figure moved by the index (the same without one)")
    dwellings: int
    amount: SignedMoney
    assumption: str


class Workings(BaseModel):
    """How a bid's amount was worked out from a formula version, ready for the response letter."""

    formula_id: int
    formula_name: str
    formula_version: int
    base_date: date
    calculated_on: date | None = Field(description="the date the costs were worked out at")
    index: IndexApplied | None = Field(description="the index applied; null where the formula is not index-linked")
    dwellings: int
    houses: int | None
    flats: int | None
    lines: list[WorkingLine]
    total: SignedMoney
    text: str = Field(description="the workings as plain text, to paste into the response")


class BidCreate(BaseModel):
    """A consultation on a planning application, with the force's bid when it has one.

    The amount comes from a formula version (formula_id) or is set by hand (amount_bid), not both.
    """

    model_config = ConfigDict(extra="forbid")

    local_authority_id: Annotated[str, Field(min_length=1, max_length=64)]
    application_reference: Annotated[str, Field(min_length=1, max_length=100)]
    site: Annotated[str, Field(min_length=1, max_length=300)]
    dwellings: Dwellings
    houses: Count | None = Field(default=None, description="of the dwellings, the houses (the rest are flats)")
    flats: Count | None = Field(default=None, description="of the dwellings, the flats (the rest are houses)")
    consulted_on: Day
    respond_by: Day | None = None
    responded_on: Day | None = None
    response: Text = None
    formula_id: RowId | None = None
    calculated_on: Day | None = Field(
        default=None, description="the date the formula's costs are worked out at; today if omitted"
    )
    amount_bid: PositiveMoney | None = Field(default=None, description="set by hand, when no formula is used")
    necessary: Text = Field(default=None, description="why the contribution is necessary to make it acceptable")
    directly_related: Text = Field(default=None, description="how it is directly related to the development")
    fairly_related: Text = Field(
        default=None, description="how it is fairly and reasonably related in scale and kind to the development"
    )
    heads_of_terms: Text = None
    notes: Text = None


class BidUpdate(BaseModel):
    """Changes to an open bid: its response, justification, heads of terms, or its amount."""

    model_config = ConfigDict(extra="forbid")

    site: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    dwellings: Dwellings | None = None
    houses: Count | None = None
    flats: Count | None = None
    respond_by: Day | None = None
    responded_on: Day | None = None
    response: Text = None
    formula_id: RowId | None = None
    calculated_on: Day | None = None
    amount_bid: PositiveMoney | None = None
    necessary: Text = None
    directly_related: Text = None
    fairly_related: Text = None
    heads_of_terms: Text = None
    notes: Text = None


class OutcomeCreate(BaseModel):
    """A bid that ended without an agreement: refused, withdrawn or lost at appeal."""

    model_config = ConfigDict(extra="forbid")

    outcome: BidOutcome
    on: Day
    note: Text = None


class BidAgreementCreate(BaseModel):
    """The agreement a secured bid became, with its contributions, made in one step."""

    model_config = ConfigDict(extra="forbid")

    reference: Annotated[
        str | None, Field(min_length=1, max_length=100, description="defaults to the application reference")
    ] = None
    developer: Annotated[str | None, Field(max_length=300)] = None
    signed_on: Day
    contributions: Annotated[list[ContributionCreate], Field(min_length=1, max_length=50)]
    notes: Text = None


class BidRead(BaseModel):
    """A bid with its workings (when a formula gave its amount) and the agreement it became."""

    id: int
    local_authority_id: str
    application_reference: str
    site: str
    dwellings: int
    houses: int | None
    flats: int | None
    consulted_on: date
    respond_by: date | None
    responded_on: date | None
    response: str | None
    formula_id: int | None
    amount_bid: SignedMoney | None
    workings: Workings | None
    necessary: str | None
    directly_related: str | None
    fairly_related: str | None
    heads_of_terms: str | None
    outcome: BidOutcome | None
    outcome_on: date | None
    agreement_id: int | None
    secured: SignedMoney | None = Field(description="the sum secured in its agreement's contributions")
    received: SignedMoney | None = Field(description="what the authority has received of it so far")
    notes: str | None
    created_at: datetime
    created_by: str


class SummaryFigures(BaseModel):
    """How many bids, and how much was bid, secured in agreements, received by the authorities and drawn so far."""

    bids: int
    secured_bids: int
    amount_bid: SignedMoney
    secured: SignedMoney
    received: SignedMoney
    drawn: SignedMoney = Field(description="what the force has drawn of it from the authorities")


class SummaryRow(SummaryFigures):
    """One authority's bids on applications it consulted the force on in one year."""

    local_authority_id: str
    year: int = Field(description="the year the force was consulted")


class BidSummary(BaseModel):
    """The bids summary by authority and year, with its totals."""

    rows: list[SummaryRow]
    totals: SummaryFigures
