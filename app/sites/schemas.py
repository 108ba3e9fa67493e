"""Request and response shapes for site progress and the triggers it proposes."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.contributions.schemas import Trigger
from app.dates import Day
from app.money import SignedMoney

Count = Annotated[int, Field(ge=0, le=100_000, description="dwellings to date")]
Measure = Literal["started", "completed", "occupied"]


class ProgressCreate(BaseModel):
    """Dwellings started, completed and occupied on a site to a date; give those the report says."""

    model_config = ConfigDict(extra="forbid")

    on: Day = Field(description="the date the counts are as at")
    started: Count | None = None
    completed: Count | None = None
    occupied: Count | None = None
    note: Annotated[str | None, Field(max_length=5000)] = None

    @model_validator(mode="after")
    def some_count(self) -> Self:
        """A record says at least one count."""
        if self.started is None and self.completed is None and self.occupied is None:
            raise ValueError("started: give at least one of started, completed and occupied")
        return self


class ProgressRead(BaseModel):
    """A recorded count, as reported; a correction is a later record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    agreement_id: int
    on: Day
    started: int | None
    completed: int | None
    occupied: int | None
    source: str
    note: str | None
    recorded_at: datetime
    recorded_by: str


class Counts(BaseModel):
    """A site's dwellings to a date, each from its latest record (occupied homes count as completed and started)."""

    on: Day | None = Field(description="the latest record's date; None if nothing is recorded")
    started: int
    completed: int
    occupied: int


class TriggerProposal(BaseModel):
    """An instalment whose trigger the recorded progress has passed, not yet confirmed due."""

    instalment_id: int
    instalment_position: int
    instalment_value: SignedMoney = Field(description="the instalment's part of the contribution's total value")
    trigger_words: str = Field(description='the instalment\'s trigger in words, such as "on the 250th occupation"')
    contribution_id: int
    agreement_id: int
    agreement_reference: str
    local_authority_id: str
    trigger: Trigger
    measure: Measure
    threshold: int
    reached: int = Field(description="the count on the date it was first reached")
    due_on: Day = Field(description="the first date the recorded progress reached the threshold")
    reason: str


class SiteRead(BaseModel):
    """An agreement's site: its counts today, its build rate, its history and the triggers it proposes."""

    agreement_id: int
    reference: str
    local_authority_id: str
    site: str
    dwellings: int | None
    current: Counts
    completions_per_year: int | None = Field(description="the build rate of the recorded completions, if any")
    history: list[ProgressRead]
    proposals: list[TriggerProposal]


class ProposalConfirm(BaseModel):
    """The officer's confirmation that a proposed trigger was met, on its proposed date or a corrected one."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = Field(default=None, description="the proposed date if omitted")
    note: Annotated[str | None, Field(max_length=5000)] = None


class ImportedRow(BaseModel):
    """One row of an uploaded monitoring file and what became of it."""

    row: int
    reference: str
    agreement_id: int
    on: Day
    started: int | None
    completed: int | None
    occupied: int | None
    outcome: Literal["recorded", "unchanged"]


class ProgressImport(BaseModel):
    """What an uploaded housing monitoring file recorded; a file is taken whole or not at all."""

    recorded: int
    unchanged: int
    rows: list[ImportedRow]


class WatchItem(BaseModel):
    """An instalment near its trigger, or due and unpaid too long."""

    kind: Literal["near_threshold", "near_date", "overdue"]
    instalment_id: int
    instalment_position: int
    contribution_id: int
    agreement_id: int
    agreement_reference: str
    local_authority_id: str
    trigger_words: str
    value: SignedMoney = Field(description="the instalment's part of the contribution's total value")
    unpaid: SignedMoney = Field(description="what it still awaits from the developer (receipts pay in order)")
    on: Day | None = Field(description="its own date (near_date), or the date it fell due (overdue)")
    days: int | None = Field(description="days until its date (negative once passed), or days since it fell due")
    measure: Measure | None
    threshold: int | None = Field(description="in dwellings (a percent threshold of the agreement's dwellings)")
    reached: int | None = Field(description="the count recorded so far")
    reason: str


class WatchList(BaseModel):
    """The watch list as at today, under the windows asked for."""

    as_at: Day
    dwellings: int
    days: int
    overdue_days: int
    items: list[WatchItem]
