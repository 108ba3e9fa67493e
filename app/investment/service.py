"""The investment list: items of the force's investment strategy that projects and repurposings serve.

Items belong to no authority: every role reads the list, and only the officer maintains it.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.errors import ConflictError, NotFoundError, RuleError
from app.investment.schemas import InvestmentItemCreate, InvestmentItemUpdate
from app.models import CapitalCategory, InvestmentItem, InvestmentStatus


def get_item(*, session: Session, item_id: int, field: str = "item_id", lock: bool = False) -> InvestmentItem:
    """One item of the investment list."""
    query = select(InvestmentItem).where(InvestmentItem.id == item_id)
    if lock:
        query = query.with_for_update()
    item = session.scalar(query)
    if item is None:
        raise NotFoundError(f"no investment item {item_id}", field=field)
    return item


def list_items(
    *, session: Session, status: InvestmentStatus | None, limit: int, offset: int
) -> tuple[list[InvestmentItem], int]:
    """Items, the highest priority first, then by name; those without a priority last."""
    query = select(InvestmentItem)
    if status is not None:
        query = query.where(InvestmentItem.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        InvestmentItem.priority.is_(None), InvestmentItem.priority, InvestmentItem.name, InvestmentItem.id
    )
    return list(session.scalars(ordered.limit(limit).offset(offset))), total


def _check_category(category: CapitalCategory) -> None:
    if category is CapitalCategory.revenue:
        raise RuleError(
            "contributions pay only for capital: land_and_buildings, vehicles, equipment or it_hardware",
            field="category",
        )


def _ensure_name_free(session: Session, name: str, own_id: int | None) -> None:
    clash = session.scalar(select(InvestmentItem.id).where(InvestmentItem.name == name))
    if clash is not None and clash != own_id:
        raise ConflictError(f"an investment item named {name!r} already exists (item {clash})", field="name")


def _flush(session: Session, name: str) -> None:
    """Write the item; a concurrent request that took the same name first makes this a conflict."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ConflictError(f"an investment item named {name!r} was added at the same time", field="name") from error


def create_item(*, session: Session, principal: Principal, data: InvestmentItemCreate) -> InvestmentItem:
    """Add an item to the investment list; its name must be new and its category capital."""
    _check_category(data.category)
    _ensure_name_free(session, data.name, None)
    item = InvestmentItem(**data.model_dump(), created_by=principal.label)
    session.add(item)
    _flush(session, data.name)
    return item


def update_item(*, session: Session, item_id: int, data: InvestmentItemUpdate) -> InvestmentItem:
    """Change an item; only notes and priority may be emptied."""
    item = get_item(session=session, item_id=item_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in ("notes", "priority"):
            raise RuleError(f"{name} cannot be emptied", field=name)
    if changes.get("category") is not None:
        _check_category(changes["category"])
    if changes.get("name"):
        _ensure_name_free(session, changes["name"], item.id)
    for name, value in changes.items():
        setattr(item, name, value)
    _flush(session, item.name)
    return item
