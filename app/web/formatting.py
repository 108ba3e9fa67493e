"""How figures, dates and codes read on a page: £1,234.50, 1 Apr 2024, "Held by the authority"."""

import re
from datetime import date
from decimal import Decimal

from app.dates import DATE_TYPED, DATE_WRITTEN, in_words
from app.models import CapitalCategory, EventKind, MovementKind, Purpose, Regime, ReleaseBasis, Role, TriggerType
from app.money import to_money

MINUS = "\u2212"

LABELS: dict[str, str] = {
    Purpose.premises: "Premises",
    Purpose.equipment: "Equipment",
    Purpose.vehicles: "Vehicles",
    Purpose.crime_prevention: "Crime prevention",
    Purpose.policing_requirements: "Policing requirements linked to the development",
    Purpose.policing_in_area: "Policing in the area",
    Purpose.no_prescription: "No prescription",
    TriggerType.on_signing: "On signing",
    TriggerType.on_commencement: "On commencement",
    TriggerType.on_occupation: "On occupation",
    TriggerType.on_completion: "On completion",
    TriggerType.on_date: "On a date",
    TriggerType.other: "Other trigger",
    EventKind.development_started: "Development started",
    EventKind.trigger_met: "Trigger met",
    EventKind.at_risk: "At risk: may not be released",
    EventKind.at_risk_cleared: "No longer at risk",
    MovementKind.secured: "Secured",
    MovementKind.indexation: "Indexation",
    MovementKind.variation: "Variation",
    MovementKind.written_off: "Written off",
    MovementKind.received: "Received by the authority",
    MovementKind.drawn: "Drawn by the force",
    MovementKind.spent: "Spent",
    MovementKind.returned: "Returned to the developer",
    ReleaseBasis.in_advance: "In advance of spend",
    ReleaseBasis.in_arrears: "In arrears, against invoices for completed work",
    Regime.s106: "Section 106",
    Regime.cil: "Community Infrastructure Levy",
    Regime.s106_and_cil: "Section 106 and Community Infrastructure Levy",
    CapitalCategory.land_and_buildings: "Land and buildings",
    CapitalCategory.it_hardware: "IT hardware",
    "it": "IT",  # a bid formula's item (FormulaItem.it), which capitalising would write "It"
    CapitalCategory.revenue: "Revenue",
    Role.officer: "S106 officer",
    Role.finance: "Finance",
    Role.planning: "Planning officer",
}
"""Plain-English names of the codes stored in the ledger."""

STAGE_LABELS: dict[str, str] = {
    "not_started": "Not yet started",
    "held_by_developer": "Held by developers",
    "at_risk": "At risk",
    "held_by_local_authority": "Held by the authority",
    "drawn": "Drawn",
    "spent": "Spent",
    "returned": "Returned",
    "nil": "Nothing outstanding",
}
"""A contribution's stage (app.balances.queries.stage_of) as a person reads it."""


def money(value: Decimal | None) -> str:
    """£1,234.50; a negative amount as −£1,234.50 (with a true minus sign)."""
    if value is None:
        return ""
    amount = to_money(value)
    text = f"£{abs(amount):,.2f}"
    return f"{MINUS}{text}" if amount < 0 else text


def whole_pounds(value: Decimal) -> str:
    """An axis label: £0, £750k, £1.5m."""
    amount = to_money(value)
    if amount >= 1_000_000:
        return f"£{(amount / 1_000_000).normalize():f}m"
    if amount >= 1_000:
        return f"£{(amount / 1_000).normalize():f}k"
    return f"£{amount.normalize():f}"


def day(value: date | None) -> str:
    """1 Apr 2024."""
    return "" if value is None else in_words(value)


def label(value: object) -> str:
    """The plain-English name of a code, or the code itself with underscores as spaces."""
    if value is None:
        return ""
    text = str(value)
    return LABELS.get(text) or text.replace("_", " ").capitalize()


def stage_label(stage: str) -> str:
    """A contribution's stage as a person reads it."""
    return STAGE_LABELS.get(stage, stage)


_VALIDATOR_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Field required$"), "enter a value"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "enter a number no more than {0}"),
    (re.compile(r"^Input should be less than (\S+)$"), "enter a number below {0}"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "enter a number of at least {0}"),
    (re.compile(r"^Input should be greater than (\S+)$"), "enter a number above {0}"),
    (re.compile(r"^Input should be a valid integer.*$"), "enter a whole number, such as 50"),
    (re.compile(r"^Input should be a valid decimal.*$"), "enter a number, such as 1250.50"),
    (re.compile(r"^Input should be (?:'[^']*'(?:, | or )?)+$"), "choose one of the options offered"),
    (re.compile(r"^String should have at most (\d+) characters?$"), "write at most {0} characters"),
    (re.compile(r"^String should have at least (\d+) characters?$"), "write at least {0} characters"),
)


def for_a_page(message: str) -> str:
    """A validator's or the API's refusal worded for a person at a page: dates typed day first, no jargon."""
    if message == DATE_WRITTEN or message.startswith("Input should be a valid date"):
        return DATE_TYPED
    for pattern, words in _VALIDATOR_WORDS:
        found = pattern.match(message)
        if found:
            return words.format(*found.groups())
    return message
