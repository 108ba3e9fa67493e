"""HTTP routes for drawdown requests and their payments.

Roles: the officer drafts, submits and withdraws; the authority's side (approval, refusal, a query
back to the force, a payment) is recorded by the authority's own planning officer, or by the officer
from the authority's letter. Finance reads every request; a planning officer reads and answers only
requests to their own authority (another authority's answer 404).
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, OfficerOrAuthority, Reader
from app.db import SessionDep
from app.documents.storage import DocumentStore, get_store
from app.drawdowns import service
from app.drawdowns.pack import Format, keep_pack, request_pack
from app.drawdowns.reads import read_models, read_one
from app.drawdowns.schemas import (
    Answer,
    DrawdownCreate,
    DrawdownRead,
    DrawdownUpdate,
    PaymentCreate,
    PaymentReverse,
    QueryCreate,
    Rejection,
    Transition,
)
from app.idempotency import idempotent
from app.ids import RowId
from app.models import (
    DrawdownStatus,
)
from app.pagination import Page, PageDep

router = APIRouter(prefix="/drawdowns", tags=["drawdowns"])

StoreDep = Annotated[DocumentStore, Depends(get_store)]


@router.post(
    "", response_model=DrawdownRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}}
)
@idempotent
def create_drawdown(data: DrawdownCreate, session: SessionDep, principal: Officer, audit: AuditDep) -> DrawdownRead:
    """Draft a request to one authority for lines of its contributions allocated to a project."""
    drawdown = service.create_drawdown(session=session, principal=principal, data=data)
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


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
    return Page(items=read_models(session, principal, rows), total=total, limit=page.limit, offset=page.offset)


@router.get("/{drawdown_id}", response_model=DrawdownRead, responses={404: {}})
def get_drawdown(drawdown_id: RowId, session: SessionDep, principal: Reader) -> DrawdownRead:
    """One request with its lines, evidence, invoices and payments."""
    return read_one(
        session, principal, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope)
    )


@router.get(
    "/{drawdown_id}/pack",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                "application/pdf": {},
            }
        },
        404: {},
        422: {},
    },
)
def download_pack(
    drawdown_id: RowId,
    session: SessionDep,
    principal: Reader,
    store: StoreDep,
    format: Annotated[Format, Query(description="docx (the authority's template, if it has one) or pdf")] = "docx",
) -> Response:
    """The drawdown letter for the request: clause wording, amounts, evidence and documents attached."""
    pack = request_pack(session=session, store=store, principal=principal, drawdown_id=drawdown_id, format=format)
    return Response(
        pack.content,
        media_type=pack.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(pack.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{drawdown_id}/pack", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def regenerate_pack(
    drawdown_id: RowId, session: SessionDep, principal: Officer, audit: AuditDep, store: StoreDep
) -> DrawdownRead:
    """Keep a new request pack with the request, superseding the one kept before (nothing is removed)."""
    document = keep_pack(session=session, store=store, principal=principal, drawdown_id=drawdown_id)
    audit.record("documents", [document.id, drawdown_id], {"kind": document.kind.value, "sha256": document.sha256})
    return read_one(session, principal, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))


@router.patch("/{drawdown_id}", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
def update_drawdown(
    drawdown_id: RowId, data: DrawdownUpdate, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Change a draft's lines, or a request's reference, evidence, invoices and note before it is decided."""
    drawdown = service.update_drawdown(session=session, drawdown_id=drawdown_id, data=data)
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


@router.post("/{drawdown_id}/submit", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def submit_drawdown(
    drawdown_id: RowId, data: Transition, session: SessionDep, principal: Officer, audit: AuditDep, store: StoreDep
) -> DrawdownRead:
    """Submit a draft (an arrears authority needs invoices matching it); the pack as submitted is kept with it."""
    drawdown = service.submit(session=session, drawdown_id=drawdown_id, on=data.on)
    pack = keep_pack(session=session, store=store, principal=principal, drawdown_id=drawdown.id)
    body = {**data.model_dump(mode="json", exclude_unset=True), "request_pack_document_id": pack.id}
    audit.record("drawdowns", [drawdown.id, pack.id], body)
    return read_one(session, principal, drawdown)


@router.post("/{drawdown_id}/acknowledge", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def acknowledge_drawdown(
    drawdown_id: RowId, data: Answer, session: SessionDep, principal: OfficerOrAuthority, audit: AuditDep
) -> DrawdownRead:
    """Record that the authority has received a submitted request (its planning officer, or from its letter)."""
    drawdown = service.acknowledge(
        session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, letter=data
    )
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


@router.post("/{drawdown_id}/approve", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def approve_drawdown(
    drawdown_id: RowId, data: Answer, session: SessionDep, principal: OfficerOrAuthority, audit: AuditDep
) -> DrawdownRead:
    """Record the authority's approval of a submitted request (its planning officer, or the officer from its letter)."""
    drawdown = service.approve(session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, letter=data)
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


@router.post("/{drawdown_id}/reject", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def reject_drawdown(
    drawdown_id: RowId, data: Rejection, session: SessionDep, principal: OfficerOrAuthority, audit: AuditDep
) -> DrawdownRead:
    """Record the authority's refusal and its reason (e.g. proportionality); no money moves."""
    drawdown = service.reject(
        session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, reason=data.reason, letter=data
    )
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


@router.post("/{drawdown_id}/withdraw", response_model=DrawdownRead, responses={404: {}, 409: {}, 422: {}})
@idempotent
def withdraw_drawdown(
    drawdown_id: RowId, data: Transition, session: SessionDep, principal: Officer, audit: AuditDep
) -> DrawdownRead:
    """Withdraw a request not yet fully paid; anything already paid stays drawn."""
    drawdown = service.withdraw(session=session, drawdown_id=drawdown_id, on=data.on, note=data.note)
    audit.record("drawdowns", [drawdown.id], data)
    return read_one(session, principal, drawdown)


@router.post(
    "/{drawdown_id}/payments",
    response_model=DrawdownRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def create_payment(
    drawdown_id: RowId, data: PaymentCreate, session: SessionDep, principal: OfficerOrAuthority, audit: AuditDep
) -> DrawdownRead:
    """Record a (possibly partial) payment of an approved request; it posts the drawn movements."""
    payment = service.pay(
        session=session,
        principal=principal,
        drawdown_id=drawdown_id,
        on=data.on,
        reference=data.reference,
        lines=data.lines,
        letter=data,
    )
    audit.record("drawdown_payments", [payment.id, drawdown_id], data)
    return read_one(session, principal, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))


@router.post(
    "/{drawdown_id}/queries",
    response_model=DrawdownRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
def create_query(
    drawdown_id: RowId, data: QueryCreate, session: SessionDep, principal: OfficerOrAuthority, audit: AuditDep
) -> DrawdownRead:
    """Record a question the authority puts back to the force about a submitted or approved request."""
    query = service.raise_query(
        session=session, principal=principal, drawdown_id=drawdown_id, on=data.on, message=data.message, letter=data
    )
    audit.record("drawdown_queries", [query.id, drawdown_id], data)
    return read_one(session, principal, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))


@router.post(
    "/{drawdown_id}/payments/{payment_id}/reverse",
    response_model=DrawdownRead,
    responses={404: {}, 409: {}, 422: {}},
)
@idempotent
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
    return read_one(session, principal, service.get_drawdown(session=session, drawdown_id=drawdown_id, scope=None))
