"""Confirmations beside the ledger's figure held by the authority at each one's date, for the API and the page."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.balances.queries import BalanceFilter, GroupBy, balances
from app.confirmations.schemas import ConfirmationRead
from app.drawdowns.templating import spelt
from app.models import BalanceConfirmation
from app.money import ZERO


def _held(session: Session, local_authority_id: str, as_at: date) -> Decimal:
    """What the ledger says the authority held for the force at the date (the held_by_local_authority stage)."""
    _rows, totals, _count = balances(
        session,
        group_by=GroupBy.local_authority,
        as_at=as_at,
        where=BalanceFilter(local_authority_id=local_authority_id),
    )
    return totals.held_by_local_authority or ZERO


def _description(confirmation: BalanceConfirmation) -> str:
    if not confirmation.by_force:
        return f"confirmed by {confirmation.recorded_by}"
    letter = (
        f"the authority's letter of {spelt(confirmation.letter_dated)}" if confirmation.letter_dated else "a letter"
    )
    reference = f", reference {confirmation.letter_reference}" if confirmation.letter_reference else ""
    return f"recorded by the force from {letter}{reference} ({confirmation.recorded_by})"


def read_models(session: Session, confirmations: list[BalanceConfirmation]) -> list[ConfirmationRead]:
    """Each confirmation with the ledger's figure at its date (one query per distinct authority and date)."""
    held = {
        key: _held(session, *key)
        for key in {(confirmation.local_authority_id, confirmation.as_at) for confirmation in confirmations}
    }
    return [
        ConfirmationRead(
            id=confirmation.id,
            local_authority_id=confirmation.local_authority_id,
            as_at=confirmation.as_at,
            amount=confirmation.amount,
            ledger_held=held[(confirmation.local_authority_id, confirmation.as_at)],
            difference=confirmation.amount - held[(confirmation.local_authority_id, confirmation.as_at)],
            note=confirmation.note,
            by_force=confirmation.by_force,
            letter_dated=confirmation.letter_dated,
            letter_reference=confirmation.letter_reference,
            recorded_at=confirmation.recorded_at,
            recorded_by=confirmation.recorded_by,
            description=_description(confirmation),
        )
        for confirmation in confirmations
    ]
