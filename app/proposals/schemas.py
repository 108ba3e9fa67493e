"""Request and response shapes for repurposing proposals and their summary for the Panel."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.models import ProposalStatus, Purpose
from app.money import SignedMoney, WrittenMoney

Text = Annotated[str | None, Field(max_length=5000)]
Costs = Annotated[WrittenMoney, Field(description="what the change would cost")]


class ProposalCreate(BaseModel):
    """A contribution the force means to repurpose: to a new purpose, an investment item, another project."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    proposed_purpose: Purpose | None = Field(default=None, description="the purpose it would change to")
    investment_item_id: RowId | None = Field(default=None, description="the investment item it would serve")
    from_project_id: RowId | None = Field(default=None, description="the project whose allocation would move")
    to_project_id: RowId | None = Field(default=None, description="the project it would move to")
    reason: Text = Field(default=None, description="why the purpose no longer fits")
    costs: Costs | None = None
    identified_on: Day
    notes: Text = None


class ProposalUpdate(BaseModel):
    """Changes to an open proposal: what it proposes, why, and its costs."""

    model_config = ConfigDict(extra="forbid")

    proposed_purpose: Purpose | None = None
    investment_item_id: RowId | None = None
    from_project_id: RowId | None = None
    to_project_id: RowId | None = None
    reason: Text = None
    costs: Costs | None = None
    notes: Text = None


class Step(StrEnum):
    """A step of a proposal short of consent."""

    discussed = "discussed"
    agreed = "agreed"
    refused = "refused"


class StepCreate(BaseModel):
    """A dated step: discussed with the authority, agreed in principle, or refused."""

    model_config = ConfigDict(extra="forbid")

    step: Step
    on: Day
    note: Text = None


class ConsentCreate(BaseModel):
    """The authority's consent, which records the repurposing the proposal described."""

    model_config = ConfigDict(extra="forbid")

    on: Day
    reference: Annotated[str, Field(min_length=1, max_length=200, description="the authority's letter or email")]
    purpose: Purpose | None = Field(default=None, description="the purpose consented, if not the one proposed")
    note: Text = None


class ProposalRead(BaseModel):
    """A proposal with its steps' dates and, once consented, the repurposing it recorded."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    contribution_id: int
    local_authority_id: str
    status: ProposalStatus
    proposed_purpose: Purpose | None
    investment_item_id: int | None
    from_project_id: int | None
    to_project_id: int | None
    reason: str | None
    costs: SignedMoney | None
    identified_on: date
    discussed_on: date | None
    agreed_on: date | None
    consented_on: date | None
    refused_on: date | None
    repurposing_id: int | None
    notes: str | None
    created_at: datetime
    created_by: str


class ProposalCount(BaseModel):
    """How many of one authority's proposals stand at one status."""

    local_authority_id: str
    status: ProposalStatus
    proposals: int


class ProposalSummary(BaseModel):
    """Proposals by authority and status, and in total by status (no contribution-level detail)."""

    rows: list[ProposalCount]
    totals: dict[ProposalStatus, int]
