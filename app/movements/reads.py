"""What the movement routes and pages return: movements with the reversal of each, if any."""

from sqlalchemy.orm import Session

from app.models import Movement
from app.movements import service
from app.movements.schemas import MovementRead


def read_models(session: Session, movements: list[Movement]) -> list[MovementRead]:
    """Movements with the reversal of each, if any, in one query."""
    reversals = service.reversed_by(session=session, movement_ids=[movement.id for movement in movements])
    return [
        MovementRead.model_validate(movement).model_copy(update={"reversed_by_id": reversals.get(movement.id)})
        for movement in movements
    ]


def read_one(session: Session, movement: Movement) -> MovementRead:
    """One movement as the routes return it."""
    return read_models(session, [movement])[0]
