"""Every balance in the service, derived from the ledger by SQL aggregation as at a date.

Stages of a contribution's money as at a date:
  total_value = secured + indexation + variation - written_off
  received_by_local_authority, drawn, spent, returned = sums of their movements
  unreceived = total_value - received, which sits in exactly one of
    at_risk (latest at_risk event not cleared), held_by_developer (development started or
    trigger met, or payable on signing) or not_started
  held_by_local_authority = received - drawn - returned
  unspent_drawn = drawn - spent;  remaining = total_value - spent
The sums over movements and their sign come from the ledger core (app/ledger/); this module groups them.
"""

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Date,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app import scoping
from app.ledger import rollup
from app.ledger.expressions import AsAt, Ids, held, movement_sums, zero
from app.ledger.figures import (
    ContributionTotals,
    DatedSum,
    LedgerPoint,
    Receipt,
    consumed_by_contribution,
    contribution_totals,
    dated_sums,
    paid_by_line,
    paid_per_line,
    receipts,
    running_totals,
    secured_amounts,
    spent_for_projects,
)
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    DrawdownLine,
    DrawdownRequest,
    DrawdownStatus,
    EventKind,
    LocalAuthority,
    ProjectAllocation,
    Purpose,
    Regime,
    TriggerType,
)
from app.money import ZERO, to_money

__all__ = [
    "ContributionTotals",
    "DatedSum",
    "LedgerPoint",
    "Receipt",
    "consumed_by_contribution",
    "contribution_totals",
    "dated_sums",
    "paid_by_line",
    "receipts",
    "running_totals",
    "secured_amounts",
    "spent_for_projects",
]

MONEY_COLUMNS = (
    "total_value",
    "not_started",
    "held_by_developer",
    "at_risk",
    "held_by_local_authority",
    "received_by_local_authority",
    "drawn",
    "spent",
    "unspent_drawn",
    "returned",
    "remaining",
)


class GroupBy(enum.StrEnum):
    """How balance rows are grouped."""

    local_authority = "local_authority"
    purpose = "purpose"
    agreement = "agreement"
    contribution = "contribution"


@dataclass(frozen=True)
class BalanceFilter:
    """Which contributions a balance covers."""

    local_authority_id: str | None = None
    agreement_ids: tuple[int, ...] | BindParameter[Any] | None = None
    contribution_ids: tuple[int, ...] | BindParameter[Any] | Select[Any] | None = None
    purpose: Purpose | None = None
    open_only: bool = False


@dataclass
class Balance:
    """One row of balances: a group's key and its money in every stage."""

    key: str
    label: str
    total_value: Decimal = ZERO
    not_started: Decimal = ZERO
    held_by_developer: Decimal = ZERO
    at_risk: Decimal = ZERO
    held_by_local_authority: Decimal = ZERO
    received_by_local_authority: Decimal = ZERO
    drawn: Decimal = ZERO
    spent: Decimal = ZERO
    unspent_drawn: Decimal = ZERO
    returned: Decimal = ZERO
    remaining: Decimal = ZERO
    agreements: int = 0
    open_agreements: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def event_dates(as_at: AsAt, contribution_ids: Ids | None = None) -> Subquery:
    """Per contribution: the latest start, at-risk and cleared dates as at the date."""

    def latest(*kinds: EventKind) -> ColumnElement[date]:
        # Equalities, not IN, as in the ledger's sums: nothing to rewrite per execution.
        of_kinds = or_(*(ContributionEvent.kind == kind for kind in kinds))
        return func.max(case((of_kinds, ContributionEvent.on), else_=None))

    query = (
        select(
            ContributionEvent.contribution_id.label("contribution_id"),
            latest(EventKind.development_started, EventKind.trigger_met).label("started_on"),
            latest(EventKind.at_risk).label("at_risk_on"),
            latest(EventKind.at_risk_cleared).label("cleared_on"),
        )
        .where(ContributionEvent.on <= as_at)
        .group_by(ContributionEvent.contribution_id)
    )
    if contribution_ids is not None:
        query = query.where(ContributionEvent.contribution_id.in_(contribution_ids))
    return query.subquery("event_dates")


def contribution_stages(as_at: AsAt, where: BalanceFilter) -> Subquery:
    """Per contribution: every stage's money as at the date, with the keys to group it by."""
    return _stages_select(as_at, where).subquery("contribution_stages")


