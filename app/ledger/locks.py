"""The one lock order every check-then-write takes, so no two writers can wait on each other.

    drawdown request  ->  agreements  ->  contributions  ->  projects  ->  spend  ->  rollup rows
                          (each kind of row in id order; rollup rows in key order)

A write locks the rows whose state its checks read, before reading them, in this order; it may skip a
kind but never go back to an earlier one. The drawdown request comes first because a write changes at
most one, and only the request's own paths lock it. Agreements are share-locked by writers of money
(so any number may write at once) and locked for update when closed, so closing waits for them and
they for it. The rollup's rows (app/ledger/rollup.py) come last of all: they are written once, just before
the transaction commits, for contributions it has already locked, the monthly sums in (authority,
purpose, month) order, so two writers adding to one authority's month queue rather than deadlock; a read
that settles the rollup mid-transaction takes them only after its writes. On SQLite every lock here is a
no-op: BEGIN IMMEDIATE already queues writers (app/db.py).
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.errors import ConflictError
from app.models import Agreement, Contribution, Project, Spend

LOCKED_CONTRIBUTIONS = "locked_contributions"
"""Session info: the contributions this transaction has locked, with their agreements' ids."""


def _remember(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    session.info.setdefault(LOCKED_CONTRIBUTIONS, {}).update(pairs)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Locks end with the transaction (or with a savepoint rolled back): forgetting at a savepoint's end too only
    # costs a lock again. A flush's own inner transaction is neither.
    if transaction.parent is None or transaction.nested:
        session.info.pop(LOCKED_CONTRIBUTIONS, None)


class AgreementClosedError(ConflictError):
    """A write of money or stage to an agreement that has been closed."""

    title = "The agreement is closed"


def refuse_if_closed(agreement: Agreement) -> None:
    """A closed agreement takes no new movement, reversal, event or contribution until it is reopened."""
    if agreement.closed_on is not None:
        raise AgreementClosedError(
            f"agreement {agreement.id} was closed on {agreement.closed_on}; it takes no new money, events or "
            "contributions until the S106 officer reopens it (PATCH /agreements/{id} with status open; audited)",
            field="agreement_id",
        )


def lock_agreements(session: Session, agreement_ids: Iterable[int], *, for_close: bool = False) -> list[Agreement]:
    """Lock agreements in id order: shared for a write of their money, exclusive to close or reopen them."""
    ids = sorted(set(agreement_ids))
    if not ids:
        return []
    query = select(Agreement).where(Agreement.id.in_(ids)).order_by(Agreement.id)
    query = query.with_for_update(read=not for_close, of=Agreement)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def lock_contributions(session: Session, contribution_ids: Iterable[int]) -> dict[int, Contribution]:
    """Lock contributions in id order (after their agreements, if those are locked at all)."""
    ids = sorted(set(contribution_ids))
    if not ids:
        return {}
    query = select(Contribution).where(Contribution.id.in_(ids)).order_by(Contribution.id).with_for_update()
    locked = {row.id: row for row in session.scalars(query.execution_options(populate_existing=True))}
    _remember(session, ((row.id, row.agreement_id) for row in locked.values()))
    return locked


def lock_contribution_rows(session: Session, contribution_ids: Iterable[int]) -> list[int]:
    """Lock contributions in id order, as `lock_contributions` does, without loading them; their agreements' ids.

    Contributions this transaction has locked already are not asked for again (the rollup settling a write).
    """
    ids = sorted(set(contribution_ids))
    if not ids:
        return []
    known: dict[int, int] = session.info.get(LOCKED_CONTRIBUTIONS, {})
    if all(each in known for each in ids):
        return sorted({known[each] for each in ids})
    query = select(Contribution.id, Contribution.agreement_id).where(Contribution.id.in_(ids)).order_by(Contribution.id)
    rows: list[Any] = list(session.connection().execute(query.with_for_update()))
    _remember(session, ((row[0], row[1]) for row in rows))
    return sorted({agreement_id for _id, agreement_id in rows})


def lock_for_money(
    session: Session, contribution_ids: Iterable[int], *, published_history: bool = False
) -> dict[int, Contribution]:
    """Lock for a write of money: the contributions' agreements (refused if closed), then the contributions."""
    ids = sorted(set(contribution_ids))
    agreement_ids = session.scalars(select(Contribution.agreement_id).where(Contribution.id.in_(ids)))
    for agreement in lock_agreements(session, list(agreement_ids)):
        if not published_history:
            refuse_if_closed(agreement)
    return lock_contributions(session, ids)


def lock_agreement_to_close(session: Session, agreement_id: int) -> list[Contribution]:
    """Lock an agreement for closing or reopening, then all its contributions, so none changes meanwhile."""
    lock_agreements(session, [agreement_id], for_close=True)
    ids = session.scalars(select(Contribution.id).where(Contribution.agreement_id == agreement_id))
    return list(lock_contributions(session, list(ids)).values())


def lock_projects(session: Session, project_ids: Iterable[int]) -> dict[int, Project]:
    """Lock projects in id order (after any contributions)."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    query = select(Project).where(Project.id.in_(ids)).order_by(Project.id).with_for_update()
    return {row.id: row for row in session.scalars(query.execution_options(populate_existing=True))}


def lock_spend(session: Session, spend_ids: Iterable[int]) -> dict[int, Spend]:
    """Lock spend rows in id order (last of all): an invoice claimed or cancelled is claimed or cancelled once."""
    ids = sorted(set(spend_ids))
    if not ids:
        return {}
    query = select(Spend).where(Spend.id.in_(ids)).order_by(Spend.id).with_for_update()
    return {row.id: row for row in session.scalars(query.execution_options(populate_existing=True))}
