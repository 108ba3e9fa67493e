"""Response shapes for balances."""

from pydantic import BaseModel

from app.balances.queries import Balance, GroupBy
from app.dates import Day
from app.models import Purpose
from app.money import SignedMoney


class BalanceFigures(BaseModel):
    """Money in every stage, as at a date. Each is a decimal string in pounds."""

    total_value: SignedMoney
    not_started: SignedMoney
    held_by_developer: SignedMoney
    at_risk: SignedMoney
    held_by_local_authority: SignedMoney
    received_by_local_authority: SignedMoney
    drawn: SignedMoney
    spent: SignedMoney
    unspent_drawn: SignedMoney
    returned: SignedMoney
    remaining: SignedMoney

    @classmethod
    def of(cls, balance: Balance) -> "BalanceFigures":
        """The figures of a computed balance."""
        return cls.model_validate(balance, from_attributes=True)


class BalanceRow(BalanceFigures):
    """One group's balances, with the count of agreements behind them."""

    key: str
    label: str
    local_authority_id: str | None = None
    agreement_id: int | None = None
    contribution_id: int | None = None
    purpose: Purpose | None = None
    agreements: int
    open_agreements: int

    @classmethod
    def of_row(cls, balance: Balance) -> "BalanceRow":
        """A response row from a computed balance."""
        return cls.model_validate({**balance.__dict__, **balance.extra})


class BalanceReport(BaseModel):
    """Balances grouped as asked, as at a date, with a totals row over every group."""

    as_at: Day
    group_by: GroupBy
    open_only: bool
    rows: list[BalanceRow]
    totals: BalanceRow
    total_rows: int
    limit: int
    offset: int
