"""Request and response shapes for projects and their allocations."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.ids import RowId
from app.models import CapitalCategory, ProjectFunding, ProjectStage, Purpose
from app.money import PositiveMoney, SignedMoney

Name = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str | None, Field(max_length=5000)]


class ProjectCreate(BaseModel):
    """A new project: local to one authority, or pooled across many."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    funding: ProjectFunding
    local_authority_id: str | None = Field(default=None, description="required for a local project")
    category: CapitalCategory = Field(description="the capital category its spend falls in")
    stage: ProjectStage = ProjectStage.upcoming
    estimate_low: PositiveMoney = Field(description="the estimate, or the low end of its range")
    estimate_high: PositiveMoney | None = Field(default=None, description="the high end of a range such as £60k-£70k")
    investment_item_id: RowId | None = Field(default=None, description="the investment item it delivers")
    notes: Notes = None


class ProjectUpdate(BaseModel):
    """Changes to a project's description, stage or estimate."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    category: CapitalCategory | None = None
    stage: ProjectStage | None = None
    estimate_low: PositiveMoney | None = None
    estimate_high: PositiveMoney | None = None
    investment_item_id: RowId | None = Field(default=None, description="the investment item it delivers; null unlinks")
    notes: Notes = None


class AllocationCreate(BaseModel):
    """Money of a contribution identified for the project."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    amount: PositiveMoney


class AllocationUpdate(BaseModel):
    """A new amount for an allocation."""

    model_config = ConfigDict(extra="forbid")

    amount: PositiveMoney


class AllocationRead(BaseModel):
    """A contribution's money identified for the project, with what was requested and spent of it."""

    id: int
    contribution_id: RowId
    local_authority_id: str
    purpose: Purpose
    amount: SignedMoney
    requested: SignedMoney
    spent: SignedMoney
    created_at: datetime
    created_by: str


class ProjectFigures(BaseModel):
    """A project's money: identified (allocated), requested, received (drawn), awaited and spent."""

    identified: SignedMoney
    requested: SignedMoney = Field(description="asked of authorities by live requests, including what they paid")
    received: SignedMoney = Field(description="paid by authorities against the project's requests (drawn)")
    awaiting: SignedMoney = Field(description="requested but not yet received")
    spent: SignedMoney


class AuthorityFigures(ProjectFigures):
    """One authority's part of a project's money."""

    local_authority_id: str


class ProjectRead(BaseModel):
    """A project with its money in total and by authority (a planning officer's part only, gap null)."""

    id: int
    name: str
    funding: ProjectFunding
    local_authority_id: str | None
    category: CapitalCategory
    stage: ProjectStage
    estimate_low: SignedMoney
    estimate_high: SignedMoney
    investment_item_id: int | None
    notes: str | None
    totals: ProjectFigures
    gap: SignedMoney | None = Field(description="estimate (high end) less identified; what is still to find")
    by_authority: list[AuthorityFigures]
    allocations: list[AllocationRead] | None = None
    created_at: datetime
    created_by: str
