"""What a council says it holds beside the force's ledger: pure comparisons, no database."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from app.balances.queries import Balance
from app.money import ZERO, pounds
from app.standard.checks import published_sums, secured_of
from app.standard.rows import AgreementRow, ContributionRow
from app.standard.schemas import AuthorityComparison, Comparison, ContributionComparison


def published_for(target: AgreementRow, rows: list[ContributionRow]) -> dict[str, Decimal]:
    """The published secured, received, transferred and spent of an agreement's force contributions."""
    published: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        if row.target is not target or not row.selected or row.amount is None:
            continue
        if row.end_on is None:
            published["secured"] += row.amount
        for transaction in row.transactions:
            money = transaction.status not in (None, "secured", "allocated")
            if money and transaction.status and transaction.end_on is None and transaction.amount:
                published[transaction.status] += transaction.amount
    return published


def compare_agreement(
    *, agreement_id: int, reference: str, published: dict[str, Decimal], ledger: Balance
) -> Comparison:
    """An agreement's published figures beside the ledger's, each difference named."""
    pairs = (
        ("secured", published["secured"], "total value", ledger.total_value),
        ("received", published["received"], "received", ledger.received_by_local_authority),
        ("transferred", published["transferred"], "drawn", ledger.drawn),
        ("spent", published["spent"], "spent", ledger.spent),
    )
    return Comparison(
        agreement_id=agreement_id,
        agreement_reference=reference,
        published_secured=published["secured"],
        published_received=published["received"],
        published_transferred=published["transferred"],
        published_spent=published["spent"],
        ledger_total_value=ledger.total_value,
        ledger_received=ledger.received_by_local_authority,
        ledger_drawn=ledger.drawn,
        ledger_spent=ledger.spent,
        differences=[
            f"published {name} {pounds(theirs)}, ledger {ours_name} {pounds(ours)} (difference {pounds(theirs - ours)})"
            for name, theirs, ours_name, ours in pairs
            if theirs != ours
        ],
    )


def compare_contribution(
    *, row: ContributionRow, contribution_id: int | None, ledger: Balance | None, as_at: date
) -> ContributionComparison:
    """A published contribution's received, transferred and spent by a date beside the ledger's, differences named."""
    sums = published_sums(row, as_at)
    secured = secured_of(row, sums) if row.end_on is None else ZERO
    figures = ledger or Balance(key="", label="")
    pairs = (
        ("secured", secured, "total value", figures.total_value),
        ("received", sums["received"], "received", figures.received_by_local_authority),
        ("transferred", sums["transferred"], "drawn", figures.drawn),
        ("spent", sums["spent"], "spent", figures.spent),
    )
    differences = (
        ["not in the force's ledger"]
        if ledger is None
        else [
            f"published {name} {pounds(theirs)}, ledger {ours_name} {pounds(ours)} (difference {pounds(theirs - ours)})"
            for name, theirs, ours_name, ours in pairs
            if theirs != ours
        ]
    )
    return ContributionComparison(
        file=row.file,
        line=row.line,
        agreement_reference=row.target.reference if row.target else row.agreement_reference,
        contribution_reference=row.source_reference,
        contribution_id=contribution_id,
        published_secured=secured,
        published_received=sums["received"],
        published_transferred=sums["transferred"],
        published_spent=sums["spent"],
        ledger_total_value=figures.total_value,
        ledger_received=figures.received_by_local_authority,
        ledger_drawn=figures.drawn,
        ledger_spent=figures.spent,
        differences=differences,
    )


def compare_authority(
    *, local_authority_id: str, as_at: str, purposes: list[str], compared: list[ContributionComparison]
) -> AuthorityComparison:
    """An authority's contributions compared, with the totals of both sides."""

    def total(name: str) -> Decimal:
        return sum((getattr(item, name) for item in compared), ZERO)

    return AuthorityComparison(
        local_authority_id=local_authority_id,
        as_at=as_at,
        purposes=purposes,
        contributions=compared,
        published_received=total("published_received"),
        published_transferred=total("published_transferred"),
        published_spent=total("published_spent"),
        ledger_received=total("ledger_received"),
        ledger_drawn=total("ledger_drawn"),
        ledger_spent=total("ledger_spent"),
        agreeing=sum(1 for item in compared if not item.differences),
        differing=sum(1 for item in compared if item.differences),
    )