def _narrowed_contributions(where: BalanceFilter) -> Ids | None:
    """The contributions a filter narrows to, so the ledger is summed only for them."""
    if where.contribution_ids is not None:
        return where.contribution_ids
    if where.agreement_ids is not None:
        return select(Contribution.id).where(Contribution.agreement_id.in_(where.agreement_ids))
    if where.local_authority_id is not None:
        return (
            select(Contribution.id)
            .join(Agreement, Agreement.id == Contribution.agreement_id)
            .where(scoping.agreement(where.local_authority_id))
        )
    return None


def stage_figures(
    sums: Subquery, events: Subquery, trigger_type: Any = Contribution.trigger_type
) -> list[ColumnElement[Any]]:
    """A contribution's STAGE_COLUMNS from its `movement_sums` and `event_dates` rows, and its trigger's type."""
    unreceived = sums.c.total_value - sums.c.received
    is_at_risk = and_(
        events.c.at_risk_on.is_not(None),
        or_(events.c.cleared_on.is_(None), events.c.at_risk_on > events.c.cleared_on),
    )
    is_started = or_(events.c.started_on.is_not(None), trigger_type == TriggerType.on_signing)
    return [
        sums.c.total_value,
        case((is_at_risk, zero()), (is_started, zero()), else_=unreceived).label("not_started"),
        case((is_at_risk, zero()), (is_started, unreceived), else_=zero()).label("held_by_developer"),
        case((is_at_risk, unreceived), else_=zero()).label("at_risk"),
        sums.c.received,
        sums.c.drawn,
        sums.c.spent,
        sums.c.returned,
    ]


