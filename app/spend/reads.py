"""What the spend routes and pages return: spend with the charges the caller may see."""

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.ledger.figures import charges_of
from app.models import Spend
from app.money import ZERO
from app.spend.schemas import ChargeRead, SpendRead


def read_models(session: Session, principal: Principal, spends: list[Spend]) -> list[SpendRead]:
    """Spend with its charges (the caller's authority's only, for a planning officer), in one query more."""
    charges = charges_of(session, spend_ids=[spend.id for spend in spends], scope=principal.scope)
    result = []
    for spend in spends:
        own = [
            ChargeRead(
                contribution_id=charge.contribution_id,
                local_authority_id=charge.local_authority_id,
                amount=charge.amount,
                movement_id=charge.movement_id,
            )
            for charge in charges
            if charge.spend_id == spend.id
        ]
        result.append(
            SpendRead(
                id=spend.id,
                project_id=spend.project_id,
                on=spend.on,
                supplier=spend.supplier,
                invoice_reference=spend.invoice_reference,
                amount=spend.amount,
                category=spend.category,
                charged=ZERO if spend.cancelled_on else sum((charge.amount for charge in own), ZERO),
                charges=own,
                note=spend.note,
                cancelled_on=spend.cancelled_on,
                cancellation_reason=spend.cancellation_reason,
                recorded_at=spend.recorded_at,
                recorded_by=spend.recorded_by,
            )
        )
    return result
