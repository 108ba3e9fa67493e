"""What the drawdown routes and pages return: requests with lines, invoices and payments."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.drawdowns.schemas import DrawdownRead, InvoiceRead, LineRead, PaymentLineRead, PaymentRead, QueryRead
from app.ledger.figures import paid_by_line, payment_parts
from app.models import (
    Contribution,
    DrawdownInvoice,
    DrawdownLine,
    DrawdownPayment,
    DrawdownQuery,
    DrawdownRequest,
    DrawdownStatus,
    LocalAuthority,
    Spend,
)
from app.money import ZERO


def read_models(session: Session, principal: Principal, drawdowns: list[DrawdownRequest]) -> list[DrawdownRead]:
    """Requests with lines, paid amounts, invoices (those the caller may see) and payments, in fixed queries."""
    ids = [drawdown.id for drawdown in drawdowns]
    lines = list(
        session.scalars(select(DrawdownLine).where(DrawdownLine.drawdown_id.in_(ids)).order_by(DrawdownLine.id))
    )
    paid = paid_by_line(session, line_ids=[line.id for line in lines])
    clauses = dict(
        session.execute(
            select(Contribution.id, Contribution.clause_text).where(
                Contribution.id.in_({line.contribution_id for line in lines})
            )
        ).all()
    )
    payments = list(
        session.scalars(
            select(DrawdownPayment).where(DrawdownPayment.drawdown_id.in_(ids)).order_by(DrawdownPayment.id)
        )
    )
    payment_lines = payment_parts(session, payment_ids=[payment.id for payment in payments])
    invoices = session.execute(
        select(DrawdownInvoice.drawdown_id, Spend)
        .join(Spend, Spend.id == DrawdownInvoice.spend_id)
        .where(DrawdownInvoice.drawdown_id.in_(ids), scoping.spend(principal.scope))
        .order_by(DrawdownInvoice.id)
    ).all()
    queries = list(
        session.scalars(select(DrawdownQuery).where(DrawdownQuery.drawdown_id.in_(ids)).order_by(DrawdownQuery.id))
    )
    bases = dict(
        session.execute(
            select(LocalAuthority.id, LocalAuthority.release_basis).where(
                LocalAuthority.id.in_({drawdown.local_authority_id for drawdown in drawdowns})
            )
        ).all()
    )
    result = []
    for drawdown in drawdowns:
        own_lines = [
            LineRead(
                id=line.id,
                contribution_id=line.contribution_id,
                amount=line.amount,
                paid=paid.get(line.id, ZERO),
                outstanding=line.amount - paid.get(line.id, ZERO),
                clause_text=clauses.get(line.contribution_id),
            )
            for line in lines
            if line.drawdown_id == drawdown.id
        ]
        amount = sum((line.amount for line in own_lines), ZERO)
        paid_total = sum((line.paid for line in own_lines), ZERO)
        closed = drawdown.status in (DrawdownStatus.rejected, DrawdownStatus.withdrawn)
        result.append(
            DrawdownRead(
                id=drawdown.id,
                local_authority_id=drawdown.local_authority_id,
                release_basis=bases.get(drawdown.local_authority_id),
                project_id=drawdown.project_id,
                status=drawdown.status,
                reference=drawdown.reference,
                evidence=list(drawdown.evidence),
                note=drawdown.note,
                amount=amount,
                paid=paid_total,
                outstanding=ZERO if closed else amount - paid_total,
                lines=own_lines,
                invoices=[
                    InvoiceRead(
                        spend_id=spend.id,
                        invoice_reference=spend.invoice_reference,
                        supplier=spend.supplier,
                        on=spend.on,
                        amount=spend.amount,
                    )
                    for drawdown_id, spend in invoices
                    if drawdown_id == drawdown.id
                ],
                payments=[
                    PaymentRead(
                        id=payment.id,
                        on=payment.on,
                        reference=payment.reference,
                        reversed_on=payment.reversed_on,
                        lines=[
                            PaymentLineRead(
                                line_id=part.line_id,
                                contribution_id=part.contribution_id,
                                movement_id=part.movement_id,
                                amount=part.amount,
                            )
                            for part in payment_lines
                            if part.payment_id == payment.id
                        ],
                        recorded_at=payment.recorded_at,
                        recorded_by=payment.recorded_by,
                    )
                    for payment in payments
                    if payment.drawdown_id == drawdown.id
                ],
                queries=[
                    QueryRead(
                        id=query.id,
                        on=query.on,
                        message=query.message,
                        raised_at=query.raised_at,
                        raised_by=query.raised_by,
                    )
                    for query in queries
                    if query.drawdown_id == drawdown.id
                ],
                submitted_on=drawdown.submitted_on,
                approved_on=drawdown.approved_on,
                rejected_on=drawdown.rejected_on,
                rejection_reason=drawdown.rejection_reason,
                withdrawn_on=drawdown.withdrawn_on,
                created_at=drawdown.created_at,
                created_by=drawdown.created_by,
            )
        )
    return result


def read_one(session: Session, principal: Principal, drawdown: DrawdownRequest) -> DrawdownRead:
    """One request as the routes return it."""
    return read_models(session, principal, [drawdown])[0]
