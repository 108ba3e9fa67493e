"""Response shapes for the capital programme forecast."""

from typing import Literal

from pydantic import BaseModel, Field

from app.dates import Day
from app.ids import RowId
from app.money import SignedMoney


class Assumptions(BaseModel):
    """How the forecast dates money not yet paid by developers."""

    dwellings_per_year: int
    start_lag_years: int
    description: str


BandName = Literal["held_by_local_authority", "trigger_met", "trigger_expected", "speculative"]


class Band(BaseModel):
    """Money not yet drawn of one band of certainty, and what it rests on."""

    band: BandName
    amount: SignedMoney
    basis: str


class ForecastYear(BaseModel):
    """One financial year (April to March) of the capital programme."""

    financial_year: str = Field(description="e.g. 2026/27")
    starts_on: Day
    ends_on: Day
    expected_from_triggers: SignedMoney = Field(description="developers' money whose trigger is estimated this year")
    held_by_local_authority: SignedMoney = Field(description="held now by authorities, available this year")
    drawn_unspent: SignedMoney = Field(
        description="drawn by the force and not yet spent, available this year; negative where the force spent ahead "
        "of drawing (forward funding)",
    )
    total: SignedMoney
    bands: list[Band] = Field(description="money not yet drawn available this year, by certainty, surest first")
    not_yet_drawn: SignedMoney = Field(description="the sum of the bands: held, and expected from triggers")


class ForecastItem(BaseModel):
    """An instalment's unpaid money and the date its trigger is estimated to fall due."""

    contribution_id: RowId
    instalment_id: RowId | None
    band: BandName
    expected: SignedMoney
    estimated_due_on: Day | None
    basis: str
    build_rate_basis: Literal["recorded_progress", "authority_default", "assumed"] | None = Field(
        description="whose build rate dated it: the site's recorded progress, its authority's default rate, or the "
        "assumed rate (dwellings_per_year); None if no rate"
    )


class Forecast(BaseModel):
    """Money for the capital programme by financial year, with at-risk and undatable money apart."""

    as_at: Day
    assumptions: Assumptions
    years: list[ForecastYear]
    at_risk: SignedMoney = Field(description="trigger may never be reached; not counted in any year")
    unscheduled: SignedMoney = Field(description="expected, but the trigger gives no date to estimate from")
    undated: list[Band] = Field(description="money not yet drawn in no year: at risk, or with no date (speculative)")
    not_yet_drawn: SignedMoney = Field(
        description="every year's bands and the undated: what the ledger says is not yet drawn (total less drawn, "
        "less returned) of the open agreements"
    )
    items: list[ForecastItem] | None = None
