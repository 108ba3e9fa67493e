"""The Panel's view of projects and deadlines, assembled once for the API and the pages (the Panel's and the public
page): figures by authority and project only, so no agreement, contribution or developer is named."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.deadlines.service import add_years, deadlines
from app.models import InvestmentItem, Project, Role
from app.money import ZERO
from app.panel.schemas import AuthorityDeadlines, DeadlineBands, PanelDeadlines, PanelProject, PanelProjects
from app.projects.reads import read_models
from app.projects.schemas import ProjectFigures

EVERY_DEADLINE = 365 * 200
"""Days ahead to look: every deadline, however far off."""
BANDS = ("passed", "within_one_year", "one_to_two_years", "two_to_five_years", "later")
FIGURES = ("identified", "requested", "received", "awaiting", "spent")
PUBLIC = Principal(name="the public page", role=Role.panel)
"""Who reads the public page: the Panel's view of the whole force."""


def projects(session: Session, principal: Principal) -> PanelProjects:
    """Every project the caller may see with its money in total and by authority, and what is still to find."""
    found = list(session.scalars(scoping.readable_projects(principal.scope).order_by(Project.name)))
    items = {row[0]: row[1] for row in session.execute(select(InvestmentItem.id, InvestmentItem.name))}
    rows = []
    for project in read_models(session, principal, found):
        source = next(row for row in found if row.id == project.id)
        rows.append(
            PanelProject(
                name=project.name,
                funding=project.funding,
                local_authority_id=project.local_authority_id,
                category=project.category,
                stage=project.stage,
                investment_item=items.get(source.investment_item_id) if source.investment_item_id else None,
                estimate_low=project.estimate_low,
                estimate_high=project.estimate_high,
                totals=project.totals,
                gap=project.gap or ZERO,
                by_authority=project.by_authority,
            )
        )
    totals = ProjectFigures.model_validate(
        {name: sum((getattr(row.totals, name) for row in rows), ZERO) for name in FIGURES}
    )
    return PanelProjects(
        rows=rows,
        totals=totals,
        estimate_high=sum((row.estimate_high for row in rows), ZERO),
        gap=sum((row.gap for row in rows), ZERO),
    )


def band(deadline: date, today: date) -> str:
    """Which band a deadline falls in, counted from today."""
    if deadline < today:
        return "passed"
    for years, name in ((1, "within_one_year"), (2, "one_to_two_years"), (5, "two_to_five_years")):
        if deadline <= add_years(today, years):
            return name
    return "later"


def deadline_bands(session: Session, *, scope: str | None, as_at: date | None = None) -> PanelDeadlines:
    """Unspent money with a repayment deadline, by authority and how soon the deadline falls."""
    today = as_at or date.today()
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BANDS, ZERO))
    counts: dict[str, int] = defaultdict(int)
    for found in deadlines(session=session, scope=scope, within_days=EVERY_DEADLINE, as_at=today):
        sums[found.local_authority_id][band(found.deadline, today)] += found.unspent
        counts[found.local_authority_id] += 1
    rows = [
        AuthorityDeadlines(local_authority_id=authority, receipts=counts[authority], **sums[authority])
        for authority in sorted(sums)
    ]
    totals = DeadlineBands(
        receipts=sum(counts.values()),
        **{name: sum((getattr(row, name) for row in rows), ZERO) for name in BANDS},
    )
    return PanelDeadlines(rows=rows, totals=totals)
