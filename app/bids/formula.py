"""A bid's workings from a formula version: pure arithmetic, so the same version, mix and index give the same bid.

Each item's cost per dwelling (per house or per flat where the version costs them apart) is indexed by
index(month applied) / index(base month), rounded to pence, then multiplied by the dwellings of that type.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.bids.schemas import IndexApplied, WorkingLine, Workings
from app.models import BidFormula, BidFormulaLine, DwellingType
from app.money import ZERO, pounds, to_money


@dataclass(frozen=True)
class Mix:
    """An application's dwellings, and how many are houses and flats when it says."""

    dwellings: int
    houses: int | None = None
    flats: int | None = None

    @property
    def typed(self) -> bool:
        """Whether the application gives its mix of houses and flats."""
        return self.houses is not None and self.flats is not None


def per_dwelling(formula: BidFormula) -> Decimal:
    """The formula's total cost per dwelling of no type: the sum of its items."""
    return sum((line.cost_per_dwelling for line in formula.items), ZERO)


def cost_of(line: BidFormulaLine, dwelling_type: DwellingType | None) -> Decimal:
    """An item's cost for one dwelling of a type: its own cost for the type, else the cost per dwelling."""
    if dwelling_type is DwellingType.house and line.cost_per_house is not None:
        return line.cost_per_house
    if dwelling_type is DwellingType.flat and line.cost_per_flat is not None:
        return line.cost_per_flat
    return line.cost_per_dwelling


def _parts(line: BidFormulaLine, mix: Mix) -> list[tuple[DwellingType | None, int]]:
    """The dwellings an item is costed over: by type where the mix is known and the item costs types apart."""
    if mix.typed and (line.cost_per_house is not None or line.cost_per_flat is not None):
        counts = {DwellingType.house: mix.houses or 0, DwellingType.flat: mix.flats or 0}
        return [(kind, number) for kind, number in counts.items() if number > 0]
    return [(None, mix.dwellings)]


def _indexed(cost: Decimal, index: IndexApplied | None) -> Decimal:
    if index is None:
        return cost
    return to_money(cost * index.value / index.base_value)


def _per(dwelling_type: DwellingType | None) -> str:
    return "dwelling" if dwelling_type is None else dwelling_type.value


def work_out(
    formula: BidFormula, mix: Mix, *, index: IndexApplied | None = None, calculated_on: date | None = None
) -> Workings:
    """Each item's (indexed) cost per dwelling times the dwellings, their total, and the same as text for a letter."""
    lines = []
    for line in formula.items:
        for dwelling_type, number in _parts(line, mix):
            cost = cost_of(line, dwelling_type)
            indexed = _indexed(cost, index)
            lines.append(
                WorkingLine(
                    item=line.item,
                    dwelling_type=dwelling_type,
                    cost_per_dwelling=cost,
                    indexed_cost=indexed,
                    dwellings=number,
                    amount=to_money(indexed * number),
                    assumption=line.assumption,
                )
            )
    total = sum((line.amount for line in lines), ZERO)
    mix_text = f" ({mix.houses} houses and {mix.flats} flats)" if mix.typed else ""
    heading = (
        f"Contribution sought under {formula.name} (version {formula.version}), "
        f"costs as at {formula.base_date.isoformat()}, for {mix.dwellings} dwellings{mix_text}:"
    )
    indexation = []
    if index is not None:
        indexation.append(
            f"Costs index-linked by {index.series}: {index.month:%Y-%m} ({index.value}) / "
            f"{index.base_month:%Y-%m} ({index.base_value}), as at {calculated_on}."
        )
    text = "\n".join(
        [
            heading,
            *indexation,
            *(
                f"- {line.item.value.replace('_', ' ')}: {pounds(line.indexed_cost)} per {_per(line.dwelling_type)} "
                f"x {line.dwellings} = {pounds(line.amount)} ({line.assumption})"
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
        calculated_on=calculated_on,
        index=index,
        dwellings=mix.dwellings,
        houses=mix.houses,
        flats=mix.flats,
        lines=lines,
        total=total,
        text=text,
    )
