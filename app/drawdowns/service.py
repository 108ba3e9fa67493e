"""Drawdown requests: asking an authority for its money, following its release rules, and its payments.

Lifecycle: draft -> submitted -> approved -> paid (in one or more payments), or rejected (with the
authority's reason) or withdrawn. The authority's answers (acknowledgement, approval, refusal, queries
back to the force, payments), each kept in the request's history, are recorded by its own planning
officer, scoped to its requests, or by the officer from its letters, saying so. Only a payment posts
`drawn` movements. A request asks no more of a contribution than the authority holds less what other
submitted or approved requests still await; the contribution rows are locked while that is checked, so
concurrent requests cannot overdraw.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.balances.queries import (
    LIVE_DRAWDOWN,
    GroupBy,
    awaited_by_contribution,
    balances_by_id,
    requested_for_projects,
)
from app.dates import in_words
from app.documents.service import current_kinds
from app.drawdowns.schemas import DrawdownCreate, DrawdownUpdate, FromLetter, LineCreate, PaymentLineCreate
from app.errors import ConflictError, DomainError, NotFoundError, RuleError
from app.ledger import locks
from app.ledger.figures import movement_amounts, paid_by_line
from app.ledger.writer import post_owned, reverse_owned
from app.local_authorities.service import get_local_authority
from app.models import (
    Agreement,
    AnswerStep,
    Contribution,
    DocumentKind,
    DocumentOwner,
    DrawdownAnswer,
    DrawdownInvoice,
    DrawdownLine,
    DrawdownPayment,
    DrawdownPaymentLine,
    DrawdownQuery,
    DrawdownRequest,
    DrawdownStatus,
    LocalAuthority,
    Movement,
    MovementKind,
    Project,
    ProjectAllocation,
    ProjectFunding,
    ProjectStage,
    ReleaseBasis,
    Role,
    Spend,
)
from app.money import ZERO, pounds
from app.projects.service import get_project


def get_drawdown(*, session: Session, drawdown_id: int, scope: str | None, lock: bool = False) -> DrawdownRequest:
    """One request; another authority's is as absent as an unknown id. Locks it for a write."""
    query = scoping.readable_drawdowns(scope).where(DrawdownRequest.id == drawdown_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    drawdown = session.scalar(query)
    if drawdown is None:
        raise NotFoundError(f"no drawdown request {drawdown_id}", field="drawdown_id")
    return drawdown


def list_drawdowns(
    *,
    session: Session,
    scope: str | None,
    status: DrawdownStatus | None,
    project_id: int | None,
    local_authority_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[DrawdownRequest], int]:
    """Requests the caller may see, filtered, oldest first."""
    query = scoping.readable_drawdowns(scope)
    if status is not None:
        query = query.where(DrawdownRequest.status == status)
    if project_id is not None:
        query = query.where(DrawdownRequest.project_id == project_id)
    if local_authority_id:
        query = query.where(DrawdownRequest.local_authority_id == local_authority_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(DrawdownRequest.id).limit(limit).offset(offset))
    return list(rows), total


def _lock_contributions(session: Session, contribution_ids: Iterable[int]) -> None:
    # In the global order (app/ledger/locks.py), so two requests touching the same contributions cannot deadlock.
    locks.lock_contributions(session, contribution_ids)


def _check_available(session: Session, drawdown_id: int | None, lines: list[LineCreate]) -> None:
    """Refuse a line asking more than the authority holds less what other open requests await."""
    ids = [line.contribution_id for line in lines]
    held = balances_by_id(session, group_by=GroupBy.contribution, as_at=date.today(), ids=ids)
    awaited = awaited_by_contribution(session, contribution_ids=ids, excluding_drawdown_id=drawdown_id)
    for index, line in enumerate(lines):
        holds = held[line.contribution_id].held_by_local_authority if line.contribution_id in held else ZERO
        others = awaited.get(line.contribution_id, ZERO)
        if line.amount > holds - others:
            raise ConflictError(
                f"the authority holds {pounds(holds)} of contribution {line.contribution_id} and other requests await "
                f"{pounds(others)} of it; at most {pounds(max(holds - others, ZERO))} can be requested",
                field=f"lines.{index}.amount",
            )


def _check_lines(session: Session, authority_id: str, project: Project, lines: list[LineCreate]) -> None:
    """Each line names a distinct contribution of the authority that is allocated to the project."""
    ids = [line.contribution_id for line in lines]
    if len(set(ids)) != len(ids):
        raise RuleError("each contribution may appear on only one line of a request", field="lines")
    authorities = dict(
        session.execute(
            select(Contribution.id, Agreement.local_authority_id)
            .join(Agreement, Agreement.id == Contribution.agreement_id)
            .where(Contribution.id.in_(ids))
        ).all()
    )
    allocated = dict(
        session.execute(
            select(ProjectAllocation.contribution_id, ProjectAllocation.amount).where(
                ProjectAllocation.project_id == project.id, ProjectAllocation.contribution_id.in_(ids)
            )
        ).all()
    )
    for index, line in enumerate(lines):
        field = f"lines.{index}.contribution_id"
        if line.contribution_id not in authorities:
            raise NotFoundError(f"no contribution {line.contribution_id}", field=field)
        if authorities[line.contribution_id] != authority_id:
            raise RuleError(
                f"contribution {line.contribution_id} is held by {authorities[line.contribution_id]}, "
                f"not {authority_id}; ask each authority in its own request",
                field=field,
            )
        if line.contribution_id not in allocated:
            raise RuleError(
                f"contribution {line.contribution_id} is not allocated to {project.name}; allocate it first",
                field=field,
            )


def _check_allocation_cover(session: Session, drawdown: DrawdownRequest) -> None:
    """Live requests for a project ask no more of a contribution than is allocated to the project."""
    ids = [line.contribution_id for line in drawdown.lines]
    requested = requested_for_projects(session, project_ids=[drawdown.project_id], contribution_ids=ids)
    allocated = dict(
        session.execute(
            select(ProjectAllocation.contribution_id, ProjectAllocation.amount).where(
                ProjectAllocation.project_id == drawdown.project_id, ProjectAllocation.contribution_id.in_(ids)
            )
        ).all()
    )
    for index, line in enumerate(drawdown.lines):
        already = requested.get((drawdown.project_id, line.contribution_id), ZERO)
        identified = allocated.get(line.contribution_id, ZERO)
        if already + line.amount > identified:
            raise ConflictError(
                f"{pounds(identified)} of contribution {line.contribution_id} is allocated to the "
                f"project and {pounds(already)} "
                "is already requested; raise the allocation or lower the line",
                field=f"lines.{index}.amount",
            )


def _check_invoices(session: Session, project_id: int, spend_ids: list[int]) -> list[Spend]:
    if len(set(spend_ids)) != len(spend_ids):
        raise RuleError("an invoice may be cited only once", field="invoice_spend_ids")
    spends = {spend.id: spend for spend in session.scalars(select(Spend).where(Spend.id.in_(spend_ids)))}
    for spend_id in spend_ids:
        spend = spends.get(spend_id)
        if spend is None or spend.project_id != project_id:
            raise RuleError(f"spend {spend_id} is not an invoice of this project", field="invoice_spend_ids")
        if spend.cancelled_on is not None:
            raise RuleError(f"spend {spend_id} was cancelled on {spend.cancelled_on}", field="invoice_spend_ids")
    return [spends[spend_id] for spend_id in spend_ids]


def _set_invoices(session: Session, drawdown: DrawdownRequest, spend_ids: list[int]) -> None:
    locks.lock_spend(session, spend_ids)
    _check_invoices(session, drawdown.project_id, spend_ids)
    for invoice in session.scalars(select(DrawdownInvoice).where(DrawdownInvoice.drawdown_id == drawdown.id)):
        session.delete(invoice)
    session.flush()
    session.add_all(DrawdownInvoice(drawdown_id=drawdown.id, spend_id=spend_id) for spend_id in spend_ids)


def create_drawdown(*, session: Session, principal: Principal, data: DrawdownCreate) -> DrawdownRequest:
    """Draft a request to one authority for lines of its contributions allocated to a project."""
    authority = get_local_authority(session=session, local_authority_id=data.local_authority_id, scope=None)
    project = get_project(session=session, project_id=data.project_id, scope=None)
    if project.funding is ProjectFunding.local and project.local_authority_id != authority.id:
        raise RuleError(
            f"{project.name} is local to {project.local_authority_id}, not {authority.id}", field="local_authority_id"
        )
    _check_lines(session, authority.id, project, data.lines)
    _lock_contributions(session, (line.contribution_id for line in data.lines))
    _check_available(session, None, data.lines)
    drawdown = DrawdownRequest(
        local_authority_id=authority.id,
        project_id=project.id,
        status=DrawdownStatus.draft,
        reference=data.reference,
        evidence=list(data.evidence),
        note=data.note,
        created_by=principal.label,
    )
    session.add(drawdown)
    session.flush()
    session.add_all(
        DrawdownLine(drawdown_id=drawdown.id, contribution_id=line.contribution_id, amount=line.amount)
        for line in data.lines
    )
    _set_invoices(session, drawdown, data.invoice_spend_ids)
    session.flush()
    session.refresh(drawdown)
    return drawdown


def update_drawdown(*, session: Session, drawdown_id: int, data: DrawdownUpdate) -> DrawdownRequest:
    """Change a request's lines (draft only), or its reference, evidence, invoices and note (until decided)."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if drawdown.status not in (DrawdownStatus.draft, DrawdownStatus.submitted):
        raise ConflictError(f"request {drawdown.id} is {drawdown.status.value} and can no longer be changed")
    if data.lines is not None:
        if drawdown.status is not DrawdownStatus.draft:
            raise ConflictError(
                f"request {drawdown.id} is submitted; withdraw it and draft a new one to change its lines",
                field="lines",
            )
        project = get_project(session=session, project_id=drawdown.project_id, scope=None)
        _check_lines(session, drawdown.local_authority_id, project, data.lines)
        _lock_contributions(session, (line.contribution_id for line in data.lines))
        _check_available(session, drawdown.id, data.lines)
        for line in list(drawdown.lines):
            session.delete(line)
        session.flush()
        session.add_all(
            DrawdownLine(drawdown_id=drawdown.id, contribution_id=line.contribution_id, amount=line.amount)
            for line in data.lines
        )
    if data.invoice_spend_ids is not None:
        _set_invoices(session, drawdown, data.invoice_spend_ids)
        session.flush()
        authority = get_local_authority(session=session, local_authority_id=drawdown.local_authority_id, scope=None)
        if drawdown.submitted_on is not None:
            _check_cited_invoices(session, drawdown, authority, drawdown.submitted_on)
    if data.evidence is not None:
        drawdown.evidence = list(data.evidence)
    for name in ("reference", "note"):
        if name in changes:
            setattr(drawdown, name, changes[name])
    session.flush()
    session.refresh(drawdown)
    return drawdown


def _require(drawdown: DrawdownRequest, action: str, *allowed: DrawdownStatus) -> None:
    if drawdown.status not in allowed:
        names = " or ".join(status.value for status in allowed)
        raise ConflictError(
            f"request {drawdown.id} is {drawdown.status.value}; only a request that is {names} can be {action}",
            field="status",
        )


def _check_on(on: date, after: date | None, after_what: str) -> None:
    if on > date.today():
        raise RuleError(f"on {on} is in the future", field="on")
    if after is not None and on < after:
        raise RuleError(f"on {on} is before the request was {after_what} on {after}", field="on")


def _amount(drawdown: DrawdownRequest) -> Decimal:
    return sum((line.amount for line in drawdown.lines), ZERO)


def _check_arrears_invoices(session: Session, drawdown: DrawdownRequest, on: date) -> None:
    """An arrears authority pays only against invoices of completed spend matching the request."""
    spend_ids = list(
        session.scalars(select(DrawdownInvoice.spend_id).where(DrawdownInvoice.drawdown_id == drawdown.id))
    )
    invoices = _check_invoices(session, drawdown.project_id, spend_ids)
    amount = _amount(drawdown)
    invoiced = sum((spend.amount for spend in invoices), ZERO)
    if invoiced < amount:
        raise RuleError(
            f"{drawdown.local_authority_id} releases money only in arrears, against invoices of completed spend; "
            f"the request is for {pounds(amount)} and its invoices total {pounds(invoiced)}: cite "
            "spend of this project "
            "in invoice_spend_ids",
            field="invoice_spend_ids",
        )
    for spend in invoices:
        if spend.on > on:
            raise RuleError(f"invoice {spend.invoice_reference} is dated {spend.on}, after {on}", field="on")
    cited = session.execute(
        select(DrawdownInvoice.spend_id, DrawdownRequest.id)
        .join(DrawdownRequest, DrawdownRequest.id == DrawdownInvoice.drawdown_id)
        .where(
            DrawdownInvoice.spend_id.in_(spend_ids),
            DrawdownRequest.id != drawdown.id,
            DrawdownRequest.status.in_(LIVE_DRAWDOWN),
        )
    ).first()
    if cited is not None:
        raise ConflictError(
            f"spend {cited[0]} already supports request {cited[1]}; an invoice is claimed once",
            field="invoice_spend_ids",
        )


ARREARS_AGAINST_COMPLETED_SPEND = (ReleaseBasis.in_arrears, ReleaseBasis.in_arrears_on_completion)


def _cited_spend(session: Session, drawdown: DrawdownRequest) -> list[Spend]:
    return list(
        session.scalars(
            select(Spend)
            .join(DrawdownInvoice, DrawdownInvoice.spend_id == Spend.id)
            .where(DrawdownInvoice.drawdown_id == drawdown.id)
            .order_by(Spend.id)
        )
    )


def _check_cited_invoices(session: Session, drawdown: DrawdownRequest, authority: LocalAuthority, on: date) -> None:
    """The invoices a request cites suit its authority's basis: completed spend, or none already paid."""
    if authority.release_basis in ARREARS_AGAINST_COMPLETED_SPEND:
        _check_arrears_invoices(session, drawdown, on)
    elif authority.release_basis is ReleaseBasis.in_arrears_ongoing:
        paid = [spend for spend in _cited_spend(session, drawdown) if spend.on <= on and spend.cancelled_on is None]
        if paid:
            listed = ", ".join(f"{spend.invoice_reference} (spend {spend.id}, paid on {spend.on})" for spend in paid)
            raise RuleError(
                f"{authority.name} does not fund costs the force has already paid: {listed}; "
                "remove them from invoice_spend_ids and attach copy invoices of the ongoing work "
                "as documents of kind invoice",
                field="invoice_spend_ids",
            )


def _check_project_stage(authority: LocalAuthority, project: Project) -> None:
    """Blaby releases only for a completed project; Charnwood only while the work is ongoing."""
    basis = authority.release_basis
    if basis is ReleaseBasis.in_arrears_on_completion and project.stage is not ProjectStage.completed:
        raise RuleError(
            f"{authority.name} releases money only once the project is complete in its entirety; "
            f"{project.name} is {project.stage.value}: submit the request when the project is completed",
            field="project_id",
        )
    if basis is ReleaseBasis.in_arrears_ongoing and project.stage is ProjectStage.completed:
        raise RuleError(
            f"{authority.name} funds only projects not yet complete, while the work is ongoing; "
            f"{project.name} is completed",
            field="project_id",
        )


def required_evidence(authority: LocalAuthority) -> list[DocumentKind]:
    """The document kinds a request to the authority must carry: its list, and its template if it has one."""
    kinds = [DocumentKind(kind) for kind in authority.evidence_kinds]
    if authority.own_template and DocumentKind.drawdown_letter not in kinds:
        kinds.insert(0, DocumentKind.drawdown_letter)
    return kinds


def missing_evidence(session: Session, drawdown: DrawdownRequest, authority: LocalAuthority) -> list[DocumentKind]:
    """Required kinds with no current document on the request (an invoice may also be on a cited spend)."""
    owners = [(DocumentOwner.drawdown, drawdown.id)]
    owners += [(DocumentOwner.spend, spend.id) for spend in _cited_spend(session, drawdown)]
    present = current_kinds(session, owners)
    return [kind for kind in required_evidence(authority) if kind not in present]


def _check_evidence(session: Session, drawdown: DrawdownRequest, authority: LocalAuthority) -> None:
    missing = missing_evidence(session, drawdown, authority)
    if missing:
        names = ", ".join(kind.value.replace("_", " ") for kind in missing)
        raise ConflictError(
            f"{authority.name} needs evidence that request {drawdown.id} does not yet carry: {names}; "
            "upload each as a document of the request, of that kind",
            field="evidence",
        )


def _check_release_rules(session: Session, drawdown: DrawdownRequest, authority: LocalAuthority, on: date) -> None:
    """The authority's rules as recorded: its basis (project stage, invoices) and then its evidence."""
    project = get_project(session=session, project_id=drawdown.project_id, scope=None)
    _check_project_stage(authority, project)
    _check_cited_invoices(session, drawdown, authority, on)
    _check_evidence(session, drawdown, authority)


def release_findings(session: Session, drawdown: DrawdownRequest) -> list[str]:
    """What the authority's rules as they stand would refuse in a request already sent (empty when none).

    A request submitted before its authority's rules were recorded (the seed's January 2024 requests) is
    kept as it was sent; this says what the authority may answer it with, without changing it.
    """
    authority = get_local_authority(session=session, local_authority_id=drawdown.local_authority_id, scope=None)
    project = get_project(session=session, project_id=drawdown.project_id, scope=None)
    on = drawdown.submitted_on or date.today()
    checks = (
        lambda: _check_project_stage(authority, project),
        lambda: _check_cited_invoices(session, drawdown, authority, on),
        lambda: _check_evidence(session, drawdown, authority),
    )
    findings = []
    for check in checks:
        try:
            check()
        except DomainError as error:
            findings.append(error.detail)
    return findings


def submit(*, session: Session, drawdown_id: int, on: date | None) -> DrawdownRequest:
    """Send a draft to the authority: checks what it holds, the allocation, and the authority's release rules."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    _require(drawdown, "submitted", DrawdownStatus.draft)
    when = on or date.today()
    _check_on(when, None, "")
    _lock_contributions(session, (line.contribution_id for line in drawdown.lines))
    # The invoices it cites are locked last: a concurrent claim of one, or its cancellation, waits for this.
    locks.lock_spend(
        session, session.scalars(select(DrawdownInvoice.spend_id).where(DrawdownInvoice.drawdown_id == drawdown.id))
    )
    lines = [LineCreate(contribution_id=line.contribution_id, amount=line.amount) for line in drawdown.lines]
    _check_available(session, drawdown.id, lines)
    _check_allocation_cover(session, drawdown)
    authority = get_local_authority(session=session, local_authority_id=drawdown.local_authority_id, scope=None)
    _check_release_rules(session, drawdown, authority, when)
    drawdown.status = DrawdownStatus.submitted
    drawdown.submitted_on = when
    session.flush()
    return drawdown


def _answer(
    session: Session,
    principal: Principal,
    drawdown: DrawdownRequest,
    step: AnswerStep,
    on: date,
    letter: FromLetter | None,
    *,
    query_id: int | None = None,
    payment_id: int | None = None,
) -> DrawdownAnswer:
    """Put an authority's step in the request's history; one the force records is from the authority's letter."""
    by_force = principal.role is not Role.planning
    dated = letter.letter_dated if letter is not None else None
    if by_force and dated is None:
        dated = on
    if dated is not None and dated > date.today():
        raise RuleError(f"the letter's date {in_words(dated)} is in the future", field="letter_dated")
    if dated is not None and drawdown.submitted_on is not None and dated < drawdown.submitted_on:
        raise RuleError(
            f"the letter's date {in_words(dated)} is before the request was submitted on "
            f"{in_words(drawdown.submitted_on)}: a letter answering it cannot be older than it",
            field="letter_dated",
        )
    latest = session.execute(
        select(DrawdownAnswer.on, DrawdownAnswer.step)
        .where(DrawdownAnswer.drawdown_id == drawdown.id)
        .order_by(DrawdownAnswer.on.desc(), DrawdownAnswer.id.desc())
        .limit(1)
    ).first()
    if latest is not None and on < latest[0]:
        raise RuleError(
            f"{in_words(on)} is before the authority's last step on this request ({latest[1].value} on "
            f"{in_words(latest[0])}): its steps are recorded in the order they happened",
            field="on",
        )
    answer = DrawdownAnswer(
        drawdown_id=drawdown.id,
        step=step,
        on=on,
        by_force=by_force,
        letter_dated=dated,
        letter_reference=letter.letter_reference if letter is not None else None,
        query_id=query_id,
        payment_id=payment_id,
        recorded_by=principal.label,
    )
    session.add(answer)
    return answer


def acknowledge(
    *, session: Session, principal: Principal, drawdown_id: int, on: date | None, letter: FromLetter | None = None
) -> DrawdownRequest:
    """Record that the authority has received a submitted request (dated; it answers nothing yet)."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope, lock=True)
    _require(drawdown, "acknowledged", DrawdownStatus.submitted)
    done = session.scalar(
        select(DrawdownAnswer.on).where(
            DrawdownAnswer.drawdown_id == drawdown.id, DrawdownAnswer.step == AnswerStep.acknowledged
        )
    )
    if done is not None:
        raise ConflictError(f"request {drawdown.id} was already acknowledged on {done}", field="status")
    when = on or date.today()
    _check_on(when, drawdown.submitted_on, "submitted")
    _answer(session, principal, drawdown, AnswerStep.acknowledged, when, letter)
    session.flush()
    return drawdown


def approve(
    *, session: Session, principal: Principal, drawdown_id: int, on: date | None, letter: FromLetter | None = None
) -> DrawdownRequest:
    """Record the authority's agreement to release the money (by its planning officer, or from its letter)."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope, lock=True)
    _require(drawdown, "approved", DrawdownStatus.submitted)
    when = on or date.today()
    _check_on(when, drawdown.submitted_on, "submitted")
    drawdown.status = DrawdownStatus.approved
    drawdown.approved_on = when
    _answer(session, principal, drawdown, AnswerStep.approved, when, letter)
    session.flush()
    return drawdown


def _paid_total(session: Session, drawdown: DrawdownRequest) -> Decimal:
    paid = paid_by_line(session, line_ids=[line.id for line in drawdown.lines])
    return sum(paid.values(), ZERO)


def reject(
    *,
    session: Session,
    principal: Principal,
    drawdown_id: int,
    on: date | None,
    reason: str,
    letter: FromLetter | None = None,
) -> DrawdownRequest:
    """Record the authority's refusal and its reason; balances are untouched."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope, lock=True)
    _require(drawdown, "rejected", DrawdownStatus.submitted, DrawdownStatus.approved)
    if _paid_total(session, drawdown) > 0:
        raise ConflictError(
            f"request {drawdown.id} has been partly paid; reverse its payments or withdraw the rest", field="status"
        )
    when = on or date.today()
    _check_on(when, drawdown.submitted_on, "submitted")
    drawdown.status = DrawdownStatus.rejected
    drawdown.rejected_on = when
    drawdown.rejection_reason = reason
    _answer(session, principal, drawdown, AnswerStep.rejected, when, letter)
    session.flush()
    return drawdown


def withdraw(*, session: Session, drawdown_id: int, on: date | None, note: str | None) -> DrawdownRequest:
    """Withdraw a request not yet fully paid; what was paid stays drawn."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    _require(drawdown, "withdrawn", DrawdownStatus.draft, DrawdownStatus.submitted, DrawdownStatus.approved)
    when = on or date.today()
    _check_on(when, drawdown.submitted_on, "submitted")
    drawdown.status = DrawdownStatus.withdrawn
    drawdown.withdrawn_on = when
    if note:
        drawdown.note = f"{drawdown.note}\n{note}" if drawdown.note else note
    session.flush()
    return drawdown


def pay(
    *,
    session: Session,
    principal: Principal,
    drawdown_id: int,
    on: date,
    reference: str | None = None,
    lines: list[PaymentLineCreate] | None = None,
    letter: FromLetter | None = None,
) -> DrawdownPayment:
    """Record a payment by the authority: one drawn movement per line; without lines, all that is outstanding."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope, lock=True)
    _require(drawdown, "paid", DrawdownStatus.approved)
    _check_on(on, drawdown.approved_on, "approved")
    by_contribution = {line.contribution_id: line for line in drawdown.lines}
    paid = paid_by_line(session, line_ids=[line.id for line in drawdown.lines])
    outstanding = {line.contribution_id: line.amount - paid.get(line.id, ZERO) for line in drawdown.lines}
    if lines is None:
        lines = [
            PaymentLineCreate(contribution_id=contribution_id, amount=amount)
            for contribution_id, amount in outstanding.items()
            if amount > 0
        ]
    if len({line.contribution_id for line in lines}) != len(lines):
        raise RuleError("each contribution may appear on only one line of a payment", field="lines")
    for index, line in enumerate(lines):
        if line.contribution_id not in by_contribution:
            raise RuleError(
                f"request {drawdown.id} asks nothing of contribution {line.contribution_id}",
                field=f"lines.{index}.contribution_id",
            )
        if line.amount > outstanding[line.contribution_id]:
            raise ConflictError(
                f"request {drawdown.id} has only {pounds(outstanding[line.contribution_id])} "
                "outstanding on contribution "
                f"{line.contribution_id}, less than the {pounds(line.amount)} given as paid",
                field=f"lines.{index}.amount",
            )
    locks.lock_for_money(session, (line.contribution_id for line in lines))
    payment = DrawdownPayment(drawdown_id=drawdown.id, on=on, reference=reference, recorded_by=principal.label)
    session.add(payment)
    session.flush()
    for line in sorted(lines, key=lambda line: line.contribution_id):
        movement = post_owned(
            session=session,
            principal=principal,
            contribution_id=line.contribution_id,
            kind=MovementKind.drawn,
            amount=line.amount,
            on=on,
            reference=reference or f"drawdown {drawdown.id}",
            note=f"payment {payment.id} of drawdown request {drawdown.id}",
        )
        session.add(
            DrawdownPaymentLine(
                payment_id=payment.id, line_id=by_contribution[line.contribution_id].id, movement_id=movement.id
            )
        )
        outstanding[line.contribution_id] -= line.amount
    if all(amount <= 0 for amount in outstanding.values()):
        drawdown.status = DrawdownStatus.paid
    _answer(session, principal, drawdown, AnswerStep.paid, on, letter, payment_id=payment.id)
    session.flush()
    return payment


QUERYABLE = (DrawdownStatus.submitted, DrawdownStatus.approved)


def raise_query(
    *,
    session: Session,
    principal: Principal,
    drawdown_id: int,
    on: date | None,
    message: str,
    letter: FromLetter | None = None,
) -> DrawdownQuery:
    """Record a question the authority puts back to the force about a request it has been sent."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope, lock=True)
    _require(drawdown, "queried", *QUERYABLE)
    when = on or date.today()
    _check_on(when, drawdown.submitted_on, "submitted")
    query = DrawdownQuery(drawdown_id=drawdown.id, on=when, message=message, raised_by=principal.label)
    session.add(query)
    session.flush()
    _answer(session, principal, drawdown, AnswerStep.queried, when, letter, query_id=query.id)
    session.flush()
    return query


def reverse_payment(
    *, session: Session, principal: Principal, drawdown_id: int, payment_id: int, on: date | None, note: str | None
) -> DrawdownPayment:
    """Undo a payment recorded in error by reversing its drawn movements; a paid request is approved again."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    payment = session.scalar(
        select(DrawdownPayment).where(DrawdownPayment.id == payment_id, DrawdownPayment.drawdown_id == drawdown.id)
    )
    if payment is None:
        raise NotFoundError(f"request {drawdown.id} has no payment {payment_id}", field="payment_id")
    if payment.reversed_on is not None:
        raise ConflictError(f"payment {payment.id} was already reversed on {payment.reversed_on}", field="payment_id")
    when = on or date.today()
    parts = session.execute(
        select(DrawdownPaymentLine.movement_id, DrawdownLine.contribution_id)
        .join(DrawdownLine, DrawdownLine.id == DrawdownPaymentLine.line_id)
        .where(DrawdownPaymentLine.payment_id == payment.id)
        .order_by(DrawdownPaymentLine.movement_id)
    ).all()
    locks.lock_for_money(session, (contribution_id for _, contribution_id in parts))
    payment.reversed_on = when
    for movement_id, _ in parts:
        reverse_owned(
            session=session,
            principal=principal,
            movement_id=movement_id,
            on=when,
            reference=f"drawdown {drawdown.id}",
            note=note or f"reversal of payment {payment.id}",
        )
    if drawdown.status is DrawdownStatus.paid:
        drawdown.status = DrawdownStatus.approved
    session.flush()
    return payment


def adopt_payment(
    *, session: Session, principal: Principal, drawdown_id: int, movement_ids: list[int], reference: str | None = None
) -> DrawdownPayment:
    """Record as a payment of an approved request drawn movements already in the ledger (e.g. a seed's)."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    _require(drawdown, "paid", DrawdownStatus.approved)
    if not movement_ids or len(set(movement_ids)) != len(movement_ids):
        raise RuleError("name each drawn movement once", field="movement_ids")
    by_contribution = {line.contribution_id: line for line in drawdown.lines}
    paid = paid_by_line(session, line_ids=[line.id for line in drawdown.lines])
    outstanding = {line.contribution_id: line.amount - paid.get(line.id, ZERO) for line in drawdown.lines}
    movements = list(session.scalars(select(Movement).where(Movement.id.in_(movement_ids)).order_by(Movement.id)))
    linked = set(
        session.scalars(
            select(DrawdownPaymentLine.movement_id).where(DrawdownPaymentLine.movement_id.in_(movement_ids))
        )
    )
    reversed_ = set(session.scalars(select(Movement.reverses_id).where(Movement.reverses_id.in_(movement_ids))))
    amounts = movement_amounts(session, movement_ids=movement_ids)
    if len(movements) != len(movement_ids):
        raise NotFoundError("some of movement_ids do not exist", field="movement_ids")
    for movement in movements:
        if movement.kind is not MovementKind.drawn or movement.reverses_id is not None or movement.id in reversed_:
            raise RuleError(f"movement {movement.id} is not a standing drawn movement", field="movement_ids")
        if movement.id in linked:
            raise ConflictError(f"movement {movement.id} already belongs to a payment", field="movement_ids")
        if movement.contribution_id not in by_contribution:
            raise RuleError(
                f"request {drawdown.id} asks nothing of contribution {movement.contribution_id}", field="movement_ids"
            )
        if amounts[movement.id] > outstanding[movement.contribution_id]:
            raise ConflictError(
                f"movement {movement.id} ({pounds(amounts[movement.id])}) is more than the "
                f"{pounds(outstanding[movement.contribution_id])} outstanding on contribution "
                f"{movement.contribution_id}",
                field="movement_ids",
            )
        outstanding[movement.contribution_id] -= amounts[movement.id]
    payment = DrawdownPayment(
        drawdown_id=drawdown.id,
        on=max(movement.on for movement in movements),
        reference=reference,
        recorded_by=principal.label,
    )
    session.add(payment)
    session.flush()
    session.add_all(
        DrawdownPaymentLine(
            payment_id=payment.id, line_id=by_contribution[movement.contribution_id].id, movement_id=movement.id
        )
        for movement in movements
    )
    if all(amount <= 0 for amount in outstanding.values()):
        drawdown.status = DrawdownStatus.paid
    session.flush()
    return payment