def _stages_select(as_at: AsAt, where: BalanceFilter) -> Select[Any]:
    narrowed = _narrowed_contributions(where)
    sums = movement_sums(as_at, narrowed)
    events = event_dates(as_at, narrowed)
    is_open = or_(Agreement.closed_on.is_(None), Agreement.closed_on > as_at)
    query = (
        select(
            Contribution.id.label("contribution_id"),
            Contribution.agreement_id.label("agreement_id"),
            Contribution.purpose.label("purpose"),
            Agreement.local_authority_id.label("local_authority_id"),
            Agreement.reference.label("agreement_reference"),
            case((is_open, 1), else_=0).label("is_open"),
            *stage_figures(sums, events),
        )
        .join(sums, sums.c.contribution_id == Contribution.id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .outerjoin(events, events.c.contribution_id == Contribution.id)
        .where(Agreement.signed_on <= as_at)
    )
    if where.local_authority_id is not None:
        query = query.where(scoping.agreement(where.local_authority_id))
    if where.agreement_ids is not None:
        query = query.where(Contribution.agreement_id.in_(where.agreement_ids))
    if where.contribution_ids is not None:
        query = query.where(Contribution.id.in_(where.contribution_ids))
    if where.purpose is not None:
        query = query.where(Contribution.purpose == where.purpose)
    if where.open_only:
        query = query.where(is_open)
    return query


def _aggregates(stages: Subquery | CTE) -> list[ColumnElement[Any]]:
    def total(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(column), 0)

    c = stages.c
    return [
        total(c.total_value).label("total_value"),
        total(c.not_started).label("not_started"),
        total(c.held_by_developer).label("held_by_developer"),
        total(c.at_risk).label("at_risk"),
        held(total(c.received), total(c.drawn), total(c.returned)).label("held_by_local_authority"),
        total(c.received).label("received_by_local_authority"),
        total(c.drawn).label("drawn"),
        total(c.spent).label("spent"),
        (total(c.drawn) - total(c.spent)).label("unspent_drawn"),
        total(c.returned).label("returned"),
        (total(c.total_value) - total(c.spent)).label("remaining"),
        func.count(distinct(c.agreement_id)).label("agreements"),
        func.count(distinct(case((c.is_open == 1, c.agreement_id), else_=None))).label("open_agreements"),
    ]


def _grouped_query(group_by: GroupBy, stages: Subquery | CTE, where: BalanceFilter) -> tuple[Select[Any], list[Any]]:
    """The grouped balances, unordered, and the columns that order them."""
    c = stages.c
    aggregates = _aggregates(stages)
    if group_by is GroupBy.local_authority:
        # Every authority the caller may see gets a row, with zeros where it holds nothing.
        query = (
            select(
                LocalAuthority.id.label("key"),
                LocalAuthority.name.label("label"),
                LocalAuthority.id.label("local_authority_id"),
                *aggregates,
            )
            .outerjoin(stages, stages.c.local_authority_id == LocalAuthority.id)
            .group_by(LocalAuthority.id, LocalAuthority.name)
        )
        if where.local_authority_id is not None:
            query = query.where(scoping.local_authority(where.local_authority_id))
        return query, [LocalAuthority.name, LocalAuthority.id]
    if group_by is GroupBy.purpose:
        query = select(c.purpose.label("key"), c.purpose.label("label"), c.purpose.label("purpose"), *aggregates)
        return query.group_by(c.purpose), [c.purpose]
    if group_by is GroupBy.agreement:
        query = select(
            c.agreement_id.label("key"),
            c.agreement_reference.label("label"),
            c.agreement_id.label("agreement_id"),
            c.local_authority_id.label("local_authority_id"),
            *aggregates,
        ).group_by(c.agreement_id, c.agreement_reference, c.local_authority_id)
        return query, [c.agreement_id]
    query = select(
        c.contribution_id.label("key"),
        c.purpose.label("label"),
        c.contribution_id.label("contribution_id"),
        c.purpose.label("purpose"),
        c.agreement_id.label("agreement_id"),
        c.local_authority_id.label("local_authority_id"),
        *aggregates,
    ).group_by(c.contribution_id, c.purpose, c.agreement_id, c.local_authority_id)
    return query, [c.contribution_id]


_EXTRA_KEYS = ("local_authority_id", "agreement_id", "contribution_id", "purpose")
_ROW_COLUMNS = (*MONEY_COLUMNS, "agreements", "open_agreements")


def _to_balance(row: Any) -> Balance:
    mapping = row._mapping
    key = mapping["key"]
    label = mapping["label"]
    balance = Balance(
        key=str(key.value if isinstance(key, enum.Enum) else key),
        label=str(label.value if isinstance(label, enum.Enum) else label),
        agreements=int(mapping["agreements"] or 0),
        open_agreements=int(mapping["open_agreements"] or 0),
        extra={name: mapping[name] for name in _EXTRA_KEYS if name in mapping},
    )
    for name in MONEY_COLUMNS:
        setattr(balance, name, to_money(mapping[name]))
    return balance


def balances(
    session: Session,
    *,
    group_by: GroupBy,
    as_at: date,
    where: BalanceFilter = BalanceFilter(),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Balance], Balance, int]:
    """Grouped balance rows (a page of them), the totals row over every group, and the group count.

    One statement: the per-contribution stages are computed once (a materialised CTE), then grouped
    for the page (with the group count as a window) and summed for the totals row, joined by UNION ALL.
    """
    stages = _stages_select(as_at, where).cte("contribution_stages").prefix_with("MATERIALIZED")
    grouped, order = _grouped_query(group_by, stages, where)
    page_query = grouped.add_columns(
        func.count().over().label("total_rows"),
        func.row_number().over(order_by=order).label("position"),
    ).order_by(*order)
    if limit is not None:
        page_query = page_query.limit(limit).offset(offset)
    page = page_query.subquery("page")
    names = [name for name in _ROW_COLUMNS if name in page.c]
    extras = [page.c[name] if name in page.c else null() for name in _EXTRA_KEYS]
    rows_part = select(
        cast(page.c.key, String).label("key"),
        cast(page.c.label, String).label("label"),
        *[extra.label(name) for extra, name in zip(extras, _EXTRA_KEYS, strict=True)],
        *[page.c[name] for name in names],
        page.c.total_rows,
        page.c.position,
    )
    totals_part = select(
        literal("total").label("key"),
        literal("Total").label("label"),
        *[null().label(name) for name in _EXTRA_KEYS],
        *_aggregates(stages),
        null().label("total_rows"),
        null().label("position"),
    )
    result: list[Any] = list(session.execute(union_all(rows_part, totals_part)))
    page_rows = sorted((row for row in result if row.position is not None), key=lambda row: row.position)
    totals = next(row for row in result if row.position is None)
    if page_rows:
        count = int(page_rows[0].total_rows)
    elif offset == 0:
        count = 0
    else:
        count = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    return [_to_balance(row) for row in page_rows], _to_balance(totals), count


STAGE_COLUMNS = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
"""The money columns of a row of `contribution_stages`."""


