"""The Panel's tables computed from the ledger, and reconciliation of a printed one against them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.balances.queries import Balance, BalanceFilter, GroupBy, authority_figures, balances, held_by_purpose
from app.models import LocalAuthority, Regime
from app.money import ZERO
from app.reports.reconcile import (
    HELD_BY_PURPOSE,
    TOTAL_LABEL,
    Finding,
    Layout,
    PanelRow,
    PanelTable,
    parse_table,
    reconcile,
    short_name,
)


def _values(layout: Layout, balance: Balance, held: dict[str, Decimal]) -> dict[str, Decimal]:
    if layout is Layout.panel_2021:
        return {
            "total_value_of_agreements": balance.total_value,
            "number_of_agreements": Decimal(balance.agreements),
            "held_by_local_authority": balance.held_by_local_authority,
            **{column: held.get(purpose, ZERO) for column, purpose in HELD_BY_PURPOSE.items()},
            "drawn_down_by_force": balance.drawn,
            "not_yet_released_by_developers": balance.not_started + balance.held_by_developer,
            "may_not_be_released_trigger_point": balance.at_risk,
        }
    # The 2024 table has no at-risk column: money whose trigger may never come is still with the developer.
    return {
        "open_agreements": Decimal(balance.open_agreements),
        "total_value_of_agreements": balance.total_value,
        "project_not_yet_started": balance.not_started,
        "money_held_by_developers": balance.held_by_developer + balance.at_risk,
        "money_held_by_local_authority": balance.held_by_local_authority,
        "total_money_drawn_down": balance.drawn,
        "total_money_spent": balance.spent,
        "total_funds_remaining": balance.remaining,
    }


def panel_table(
    *, session: Session, layout: Layout, as_at: date, scope: str | None, from_rollup: bool = True
) -> PanelTable:
    """The Panel table as at a date, by authority in the Panel's order, with a Total row.

    The 2021 layout counts every agreement signed by then; the 2024 one only agreements still open.
    CIL-only authorities (Leicester City) appear only if they hold S106 agreements. A planning
    officer's table has their authority's row alone, and a Total equal to it. The figures come from the
    rollup the ledger keeps (app/ledger/rollup.py); `from_rollup=False` sums the ledger itself, the same figures.
    """
    open_only = layout is Layout.panel_2024
    where = BalanceFilter(local_authority_id=scope, open_only=open_only)
    if from_rollup:
        figures = authority_figures(session, as_at=as_at, where=where)
        rows, totals, held_money, cil_only = figures.rows, figures.totals, figures.held_by_purpose, figures.cil_only
    else:
        rows, totals, _count = balances(session, group_by=GroupBy.local_authority, as_at=as_at, where=where)
        held_money = held_by_purpose(session, as_at=as_at, where=where) if layout is Layout.panel_2021 else {}
        cil_only = frozenset(session.scalars(select(LocalAuthority.id).where(LocalAuthority.regime == Regime.cil)))
    held: dict[str, dict[str, Decimal]] = {}
    if layout is Layout.panel_2021:
        for (authority, purpose), amount in held_money.items():
            held.setdefault(authority, {})[purpose] = amount
    table_rows = [
        PanelRow(short_name(row.label), _values(layout, row, held.get(row.key, {})), local_authority_id=row.key)
        for row in rows
        if row.key not in cil_only or row.agreements > 0
    ]
    held_totals: dict[str, Decimal] = {}
    for by_purpose in held.values():
        for purpose, amount in by_purpose.items():
            held_totals[purpose] = held_totals.get(purpose, ZERO) + amount
    total = PanelRow(TOTAL_LABEL, _values(layout, totals, held_totals))
    return PanelTable(layout=layout, as_at=as_at, rows=table_rows, total=total, open_only=open_only)


@dataclass
class Reconciliation:
    """A printed table, the ledger's table for the same date and layout, and every finding."""

    printed: PanelTable
    computed: PanelTable
    findings: list[Finding]

    @property
    def cells(self) -> list[Finding]:
        """Cell-by-cell comparisons with the ledger (and rows only one side has)."""
        return [finding for finding in self.findings if not finding.is_fault]

    @property
    def faults(self) -> list[Finding]:
        """Faults in the printed table's own arithmetic."""
        return [finding for finding in self.findings if finding.is_fault]


def reconcile_csv(*, session: Session, text: str, as_at: date) -> Reconciliation:
    """Reconcile a published table (CSV, either layout) as at its date against the ledger."""
    printed = parse_table(text, as_at=as_at)
    computed = panel_table(session=session, layout=printed.layout, as_at=as_at, scope=None)
    return Reconciliation(printed=printed, computed=computed, findings=reconcile(printed, computed))
