"""HTTP routes for drawdown requests and their payments.

Roles: the officer writes; finance reads every request; a planning officer reads only requests to
their own authority (another authority's answer 404).
"""

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.balances.queries import paid_by_line
from app.db import SessionDep
from app.drawdowns import service
from app.drawdowns.schemas import (
    DrawdownCreate,
    DrawdownRead,
    DrawdownUpdate,
    InvoiceRead,
    LineRead,
    PaymentCreate,
    PaymentLineRead,
    PaymentRead,
    PaymentReverse,
    Rejection,
    Transition,
)
from app.ids import RowId
from app.models import (
    DrawdownInvoice,
    DrawdownLine,
    DrawdownPayment,
    DrawdownPaymentLine,
    DrawdownRequest,
    DrawdownStatus,
    LocalAuthority,
    Movement,
    Spend,
)
from app.money import ZERO
from app.pagination import Page, PageDep

router = APIRouter(prefix="/drawdowns", tags=["drawdowns"])


def read_models(session: Session, drawdowns: list[DrawdownRequest]) -> list[DrawdownRead]:
    """Requests with lines, paid amounts, invoices and payments, in a fixed number of queries."""
    ids = [drawdown.id for drawdown in drawdowns]
    lines = list(
        session.scalars(select(DrawdownLine).where(DrawdownLine.drawdown_id.in_(ids)).order_by(DrawdownLine.id))
    )
    paid = paid_by_line(session, line_ids=[line.id for line in lines])
    payments = list(
        session.scalars(
            select(DrawdownPayment).where(DrawdownPayment.drawdown_id.in_(ids)).order_by(DrawdownPayment.id)
        )
    )
    payment_lines = session.execute(
        select(
            DrawdownPaymentLine.payment_id,
            DrawdownPaymentLine.line_id,
            Movement.id,
            Movement.contribution_id,
            Movement.amount,
        )
        .join(Movement, Movement.id == DrawdownPaymentLine.movement_id)
        .where(DrawdownPaymentLine.payment_id.in_([payment.id for payment in payments]))
        .order_by(DrawdownPaymentLine.id)
    ).all()
    invoices = session.execute(
        select(DrawdownInvoice.drawdown_id, Spend)
        .join(Spend, Spend.id == DrawdownInvoice.spend_id)
        .where(DrawdownInvoice.drawdown_id.in_(ids))
        .order_by(DrawdownInvoice.id)
    ).all()
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
                                line_id=line_id, contribution_id=contribution_id, movement_id=movement_id, amount=value
                            )
                            for payment_id, line_id, movement_id, contribution_id, value in payment_lines
                            if payment_id == payment.id
                        ],
                        recorded_at=payment.recorded_at,
                        recorded_by=payment.recorded_by,
                    )
                    for payment in payments
                    if payment.drawdown_id == drawdown.id
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


def _one(session: Session, drawdown: DrawdownRequest) -> DrawdownRead:
    return read_models(session, [drawdown])[0]


@router.post(
    "", response_model=DrawdownRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}}
)
def create_drawdown(data: DrawdownCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> DrawdownRead:
    """Draft a request to one authority for lines of its contributions allocated to a project."""
    drawdown = service.create_drawdown(session=session, principal=principal, data=data)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.get("", response_model=Page[DrawdownRead])
def list_drawdowns(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status: DrawdownStatus | None = None,
    project_id: RowId | None = None,
    local_authority: Annotated[str | None, Query(description="an authority's id")] = None,
) -> Page[DrawdownRead]:
    """List requests the caller may see, filtered by status, project and authority."""
    rows, total = service.list_drawdowns(
        session=session,
        scope=principal.scope,
        status=status,
        project_id=project_id,
        local_authority_id=local_authority,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=read_models(session, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/{drawdown_id}", response_model=DrawdownRead, responses={404: {}})
def get_drawdown(drawdown_id: RowId, session: SessionDep, principal: Reader) -> DrawdownRead:
    """One request with its lines, evidence, invoices and payments."""
    return _one(session, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope))


@router.patch("/{drawdown_id}", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def update_drawdown(
    drawdown_id: RowId, data: DrawdownUpdate, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Change a draft's lines, or a request's reference, evidence, invoices and note before it is decided."""
    drawdown = service.update_drawdown(session=session, drawdown_id=drawdown_id, data=data)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.post("/{drawdown_id}/submit", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def submit_drawdown(
    drawdown_id: RowId, data: Transition, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Submit a draft; an arrears authority (Blaby, Charnwood) needs invoices of completed spend matching it."""
    drawdown = service.submit(session=session, drawdown_id=drawdown_id, on=data.on)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.post("/{drawdown_id}/approve", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def approve_drawdown(
    drawdown_id: RowId, data: Transition, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Record the authority's approval of a submitted request."""
    drawdown = service.approve(session=session, drawdown_id=drawdown_id, on=data.on)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.post("/{drawdown_id}/reject", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def reject_drawdown(
    drawdown_id: RowId, data: Rejection, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Record the authority's refusal and its reason (e.g. proportionality); no money moves."""
    drawdown = service.reject(session=session, drawdown_id=drawdown_id, on=data.on, reason=data.reason)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.post("/{drawdown_id}/withdraw", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def withdraw_drawdown(
    drawdown_id: RowId, data: Transition, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Withdraw a request not yet fully paid; anything already paid stays drawn."""
    drawdown = service.withdraw(session=session, drawdown_id=drawdown_id, on=data.on, note=data.note)
    audit.record("drawdowns", [drawdown.id], data)
    return _one(session, drawdown)


@router.post(
    "/{drawdown_id}/payments",
    response_model=DrawdownRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
def create_payment(
    drawdown_id: RowId, data: PaymentCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Record a (possibly partial) payment of an approved request; it posts the drawn movements."""
    payment = service.pay(
        session=session,
        principal=principal,
        drawdown_id=drawdown_id,
        on=data.on,
        reference=data.reference,
        lines=data.lines,
    )
    audit.record("drawdown_payments", [payment.id, drawdown_id], data)
    return _one(session, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))


@router.post(
    "/{drawdown_id}/payments/{payment_id}/reverse",
    response_model=DrawdownRead,
    responses={404: {}, 409: {}, 422: {}},
)
def reverse_payment(
    drawdown_id: RowId,
    payment_id: RowId,
    data: PaymentReverse,
    session: SessionDep,
    principal: Officer,
    audit: AuditDep,
) -> DrawdownRead:
    """Undo a payment recorded in error by reversing its drawn movements."""
    service.reverse_payment(
        session=session,
        principal=principal,
        drawdown_id=drawdown_id,
        payment_id=payment_id,
        on=data.on,
        note=data.note,
    )
    audit.record("drawdown_payments", [payment_id, drawdown_id], data)
    return _one(session, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))
