"""Bids: consultations on planning applications, the force's bid, its outcome, and the agreement it became."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import scoping
from app.agreements.schemas import AgreementCreate
from app.agreements.service import create_agreement
from app.auth.service import Principal
from app.bids.formula import Mix, work_out
from app.bids.schemas import (
    BidAgreementCreate,
    BidCreate,
    BidUpdate,
    FormulaCreate,
    IndexApplied,
    OutcomeCreate,
    Workings,
)
from app.contributions.service import create_contribution
from app.errors import ConflictError, NotFoundError, RuleError
from app.indexation.service import latest_value, month_before, value_of
from app.local_authorities.service import get_local_authority
from app.models import Bid, BidFormula, BidFormulaLine, BidOutcome, Contribution


def get_formula(*, session: Session, formula_id: int, field: str = "formula_id") -> BidFormula:
    """One formula version."""
    formula = session.get(BidFormula, formula_id)
    if formula is None:
        raise NotFoundError(f"no bid formula {formula_id}", field=field)
    return formula


def list_formulas(*, session: Session, limit: int, offset: int) -> tuple[list[BidFormula], int]:
    """Every formula version, by name and then newest version first."""
    total = session.scalar(select(func.count()).select_from(BidFormula)) or 0
    rows = session.scalars(
        select(BidFormula).order_by(BidFormula.name, BidFormula.version.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def create_formula(*, session: Session, principal: Principal, data: FormulaCreate) -> BidFormula:
    """Add a formula version; a name already used gets its next version, and the older ones stay as they were."""
    items = [line.item for line in data.items]
    if len(items) != len(set(items)):
        raise RuleError("each item appears once in a formula version", field="items")
    if data.index_series is not None:
        base_month = month_before(data.base_date)
        if value_of(session, data.index_series, base_month) is None:
            raise RuleError(
                f"{data.index_series} has no value for {base_month:%Y-%m}, the month before the base date; "
                "load it first",
                field="index_series",
            )
    latest = session.scalar(select(func.max(BidFormula.version)).where(BidFormula.name == data.name)) or 0
    formula = BidFormula(
        name=data.name,
        version=latest + 1,
        base_date=data.base_date,
        index_series=data.index_series,
        notes=data.notes,
        created_by=principal.label,
    )
    formula.items = [BidFormulaLine(**line.model_dump()) for line in data.items]
    session.add(formula)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            f"version {latest + 1} of {data.name!r} was added at the same time; send it again for the next version",
            field="name",
        ) from error
    return formula


def get_bid(*, session: Session, bid_id: int, scope: str | None, lock: bool = False) -> Bid:
    """One bid; another authority's is as absent as an unknown id."""
    query = scoping.readable_bids(scope).where(Bid.id == bid_id)
    if lock:
        query = query.with_for_update()
    bid = session.scalar(query)
    if bid is None:
        raise NotFoundError(f"no bid {bid_id}", field="bid_id")
    return bid