def stage_balance(key: str, label: str, stages: Any) -> Balance:
    """One contribution's balances from its row of `contribution_stages` (all zero where it has no row)."""
    total_value, not_started, held_by_developer, at_risk, received, drawn, spent, returned = (
        to_money(stages[name]) for name in STAGE_COLUMNS
    )
    return Balance(
        key=key,
        label=label,
        total_value=total_value,
        not_started=not_started,
        held_by_developer=held_by_developer,
        at_risk=at_risk,
        held_by_local_authority=held(received, drawn, returned),
        received_by_local_authority=received,
        drawn=drawn,
        spent=spent,
        unspent_drawn=drawn - spent,
        returned=returned,
        remaining=total_value - spent,
    )


def can_use_rollup(group_by: GroupBy, where: BalanceFilter) -> bool:
    """Whether the rollup answers these balances: by authority or purpose, narrowed at most to one authority or
    open agreements."""
    return (
        group_by in (GroupBy.local_authority, GroupBy.purpose)
        and where.agreement_ids is None
        and where.contribution_ids is None
        and where.purpose is None
    )


def _rollup_balance(
    key: str,
    label: str,
    stages: dict[str, Decimal],
    counts: tuple[int, int],
    open_only: bool,
    extra: dict[str, Any] | None = None,
) -> Balance:
    """A balance row from the rollup's stages and counts; by default an authority's (or the totals, keyed total)."""
    received, drawn, spent, returned = (stages[name] for name in ("received", "drawn", "spent", "returned"))
    is_total = key == "total"
    if extra is None:
        extra = {name: (None if is_total or name != "local_authority_id" else key) for name in _EXTRA_KEYS}
    return Balance(
        key=key,
        label=label,
        total_value=stages["total_value"],
        not_started=stages["not_started"],
        held_by_developer=stages["held_by_developer"],
        at_risk=stages["at_risk"],
        held_by_local_authority=held(received, drawn, returned),
        received_by_local_authority=received,
        drawn=drawn,
        spent=spent,
        unspent_drawn=drawn - spent,
        returned=returned,
        remaining=stages["total_value"] - spent,
        agreements=counts[1] if open_only else counts[0],
        open_agreements=counts[1],
        extra=extra,
    )


def _added(stages: Any) -> dict[str, Decimal]:
    total = dict.fromkeys(rollup.STAGES, ZERO)
    for figures in stages:
        for name, value in figures.items():
            total[name] += value
    return total


@dataclass(frozen=True)
class AuthorityFigures:
    """Balances by authority from the rollup, and the money each authority holds by purpose."""

    rows: list[Balance]
    totals: Balance
    count: int
    held_by_purpose: dict[tuple[str, str], Decimal]
    cil_only: frozenset[str] = frozenset()
    """The authorities in scope that levy CIL alone."""


def authority_figures(
    session: Session, *, as_at: date, where: BalanceFilter = BalanceFilter(), limit: int | None = None, offset: int = 0
) -> AuthorityFigures:
    """What `balances` by authority and `held_by_purpose` give, read from the rollup one row per authority."""
    authorities = rollup.authority_sums(
        session, as_at=as_at, local_authority_id=where.local_authority_id, open_only=where.open_only
    )
    page = authorities[offset : None if limit is None else offset + limit]
    rows = [
        _rollup_balance(
            authority.local_authority_id,
            authority.name,
            authority.stages,
            (authority.agreements, authority.open_agreements),
            where.open_only,
        )
        for authority in page
    ]
    totals = _rollup_balance(
        "total",
        "Total",
        _added(authority.stages for authority in authorities),
        (
            sum(authority.agreements for authority in authorities),
            sum(authority.open_agreements for authority in authorities),
        ),
        where.open_only,
    )
    held_money = {
        (authority.local_authority_id, purpose): amount
        for authority in authorities
        for purpose, amount in authority.held_by_purpose.items()
    }
    cil_only = frozenset(authority.local_authority_id for authority in authorities if authority.regime is Regime.cil)
    return AuthorityFigures(
        rows=rows, totals=totals, count=len(authorities), held_by_purpose=held_money, cil_only=cil_only
    )


