"""Projects: what the force spends contributions on, and the money identified for each."""

from datetime import date
from decimal import Decimal

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.balances.queries import (
    GroupBy,
    allocated_by_contribution,
    balances_by_id,
    requested_for_projects,
    spent_for_projects,
)
from app.errors import ConflictError, NotFoundError, RuleError
from app.investment.service import get_item
from app.ledger import locks
from app.local_authorities.service import get_local_authority
from app.models import (
    Agreement,
    CapitalCategory,
    Contribution,
    Project,
    ProjectAllocation,
    ProjectFunding,
    ProjectStage,
    Purpose,
)
from app.money import ZERO, pounds
from app.movements.service import get_contribution
from app.projects.schemas import AllocationCreate, ProjectCreate, ProjectUpdate

CAPITAL = frozenset(category for category in CapitalCategory if category is not CapitalCategory.revenue)

PURPOSE_FITS: dict[Purpose, frozenset[CapitalCategory]] = {
    Purpose.premises: frozenset({CapitalCategory.land_and_buildings}),
    Purpose.vehicles: frozenset({CapitalCategory.vehicles}),
    Purpose.equipment: frozenset({CapitalCategory.equipment, CapitalCategory.it_hardware}),
    Purpose.crime_prevention: frozenset({CapitalCategory.equipment}),
    Purpose.policing_requirements: CAPITAL,
    Purpose.policing_in_area: CAPITAL,
    Purpose.no_prescription: CAPITAL,
}
"""Which capital categories a contribution of each purpose may pay for."""


def fits(purpose: Purpose, category: CapitalCategory) -> bool:
    """Whether money given for this purpose may be spent in this category."""
    return category in PURPOSE_FITS[purpose]


def ensure_fits(*, contribution_id: int, purpose: Purpose, category: CapitalCategory, field: str) -> None:
    """Refuse money given for this purpose being put towards a project or spend in this category."""
    if not fits(purpose, category):
        allowed = ", ".join(sorted(fitting.value for fitting in PURPOSE_FITS[purpose]))
        raise RuleError(
            f"contribution {contribution_id} is for {purpose.value}, which pays only for {allowed}, "
            f"not {category.value}; repurpose it with the authority's consent first",
            field=field,
        )


def get_project(*, session: Session, project_id: int, scope: str | None, lock: bool = False) -> Project:
    """One project; one a planning officer may not see is as absent as an unknown id. Locks it for a write."""
    project = session.scalar(scoping.readable_projects(scope).where(Project.id == project_id))
    if project is not None and lock:
        project = locks.lock_projects(session, [project.id])[project.id]
    if project is None:
        raise NotFoundError(f"no project {project_id}", field="project_id")
    return project


def list_projects(
    *,
    session: Session,
    scope: str | None,
    stage: ProjectStage | None,
    funding: ProjectFunding | None,
    local_authority_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Project], int]:
    """Projects the caller may see, filtered, by name."""
    query = scoping.readable_projects(scope)
    if stage is not None:
        query = query.where(Project.stage == stage)
    if funding is not None:
        query = query.where(Project.funding == funding)
    if local_authority_id:
        # A planning officer sees only their own part of a project, so another authority's part cannot filter it.
        query = query.where(scoping.project(local_authority_id) if scope in (None, local_authority_id) else false())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Project.name).limit(limit).offset(offset))
    return list(rows), total


def _check_estimate(low: Decimal, high: Decimal) -> None:
    if high < low:
        raise RuleError(f"estimate_high {pounds(high)} is below estimate_low {pounds(low)}", field="estimate_high")


def _check_category(category: CapitalCategory) -> None:
    if category is CapitalCategory.revenue:
        raise RuleError(
            "contributions pay only for capital: land_and_buildings, vehicles, equipment or it_hardware",
            field="category",
        )


def _ensure_name_free(session: Session, name: str, own_id: int | None) -> None:
    clash = session.scalar(select(Project.id).where(Project.name == name))
    if clash is not None and clash != own_id:
        raise ConflictError(f"a project named {name!r} already exists (project {clash})", field="name")


def create_project(*, session: Session, principal: Principal, data: ProjectCreate) -> Project:
    """Add a project; a local one names its authority, a pooled one names none."""
    if data.funding is ProjectFunding.local:
        if not data.local_authority_id:
            raise RuleError("a local project names its local_authority_id", field="local_authority_id")
        get_local_authority(session=session, local_authority_id=data.local_authority_id, scope=None)
    elif data.local_authority_id:
        raise RuleError("a pooled project draws on many authorities; leave local_authority_id out", field="funding")
    _check_category(data.category)
    high = data.estimate_high if data.estimate_high is not None else data.estimate_low
    _check_estimate(data.estimate_low, high)
    _ensure_name_free(session, data.name, None)
    if data.investment_item_id is not None:
        get_item(session=session, item_id=data.investment_item_id, field="investment_item_id")
    project = Project(
        name=data.name,
        funding=data.funding,
        local_authority_id=data.local_authority_id,
        category=data.category,
        stage=data.stage,
        estimate_low=data.estimate_low,
        estimate_high=high,
        investment_item_id=data.investment_item_id,
        notes=data.notes,
        created_by=principal.label,
    )
    session.add(project)
    session.flush()
    return project