def list_bids(
    *,
    session: Session,
    scope: str | None,
    local_authority_id: str | None,
    outcome: BidOutcome | None,
    open_only: bool,
    limit: int,
    offset: int,
) -> tuple[list[Bid], int]:
    """Bids the caller may see, filtered, most recently consulted first."""
    query = scoping.readable_bids(scope)
    if local_authority_id:
        query = query.where(Bid.local_authority_id == local_authority_id)
    if outcome is not None:
        query = query.where(Bid.outcome == outcome)
    if open_only:
        query = query.where(Bid.outcome.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Bid.consulted_on.desc(), Bid.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def all_readable_bids(*, session: Session, scope: str | None) -> list[Bid]:
    """Every bid the caller may see (for the summary)."""
    return list(session.scalars(scoping.readable_bids(scope).order_by(Bid.id)))


def _check_dates(consulted_on: date, respond_by: date | None, responded_on: date | None) -> None:
    if consulted_on > date.today():
        raise RuleError(f"consulted_on {consulted_on} is after today", field="consulted_on")
    if respond_by is not None and respond_by < consulted_on:
        raise RuleError(f"respond_by {respond_by} is before the consultation on {consulted_on}", field="respond_by")
    if responded_on is not None and responded_on < consulted_on:
        raise RuleError(
            f"responded_on {responded_on} is before the consultation on {consulted_on}", field="responded_on"
        )
    if responded_on is not None and responded_on > date.today():
        raise RuleError(f"responded_on {responded_on} is after today", field="responded_on")


def _refuse_both(formula_id: int | None, amount_bid: Decimal | None) -> None:
    if formula_id is not None and amount_bid is not None:
        raise RuleError(
            "a bid worked out with a formula takes its amount from it; send formula_id or amount_bid, not both",
            field="amount_bid",
        )


def mix_of(dwellings: int, houses: int | None, flats: int | None) -> Mix:
    """The application's mix: houses and flats that add up to the dwellings (one given, the other is the rest)."""
    if houses is None and flats is None:
        return Mix(dwellings)
    houses = dwellings - (flats or 0) if houses is None else houses
    flats = dwellings - houses if flats is None else flats
    if houses < 0 or flats < 0 or houses + flats != dwellings:
        raise RuleError(
            f"houses ({houses}) and flats ({flats}) must add up to the {dwellings} dwellings",
            field="houses" if houses < 0 or houses > dwellings else "flats",
        )
    return Mix(dwellings, houses, flats)


def index_applied(session: Session, formula: BidFormula, calculated_on: date) -> IndexApplied | None:
    """The index values that move the formula's costs to the calculation date; None if it is not index-linked."""
    if formula.index_series is None:
        return None
    base_month = month_before(formula.base_date)
    base_value = value_of(session, formula.index_series, base_month)
    if base_value is None:
        raise RuleError(
            f"{formula.index_series} has no value for {base_month:%Y-%m}; load it first", field="formula_id"
        )
    wanted = month_before(calculated_on)
    found = latest_value(session, formula.index_series, wanted)
    if found is None:
        raise RuleError(
            f"{formula.index_series} has no value for {wanted:%Y-%m} or before; load it first", field="calculated_on"
        )
    return IndexApplied(
        series=formula.index_series, base_month=base_month, base_value=base_value, month=found[0], value=found[1]
    )


def stored_index(bid: Bid, formula: BidFormula) -> IndexApplied | None:
    """The index values a bid was worked out with, as it keeps them."""
    if formula.index_series is None or bid.index_value is None or bid.index_base_value is None:
        return None
    assert bid.index_month is not None
    return IndexApplied(
        series=formula.index_series,
        base_month=month_before(formula.base_date),
        base_value=bid.index_base_value,
        month=bid.index_month,
        value=bid.index_value,
    )


def workings_of(bid: Bid, formula: BidFormula) -> Workings:
    """A bid's workings from what it keeps: its formula version, its mix and the index values applied then."""
    mix = Mix(bid.dwellings, bid.houses, bid.flats)
    return work_out(formula, mix, index=stored_index(bid, formula), calculated_on=bid.calculated_on)


def _price(session: Session, bid: Bid) -> None:
    """Work the amount out from the bid's formula version, keeping the date and the index values applied."""
    if bid.formula_id is None:
        bid.calculated_on = bid.index_month = bid.index_value = bid.index_base_value = None
        return
    if bid.calculated_on is not None and bid.calculated_on > date.today():
        raise RuleError(f"calculated_on {bid.calculated_on} is after today", field="calculated_on")
    formula = get_formula(session=session, formula_id=bid.formula_id)
    bid.calculated_on = bid.calculated_on or date.today()
    index = index_applied(session, formula, bid.calculated_on)
    bid.index_month = index.month if index else None
    bid.index_value = index.value if index else None
    bid.index_base_value = index.base_value if index else None
    bid.amount_bid = workings_of(bid, formula).total


def _ensure_reference_free(session: Session, local_authority_id: str, reference: str) -> None:
    clash = session.scalar(
        select(Bid.id).where(Bid.local_authority_id == local_authority_id, Bid.application_reference == reference)
    )
    if clash is not None:
        raise ConflictError(
            f"{local_authority_id} already has a bid on application {reference!r} (bid {clash})",
            field="application_reference",
        )


def _flush_new(session: Session, bid: Bid) -> None:
    """Write the bid; a concurrent request that took the same reference first makes this a conflict."""
    try:
        with session.begin_nested():
            session.add(bid)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            f"a bid on application {bid.application_reference!r} was recorded at the same time",
            field="application_reference",
        ) from error