def rollup_balances(
    session: Session,
    *,
    group_by: GroupBy,
    as_at: date,
    where: BalanceFilter = BalanceFilter(),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Balance], Balance, int]:
    """What `balances` gives, read from the rollup, for what `can_use_rollup` accepts."""
    if group_by is GroupBy.local_authority:
        figures = authority_figures(session, as_at=as_at, where=where, limit=limit, offset=offset)
        return figures.rows, figures.totals, figures.count
    found = rollup.purpose_sums(
        session, as_at=as_at, local_authority_id=where.local_authority_id, open_only=where.open_only
    )
    page = found.purposes[offset : None if limit is None else offset + limit]
    rows = [
        _rollup_balance(
            purpose.purpose.value,
            purpose.purpose.value,
            purpose.stages,
            (purpose.agreements, purpose.open_agreements),
            where.open_only,
            extra={name: (purpose.purpose if name == "purpose" else None) for name in _EXTRA_KEYS},
        )
        for purpose in page
    ]
    totals = _rollup_balance(
        "total",
        "Total",
        _added(purpose.stages for purpose in found.purposes),
        (found.agreements, found.open_agreements),
        where.open_only,
    )
    return rows, totals, len(found.purposes)


def balances_by_id(session: Session, *, group_by: GroupBy, as_at: date, ids: list[int]) -> dict[int, Balance]:
    """Balances of a page of agreements or contributions, keyed by id, in one query."""
    if not ids:
        return {}
    rows = session.execute(_by_id_statement(group_by), {"as_at": as_at, "ids": ids})
    return {int(balance.key): balance for balance in map(_to_balance, rows)}


def balance_or_zeros(figures: dict[int, Balance], key: int) -> Balance:
    """A balance from `balances_by_id`, or zeros in every stage for a record without movements."""
    return figures.get(key) or Balance(key=str(key), label="")


@lru_cache
def _by_id_statement(group_by: GroupBy) -> Select[Any]:
    """Built once: every agreement or contribution page and single record asks for this statement."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    as_at = bindparam("as_at", type_=Date())
    if group_by is GroupBy.agreement:
        where = BalanceFilter(agreement_ids=ids)
    else:
        where = BalanceFilter(contribution_ids=ids)
    stages = _stages_select(as_at, where).subquery("contribution_stages")
    grouped, order = _grouped_query(group_by, stages, where)
    return grouped.order_by(*order)


def stage_of(balance: Balance) -> str:
    """A contribution's current stage: the earliest stage that still holds some of its money."""
    if balance.at_risk > 0:
        return "at_risk"
    if balance.not_started > 0:
        return "not_started"
    if balance.held_by_developer > 0:
        return "held_by_developer"
    if balance.held_by_local_authority > 0:
        return "held_by_local_authority"
    if balance.drawn > balance.spent:
        return "drawn"
    if balance.spent > 0:
        return "spent"
    if balance.returned > 0:
        return "returned"
    return "nil"


def held_by_purpose(
    session: Session, *, as_at: date, where: BalanceFilter = BalanceFilter()
) -> dict[tuple[str, str], Decimal]:
    """Money held by local authorities as at a date, by (authority id, purpose), in one query."""
    stages = contribution_stages(as_at, where)
    c = stages.c
    held_sum = held(
        func.coalesce(func.sum(c.received), 0),
        func.coalesce(func.sum(c.drawn), 0),
        func.coalesce(func.sum(c.returned), 0),
    )
    rows = session.execute(select(c.local_authority_id, c.purpose, held_sum).group_by(c.local_authority_id, c.purpose))
    return {
        (str(authority), str(purpose.value if isinstance(purpose, enum.Enum) else purpose)): to_money(amount)
        for authority, purpose, amount in rows
    }


# Project, drawdown and spend money: sums over the movements that payments and spend posted.

LIVE_DRAWDOWN = (DrawdownStatus.submitted, DrawdownStatus.approved, DrawdownStatus.paid)
"""Statuses in which a request's whole amount counts as requested."""

OPEN_DRAWDOWN = (DrawdownStatus.submitted, DrawdownStatus.approved)
"""Statuses in which the unpaid part of a request is still awaited from the authority."""


