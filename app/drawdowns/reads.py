"""What the drawdown routes and pages return: requests with lines, invoices and payments."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.drawdowns.schemas import (
    DrawdownRead,
    HistoryEntry,
    InvoiceRead,
    LineRead,
    PaymentLineRead,
    PaymentRead,
    QueryRead,
)
from app.drawdowns.service import release_findings
from app.drawdowns.templating import spelt
from app.ledger.figures import paid_by_line, payment_parts
from app.models import (
    AnswerStep,
    Contribution,
    DrawdownAnswer,
    DrawdownInvoice,
    DrawdownLine,
    DrawdownPayment,
    DrawdownQuery,
    DrawdownRequest,
    DrawdownStatus,
    LocalAuthority,
    Spend,
)
from app.money import ZERO, pounds

STEP_WORDS = {
    AnswerStep.acknowledged: "Acknowledged by the authority",
    AnswerStep.approved: "Approved by the authority",
    AnswerStep.rejected: "Rejected by the authority",
    AnswerStep.queried: "Queried by the authority",
    AnswerStep.paid: "Paid by the authority",
}


def _answer_entry(answer: DrawdownAnswer, detail: str) -> HistoryEntry:
    """An authority's step in words; one the force recorded says it came from the authority's letter."""
    words = STEP_WORDS[answer.step] + (f" ({detail})" if detail else "")
    if answer.by_force:
        letter = f"the authority's letter of {spelt(answer.letter_dated)}" if answer.letter_dated else "a letter"
        reference = f", reference {answer.letter_reference}" if answer.letter_reference else ""
        words += f"; recorded by the force from {letter}{reference} ({answer.recorded_by})"
    else:
        words += f"; recorded by {answer.recorded_by}"
    return HistoryEntry(
        on=answer.on,
        step=answer.step.value,
        recorded_by=answer.recorded_by,
        by_force=answer.by_force,
        letter_dated=answer.letter_dated,
        letter_reference=answer.letter_reference,
        description=words,
    )


def _history(
    drawdown: DrawdownRequest,
    answers: list[DrawdownAnswer],
    paid: dict[int, str],
    asked: dict[int, str],
    reversed_: list[tuple[date, str]],
) -> list[HistoryEntry]:
    """The request's steps, oldest first: drafted and submitted by the force, the authority's answers, withdrawn."""

    def force(on: date, step: str, words: str, by: str | None) -> HistoryEntry:
        return HistoryEntry(
            on=on, step=step, recorded_by=by, by_force=True, letter_dated=None, letter_reference=None, description=words
        )

    drafted = force(drawdown.created_at.date(), "drafted", f"Drafted by {drawdown.created_by}", drawdown.created_by)
    entries = []
    if drawdown.submitted_on:
        entries.append(force(drawdown.submitted_on, "submitted", "Submitted to the authority", None))
    steps = {answer.step for answer in answers}
    # Requests answered before answers were kept show their dates without who recorded them.
    for step, on in ((AnswerStep.approved, drawdown.approved_on), (AnswerStep.rejected, drawdown.rejected_on)):
        if on is not None and step not in steps:
            entries.append(force(on, step.value, STEP_WORDS[step], None))
    for answer in answers:
        detail = paid.get(answer.payment_id or 0) or asked.get(answer.query_id or 0) or ""
        entries.append(_answer_entry(answer, detail))
    for on, amount in reversed_:
        entries.append(force(on, "payment_reversed", f"A payment of {amount} reversed by the force", None))
    if drawdown.withdrawn_on:
        entries.append(force(drawdown.withdrawn_on, "withdrawn", "Withdrawn by the force", None))
    if entries and drafted.on > min(entry.on for entry in entries):
        # Keyed in after its steps happened on paper (the seed's history, a request taken over from a spreadsheet):
        # say so, in date order, rather than list a draft dated years after its own submission.
        words = f"Keyed in to the service by {drawdown.created_by}; its earlier steps were taken on paper"
        return sorted([*entries, force(drafted.on, "drafted", words, drawdown.created_by)], key=lambda entry: entry.on)
    return [drafted, *sorted(entries, key=lambda entry: entry.on)]


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
    answers = list(
        session.scalars(select(DrawdownAnswer).where(DrawdownAnswer.drawdown_id.in_(ids)).order_by(DrawdownAnswer.id))
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
        # A refused or withdrawn request awaits nothing more, on its lines as in its total.
        closed = drawdown.status in (DrawdownStatus.rejected, DrawdownStatus.withdrawn)
        own_lines = [
            LineRead(
                id=line.id,
                contribution_id=line.contribution_id,
                amount=line.amount,
                paid=paid.get(line.id, ZERO),
                outstanding=ZERO if closed else line.amount - paid.get(line.id, ZERO),
                clause_text=clauses.get(line.contribution_id),
            )
            for line in lines
            if line.drawdown_id == drawdown.id
        ]
        amount = sum((line.amount for line in own_lines), ZERO)
        paid_total = sum((line.paid for line in own_lines), ZERO)
        own_answers = [answer for answer in answers if answer.drawdown_id == drawdown.id]
        paid_words = {
            payment.id: pounds(sum((part.amount for part in payment_lines if part.payment_id == payment.id), ZERO))
            for payment in payments
            if payment.drawdown_id == drawdown.id
        }
        asked = {query.id: query.message for query in queries if query.drawdown_id == drawdown.id}
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
                acknowledged_on=next(
                    (answer.on for answer in own_answers if answer.step is AnswerStep.acknowledged), None
                ),
                approved_on=drawdown.approved_on,
                rejected_on=drawdown.rejected_on,
                rejection_reason=drawdown.rejection_reason,
                withdrawn_on=drawdown.withdrawn_on,
                created_at=drawdown.created_at,
                created_by=drawdown.created_by,
                history=_history(
                    drawdown,
                    own_answers,
                    paid_words,
                    asked,
                    [
                        (payment.reversed_on, paid_words[payment.id])
                        for payment in payments
                        if payment.drawdown_id == drawdown.id and payment.reversed_on is not None
                    ],
                ),
                release_findings=(
                    release_findings(session, drawdown) if drawdown.status is DrawdownStatus.submitted else []
                ),
            )
        )
    return result


def read_one(session: Session, principal: Principal, drawdown: DrawdownRequest) -> DrawdownRead:
    """One request as the routes return it."""
    return read_models(session, principal, [drawdown])[0]