def update_project(*, session: Session, project_id: int, data: ProjectUpdate) -> Project:
    """Change a project's name, category, stage, estimate or notes."""
    project = get_project(session=session, project_id=project_id, scope=None, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name"):
        _ensure_name_free(session, changes["name"], project.id)
    if changes.get("category") is not None:
        _check_category(changes["category"])
    low = changes.get("estimate_low") or project.estimate_low
    high = changes.get("estimate_high") or project.estimate_high
    if "estimate_low" in changes and "estimate_high" not in changes and high < low:
        high = low
    _check_estimate(low, high)
    for name in ("name", "category", "stage"):
        if changes.get(name) is not None:
            setattr(project, name, changes[name])
    if "notes" in changes:
        project.notes = changes["notes"]
    if "investment_item_id" in changes:
        if changes["investment_item_id"] is not None:
            get_item(session=session, item_id=changes["investment_item_id"], field="investment_item_id")
        project.investment_item_id = changes["investment_item_id"]
    project.estimate_low, project.estimate_high = low, high
    session.flush()
    return project


def list_allocations(*, session: Session, project_ids: list[int], scope: str | None) -> list[ProjectAllocation]:
    """The allocations of these projects, only the caller's authority's for a planning officer."""
    if not project_ids:
        return []
    query = select(ProjectAllocation).where(ProjectAllocation.project_id.in_(project_ids), scoping.allocation(scope))
    return list(session.scalars(query.order_by(ProjectAllocation.id)))


def _check_allocation(
    session: Session, *, project: Project, contribution: Contribution, amount: Decimal, own: ProjectAllocation | None
) -> None:
    """Refuse an allocation over what the contribution has left, or under what is already committed."""
    figures = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=[contribution.id])
    total_value = figures[contribution.id].total_value if contribution.id in figures else ZERO
    others = allocated_by_contribution(session, contribution_ids=[contribution.id]).get(contribution.id, ZERO)
    if own is not None:
        others -= own.amount
    if others + amount > total_value:
        raise ConflictError(
            f"contribution {contribution.id} is worth {pounds(total_value)} and {pounds(others)} of "
            f"it is already identified "
            f"for other projects; at most {pounds(max(total_value - others, ZERO))} can be allocated",
            field="amount",
        )
    key = (project.id, contribution.id)
    requested = requested_for_projects(session, project_ids=[project.id], contribution_ids=[contribution.id])
    spent = spent_for_projects(session, project_ids=[project.id], contribution_ids=[contribution.id])
    committed = max(requested.get(key, ZERO), spent.get(key, ZERO))
    if amount < committed:
        raise ConflictError(
            f"{pounds(committed)} of contribution {contribution.id} is already requested or spent for this project; "
            "the allocation cannot be less",
            field="amount",
        )


def allocate(*, session: Session, principal: Principal, project_id: int, data: AllocationCreate) -> ProjectAllocation:
    """Identify money of a contribution for a project."""
    # Contribution before project: the global lock order (app/ledger/locks.py).
    contribution = get_contribution(session=session, contribution_id=data.contribution_id, scope=None, lock=True)
    project = get_project(session=session, project_id=project_id, scope=None, lock=True)
    authority_id = session.scalar(select(Agreement.local_authority_id).where(Agreement.id == contribution.agreement_id))
    if project.funding is ProjectFunding.local and authority_id != project.local_authority_id:
        raise RuleError(
            f"{project.name} is local to {project.local_authority_id}; contribution {contribution.id} "
            f"is held by {authority_id}",
            field="contribution_id",
        )
    purpose, category = contribution.purpose, project.category
    ensure_fits(contribution_id=contribution.id, purpose=purpose, category=category, field="contribution_id")
    existing = session.scalar(
        select(ProjectAllocation).where(
            ProjectAllocation.project_id == project.id, ProjectAllocation.contribution_id == contribution.id
        )
    )
    if existing is not None:
        raise ConflictError(
            f"contribution {contribution.id} is already allocated to this project (allocation {existing.id}); "
            "change its amount instead",
            field="contribution_id",
        )
    _check_allocation(session, project=project, contribution=contribution, amount=data.amount, own=None)
    allocation = ProjectAllocation(
        project_id=project.id, contribution_id=contribution.id, amount=data.amount, created_by=principal.label
    )
    session.add(allocation)
    session.flush()
    return allocation


def _get_allocation(session: Session, project_id: int, allocation_id: int) -> ProjectAllocation:
    allocation = session.scalar(
        select(ProjectAllocation).where(
            ProjectAllocation.id == allocation_id, ProjectAllocation.project_id == project_id
        )
    )
    if allocation is None:
        raise NotFoundError(f"project {project_id} has no allocation {allocation_id}", field="allocation_id")
    return allocation


def change_allocation(*, session: Session, project_id: int, allocation_id: int, amount: Decimal) -> ProjectAllocation:
    """Change the money identified; it cannot drop below what is requested or spent for the project."""
    allocation = _get_allocation(session, project_id, allocation_id)
    contribution = get_contribution(session=session, contribution_id=allocation.contribution_id, scope=None, lock=True)
    project = get_project(session=session, project_id=project_id, scope=None, lock=True)
    session.refresh(allocation)
    _check_allocation(session, project=project, contribution=contribution, amount=amount, own=allocation)
    allocation.amount = amount
    session.flush()
    return allocation


def remove_allocation(*, session: Session, project_id: int, allocation_id: int) -> None:
    """Remove an allocation that nothing has been requested or spent against."""
    allocation = _get_allocation(session, project_id, allocation_id)
    contribution = get_contribution(session=session, contribution_id=allocation.contribution_id, scope=None, lock=True)
    project = get_project(session=session, project_id=project_id, scope=None, lock=True)
    key = (project.id, contribution.id)
    requested = requested_for_projects(session, project_ids=[project.id], contribution_ids=[contribution.id])
    spent = spent_for_projects(session, project_ids=[project.id], contribution_ids=[contribution.id])
    if requested.get(key, ZERO) > 0 or spent.get(key, ZERO) > 0:
        raise ConflictError(
            f"contribution {contribution.id} has money requested or spent for this project; reduce, do not remove",
            field="allocation_id",
        )
    session.delete(allocation)
    session.flush()
