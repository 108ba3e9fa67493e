"""What the instalment routes and the contribution's page show: each instalment, its value and whether due."""

from decimal import Decimal

from sqlalchemy.orm import Session

from app.instalments import service
from app.instalments.schemas import InstalmentRead, InstalmentTrigger


def plain(percent: Decimal | None) -> Decimal | None:
    """A stored percent without its trailing zeros (45, not 45.0000), never in exponent form."""
    if percent is None:
        return None
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent.normalize()


def instalment_models(session: Session, totals: dict[int, Decimal]) -> dict[int, list[InstalmentRead]]:
    """The schedules of these contributions (by id, with their total values), in two queries."""
    found = service.valued(session=session, totals=totals)
    return {
        contribution_id: [
            InstalmentRead(
                id=item.instalment.id,
                position=item.instalment.position,
                percent=plain(item.instalment.share_percent),
                amount=item.instalment.share_amount,
                trigger=InstalmentTrigger(
                    type=item.instalment.trigger_type,
                    threshold=item.instalment.threshold,
                    threshold_unit=item.instalment.threshold_unit,
                    on=item.instalment.due_date,
                    description=item.instalment.description,
                ),
                words=service.describe(item.instalment),
                value=item.value,
                due_on=item.due.on if item.due is not None else None,
                status="due" if item.due is not None else "not_due",
            )
            for item in items
        ]
        for contribution_id, items in found.items()
    }
