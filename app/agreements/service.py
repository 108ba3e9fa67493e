"""Agreements: the signed deeds that secure contributions."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import scoping
from app.agreements.schemas import AgreementCreate, AgreementStatus, AgreementUpdate
from app.auth.service import Principal
from app.balances.queries import GroupBy, balances_by_id
from app.errors import ConflictError, NotFoundError, RuleError
from app.ledger.locks import lock_agreement_to_close
from app.local_authorities.service import get_local_authority
from app.models import Agreement, Contribution
from app.money import pounds


def get_agreement(*, session: Session, agreement_id: int, scope: str | None, lock: bool = False) -> Agreement:
    """One agreement; another authority's is as absent as an unknown id."""
    query = scoping.readable_agreements(scope).where(Agreement.id == agreement_id)
    if lock:
        query = query.with_for_update()
    agreement = session.scalar(query)
    if agreement is None:
        raise NotFoundError(f"no agreement {agreement_id}", field="agreement_id")
    return agreement


def list_agreements(
    *,
    session: Session,
    scope: str | None,
    local_authority_id: str | None,
    status: AgreementStatus | None,
    reference: str | None,
    signed_from: date | None,
    signed_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Agreement], int]:
    """Agreements the caller may see, filtered, oldest first."""
    query = scoping.readable_agreements(scope)
    if local_authority_id:
        query = query.where(Agreement.local_authority_id == local_authority_id)
    if status is AgreementStatus.open:
        query = query.where(Agreement.closed_on.is_(None))
    elif status is AgreementStatus.closed:
        query = query.where(Agreement.closed_on.is_not(None))
    if reference:
        query = query.where(Agreement.reference == reference)
    if signed_from:
        query = query.where(Agreement.signed_on >= signed_from)
    if signed_to:
        query = query.where(Agreement.signed_on <= signed_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Agreement.id).limit(limit).offset(offset))
    return list(rows), total


def contribution_counts(*, session: Session, agreement_ids: list[int]) -> dict[int, int]:
    """How many contributions each agreement has, in one query."""
    if not agreement_ids:
        return {}
    rows = session.execute(
        select(Contribution.agreement_id, func.count())
        .where(Contribution.agreement_id.in_(agreement_ids))
        .group_by(Contribution.agreement_id)
    )
    return dict(rows.all())


def _ensure_reference_free(session: Session, local_authority_id: str, reference: str, own_id: int | None) -> None:
    clash = session.scalar(
        select(Agreement.id).where(Agreement.local_authority_id == local_authority_id, Agreement.reference == reference)
    )
    if clash is not None and clash != own_id:
        raise ConflictError(
            f"{local_authority_id} already has an agreement with reference {reference!r} (agreement {clash})",
            field="reference",
        )


def _flush_reference(session: Session, local_authority_id: str, reference: str) -> None:
    """Write the agreement; a concurrent request that took the same reference first makes this a conflict."""
    try:
        session.flush()
    except IntegrityError as error:
        raise ConflictError(
            f"{local_authority_id} already has an agreement with reference {reference!r}, recorded at the same time",
            field="reference",
        ) from error


def create_agreement(*, session: Session, principal: Principal, data: AgreementCreate) -> Agreement:
    """Record a signed agreement; its reference must be new within its authority."""
    get_local_authority(session=session, local_authority_id=data.local_authority_id, scope=principal.scope)
    if data.signed_on > date.today():
        raise RuleError("signed_on cannot be in the future", field="signed_on")
    _ensure_reference_free(session, data.local_authority_id, data.reference, None)
    agreement = Agreement(**data.model_dump(), created_by=principal.label)
    session.add(agreement)
    _flush_reference(session, data.local_authority_id, data.reference)
    return agreement


def _ensure_nothing_outstanding(session: Session, agreement: Agreement, closed_on: date) -> None:
    """An agreement closes only when no money of it is still due from the developer or held by the authority."""
    figures = balances_by_id(session, group_by=GroupBy.agreement, as_at=closed_on, ids=[agreement.id]).get(agreement.id)
    if figures is None:
        return
    unpaid = figures.not_started + figures.held_by_developer + figures.at_risk
    if unpaid > 0 or figures.held_by_local_authority > 0:
        raise ConflictError(
            f"on {closed_on} agreement {agreement.id} still has {pounds(unpaid)} not yet paid by the developer and "
            f"{pounds(figures.held_by_local_authority)} held by the authority; record the drawdowns, returns or "
            "write-offs first, so its money does not drop out of the open agreements' figures",
            field="closed_on",
        )


def update_agreement(*, session: Session, agreement_id: int, data: AgreementUpdate) -> Agreement:
    """Change an agreement's description, or close or reopen it."""
    agreement = get_agreement(session=session, agreement_id=agreement_id, scope=None)
    changes = data.model_dump(exclude_unset=True)
    if "status" in changes or "closed_on" in changes:
        # Closing or reopening waits for every writer of the agreement's money, and they for it.
        lock_agreement_to_close(session, agreement.id)
    status = changes.pop("status", None)
    if status == AgreementStatus.open:
        changes["closed_on"] = None
    closed_on = changes.get("closed_on")
    if closed_on is not None and closed_on < agreement.signed_on:
        raise RuleError(
            f"closed_on {closed_on} is before the agreement was signed on {agreement.signed_on}",
            field="closed_on",
        )
    if closed_on is not None:
        _ensure_nothing_outstanding(session, agreement, closed_on)
    if changes.get("reference"):
        _ensure_reference_free(session, agreement.local_authority_id, changes["reference"], agreement.id)
    for name, value in changes.items():
        if name in ("reference", "site") and value is None:
            continue
        setattr(agreement, name, value)
    _flush_reference(session, agreement.local_authority_id, agreement.reference)
    return agreement
