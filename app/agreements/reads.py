"""What the agreement routes return: agreements with their contribution counts and balances."""

from datetime import date

from sqlalchemy.orm import Session

from app.agreements import service
from app.agreements.schemas import AgreementRead, AgreementStatus
from app.balances.queries import Balance, GroupBy, balances_by_id
from app.balances.schemas import BalanceFigures
from app.models import Agreement


def read_models(session: Session, agreements: list[Agreement]) -> list[AgreementRead]:
    """Agreements with their contribution counts and today's balances, in two queries."""
    ids = [agreement.id for agreement in agreements]
    figures = balances_by_id(session, group_by=GroupBy.agreement, as_at=date.today(), ids=ids)
    counts = service.contribution_counts(session=session, agreement_ids=ids)
    return [
        AgreementRead(
            id=agreement.id,
            local_authority_id=agreement.local_authority_id,
            reference=agreement.reference,
            site=agreement.site,
            developer=agreement.developer,
            signed_on=agreement.signed_on,
            dwellings=agreement.dwellings,
            status=AgreementStatus.closed if agreement.closed_on else AgreementStatus.open,
            closed_on=agreement.closed_on,
            notes=agreement.notes,
            contributions=counts.get(agreement.id, 0),
            balances=BalanceFigures.of(figures.get(agreement.id) or Balance(key=str(agreement.id), label="")),
        )
        for agreement in agreements
    ]


def read_one(session: Session, agreement: Agreement) -> AgreementRead:
    """One agreement as the routes return it."""
    return read_models(session, [agreement])[0]
