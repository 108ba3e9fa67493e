"""Response shapes for repayment deadlines."""

import enum

from pydantic import BaseModel, Field

from app.dates import Day
from app.ids import RowId
from app.models import Purpose
from app.money import SignedMoney


class DeadlineSort(enum.StrEnum):
    """How deadlines are ordered."""

    deadline = "deadline"
    amount = "amount"


class ProjectOption(BaseModel):
    """A project the money could fund: allocated to it, or open and of a category its purpose fits."""

    id: int
    name: str
    allocated: bool


class DeadlineRead(BaseModel):
    """Money of one receipt not yet spent, and the date by which it must be spent or repaid."""

    receipt_movement_id: RowId
    contribution_id: RowId
    agreement_id: RowId
    agreement_reference: str
    local_authority_id: str
    purpose: Purpose
    received_on: Day
    received: SignedMoney
    unspent: SignedMoney = Field(description="what of this receipt is unspent, spend taken from the oldest first")
    deadline: Day
    deadline_basis: str = Field(description="repayment_period (from the receipt) or spend_by, whichever is earlier")
    days_left: int = Field(description="negative once the deadline has passed")
    projects: list[ProjectOption]


class DeadlineReport(BaseModel):
    """Unspent money whose deadline falls within the window or has passed."""

    as_at: Day
    within_days: int
    sort: DeadlineSort
    items: list[DeadlineRead]
    total: int
    total_unspent: SignedMoney
    limit: int
    offset: int
