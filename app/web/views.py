"""Shapes service results into what a page shows: an agreement's history, contributions grouped by agreement."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.deadlines.service import Deadline
from app.models import Contribution, ContributionEvent, Movement
from app.money import ZERO
from app.projects.schemas import ProjectRead
from app.reports.reconcile import Column, Layout
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


@dataclass(frozen=True)
class ProjectTotals:
    """The projects on a page added up: estimates (low and high ends), money, and the gap still to find."""

    estimate_low: Decimal
    estimate_high: Decimal
    identified: Decimal
    requested: Decimal
    received: Decimal
    spent: Decimal
    gap: Decimal | None


def project_totals(projects: list[ProjectRead]) -> ProjectTotals:
    """The sum of each column; no gap when the viewer sees only their authority's part."""
    gaps = [project.gap for project in projects]
    return ProjectTotals(
        estimate_low=sum((project.estimate_low for project in projects), ZERO),
        estimate_high=sum((project.estimate_high for project in projects), ZERO),
        identified=sum((project.totals.identified for project in projects), ZERO),
        requested=sum((project.totals.requested for project in projects), ZERO),
        received=sum((project.totals.received for project in projects), ZERO),
        spent=sum((project.totals.spent for project in projects), ZERO),
        gap=None if any(gap is None for gap in gaps) else sum((gap for gap in gaps if gap is not None), ZERO),
    )


@dataclass(frozen=True)
class DeadlineSummary:
    """Money at risk of repayment: in all, already past its deadline, and due within 90 days."""

    receipts: int
    unspent: Decimal
    passed: Decimal
    within_90_days: Decimal


def deadline_summary(found: list[Deadline], today: date) -> DeadlineSummary:
    """The deadlines page's key figures."""
    soon = today + timedelta(days=90)
    return DeadlineSummary(
        receipts=len(found),
        unspent=sum((item.unspent for item in found), ZERO),
        passed=sum((item.unspent for item in found if item.deadline < today), ZERO),
        within_90_days=sum((item.unspent for item in found if today <= item.deadline <= soon), ZERO),
    )


@dataclass(frozen=True)
class HeaderCell:
    """A heading of the Panel table: spanning its parts (the 2021 layout's money held by purpose) or two rows."""

    text: str
    columns: int = 1
    rows: int = 1


def panel_headings(columns: tuple[Column, ...]) -> tuple[list[HeaderCell], list[HeaderCell]]:
    """The table's heading rows: a column followed by parts ("- Premises") heads a group of them, with "All" first."""
    top: list[HeaderCell] = []
    below: list[HeaderCell] = []
    index = 0
    while index < len(columns):
        parts = 0
        while index + 1 + parts < len(columns) and columns[index + 1 + parts].heading.startswith("- "):
            parts += 1
        if parts:
            top.append(HeaderCell(columns[index].heading, columns=parts + 1))
            below.append(HeaderCell("All purposes"))
            below.extend(
                HeaderCell(column.heading.removeprefix("- ")) for column in columns[index + 1 : index + 1 + parts]
            )
        else:
            top.append(HeaderCell(columns[index].heading))
        index += parts + 1
    if below:
        top = [HeaderCell(cell.text, cell.columns, 2 if cell.columns == 1 else 1) for cell in top]
    return top, below


PANEL_KEY_FIGURES: dict[Layout, tuple[tuple[str, str], ...]] = {
    Layout.panel_2024: (
        ("total_value_of_agreements", "Total value"),
        ("project_not_yet_started", "Not yet started"),
        ("money_held_by_developers", "Held by developers (including at risk)"),
        ("money_held_by_local_authority", "Held by authorities"),
        ("total_money_drawn_down", "Drawn by the force"),
        ("total_money_spent", "Spent"),
        ("total_funds_remaining", "Remaining"),
    ),
    Layout.panel_2021: (
        ("total_value_of_agreements", "Total value"),
        ("not_yet_released_by_developers", "Not yet released by developers"),
        ("may_not_be_released_trigger_point", "May not be released (trigger)"),
        ("held_by_local_authority", "Held by authorities"),
        ("drawn_down_by_force", "Drawn by the force"),
    ),
}
"""The Total row's figures the home page shows above the table, per layout: (column key, label)."""
