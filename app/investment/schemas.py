"""Request and response shapes for the investment list: the items of the force's investment strategy."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.models import CapitalCategory, InvestmentStatus
from app.money import PositiveMoney, SignedMoney

Name = Annotated[str, Field(min_length=1, max_length=200)]
Reference = Annotated[str, Field(min_length=1, max_length=100, description="the strategy or capital programme line")]
Priority = Annotated[int, Field(ge=1, le=1000, description="1 is the most pressing")]
Notes = Annotated[str | None, Field(max_length=5000)]


class InvestmentItemCreate(BaseModel):
    """A new item of the investment strategy that contributions may pay for."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    category: CapitalCategory = Field(description="the capital category its spend falls in")
    estimate: PositiveMoney = Field(description="the estimated capital cost")
    strategy_reference: Reference
    status: InvestmentStatus = InvestmentStatus.proposed
    priority: Priority | None = None
    notes: Notes = None


class InvestmentItemUpdate(BaseModel):
    """Changes to an item: its description, estimate, status or priority."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    category: CapitalCategory | None = None
    estimate: PositiveMoney | None = None
    strategy_reference: Reference | None = None
    status: InvestmentStatus | None = None
    priority: Priority | None = None
    notes: Notes = None


class LinkedProject(BaseModel):
    """A project that delivers the item."""

    id: int
    name: str


class InvestmentFigures(BaseModel):
    """The S106 money of an item's projects: identified, requested, received and spent."""

    identified: SignedMoney = Field(description="contributions' money allocated to its projects")
    requested: SignedMoney = Field(description="asked of authorities by live drawdown requests")
    received: SignedMoney = Field(description="paid by authorities against those requests")
    spent: SignedMoney


class InvestmentItemRead(BaseModel):
    """An item with its projects, their S106 money, and what is still to find."""

    id: int
    name: str
    category: CapitalCategory
    estimate: SignedMoney
    strategy_reference: str
    status: InvestmentStatus
    priority: int | None
    notes: str | None
    projects: list[LinkedProject]
    figures: InvestmentFigures
    to_find: SignedMoney | None = Field(
        description="the estimate less the money identified; null for a planning officer, who sees only their part"
    )
    open_proposals: int = Field(description="repurposing proposals for it not yet consented or refused")
    created_at: datetime
    created_by: str
