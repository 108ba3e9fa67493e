"""A bid's workings as a printed document (DOCX or PDF), written by the one printable writer."""

from app.bids.schemas import BidRead
from app.dates import in_full
from app.money import pounds
from app.printing import Printable


def workings_document(bid: BidRead, authority_name: str, force_name: str) -> Printable:
    """The workings of a bid worked out with a formula: the application, each figure with its assumption, the total."""
    document = Printable()
    document.heading(f"{force_name}: contribution sought for application {bid.application_reference}")
    document.paragraph(
        f"{authority_name}. {bid.site}. {bid.dwellings} dwellings; consulted on {in_full(bid.consulted_on)}."
    )
    workings = bid.workings
    if workings is None:
        document.paragraph(
            f"The amount bid, {pounds(bid.amount_bid) if bid.amount_bid else 'not yet set'}, was set by hand."
        )
        return document
    document.heading(f"{workings.formula_name}, version {workings.formula_version}", level=2)
    priced = f"Costs as at {in_full(workings.base_date)}"
    if workings.index is not None:
        index = workings.index
        worked_out = "" if workings.calculated_on is None else f" to {in_full(workings.calculated_on)}"
        priced += (
            f", index-linked by {index.series}{worked_out}: "
            f"{index.month:%B %Y} ({index.value}) over {index.base_month:%B %Y} ({index.base_value})"
        )
    document.paragraph(priced + ".")
    if workings.houses is not None:
        document.paragraph(f"{workings.houses} houses and {workings.flats} flats.")
    rows = [
        [
            line.item.value.replace("_", " "),
            line.dwelling_type.value if line.dwelling_type else "dwelling",
            pounds(line.cost_per_dwelling),
            pounds(line.indexed_cost),
            str(line.dwellings),
            pounds(line.amount),
            line.assumption,
        ]
        for line in workings.lines
    ]
    rows.append(["Total", "", "", "", "", pounds(workings.total), ""])
    document.table(
        ["Item", "Per", "Cost at base date", "Cost indexed", "Number", "Amount", "Assumption"], rows, total=True
    )
    document.heading("To paste into the response", level=2)
    for line in workings.text.splitlines():
        document.paragraph(line)
    return document
