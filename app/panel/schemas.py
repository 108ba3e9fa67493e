"""Response shapes for the Panel's view of projects and deadlines: by authority and project, never an agreement."""

from pydantic import BaseModel, Field

from app.models import CapitalCategory, ProjectFunding, ProjectStage
from app.money import SignedMoney
from app.projects.schemas import AuthorityFigures, ProjectFigures


class PanelProject(BaseModel):
    """A project as the Panel's reports give it: its estimate, its money in total and by authority, and the gap."""

    name: str
    funding: ProjectFunding
    local_authority_id: str | None
    category: CapitalCategory
    stage: ProjectStage
    investment_item: str | None = Field(description="the investment strategy's item the project delivers")
    estimate_low: SignedMoney
    estimate_high: SignedMoney
    totals: ProjectFigures
    gap: SignedMoney = Field(description="estimate (high end) less identified; what is still to find")
    by_authority: list[AuthorityFigures]


class PanelProjects(BaseModel):
    """Every project, by name, with the totals of their money."""

    rows: list[PanelProject]
    totals: ProjectFigures
    estimate_high: SignedMoney
    gap: SignedMoney


class DeadlineBands(BaseModel):
    """Unspent money by how soon its repayment deadline falls, counted from today."""

    passed: SignedMoney = Field(description="its deadline has passed: repayable unless committed")
    within_one_year: SignedMoney
    one_to_two_years: SignedMoney
    two_to_five_years: SignedMoney
    later: SignedMoney = Field(description="more than five years away")
    receipts: int = Field(description="receipts with unspent money and a deadline")


class AuthorityDeadlines(DeadlineBands):
    """One authority's unspent money with a deadline."""

    local_authority_id: str


class PanelDeadlines(BaseModel):
    """Unspent money with a deadline, by authority and how soon it falls, and the totals."""

    rows: list[AuthorityDeadlines]
    totals: DeadlineBands
