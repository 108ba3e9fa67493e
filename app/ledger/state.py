"""A contribution's running sums at a date, the figures derived from them, and what a movement changes."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.ledger.expressions import held
from app.ledger.figures import LedgerPoint
from app.models import MovementKind
from app.money import ZERO

RAISES: dict[MovementKind, tuple[str, int]] = {
    MovementKind.secured: ("total_value", 1),
    MovementKind.indexation: ("total_value", 1),
    MovementKind.variation: ("total_value", 1),
    MovementKind.written_off: ("total_value", -1),
    MovementKind.received: ("received", 1),
    MovementKind.drawn: ("drawn", 1),
    MovementKind.spent: ("spent", 1),
    MovementKind.returned: ("returned", 1),
}
"""Which running sum each kind of movement raises (or, with -1, lowers); a reversal does the opposite."""

MONEY_SUMS = ("received", "drawn", "returned", "spent")
"""The running sums that money moving through the stages raises (the total value aside)."""


@dataclass(frozen=True, slots=True)
class Change:
    """What one new movement (or reversal) does to a contribution's running sums from its date on."""

    on: date
    field: str
    delta: Decimal

    @classmethod
    def of(cls, kind: MovementKind, amount: Decimal, on: date, *, reversal: bool = False) -> "Change":
        """The change a movement of this kind and amount makes, or its reversal undoes."""
        field, sign = RAISES[kind]
        return cls(on=on, field=field, delta=(-sign if reversal else sign) * amount)

    @property
    def lowers_total_value(self) -> bool:
        """Whether the change lowers the total value (a write-off, or reversing what raised it)."""
        return self.field == "total_value" and self.delta < 0

    def raises(self, field: str) -> bool:
        """Whether the change raises the given sum."""
        return self.field == field and self.delta > 0


@dataclass(frozen=True, slots=True)
class LedgerState:
    """A contribution's running sums at the end of a date, and the figures derived from them."""

    total_value: Decimal = ZERO
    received: Decimal = ZERO
    drawn: Decimal = ZERO
    spent: Decimal = ZERO
    returned: Decimal = ZERO

    @property
    def held_by_local_authority(self) -> Decimal:
        """Received by the authority, not yet drawn by the force nor returned to the developer."""
        return held(self.received, self.drawn, self.returned)

    @property
    def unreceived(self) -> Decimal:
        """Total value the authority has not yet received from the developer."""
        return self.total_value - self.received

    @property
    def unspent_drawn(self) -> Decimal:
        """Drawn by the force and not yet spent (negative where spend came first)."""
        return self.drawn - self.spent

    @property
    def remaining(self) -> Decimal:
        """Total value not yet spent."""
        return self.total_value - self.spent

    def applied(self, change: Change) -> "LedgerState":
        """The state with the change made."""
        # Built directly: dataclasses.replace costs more than the sum, and an import applies thousands.
        sums = {
            "total_value": self.total_value,
            "received": self.received,
            "drawn": self.drawn,
            "spent": self.spent,
            "returned": self.returned,
        }
        sums[change.field] += change.delta
        return LedgerState(**sums)


def state_at(points: list[LedgerPoint], when: date) -> LedgerState:
    """The state at the end of a date, from a contribution's running totals (oldest first)."""
    state = LedgerState()
    for point in points:
        if point.on > when:
            break
        state = LedgerState(point.total_value, point.received, point.drawn, point.spent, point.returned)
    return state