def awaited_by_contribution(
    session: Session, *, contribution_ids: list[int], excluding_drawdown_id: int | None = None
) -> dict[int, Decimal]:
    """Per contribution: what submitted or approved requests ask for and have not yet been paid."""
    if not contribution_ids:
        return {}
    paid = paid_per_line()
    query = (
        select(
            DrawdownLine.contribution_id,
            func.sum(DrawdownLine.amount - func.coalesce(paid.c.paid, 0)),
        )
        .join(DrawdownRequest, DrawdownRequest.id == DrawdownLine.drawdown_id)
        .outerjoin(paid, paid.c.line_id == DrawdownLine.id)
        .where(DrawdownLine.contribution_id.in_(contribution_ids), DrawdownRequest.status.in_(OPEN_DRAWDOWN))
        .group_by(DrawdownLine.contribution_id)
    )
    if excluding_drawdown_id is not None:
        query = query.where(DrawdownRequest.id != excluding_drawdown_id)
    return {contribution_id: to_money(amount) for contribution_id, amount in session.execute(query)}


def requested_for_projects(
    session: Session, *, project_ids: list[int] | None = None, contribution_ids: list[int] | None = None
) -> dict[tuple[int, int], Decimal]:
    """Per (project, contribution): what live requests ask, plus what was paid on withdrawn ones."""
    paid = paid_per_line()
    is_live = DrawdownRequest.status.in_(LIVE_DRAWDOWN)
    query = (
        select(
            DrawdownRequest.project_id,
            DrawdownLine.contribution_id,
            func.sum(case((is_live, DrawdownLine.amount), else_=func.coalesce(paid.c.paid, 0))),
        )
        .join(DrawdownRequest, DrawdownRequest.id == DrawdownLine.drawdown_id)
        .outerjoin(paid, paid.c.line_id == DrawdownLine.id)
        .group_by(DrawdownRequest.project_id, DrawdownLine.contribution_id)
    )
    if project_ids is not None:
        query = query.where(DrawdownRequest.project_id.in_(project_ids))
    if contribution_ids is not None:
        query = query.where(DrawdownLine.contribution_id.in_(contribution_ids))
    return {(project, contribution): to_money(amount) for project, contribution, amount in session.execute(query)}


def allocated_by_contribution(session: Session, *, contribution_ids: list[int]) -> dict[int, Decimal]:
    """Per contribution: the money identified for all projects together."""
    if not contribution_ids:
        return {}
    rows = session.execute(
        select(ProjectAllocation.contribution_id, func.sum(ProjectAllocation.amount))
        .where(ProjectAllocation.contribution_id.in_(contribution_ids))
        .group_by(ProjectAllocation.contribution_id)
    )
    return {contribution_id: to_money(amount) for contribution_id, amount in rows}


@dataclass
class ProjectMoney:
    """One project's money from one authority: identified, requested, received (drawn) and spent."""

    project_id: int
    local_authority_id: str
    identified: Decimal = ZERO
    requested: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO


