"""The tables of the authority, agreement, contribution, projects, project and deadlines pages as Listings to
download, with the headings the pages show; only the downloads are built here, the pages keep their layout."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Query

from app.balances.queries import Balance, stage_of
from app.deadlines.service import Deadline
from app.drawdowns.schemas import DrawdownRead
from app.forecast.schemas import Forecast
from app.models import Agreement, Contribution
from app.panel.schemas import PanelDeadlines, PanelProjects
from app.projects.schemas import ProjectRead
from app.repurposing.schemas import CandidateRead
from app.spend.schemas import SpendRead
from app.web.formatting import label, stage_label
from app.web.listing import Column, Listing
from app.web.tables import STAGE_COLUMNS
from app.web.views import HistoryEntry, trigger_text

FileFormat = Literal["html", "csv", "xlsx"]
FormatQuery = Annotated[FileFormat, Query(alias="format", description="html for the page, csv or xlsx to download")]

MONEY_COLUMNS = [Column(column.field, column.heading, "money", total=True) for column in STAGE_COLUMNS]
"""A contribution's money by stage, as the pages' figure columns head it."""


def _figures(balance: Balance | None) -> dict[str, Any]:
    if balance is None:
        return {}
    return {column.key: getattr(balance, column.key) for column in MONEY_COLUMNS} | {
        "stage": stage_label(stage_of(balance))
    }


def _contribution_row(contribution: Contribution, balance: Balance | None) -> dict[str, Any]:
    return {
        "contribution_id": contribution.id,
        "purpose": label(contribution.purpose),
        "trigger": trigger_text(contribution),
        **_figures(balance),
    }


CONTRIBUTION_COLUMNS = [
    Column("contribution_id", "Contribution", "count"),
    Column("purpose", "Purpose"),
    Column("trigger", "Trigger"),
    Column("stage", "Stage"),
    *MONEY_COLUMNS,
]


def authority_agreements(
    title: str,
    agreements: Sequence[Agreement],
    contributions: Mapping[int, list[Contribution]],
    contribution_balances: Mapping[int, Balance],
) -> Listing:
    """An authority's agreements, a row per contribution, with their stages and money and a total row."""
    rows: list[dict[str, Any]] = []
    for agreement in agreements:
        about = {
            "reference": agreement.reference,
            "site": agreement.site,
            "signed_on": agreement.signed_on,
            "closed_on": agreement.closed_on,
        }
        for contribution in contributions.get(agreement.id, []):
            rows.append(about | _contribution_row(contribution, contribution_balances.get(contribution.id)))
        if not contributions.get(agreement.id):
            rows.append(about)
    columns = [
        Column("reference", "Agreement"),
        Column("site", "Site"),
        Column("signed_on", "Signed", "date"),
        Column("closed_on", "Closed", "date"),
        *CONTRIBUTION_COLUMNS,
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def agreement_contributions(
    title: str, contributions: Sequence[Contribution], balances: Mapping[int, Balance]
) -> Listing:
    """An agreement's contributions with their stages and money, and a total row."""
    rows = [_contribution_row(contribution, balances.get(contribution.id)) for contribution in contributions]
    return Listing(title=title, columns=CONTRIBUTION_COLUMNS, rows=rows, totals=True)


def history(title: str, entries: Sequence[HistoryEntry]) -> Listing:
    """Events and movements in date order, with reversals marked, as the history table shows them."""
    rows = [
        {
            "on": entry.on,
            "contribution_id": entry.contribution_id,
            "what": entry.what,
            "amount": entry.amount,
            "reference": entry.reference,
            "note": entry.note,
            "recorded_by": entry.recorded_by,
            "standing": "Reversed" if entry.reversed else ("Reversal" if entry.reversal else ""),
        }
        for entry in entries
    ]
    columns = [
        Column("on", "Date", "date"),
        Column("contribution_id", "Contribution", "count"),
        Column("what", "What happened"),
        Column("amount", "Amount", "money"),
        Column("reference", "Reference"),
        Column("note", "Note"),
        Column("recorded_by", "Recorded by"),
        Column("standing", "Reversed"),
    ]
    return Listing(title=title, columns=columns, rows=rows)


def projects(title: str, found: Sequence[ProjectRead], names: Mapping[str, str]) -> Listing:
    """Projects with their estimates and money, and a total row."""
    rows = [
        {
            "id": project.id,
            "name": project.name,
            "funding": label(project.funding),
            "authority": names.get(project.local_authority_id or "", ""),
            "category": label(project.category),
            "stage": label(project.stage),
            "estimate_low": project.estimate_low,
            "estimate_high": project.estimate_high,
            "identified": project.totals.identified,
            "requested": project.totals.requested,
            "received": project.totals.received,
            "spent": project.totals.spent,
            "gap": project.gap,
        }
        for project in found
    ]
    money = [
        ("estimate_low", "Estimate (low)"),
        ("estimate_high", "Estimate (high)"),
        ("identified", "Identified"),
        ("requested", "Requested"),
        ("received", "Received"),
        ("spent", "Spent"),
        ("gap", "Still to find"),
    ]
    columns = [
        Column("id", "Project", "count"),
        Column("name", "Name"),
        Column("funding", "Funding"),
        Column("authority", "Local authority"),
        Column("category", "Capital category"),
        Column("stage", "Stage"),
        *(Column(key, heading, "money", total=True) for key, heading in money),
    ]
    links = [{"id": f"/web/projects/{project.id}", "name": f"/web/projects/{project.id}"} for project in found]
    return Listing(title=title, columns=columns, rows=rows, links=links, totals=True)


def allocations(title: str, project: ProjectRead, names: Mapping[str, str]) -> Listing:
    """The contributions' money identified for a project."""
    rows = [
        {
            "contribution_id": allocation.contribution_id,
            "authority": names.get(allocation.local_authority_id, ""),
            "purpose": label(allocation.purpose),
            "amount": allocation.amount,
            "requested": allocation.requested,
            "spent": allocation.spent,
        }
        for allocation in project.allocations or []
    ]
    columns = [
        Column("contribution_id", "Contribution", "count"),
        Column("authority", "Local authority"),
        Column("purpose", "Purpose"),
        Column("amount", "Identified", "money", total=True),
        Column("requested", "Requested", "money", total=True),
        Column("spent", "Spent", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def drawdown_requests(title: str, found: Sequence[DrawdownRead], names: Mapping[str, str]) -> Listing:
    """Drawdown requests with their status and money."""
    rows = [
        {
            "id": drawdown.id,
            "authority": names.get(drawdown.local_authority_id, ""),
            "status": label(drawdown.status),
            "reference": drawdown.reference,
            "submitted_on": drawdown.submitted_on,
            "amount": drawdown.amount,
            "paid": drawdown.paid,
            "outstanding": drawdown.outstanding,
        }
        for drawdown in found
    ]
    columns = [
        Column("id", "Request", "count"),
        Column("authority", "Local authority"),
        Column("status", "Status"),
        Column("reference", "Reference"),
        Column("submitted_on", "Submitted", "date"),
        Column("amount", "Requested", "money", total=True),
        Column("paid", "Paid", "money", total=True),
        Column("outstanding", "Outstanding", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def invoices(title: str, found: Sequence[SpendRead]) -> Listing:
    """Invoices paid, in date order."""
    rows = [
        {
            "id": spend.id,
            "on": spend.on,
            "supplier": spend.supplier,
            "invoice_reference": spend.invoice_reference,
            "amount": spend.amount,
            "status": "Cancelled" if spend.cancelled_on else "",
        }
        for spend in found
    ]
    columns = [
        Column("id", "Invoice", "count"),
        Column("on", "Date paid", "date"),
        Column("supplier", "Supplier"),
        Column("invoice_reference", "Invoice reference"),
        Column("amount", "Amount", "money", total=True),
        Column("status", "Cancelled"),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def deadlines(title: str, found: Sequence[Deadline], names: Mapping[str, str]) -> Listing:
    """Receipts with money unspent by their repayment deadline, soonest first, and a total row."""
    rows = [
        {
            "deadline": item.deadline,
            "authority": names.get(item.local_authority_id, ""),
            "agreement": item.agreement_reference,
            "contribution_id": item.receipt.contribution_id,
            "purpose": label(item.purpose),
            "received_on": item.receipt.on,
            "received": item.receipt.amount,
            "unspent": item.unspent,
            "basis": item.basis,
            "projects": "; ".join(name for _id, name, _live in item.projects),
        }
        for item in found
    ]
    columns = [
        Column("deadline", "Deadline", "date"),
        Column("authority", "Local authority"),
        Column("agreement", "Agreement"),
        Column("contribution_id", "Contribution", "count"),
        Column("purpose", "Purpose"),
        Column("received_on", "Received", "date"),
        Column("received", "Amount received", "money", total=True),
        Column("unspent", "Unspent", "money", total=True),
        Column("basis", "Deadline from"),
        Column("projects", "Projects"),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def drawdown_lines(title: str, drawdown: DrawdownRead) -> Listing:
    """What a request asks of each contribution, and what has been paid."""
    rows = [
        {
            "contribution_id": line.contribution_id,
            "amount": line.amount,
            "paid": line.paid,
            "outstanding": line.outstanding,
        }
        for line in drawdown.lines
    ]
    columns = [
        Column("contribution_id", "Contribution", "count"),
        Column("amount", "Requested", "money", total=True),
        Column("paid", "Paid", "money", total=True),
        Column("outstanding", "Outstanding", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def drawdown_payments(title: str, drawdown: DrawdownRead) -> Listing:
    """What the authority has paid against a request, reversals marked."""
    rows = [
        {
            "on": payment.on,
            "reference": payment.reference,
            "amount": sum((line.amount for line in payment.lines), Decimal("0.00")),
            "recorded_by": payment.recorded_by,
            "reversed_on": payment.reversed_on,
        }
        for payment in drawdown.payments
    ]
    columns = [
        Column("on", "Date", "date"),
        Column("reference", "Reference"),
        Column("amount", "Amount", "money"),
        Column("recorded_by", "Recorded by"),
        Column("reversed_on", "Reversed", "date"),
    ]
    return Listing(title=title, columns=columns, rows=rows)


def invoice_charges(title: str, spend: SpendRead, names: Mapping[str, str]) -> Listing:
    """The contributions an invoice is charged to."""
    rows = [
        {
            "contribution_id": charge.contribution_id,
            "authority": names.get(charge.local_authority_id, ""),
            "amount": charge.amount,
        }
        for charge in spend.charges
    ]
    columns = [
        Column("contribution_id", "Contribution", "count"),
        Column("authority", "Local authority"),
        Column("amount", "Charged", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def bid_summary(title: str, rows: Sequence[Any], names: Mapping[str, str]) -> Listing:
    """Bids by authority and year consulted: how many, how much bid, secured and received, with a total row."""
    shown = [
        {
            "authority": names.get(row.local_authority_id, row.local_authority_id),
            "year": str(row.year),
            "bids": row.bids,
            "secured_bids": row.secured_bids,
            "amount_bid": row.amount_bid,
            "secured": row.secured,
            "received": row.received,
            "drawn": row.drawn,
        }
        for row in rows
    ]
    columns = [
        Column("authority", "Local authority"),
        Column("year", "Year consulted"),
        Column("bids", "Bids", "count", total=True),
        Column("secured_bids", "Secured", "count", total=True),
        Column("amount_bid", "Amount bid", "money", total=True),
        Column("secured", "Secured in agreements", "money", total=True),
        Column("received", "Received so far", "money", total=True),
        Column("drawn", "Drawn by the force", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=shown, totals=True)


def investment_items(title: str, items: Sequence[Any]) -> Listing:
    """The investment list with each item's S106 money and what is still to find, and a total row."""
    rows = [
        {
            "name": item.name,
            "category": label(item.category),
            "strategy_reference": item.strategy_reference,
            "status": label(item.status),
            "priority": item.priority,
            "estimate": item.estimate,
            "identified": item.figures.identified,
            "requested": item.figures.requested,
            "received": item.figures.received,
            "spent": item.figures.spent,
            "to_find": item.to_find,
        }
        for item in items
    ]
    money = [
        ("estimate", "Estimate"),
        ("identified", "Identified"),
        ("requested", "Requested"),
        ("received", "Received"),
        ("spent", "Spent"),
        ("to_find", "Still to find"),
    ]
    columns = [
        Column("name", "Item"),
        Column("category", "Capital category"),
        Column("strategy_reference", "Strategy reference"),
        Column("status", "Status"),
        Column("priority", "Priority", "count"),
        *(Column(key, heading, "money", total=True) for key, heading in money),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def repurposing_candidates(title: str, found: Sequence[CandidateRead], names: Mapping[str, str]) -> Listing:
    """Contributions whose purpose no longer fits, with their unspent money and deadline, and a total row."""
    rows = [
        {
            "contribution_id": candidate.contribution_id,
            "authority": names.get(candidate.local_authority_id, candidate.local_authority_id),
            "agreement": candidate.agreement_reference,
            "purpose": label(candidate.purpose),
            "unspent": candidate.unspent,
            "held_by_local_authority": candidate.held_by_local_authority,
            "unspent_drawn": candidate.unspent_drawn,
            "deadline": candidate.deadline,
            "reasons": "; ".join(candidate.reasons),
            "projects": "; ".join(candidate.projects),
        }
        for candidate in found
    ]
    columns = [
        Column("contribution_id", "Contribution", "count"),
        Column("authority", "Local authority"),
        Column("agreement", "Agreement"),
        Column("purpose", "Purpose"),
        Column("unspent", "Unspent", "money", total=True),
        Column("held_by_local_authority", "Held by the authority", "money", total=True),
        Column("unspent_drawn", "Drawn, unspent", "money", total=True),
        Column("deadline", "Soonest deadline", "date"),
        Column("reasons", "Why it no longer fits"),
        Column("projects", "Projects"),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def panel_projects(title: str, found: PanelProjects, names: Mapping[str, str]) -> Listing:
    """Every project at the Panel's level: estimate, money and what is still to find, with a total row."""
    rows = [
        {
            "name": project.name,
            "funding": label(project.funding),
            "authority": names.get(project.local_authority_id or "", "Several (pooled)"),
            "category": label(project.category),
            "stage": label(project.stage),
            "investment_item": project.investment_item or "",
            "estimate_high": project.estimate_high,
            "identified": project.totals.identified,
            "requested": project.totals.requested,
            "received": project.totals.received,
            "spent": project.totals.spent,
            "gap": project.gap,
        }
        for project in found.rows
    ]
    money = [
        ("estimate_high", "Estimate"),
        ("identified", "Identified"),
        ("requested", "Requested"),
        ("received", "Received"),
        ("spent", "Spent"),
        ("gap", "Still to find"),
    ]
    columns = [
        Column("name", "Project"),
        Column("funding", "Funding"),
        Column("authority", "Local authority"),
        Column("category", "Capital category"),
        Column("stage", "Stage"),
        Column("investment_item", "Investment item"),
        *(Column(key, heading, "money", total=True) for key, heading in money),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


def panel_deadlines(title: str, found: PanelDeadlines, names: Mapping[str, str]) -> Listing:
    """Unspent money with a repayment deadline by authority and how soon it falls, with a total row."""
    rows = [
        {"authority": names.get(row.local_authority_id, row.local_authority_id), **row.model_dump()}
        for row in found.rows
    ]
    columns = [
        Column("authority", "Local authority"),
        Column("passed", "Deadline passed", "money", total=True),
        Column("within_one_year", "Within a year", "money", total=True),
        Column("one_to_two_years", "In 1 to 2 years", "money", total=True),
        Column("two_to_five_years", "In 2 to 5 years", "money", total=True),
        Column("later", "Later", "money", total=True),
        Column("receipts", "Receipts", "count", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)


WATCH_KINDS = {"near_threshold": "Near its threshold", "near_date": "Near its date", "overdue": "Due, not paid"}


def instalment_watch(title: str, items: Sequence[Any], names: Mapping[str, str]) -> Listing:
    """The watch list: instalments near their trigger, and instalments due but unpaid, with a total row."""
    rows = [
        {
            "kind": WATCH_KINDS[item.kind],
            "authority": names.get(item.local_authority_id, item.local_authority_id),
            "agreement": item.agreement_reference,
            "contribution_id": item.contribution_id,
            "instalment": f"{item.instalment_position}: {item.trigger_words}",
            "reason": item.reason,
            "on": item.on,
            "value": item.value,
            "unpaid": item.unpaid,
        }
        for item in items
    ]
    columns = [
        Column("kind", "Watched"),
        Column("authority", "Local authority"),
        Column("agreement", "Agreement"),
        Column("contribution_id", "Contribution", "count"),
        Column("instalment", "Instalment"),
        Column("reason", "Why"),
        Column("on", "Date", "date"),
        Column("value", "Worth", "money", total=True),
        Column("unpaid", "Not yet paid", "money", total=True),
    ]
    links = [
        {
            "contribution_id": f"/web/contributions/{item.contribution_id}",
            "agreement": f"/web/agreements/{item.agreement_id}/progress",
        }
        for item in items
    ]
    return Listing(title=title, columns=columns, rows=rows, links=links, totals=True)


BAND_HEADINGS = {
    "held_by_local_authority": "Held by the authority",
    "trigger_met": "Trigger met",
    "trigger_expected": "Trigger expected (recorded build rate or its date)",
    "speculative": "Speculative (assumed build rate, at risk or undated)",
}


def forecast(title: str, report: Forecast) -> Listing:
    """The forecast for finance: per financial year, the money not yet drawn by band of certainty, the money
    drawn but unspent, and a last row for what no year holds (at risk or undated), with a total row."""
    rows: list[dict[str, Any]] = []
    for year in report.years:
        bands: dict[str, Any] = {band.band: band.amount for band in year.bands}
        rows.append(
            {
                "financial_year": year.financial_year,
                **bands,
                "not_yet_drawn": year.not_yet_drawn,
                "drawn_unspent": year.drawn_unspent,
                "total": year.total,
            }
        )
    undated: dict[str, Any] = dict.fromkeys(BAND_HEADINGS, Decimal("0.00"))
    undated.update({band.band: band.amount for band in report.undated})
    rows.append(
        {
            "financial_year": "No year (at risk or undated)",
            **undated,
            "not_yet_drawn": sum(undated.values(), Decimal("0.00")),
            "total": sum(undated.values(), Decimal("0.00")),
        }
    )
    columns = [
        Column("financial_year", "Financial year"),
        *(Column(band, heading, "money", total=True) for band, heading in BAND_HEADINGS.items()),
        Column("not_yet_drawn", "Not yet drawn", "money", total=True),
        Column("drawn_unspent", "Drawn, not yet spent", "money", total=True),
        Column("total", "Available", "money", total=True),
    ]
    return Listing(title=title, columns=columns, rows=rows, totals=True)
