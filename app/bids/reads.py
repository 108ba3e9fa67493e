"""What the bid routes and pages return: bids with their workings and, once secured, their money from the ledger."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.bids import service
from app.bids.formula import per_dwelling
from app.bids.schemas import BidRead, BidSummary, FormulaLineRead, FormulaRead, SummaryFigures, SummaryRow
from app.ledger.expressions import sum_of
from app.models import Bid, BidFormula, Contribution, Movement, MovementKind
from app.money import ZERO, to_money


@dataclass(frozen=True)
class AgreementMoney:
    """An agreement's money as the ledger has it today: the sum secured, what was received of it and drawn."""

    secured: Decimal
    received: Decimal
    drawn: Decimal


def agreement_money(session: Session, *, agreement_ids: list[int]) -> dict[int, AgreementMoney]:
    """Secured, received and drawn per agreement, summed over its contributions' movements (one query)."""
    if not agreement_ids:
        return {}
    rows = session.execute(
        select(
            Contribution.agreement_id,
            sum_of(MovementKind.secured),
            sum_of(MovementKind.received),
            sum_of(MovementKind.drawn),
        )
        .join(Contribution, Contribution.id == Movement.contribution_id)
        .where(Contribution.agreement_id.in_(agreement_ids))
        .group_by(Contribution.agreement_id)
    )
    return {row[0]: AgreementMoney(to_money(row[1]), to_money(row[2]), to_money(row[3])) for row in rows}


def formula_model(formula: BidFormula) -> FormulaRead:
    """A formula version with its items."""
    return FormulaRead(
        id=formula.id,
        name=formula.name,
        version=formula.version,
        base_date=formula.base_date,
        index_series=formula.index_series,
        items=[
            FormulaLineRead(
                item=line.item,
                cost_per_dwelling=line.cost_per_dwelling,
                cost_per_house=line.cost_per_house,
                cost_per_flat=line.cost_per_flat,
                assumption=line.assumption,
            )
            for line in formula.items
        ],
        per_dwelling=per_dwelling(formula),
        notes=formula.notes,
        created_at=formula.created_at,
        created_by=formula.created_by,
    )


def _formulas(session: Session, formula_ids: set[int]) -> dict[int, BidFormula]:
    """The formula versions with their items, loaded together."""
    if not formula_ids:
        return {}
    query = select(BidFormula).where(BidFormula.id.in_(formula_ids)).options(selectinload(BidFormula.items))
    return {row.id: row for row in session.scalars(query)}


def read_models(session: Session, bids: list[Bid]) -> list[BidRead]:
    """Bids with their workings and their agreements' money, in a fixed number of queries."""
    formulas = _formulas(session, {bid.formula_id for bid in bids if bid.formula_id is not None})
    money = agreement_money(session, agreement_ids=[bid.agreement_id for bid in bids if bid.agreement_id])
    result = []
    for bid in bids:
        formula = formulas.get(bid.formula_id) if bid.formula_id is not None else None
        secured = money.get(bid.agreement_id) if bid.agreement_id is not None else None
        result.append(
            BidRead(
                id=bid.id,
                local_authority_id=bid.local_authority_id,
                application_reference=bid.application_reference,
                site=bid.site,
                dwellings=bid.dwellings,
                houses=bid.houses,
                flats=bid.flats,
                consulted_on=bid.consulted_on,
                respond_by=bid.respond_by,
                responded_on=bid.responded_on,
                response=bid.response,
                formula_id=bid.formula_id,
                amount_bid=bid.amount_bid,
                workings=service.workings_of(bid, formula) if formula is not None else None,
                necessary=bid.necessary,
                directly_related=bid.directly_related,
                fairly_related=bid.fairly_related,
                heads_of_terms=bid.heads_of_terms,
                outcome=bid.outcome,
                outcome_on=bid.outcome_on,
                agreement_id=bid.agreement_id,
                secured=(secured.secured if secured else ZERO) if bid.agreement_id is not None else None,
                received=(secured.received if secured else ZERO) if bid.agreement_id is not None else None,
                notes=bid.notes,
                created_at=bid.created_at,
                created_by=bid.created_by,
            )
        )
    return result


def read_one(session: Session, bid: Bid) -> BidRead:
    """One bid as the routes return it."""
    return read_models(session, [bid])[0]


def summary(session: Session, *, scope: str | None, year: int | None) -> BidSummary:
    """Per authority and year consulted: bids, how much was bid, secured in agreements, received and drawn so far."""
    bids = service.all_readable_bids(session=session, scope=scope)
    if year is not None:
        bids = [bid for bid in bids if bid.consulted_on.year == year]
    money = agreement_money(session, agreement_ids=[bid.agreement_id for bid in bids if bid.agreement_id])
    groups: dict[tuple[str, int], list[Bid]] = defaultdict(list)
    for bid in bids:
        groups[(bid.local_authority_id, bid.consulted_on.year)].append(bid)

    def figures(group: list[Bid]) -> SummaryFigures:
        linked = [money[bid.agreement_id] for bid in group if bid.agreement_id in money]
        return SummaryFigures(
            bids=len(group),
            secured_bids=sum(1 for bid in group if bid.agreement_id is not None),
            amount_bid=sum((bid.amount_bid or ZERO for bid in group), ZERO),
            secured=sum((part.secured for part in linked), ZERO),
            received=sum((part.received for part in linked), ZERO),
            drawn=sum((part.drawn for part in linked), ZERO),
        )

    rows = [
        SummaryRow(local_authority_id=authority, year=consulted, **figures(group).model_dump())
        for (authority, consulted), group in sorted(groups.items())
    ]
    return BidSummary(rows=rows, totals=figures(bids))
