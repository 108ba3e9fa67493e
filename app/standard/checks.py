"""Checks of published figures, as pure findings: no database (the shape of app/reports/reconcile.py).

Each check sets what the published rows say beside what the ledger core's money rules (app/ledger/rules.py)
allow, and returns findings (expected, actual, difference) a report lists; nothing here loosens or applies a
rule of the ledger.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.ledger.rules import broken_by_totals
from app.ledger.state import LedgerState
from app.money import ZERO, pounds
from app.standard.rows import ContributionRow
from app.standard.schemas import Discrepancy

MONEY_STATUSES = ("received", "transferred", "spent", "returned")


@dataclass(frozen=True)
class Finding:
    """One published figure above what the rules allow: the most allowed, the figure published, the excess."""

    rule: str
    expected: Decimal
    actual: Decimal
    difference: Decimal
    message: str


def published_sums(row: ContributionRow, up_to: date | None = None) -> dict[str, Decimal]:
    """A contribution's live published transactions summed by status (superseded rows left out; with up_to,
    only those dated by then)."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for transaction in row.transactions:
        if up_to is not None and (transaction.on is None or transaction.on > up_to):
            continue
        if not (transaction.ok and transaction.status and transaction.end_on is None and transaction.amount):
            continue
        ledger = transaction.notes.removeprefix("ledger: ") if transaction.notes.startswith("ledger: ") else None
        if ledger in ("indexation", "variation"):
            sums["raised"] += transaction.amount
        elif ledger == "written off":
            sums["written off"] += transaction.amount
        elif ledger is None:
            sums[transaction.status] += transaction.amount
    return sums


def secured_of(row: ContributionRow, sums: dict[str, Decimal]) -> Decimal:
    """What a contribution's published rows say was secured: its amount with the service's own export's changes
    of total value, or a larger secured row."""
    return max((row.amount or ZERO) + sums["raised"] - sums["written off"], sums["secured"])


def published_state(secured: Decimal, sums: dict[str, Decimal]) -> LedgerState:
    """A contribution's published totals as the ledger core's state: what it secured, received, and paid out."""
    return LedgerState(
        total_value=secured,
        received=sums["received"],
        drawn=sums["transferred"],
        spent=sums["spent"],
        returned=sums["returned"],
    )


def check_published(secured: Decimal, sums: dict[str, Decimal]) -> list[Finding]:
    """The findings of one contribution's published totals against the ledger core's money rules (RULES), in
    their order, then spend beyond receipts."""
    state = published_state(secured, sums)
    paid_out = f"transferred {pounds(sums['transferred'])}" + (
        f" and returned {pounds(sums['returned'])}" if sums["returned"] else ""
    )
    figures: dict[str, tuple[Decimal, Decimal, str]] = {
        "received_within_total_value": (
            state.total_value,
            state.received,
            f"received {pounds(state.received)}, more than the {pounds(state.total_value)} secured",
        ),
        "held_not_negative": (
            state.received,
            state.drawn + state.returned,
            f"{paid_out}, more than the {pounds(state.received)} received",
        ),
        "spent_within_total_value": (
            state.total_value,
            state.spent,
            f"spent {pounds(state.spent)}, more than the {pounds(state.total_value)} secured",
        ),
    }
    findings: list[Finding] = []
    for rule, sentence in broken_by_totals(state, contribution_id=0, on=date.max).items():
        expected, actual, message = figures.get(rule, (ZERO, ZERO, sentence))
        findings.append(Finding(rule, expected, actual, actual - expected, message))
    if state.spent > state.received:
        # Not a money rule (an authority releasing in arrears lets the force spend first), but a published file
        # spending more than its receipts is missing a receipt, so it is listed too.
        findings.append(
            Finding(
                "spent_within_received",
                state.received,
                state.spent,
                state.spent - state.received,
                f"spent {pounds(state.spent)}, more than the {pounds(state.received)} received",
            )
        )
    return findings


def discrepancies(rows: list[ContributionRow], adjustments: dict[int, list[str]]) -> list[Discrepancy]:
    """Each imported contribution whose published figures do not add up, with the adjustments that keep them."""
    found: list[Discrepancy] = []
    for row in rows:
        if not row.selected or row.target is None or row.amount is None:
            continue
        sums = published_sums(row)
        secured = secured_of(row, sums)
        problems = [finding.message for finding in check_published(secured, sums)]
        kept = adjustments.get(id(row), [])
        if not problems and not kept:
            continue
        found.append(
            Discrepancy(
                file=row.file,
                line=row.line,
                agreement_reference=row.target.reference,
                contribution_reference=row.source_reference,
                contribution_id=row.contribution.id if row.contribution else None,
                secured=secured,
                received=sums["received"],
                transferred=sums["transferred"],
                spent=sums["spent"],
                returned=sums["returned"],
                problems=problems,
                adjustments=kept,
            )
        )
    return found
