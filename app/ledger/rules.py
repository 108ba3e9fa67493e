"""The money rules: one list of pure checks over a contribution's state before and after a change.

Like beancount's validations, each rule is a function returning the broken rule as a sentence, or None;
the guard (in `writer`) runs them at the change's own date and at every later date of the ledger and
raises the first one broken. The importer's published-figure checks read the same list.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from app.ledger.state import MONEY_SUMS, Change, LedgerState
from app.money import ZERO, pounds


@dataclass(frozen=True)
class Check:
    """One change to one contribution, seen at one date: the state there before it, and after."""

    contribution_id: int
    on: date
    change: Change
    before: LedgerState
    after: LedgerState


Rule = Callable[[Check], str | None]


def total_value_not_negative(check: Check) -> str | None:
    """A contribution's total value is never below zero."""
    if check.after.total_value < 0 and check.change.lowers_total_value:
        return f"this would make contribution {check.contribution_id}'s total value negative on {check.on}"
    return None


def received_within_total_value(check: Check) -> str | None:
    """The authority never receives more than the contribution's total value."""
    after = check.after
    if after.received > after.total_value and (check.change.raises("received") or check.change.lowers_total_value):
        return (
            f"the authority would have received {pounds(after.received)} on {check.on}, more than contribution "
            f"{check.contribution_id}'s total value of {pounds(after.total_value)}; record an "
            "indexation or variation first"
        )
    return None


def held_not_negative(check: Check) -> str | None:
    """The force never draws, nor the developer gets back, more than the authority holds."""
    change = check.change
    if check.after.held_by_local_authority >= 0 or change.delta == 0:
        return None
    if change.field == "received":
        return (
            f"on {check.on} the authority would hold {pounds(check.after.held_by_local_authority)} for contribution "
            f"{check.contribution_id}: reverse the drawdowns or returns made from this receipt first"
        )
    if change.field in ("drawn", "returned"):
        return (
            f"on {check.on} the authority holds only {pounds(check.before.held_by_local_authority)} for contribution "
            f"{check.contribution_id}, less than the {pounds(abs(change.delta))} this would take"
        )
    return None


def spent_within_total_value(check: Check) -> str | None:
    """The force never spends more of a contribution than its total value."""
    after = check.after
    if after.spent > after.total_value and (check.change.raises("spent") or check.change.lowers_total_value):
        return (
            f"spend of {pounds(after.spent)} on {check.on} would exceed contribution {check.contribution_id}'s "
            f"total value of {pounds(after.total_value)}"
        )
    return None


RULES: tuple[Rule, ...] = (
    total_value_not_negative,
    received_within_total_value,
    held_not_negative,
    spent_within_total_value,
)
"""Every money rule, in the order they are reported."""


def broken_rules(check: Check) -> list[str]:
    """Every rule the change breaks at the check's date, as sentences."""
    return [problem for rule in RULES if (problem := rule(check)) is not None]


def first_broken(check: Check) -> str | None:
    """The first rule the change breaks at the check's date, or None."""
    for rule in RULES:
        problem = rule(check)
        if problem is not None:
            return problem
    return None


def broken_by_totals(state: LedgerState, *, contribution_id: int, on: date) -> dict[str, str]:
    """The rules a contribution's whole state breaks, by rule name: each of its sums taken as one change arriving
    on the other sums, as a check of published totals reads them (nothing is written or refused)."""
    broken: dict[str, str] = {}
    for name in MONEY_SUMS:
        amount = getattr(state, name)
        if amount <= 0:
            continue
        before = replace(state, **{name: ZERO})
        check = Check(
            contribution_id=contribution_id, on=on, change=Change(on, name, amount), before=before, after=state
        )
        for rule in RULES:
            if rule.__name__ not in broken and (problem := rule(check)) is not None:
                broken[rule.__name__] = problem
    return {rule.__name__: broken[rule.__name__] for rule in RULES if rule.__name__ in broken}