def create_bid(*, session: Session, principal: Principal, data: BidCreate) -> Bid:
    """Record a consultation and the force's bid; its reference must be new within its authority."""
    get_local_authority(session=session, local_authority_id=data.local_authority_id, scope=principal.scope)
    _check_dates(data.consulted_on, data.respond_by, data.responded_on)
    _refuse_both(data.formula_id, data.amount_bid)
    mix = mix_of(data.dwellings, data.houses, data.flats)
    values = data.model_dump() | {"houses": mix.houses, "flats": mix.flats}
    if data.formula_id is None:
        values["calculated_on"] = None
    _ensure_reference_free(session, data.local_authority_id, data.application_reference)
    bid = Bid(**values, created_by=principal.label)
    _price(session, bid)
    _flush_new(session, bid)
    return bid


def _refuse_if_ended(bid: Bid) -> None:
    if bid.outcome is not None:
        raise ConflictError(
            f"bid {bid.id} ended ({bid.outcome.value.replace('_', ' ')} on {bid.outcome_on}); it no longer changes",
            field="bid_id",
        )


def update_bid(*, session: Session, bid_id: int, data: BidUpdate) -> Bid:
    """Change an open bid; a change of formula, dwellings, mix or calculation date works its amount out again."""
    bid = get_bid(session=session, bid_id=bid_id, scope=None, lock=True)
    _refuse_if_ended(bid)
    changes = data.model_dump(exclude_unset=True)
    for name in ("site", "dwellings"):
        if name in changes and changes[name] is None:
            raise RuleError(f"{name} cannot be emptied", field=name)
    _refuse_both(changes.get("formula_id"), changes.get("amount_bid"))
    if changes.get("amount_bid") is not None:
        changes["formula_id"] = None
    repriced = any(name in changes for name in ("formula_id", "dwellings", "houses", "flats", "calculated_on"))
    for name, value in changes.items():
        setattr(bid, name, value)
    mix = mix_of(bid.dwellings, bid.houses, bid.flats)
    bid.houses, bid.flats = mix.houses, mix.flats
    _check_dates(bid.consulted_on, bid.respond_by, bid.responded_on)
    if repriced:
        _price(session, bid)
    session.flush()
    return bid


def record_outcome(*, session: Session, bid_id: int, data: OutcomeCreate) -> Bid:
    """End a bid without an agreement: refused, withdrawn or lost at appeal."""
    bid = get_bid(session=session, bid_id=bid_id, scope=None, lock=True)
    if data.outcome is BidOutcome.secured:
        raise RuleError(
            f"a secured bid is recorded by making its agreement: POST /bids/{bid_id}/agreement", field="outcome"
        )
    _refuse_if_ended(bid)
    if data.on < bid.consulted_on:
        raise RuleError(f"on {data.on} is before the consultation on {bid.consulted_on}", field="on")
    if data.on > date.today():
        raise RuleError(f"on {data.on} is after today", field="on")
    bid.outcome = data.outcome
    bid.outcome_on = data.on
    if data.note:
        bid.notes = f"{bid.notes}\n{data.note}" if bid.notes else data.note
    session.flush()
    return bid


def make_agreement(
    *, session: Session, principal: Principal, bid_id: int, data: BidAgreementCreate
) -> tuple[Bid, list[Contribution]]:
    """Mark the bid secured and record its agreement and contributions, each through its own service."""
    bid = get_bid(session=session, bid_id=bid_id, scope=principal.scope, lock=True)
    _refuse_if_ended(bid)
    if data.signed_on < bid.consulted_on:
        raise RuleError(
            f"signed_on {data.signed_on} is before the consultation on {bid.consulted_on}", field="signed_on"
        )
    agreement = create_agreement(
        session=session,
        principal=principal,
        data=AgreementCreate(
            local_authority_id=bid.local_authority_id,
            reference=data.reference or bid.application_reference,
            site=bid.site,
            developer=data.developer,
            signed_on=data.signed_on,
            dwellings=bid.dwellings,
            notes=data.notes,
        ),
    )
    agreement.planning_application = bid.application_reference
    contributions = [
        create_contribution(session=session, principal=principal, agreement_id=agreement.id, data=contribution)
        for contribution in data.contributions
    ]
    bid.outcome = BidOutcome.secured
    bid.outcome_on = data.signed_on
    bid.agreement_id = agreement.id
    session.flush()
    return bid, contributions
