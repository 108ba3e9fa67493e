"""What the instalment routes and the contribution's page show: each instalment, its value and whether due."""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.balances.queries import Balance
from app.instalments import service
from app.instalments.schemas import InstalmentRead, InstalmentTrigger
from app.models import Agreement, Contribution, TriggerType


def plain(percent: Decimal | None) -> Decimal | None:
    """A stored percent without its trailing zeros (45, not 45.0000), never in exponent form."""
    if percent is None:
        return None
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent.normalize()


def instalment_models(
    session: Session, balances: Mapping[int, Balance], signed: dict[int, date] | None = None
) -> dict[int, list[InstalmentRead]]:
    """The schedules of these contributions (by id, with their balances), in three queries; two given their signing
    dates.

    An instalment payable on signing is due from the agreement's signing, recorded or not, as the watch list says.
    """
    totals = {contribution_id: balance.total_value for contribution_id, balance in balances.items()}
    found = service.valued(session=session, totals=totals)
    if signed is None:
        signed = dict(
            session.execute(
                select(Contribution.id, Agreement.signed_on)
                .join(Agreement, Agreement.id == Contribution.agreement_id)
                .where(Contribution.id.in_(list(totals)))
            ).all()
        )
    return {
        contribution_id: schedule_models(
            items, balances[contribution_id].received_by_local_authority, signed[contribution_id]
        )
        for contribution_id, items in found.items()
    }


def schedule_models(
    items: Sequence[service.Valued | service.ValuedTerms], received: Decimal, signed_on: date
) -> list[InstalmentRead]:
    """A contribution's instalments as the routes return them, receipts paying them in order."""
    owed = service.outstanding([item.value for item in items], received)
    return [instalment_model(item, unpaid, signed_on) for item, unpaid in zip(items, owed, strict=True)]


def instalment_model(
    item: service.Valued | service.ValuedTerms, outstanding: Decimal, signed_on: date
) -> InstalmentRead:
    """One instalment as the routes return it, given what of it is unpaid and its agreement's signing date."""
    due_on = due_since(item, signed_on)
    return InstalmentRead(
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
        outstanding=outstanding,
        due_on=due_on,
        status="due" if due_on is not None else "not_due",
    )


def due_since(item: service.Valued | service.ValuedTerms, signed_on: date) -> date | None:
    """When an instalment fell due: its latest record, else the signing for one payable on signing."""
    if item.due is not None:
        return item.due.on
    if item.instalment.trigger_type is TriggerType.on_signing:
        return signed_on
    return None
