"""Shapes service results into what a page shows: an agreement's history, contributions grouped by agreement."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.models import Contribution, ContributionEvent, Movement
from app.web.formatting import day, label


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an agreement's history: a stage change or a movement of money."""

    on: date
    contribution_id: int
    what: str
    amount: Decimal | None
    reference: str | None
    note: str | None
    recorded_by: str
    movement_id: int | None = None
    reversal: bool = False
    reversed: bool = False
    adjustment: bool = False
    after_as_at: bool = False


def history(
    *,
    events: list[ContributionEvent],
    movements: list[Movement],
    reversed_by: dict[int, int],
    as_at: date,
) -> list[HistoryEntry]:
    """Events and movements together in date order; a reversal's amount is negative and names what it reverses."""
    by_id = {movement.id: movement for movement in movements}
    entries = [
        HistoryEntry(
            on=event.on,
            contribution_id=event.contribution_id,
            what=label(event.kind),
            amount=None,
            reference=None,
            note=event.note,
            recorded_by=event.recorded_by,
            after_as_at=event.on > as_at,
        )
        for event in events
    ]
    for movement in movements:
        what = label(movement.kind)
        if movement.reverses_id is not None:
            original = by_id.get(movement.reverses_id)
            of = f" ({day(original.on)})" if original is not None else ""
            what = f"Reversal of “{what}”{of}"
        entries.append(
            HistoryEntry(
                on=movement.on,
                contribution_id=movement.contribution_id,
                what=what,
                amount=-movement.amount if movement.reverses_id is not None else movement.amount,
                reference=movement.reference,
                note=movement.note,
                recorded_by=movement.recorded_by,
                movement_id=movement.id,
                reversal=movement.reverses_id is not None,
                reversed=movement.id in reversed_by,
                adjustment=movement.adjustment,
                after_as_at=movement.on > as_at,
            )
        )
    # Stage changes before money on the same day, then in the order they were recorded.
    return sorted(entries, key=lambda entry: (entry.on, entry.movement_id is not None, entry.movement_id or 0))


def by_agreement(contributions: list[Contribution]) -> dict[int, list[Contribution]]:
    """Contributions keyed by their agreement's id, each list in id order."""
    grouped: dict[int, list[Contribution]] = defaultdict(list)
    for contribution in contributions:
        grouped[contribution.agreement_id].append(contribution)
    return dict(grouped)


def trigger_text(contribution: Contribution) -> str:
    """The trigger as a phrase: "On occupation of 50 dwellings", or its description."""
    text = label(contribution.trigger_type)
    if contribution.trigger_threshold is not None:
        text += f" of {contribution.trigger_threshold} dwellings"
    if contribution.trigger_description:
        text += f": {contribution.trigger_description}"
    return text