def project_money(session: Session, *, project_ids: list[int], scope: str | None) -> list[ProjectMoney]:
    """Per project and authority: identified, requested, received and spent, in four queries."""
    if not project_ids:
        return []
    rows: dict[tuple[int, str], ProjectMoney] = {}

    def row(project_id: int, authority_id: str) -> ProjectMoney:
        return rows.setdefault((project_id, authority_id), ProjectMoney(project_id, authority_id))

    in_scope = scoping.agreement(scope)

    identified = (
        select(ProjectAllocation.project_id, Agreement.local_authority_id, func.sum(ProjectAllocation.amount))
        .join(Contribution, Contribution.id == ProjectAllocation.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(ProjectAllocation.project_id.in_(project_ids), in_scope)
        .group_by(ProjectAllocation.project_id, Agreement.local_authority_id)
    )
    for project_id, authority_id, amount in session.execute(identified):
        row(project_id, authority_id).identified = to_money(amount)
    requested = requested_for_projects(session, project_ids=project_ids)
    spent = spent_for_projects(session, project_ids=project_ids)
    paid = paid_per_line()
    received = (
        select(DrawdownRequest.project_id, Agreement.local_authority_id, func.sum(paid.c.paid))
        .join(DrawdownLine, DrawdownLine.drawdown_id == DrawdownRequest.id)
        .join(paid, paid.c.line_id == DrawdownLine.id)
        .join(Contribution, Contribution.id == DrawdownLine.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(DrawdownRequest.project_id.in_(project_ids), in_scope)
        .group_by(DrawdownRequest.project_id, Agreement.local_authority_id)
    )
    for project_id, authority_id, amount in session.execute(received):
        row(project_id, authority_id).received = to_money(amount)
    contribution_ids = {contribution for _, contribution in (*requested, *spent)}
    authorities: dict[int, str] = {}
    for contribution_id, authority_id in session.execute(
        select(Contribution.id, Agreement.local_authority_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_(contribution_ids), in_scope)
    ):
        authorities[contribution_id] = authority_id
    for (project_id, contribution_id), amount in requested.items():
        if contribution_id in authorities:
            money = row(project_id, authorities[contribution_id])
            money.requested += amount
    for (project_id, contribution_id), amount in spent.items():
        if contribution_id in authorities:
            money = row(project_id, authorities[contribution_id])
            money.spent += amount
    return sorted(rows.values(), key=lambda money: (money.project_id, money.local_authority_id))


@dataclass(frozen=True)
class ForecastInput:
    """A contribution's money by stage as at a date, with what is needed to estimate when it falls due."""

    contribution_id: int
    trigger_type: TriggerType
    trigger_threshold: int | None
    dwellings: int | None
    started_on: date | None
    trigger_met_on: date | None
    not_started: Decimal
    held_by_developer: Decimal
    at_risk: Decimal
    held_by_local_authority: Decimal
    drawn: Decimal
    spent: Decimal
    total_value: Decimal = ZERO
    received: Decimal = ZERO
    """Received by the authority to date (held, drawn and returned): receipts pay the instalments in order."""
    authority_dwellings_per_year: int | None = None
    """The authority's default build rate for sites without recorded progress, if it has one."""


def forecast_inputs(session: Session, *, as_at: date, scope: str | None) -> list[ForecastInput]:
    """Every open contribution's stages and trigger facts as at the date, in one query."""
    stages = contribution_stages(as_at, BalanceFilter(local_authority_id=scope, open_only=True))
    events = (
        select(
            ContributionEvent.contribution_id.label("contribution_id"),
            func.min(
                case((ContributionEvent.kind == EventKind.development_started, ContributionEvent.on), else_=None)
            ).label("started_on"),
            func.max(case((ContributionEvent.kind == EventKind.trigger_met, ContributionEvent.on), else_=None)).label(
                "trigger_met_on"
            ),
        )
        .where(ContributionEvent.on <= as_at)
        .group_by(ContributionEvent.contribution_id)
        .subquery("forecast_events")
    )
    query = (
        select(
            stages.c.contribution_id,
            Contribution.trigger_type,
            Contribution.trigger_threshold,
            Agreement.dwellings,
            events.c.started_on,
            events.c.trigger_met_on,
            stages.c.not_started,
            stages.c.held_by_developer,
            stages.c.at_risk,
            held(stages.c.received, stages.c.drawn, stages.c.returned).label("held"),
            stages.c.drawn,
            stages.c.spent,
            stages.c.total_value,
            stages.c.received,
            LocalAuthority.dwellings_per_year,
        )
        .join(Contribution, Contribution.id == stages.c.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .join(LocalAuthority, LocalAuthority.id == Agreement.local_authority_id)
        .outerjoin(events, events.c.contribution_id == stages.c.contribution_id)
        .order_by(stages.c.contribution_id)
    )
    return [
        ForecastInput(
            contribution_id=row[0],
            trigger_type=row[1],
            trigger_threshold=row[2],
            dwellings=row[3],
            started_on=row[4],
            trigger_met_on=row[5],
            not_started=to_money(row[6]),
            held_by_developer=to_money(row[7]),
            at_risk=to_money(row[8]),
            held_by_local_authority=to_money(row[9]),
            drawn=to_money(row[10]),
            spent=to_money(row[11]),
            total_value=to_money(row[12]),
            received=to_money(row[13]),
            authority_dwellings_per_year=row[14],
        )
        for row in session.execute(query)
    ]


def first_trigger_dates(session: Session, *, as_at: date, contribution_ids: list[int]) -> dict[int, date]:
    """The date each contribution's trigger was first met, as at a date (one query)."""
    if not contribution_ids:
        return {}
    query = (
        select(ContributionEvent.contribution_id, func.min(ContributionEvent.on))
        .where(
            ContributionEvent.kind == EventKind.trigger_met,
            ContributionEvent.on <= as_at,
            ContributionEvent.contribution_id.in_(contribution_ids),
        )
        .group_by(ContributionEvent.contribution_id)
    )
    return {row[0]: row[1] for row in session.execute(query)}
