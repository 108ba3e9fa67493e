"""A bid's workings from a formula version: pure arithmetic, so the same version always gives the same bid."""

from decimal import Decimal

from app.bids.schemas import WorkingLine, Workings
from app.models import BidFormula
from app.money import ZERO, pounds, to_money


def per_dwelling(formula: BidFormula) -> Decimal:
    """The formula's total cost per dwelling: the sum of its items."""
    return sum((line.cost_per_dwelling for line in formula.items), ZERO)


def work_out(formula: BidFormula, dwellings: int) -> Workings:
    """Each item's cost per dwelling times the dwellings, their total, and the same as text for a letter."""
    lines = [
        WorkingLine(
            item=line.item,
            cost_per_dwelling=line.cost_per_dwelling,
            dwellings=dwellings,
            amount=to_money(line.cost_per_dwelling * dwellings),
            assumption=line.assumption,
        )
        for line in formula.items
    ]
    total = sum((line.amount for line in lines), ZERO)
    text = "\n".join(
        [
            f"Contribution sought under {formula.name} (version {formula.version}), "
            f"costs as at {formula.base_date.isoformat()}, for {dwellings} dwellings:",
            *(
                f"- {line.item.value.replace('_', ' ')}: {pounds(line.cost_per_dwelling)} per dwelling "
                f"x {dwellings} = {pounds(line.amount)} ({line.assumption})"
                for line in lines
            ),
            f"Total: {pounds(total)}",
        ]
    )
    return Workings(
        formula_id=formula.id,
        formula_name=formula.name,
        formula_version=formula.version,
        base_date=formula.base_date,
        dwellings=dwellings,
        lines=lines,
        total=total,
        text=text,
    )
