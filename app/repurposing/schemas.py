"""Request and response shapes for repurposing a contribution."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.models import Purpose
from app.money import SignedMoney


class RepurposingCreate(BaseModel):
    """A change of purpose, or a move from one project to another, with the authority's consent."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose | None = Field(default=None, description="the new purpose")
    from_project_id: RowId | None = Field(default=None, description="the project whose allocation moves")
    to_project_id: RowId | None = Field(default=None, description="the project it moves to")
    investment_item_id: RowId | None = Field(default=None, description="the investment item the new purpose serves")
    consented_on: Day
    consent_reference: Annotated[
        str, Field(min_length=1, max_length=200, description="the authority's letter or email")
    ]
    note: Annotated[str | None, Field(max_length=5000)] = None


class RepurposingRead(BaseModel):
    """One recorded change of a contribution's purpose or project."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    contribution_id: RowId
    from_purpose: Purpose
    to_purpose: Purpose
    from_project_id: RowId | None
    to_project_id: RowId | None
    moved_amount: SignedMoney | None
    investment_item_id: RowId | None
    consented_on: Day
    consent_reference: str
    note: str | None
    recorded_at: datetime
    recorded_by: str


class CandidateSort(StrEnum):
    """How candidates are ordered: the largest unspent sum first, or the soonest deadline first."""

    largest = "largest"
    soonest = "soonest"


class CandidateRead(BaseModel):
    """A contribution with unspent money whose purpose no longer fits the investment list or the estate plans."""

    contribution_id: int
    agreement_id: int
    agreement_reference: str
    local_authority_id: str
    purpose: Purpose
    total_value: SignedMoney
    unspent: SignedMoney = Field(description="total value less what was spent (remaining)")
    held_by_local_authority: SignedMoney
    unspent_drawn: SignedMoney
    deadline: date | None = Field(description="the soonest repayment deadline of its unspent money, or its spend-by")
    reasons: list[str] = Field(description="why its purpose no longer fits, in words")
    projects: list[str] = Field(description="the projects its money is identified for")
