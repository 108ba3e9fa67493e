"""Repurposing candidates: contributions with unspent money whose purpose no longer fits, assembled once for the
API and the pages.

A contribution is a candidate when its agreement is open, some of its money is unspent (remaining > 0), no
repurposing proposal for it is open, and either
- its purpose is a narrow one (premises, vehicles, equipment, crime prevention) and no item of the investment
  list that is proposed or approved is in a capital category that purpose may pay for; or
- its money is identified for a project whose investment item was withdrawn or delivered (the estate plan
  it served has moved on).
The broad purposes (policing requirements, policing in the area, no prescription) fit any capital item, so
they are candidates only by the second rule.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.balances.queries import GroupBy, balances_by_id
from app.deadlines.service import deadlines
from app.models import (
    Agreement,
    CapitalCategory,
    Contribution,
    InvestmentItem,
    InvestmentStatus,
    Project,
    ProjectAllocation,
    ProposalStatus,
    RepurposingProposal,
)
from app.projects.service import CAPITAL, PURPOSE_FITS
from app.repurposing.schemas import CandidateRead, CandidateSort

OPEN_ITEMS = (InvestmentStatus.proposed, InvestmentStatus.approved)
OPEN_PROPOSALS = (ProposalStatus.identified, ProposalStatus.discussed, ProposalStatus.agreed)
ALL_DEADLINES = 365 * 200
"""Days ahead to look for deadlines: every deadline, however far off."""


def label(code: object) -> str:
    """A code in words (underscores as spaces)."""
    return str(code).replace("_", " ")


def _categories(categories: frozenset[CapitalCategory]) -> str:
    return " or ".join(sorted(label(category) for category in categories))


def candidates(
    session: Session, *, scope: str | None, sort: CandidateSort = CandidateSort.largest, as_at: date | None = None
) -> list[CandidateRead]:
    """Candidates for repurposing the caller may see, the largest unspent sum (or the soonest deadline) first."""
    today = as_at or date.today()
    open_categories = set(
        session.scalars(select(InvestmentItem.category).where(InvestmentItem.status.in_(OPEN_ITEMS)).distinct())
    )
    proposed = select(RepurposingProposal.contribution_id).where(RepurposingProposal.status.in_(OPEN_PROPOSALS))
    rows = list(
        session.execute(
            select(
                Contribution.id,
                Contribution.purpose,
                Agreement.id,
                Agreement.reference,
                Agreement.local_authority_id,
            )
            .join(Agreement, Agreement.id == Contribution.agreement_id)
            .where(
                Agreement.closed_on.is_(None),
                scoping.contribution(scope),
                Contribution.id.not_in(proposed),
            )
        )
    )
    ids = [row[0] for row in rows]
    if not ids:
        return []
    projects: dict[int, list[str]] = defaultdict(list)
    ended: dict[int, list[str]] = defaultdict(list)
    allocated = session.execute(
        select(ProjectAllocation.contribution_id, Project.name, InvestmentItem.name, InvestmentItem.status)
        .join(Project, Project.id == ProjectAllocation.project_id)
        .join(InvestmentItem, InvestmentItem.id == Project.investment_item_id, isouter=True)
        .where(ProjectAllocation.contribution_id.in_(ids))
        .order_by(Project.name)
    )
    for contribution_id, project_name, item_name, item_status in allocated:
        projects[contribution_id].append(project_name)
        if item_status is not None and item_status not in OPEN_ITEMS:
            ended[contribution_id].append(
                f"its project {project_name} serves {item_name}, which is {label(item_status)}"
            )
    soonest: dict[int, date] = {}
    for found in deadlines(session=session, scope=scope, within_days=ALL_DEADLINES, as_at=today):
        contribution_id = found.receipt.contribution_id
        soonest[contribution_id] = min(found.deadline, soonest.get(contribution_id, found.deadline))
    spend_by = {
        row[0]: row[1]
        for row in session.execute(select(Contribution.id, Contribution.spend_by).where(Contribution.id.in_(ids)))
    }
    money = balances_by_id(session, group_by=GroupBy.contribution, as_at=today, ids=ids)
    result = []
    for contribution_id, purpose, agreement_id, reference, authority in rows:
        balance = money.get(contribution_id)
        if balance is None or balance.remaining <= 0:
            continue
        reasons = list(ended[contribution_id])
        fitting = PURPOSE_FITS[purpose]
        if fitting != CAPITAL and not fitting & open_categories:
            wanted = _categories(fitting)
            reasons.insert(0, f"no proposed or approved investment item is in {wanted}, what {label(purpose)} pays for")
        if not reasons:
            continue
        deadline = soonest.get(contribution_id) or spend_by.get(contribution_id)
        result.append(
            CandidateRead(
                contribution_id=contribution_id,
                agreement_id=agreement_id,
                agreement_reference=reference,
                local_authority_id=authority,
                purpose=purpose,
                total_value=balance.total_value,
                unspent=balance.remaining,
                held_by_local_authority=balance.held_by_local_authority,
                unspent_drawn=balance.unspent_drawn,
                deadline=deadline,
                reasons=reasons,
                projects=projects[contribution_id],
            )
        )
    if sort is CandidateSort.soonest:
        result.sort(key=lambda row: (row.deadline or date.max, -row.unspent, row.contribution_id))
    else:
        result.sort(key=lambda row: (-row.unspent, row.deadline or date.max, row.contribution_id))
    return result
