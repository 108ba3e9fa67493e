"""Repayment deadlines: each receipt starts its own clock; unspent money nearing it is at risk of clawback.

A receipt's deadline is its date plus the contribution's repayment period, or the contribution's
spend_by date, whichever is earlier (either obliges the force); a receipt with neither has no
deadline and is not listed. Spend and returns are taken from a contribution's receipts oldest first,
so the oldest money is treated as spent first.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.balances.queries import Receipt, consumed_by_contribution, receipts
from app.models import Agreement, Contribution, Project, ProjectAllocation, ProjectFunding, ProjectStage, Purpose
from app.money import ZERO
from app.projects.service import fits


@dataclass(frozen=True)
class Deadline:
    """Unspent money of one receipt and its deadline."""

    receipt: Receipt
    agreement_id: int
    agreement_reference: str
    local_authority_id: str
    purpose: Purpose
    unspent: Decimal
    deadline: date
    basis: str
    projects: list[tuple[int, str, bool]]


def add_years(day: date, years: int) -> date:
    """The same day so many years on (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def receipt_deadline(
    received_on: date, repayment_period_years: int | None, spend_by: date | None
) -> tuple[date, str] | None:
    """A receipt's deadline and what set it, or None if the contribution sets neither."""
    options = []
    if repayment_period_years is not None:
        options.append((add_years(received_on, repayment_period_years), "repayment_period"))
    if spend_by is not None:
        options.append((spend_by, "spend_by"))
    return min(options) if options else None


def unspent_by_receipt(standing: list[Receipt], consumed: dict[int, Decimal]) -> dict[int, Decimal]:
    """What of each receipt is unspent, taking each contribution's spend from its oldest receipts first."""
    left = dict(consumed)
    result = {}
    for receipt in standing:  # ordered by contribution, then oldest first
        taken = min(receipt.amount, max(left.get(receipt.contribution_id, ZERO), ZERO))
        left[receipt.contribution_id] = left.get(receipt.contribution_id, ZERO) - taken
        result[receipt.movement_id] = receipt.amount - taken
    return result


def deadlines(*, session: Session, scope: str | None, within_days: int, as_at: date | None = None) -> list[Deadline]:
    """Unspent money whose deadline falls within the days given or has passed, in five queries."""
    today = as_at or date.today()
    horizon = today + timedelta(days=within_days)
    standing = receipts(session, scope=scope, as_at=today)
    contribution_ids = sorted({receipt.contribution_id for receipt in standing})
    unspent = unspent_by_receipt(
        standing, consumed_by_contribution(session, contribution_ids=contribution_ids, as_at=today)
    )
    facts = {
        row.id: row
        for row in session.execute(
            select(
                Contribution.id,
                Contribution.purpose,
                Contribution.repayment_period_years,
                Contribution.spend_by,
                Contribution.agreement_id,
                Agreement.reference,
                Agreement.local_authority_id,
            )
            .join(Agreement, Agreement.id == Contribution.agreement_id)
            .where(Contribution.id.in_(contribution_ids))
        )
    }
    allocated: dict[int, set[int]] = {}
    for contribution_id, project_id in session.execute(
        select(ProjectAllocation.contribution_id, ProjectAllocation.project_id).where(
            ProjectAllocation.contribution_id.in_(contribution_ids)
        )
    ):
        allocated.setdefault(contribution_id, set()).add(project_id)
    # A planning officer is offered only projects they may read (local to, funded by or asked of them).
    open_query = select(Project.id, Project.name, Project.funding, Project.local_authority_id, Project.category).where(
        Project.stage != ProjectStage.completed, scoping.project(scope)
    )
    open_projects = list(session.execute(open_query.order_by(Project.name)))
    result = []
    for receipt in standing:
        left = unspent[receipt.movement_id]
        fact = facts[receipt.contribution_id]
        due = receipt_deadline(receipt.on, fact.repayment_period_years, fact.spend_by)
        if left <= 0 or due is None or due[0] > horizon:
            continue
        mine = allocated.get(receipt.contribution_id, set())
        options = [
            (project.id, project.name, project.id in mine)
            for project in open_projects
            if project.id in mine
            or (
                fits(fact.purpose, project.category)
                and (project.funding is ProjectFunding.pooled or project.local_authority_id == fact.local_authority_id)
            )
        ]
        result.append(
            Deadline(
                receipt=receipt,
                agreement_id=fact.agreement_id,
                agreement_reference=fact.reference,
                local_authority_id=fact.local_authority_id,
                purpose=fact.purpose,
                unspent=left,
                deadline=due[0],
                basis=due[1],
                projects=sorted(options, key=lambda option: (not option[2], option[1])),
            )
        )
    return result
