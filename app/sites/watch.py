"""The watch list: instalments close to their trigger, and instalments due that the developer has not paid.

Near: an instalment not yet due whose site's recorded counts are within N dwellings of its threshold, or
whose date is within N days (or passed without being recorded due). Overdue: an instalment recorded due
more than N days ago (or payable on signing) that still awaits money from the developer ("held by
developer" that is overdue);
receipts pay a contribution's instalments in order, so the first instalments are paid first.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.balances.queries import GroupBy, balances_by_id
from app.instalments import service as instalments
from app.models import Agreement, Contribution, Instalment, TriggerType
from app.money import ZERO
from app.sites import service as sites

WatchKind = Literal["near_threshold", "near_date", "overdue"]


@dataclass(frozen=True)
class Watched:
    """One instalment on the watch list and why it is there."""

    kind: WatchKind
    instalment: Instalment
    contribution: Contribution
    agreement: Agreement
    value: Decimal
    unpaid: Decimal
    on: date | None
    """The date it concerns: the instalment's own date, or when it fell due."""
    days: int | None
    """Days until its date (negative once passed), or days since it fell due."""
    measure: sites.Measure | None = None
    threshold: int | None = None
    reached: int | None = None
    """The count recorded so far."""

    @property
    def reason(self) -> str:
        """Why it is watched, in words."""
        if self.kind == "near_threshold":
            return f"{self.reached} of {self.threshold} dwellings {self.measure}: {self.remaining} to go"
        if self.kind == "near_date":
            if self.days is not None and self.days < 0:
                return f"its date passed {-self.days} days ago and it is not recorded due"
            return f"payable in {self.days} days"
        return f"due {self.days} days ago and not paid"

    @property
    def remaining(self) -> int | None:
        """Dwellings to go before the threshold."""
        if self.threshold is None or self.reached is None:
            return None
        return self.threshold - self.reached


def watch_list(
    *, session: Session, scope: str | None, today: date, dwellings: int, days: int, overdue_days: int
) -> list[Watched]:
    """The watched instalments of open agreements the caller may read, overdue first, then soonest."""
    query = (
        scoping.readable_contributions(scope)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Agreement.closed_on.is_(None))
        .order_by(Contribution.id)
    )
    contributions = list(session.scalars(query))
    if not contributions:
        return []
    agreement_ids = sorted({item.agreement_id for item in contributions})
    agreements = {item.id: item for item in session.scalars(select(Agreement).where(Agreement.id.in_(agreement_ids)))}
    records = sites.history(session=session, agreement_ids=agreement_ids)
    counts = {agreement_id: sites.counts_as_at(held, today) for agreement_id, held in records.items()}
    figures = balances_by_id(session, group_by=GroupBy.contribution, as_at=today, ids=[c.id for c in contributions])
    totals = {c.id: figures[c.id].total_value if c.id in figures else ZERO for c in contributions}
    valued = instalments.valued(session=session, totals=totals, as_at=today)
    found = []
    for contribution in contributions:
        agreement = agreements[contribution.agreement_id]
        balance = figures.get(contribution.id)
        received = balance.received_by_local_authority if balance is not None else ZERO
        items = valued[contribution.id]
        unpaid = instalments.outstanding([item.value for item in items], received)
        for item, owed in zip(items, unpaid, strict=True):
            if owed <= 0:
                continue
            instalment = item.instalment
            due_on = item.due.on if item.due is not None else None
            if due_on is None and instalment.trigger_type is TriggerType.on_signing:
                due_on = agreement.signed_on  # payable on signing: due from the day it was signed
            if due_on is not None:
                late = (today - due_on).days
                if late > overdue_days:
                    found.append(
                        Watched(
                            "overdue",
                            value=item.value,
                            unpaid=owed,
                            on=due_on,
                            days=late,
                            instalment=instalment,
                            contribution=contribution,
                            agreement=agreement,
                        )
                    )
                continue
            if instalment.trigger_type is TriggerType.on_date and instalment.due_date is not None:
                ahead = (instalment.due_date - today).days
                if ahead <= days:
                    found.append(
                        Watched(
                            "near_date",
                            value=item.value,
                            unpaid=owed,
                            on=instalment.due_date,
                            days=ahead,
                            instalment=instalment,
                            contribution=contribution,
                            agreement=agreement,
                        )
                    )
                continue
            watched = sites.trigger_measure(instalment, agreement)
            if watched is None or agreement.id not in counts or not records[agreement.id]:
                continue
            measure, threshold = watched
            reached = counts[agreement.id].of(measure)
            if 0 < threshold - reached <= dwellings:
                found.append(
                    Watched(
                        "near_threshold",
                        value=item.value,
                        unpaid=owed,
                        on=None,
                        days=None,
                        measure=measure,
                        threshold=threshold,
                        reached=reached,
                        instalment=instalment,
                        contribution=contribution,
                        agreement=agreement,
                    )
                )
    order = {"overdue": 0, "near_date": 1, "near_threshold": 2}
    return sorted(
        found,
        key=lambda item: (
            order[item.kind],
            -(item.days or 0) if item.kind == "overdue" else (item.days or 0),
            item.remaining or 0,
            item.instalment.id,
        ),
    )
